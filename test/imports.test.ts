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

  test('has a strict validator for every CRD kind it imports, and only those', () => {
    const crdKinds = upstream.flatMap((u) => (Array.isArray(u.kinds) ? [] : Object.keys(u.kinds)));
    const validated = Object.keys(validators).filter((k) => k.includes('.') && !k.startsWith('v1/'));
    expect(validated.map((k) => k.split('/').pop()).sort()).toEqual(expect.arrayContaining(crdKinds.sort()));
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
