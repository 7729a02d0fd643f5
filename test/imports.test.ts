import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validators } from '../imports/validators';
import { ROOT } from './helpers';

interface Upstream { file: string; upstream: string; kinds: Record<string, string> | string[]; sha256: string }
const upstream: Upstream[] = JSON.parse(readFileSync(join(ROOT, 'imports/UPSTREAM.json'), 'utf8'));
interface Vendored { upstreamFile: string; sha256: string; documents: { kind: string; file: string; sha256: string }[] }
const vendored: Vendored[] = JSON.parse(readFileSync(join(ROOT, 'imports/crds/VENDORED.json'), 'utf8'));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

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

  test('vendors an unchanged upstream document for every CRD kind it imports, from the upstream file it records', () => {
    for (const entry of upstream.filter((u) => !Array.isArray(u.kinds))) {
      const record = vendored.find((v) => v.upstreamFile === entry.file);
      expect(record?.sha256).toBe(entry.sha256);
      expect(record?.documents.map((d) => d.kind).sort()).toEqual(Object.keys(entry.kinds).sort());
      for (const doc of record?.documents ?? []) expect([doc.file, sha256(join(ROOT, 'imports/crds', doc.file))]).toEqual([doc.file, doc.sha256]);
    }
    const schema = upstream.find((u) => Array.isArray(u.kinds));
    expect(sha256(join(ROOT, 'imports/schemas', schema?.file ?? ''))).toBe(schema?.sha256);
  });

  test('npm run import reads the vendored sources in imports/, not ../shared', () => {
    expect(readFileSync(join(ROOT, 'scripts/import.mjs'), 'utf8')).not.toMatch(/\.\.\/shared\b|shared\/(crds|schemas)/);
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
