import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffTrees, readTree, recoverInterruptedWrite, renderAppFiles, writeTreeAtomically } from '../../../lib/pipeline/engine/output';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';

const object = (kind: string, name: string, namespace = 'demo'): KubeObject => ({ apiVersion: 'v1', kind, metadata: { name, namespace } });

describe('rendering an app directory', () => {
  test('one file per object, named by kind and name, listed in a sorted kustomization.yaml', () => {
    const files = renderAppFiles([object('Service', 'api'), object('ConfigMap', 'env')], '# header');
    expect([...files.keys()]).toEqual(['configmap-env.yaml', 'service-api.yaml', 'kustomization.yaml']);
    expect(files.get('kustomization.yaml')).toBe('# header\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - configmap-env.yaml\n  - service-api.yaml\n');
  });

  test('adds the namespace to a file name only when two objects would collide', () => {
    const files = renderAppFiles([object('ReferenceGrant', 'x', 'a'), object('ReferenceGrant', 'x', 'b')], '#');
    expect([...files.keys()]).toContain('referencegrant-a-x.yaml');
    expect([...files.keys()]).toContain('referencegrant-b-x.yaml');
  });

  test('is byte-for-byte deterministic', () => {
    const make = () => renderAppFiles([object('Service', 'api'), object('ConfigMap', 'env')], '#');
    expect([...make()]).toEqual([...make()]);
  });
});

describe('writing dist/ atomically', () => {
  let dir: string;
  let out: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'out-'));
    out = join(dir, 'dist');
  });

  test('replaces the whole tree: files removed from the code disappear', () => {
    writeTreeAtomically(out, new Map([['e/a/one.yaml', '1'], ['e/a/two.yaml', '2']]));
    writeTreeAtomically(out, new Map([['e/a/one.yaml', '1']]));
    expect([...readTree(out).keys()]).toEqual(['e/a/one.yaml']);
    expect(readdirSync(dir)).toEqual(['dist']);
  });

  test('a run killed between the two renames is repaired: the previous output comes back', () => {
    writeTreeAtomically(out, new Map([['e/a/one.yaml', 'old']]));
    // Simulate a kill after `dist` was set aside and before the new tree was moved in.
    renameSync(out, join(dir, '.dist.prev-99999'));
    mkdirSync(join(dir, '.dist.next-99999', 'e'), { recursive: true });
    writeFileSync(join(dir, '.dist.next-99999', 'e', 'half.yaml'), 'partial');
    recoverInterruptedWrite(out);
    expect([...readTree(out)]).toEqual([['e/a/one.yaml', 'old']]);
    expect(readdirSync(dir)).toEqual(['dist']);
  });

  test('a run killed while writing the new tree leaves dist/ as it was', () => {
    writeTreeAtomically(out, new Map([['e/a/one.yaml', 'old']]));
    mkdirSync(join(dir, '.dist.next-99998'));
    writeFileSync(join(dir, '.dist.next-99998', 'junk'), 'x');
    recoverInterruptedWrite(out);
    expect([...readTree(out)]).toEqual([['e/a/one.yaml', 'old']]);
    expect(existsSync(join(dir, '.dist.next-99998'))).toBe(false);
  });

  test('diffTrees lists added, removed and changed files', () => {
    const diff = diffTrees(new Map([['a', '1'], ['b', '2']]), new Map([['b', '3'], ['c', '4']]));
    expect(diff).toEqual({ added: ['c'], removed: ['a'], changed: ['b'] });
  });
});
