import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validators } from '../imports/validators';
import { ROOT } from './helpers';

interface Upstream { file: string; upstream: string; kinds: Record<string, string> | string[]; sha256: string }
const upstream: Upstream[] = JSON.parse(readFileSync(join(ROOT, 'imports/UPSTREAM.json'), 'utf8'));

describe('imports/', () => {
  test('records the upstream version and checksum of every pinned source it was generated from', () => {
    for (const entry of upstream) {
      expect(entry.upstream).toMatch(/v\d+\.\d+\.\d+/);
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('has a strict validator for every kind it imports, and only those', () => {
    // "<version>/<Kind>" of each pinned kind: CRDs list theirs, the Kubernetes definitions are
    // named io.k8s.api.<group>.<version>.<Kind>.
    const imported = upstream.flatMap((u) => (Array.isArray(u.kinds)
      ? u.kinds.map((definition) => definition.split('.').slice(-2).join('/'))
      : Object.entries(u.kinds).map(([kind, version]) => `${version}/${kind}`)));
    const validated = Object.keys(validators).map((key) => key.split('/').slice(-2).join('/'));
    expect(validated.sort()).toEqual(imported.sort());
  });

  test('neither synth nor tests read ../shared (a user clone does not have it)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(entry) && path !== __filename && /\.\.\/shared\b|shared\/(crds|schemas)/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    for (const dir of ['lib', 'apps', 'test']) walk(join(ROOT, dir));
    expect(offenders).toEqual([]);
  });
});
