// `npm run import -- FILE`: a user's CRD file is vendored byte for byte with its source and
// sha256, every kind of it gets classes, and a file that is not a CRD manifest is refused before
// anything is written. (The full regeneration, cdk8s import included, takes minutes: it is run
// by hand, docs/synth.md "imports/".) It spawns node, so it is in the e2e tier. Time budget: a
// few seconds per test (one node process each), 60 s on a busy machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers';

jest.setTimeout(60_000);

const WIDGETS = `# the operator's release file, with a comment before the first document
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions:
    - { name: v1beta1, served: true, storage: false, schema: { openAPIV3Schema: { type: object } } }
    - { name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names: { kind: Gadget, plural: gadgets }
  scope: Cluster
  versions:
    - { name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object } } }
`;

interface Entry { upstreamFile: string; upstream: string; sha256: string; classes: Record<string, string>; documents: { kind: string; group: string; file: string; offset: number; length: number; sha256: string }[] }

describe('npm run import -- FILE', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'import-command-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('vendors each CRD of the file byte for byte, with the source and the sha256, and classes for every kind', () => {
    const file = join(dir, 'widgets.yaml');
    writeFileSync(file, WIDGETS);
    const script = `import { vendorFile } from ${JSON.stringify(join(ROOT, 'scripts/import/vendor.mjs'))};
      import { readFileSync } from 'node:fs';
      console.log(JSON.stringify(vendorFile(${JSON.stringify(join(dir, 'crds'))}, 'widgets.yaml', readFileSync(${JSON.stringify(file)}), { upstream: 'example/widget-operator v2.1.0', classes: 'all' })));`;
    const entry = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Entry;
    const bytes = readFileSync(file);
    expect(entry.upstream).toBe('example/widget-operator v2.1.0');
    expect(entry.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    // Classes for every kind, at its storage version.
    expect(entry.classes).toEqual({ Widget: 'v1', Gadget: 'v1' });
    expect(entry.documents.map((d) => [d.group, d.kind, d.file])).toEqual([
      ['example.com', 'Widget', 'widgets/widgets.example.com.yaml'],
      ['example.com', 'Gadget', 'widgets/gadgets.example.com.yaml'],
    ]);
    for (const doc of entry.documents) {
      const copy = readFileSync(join(dir, 'crds', doc.file));
      expect(copy.equals(bytes.subarray(doc.offset, doc.offset + doc.length))).toBe(true);
      expect(createHash('sha256').update(copy).digest('hex')).toBe(doc.sha256);
    }
  });

  test('a file without a CustomResourceDefinition is refused (exit 2) and nothing is vendored', () => {
    const file = join(dir, 'configmap.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
    const before = readFileSync(join(ROOT, 'imports/crds/VENDORED.json'), 'utf8');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/import.mjs'), file], { encoding: 'utf8' });
    expect([run.status, run.stderr.trim()]).toEqual([2, 'npm run import: configmap.yaml: no CustomResourceDefinition in it (a CRD has apiVersion apiextensions.k8s.io/v1 and kind CustomResourceDefinition)']);
    expect(readFileSync(join(ROOT, 'imports/crds/VENDORED.json'), 'utf8')).toBe(before);
  });

  test('a file that does not exist is refused (exit 2)', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/import.mjs'), join(dir, 'missing.yaml')], { encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([2, expect.stringMatching(/missing\.yaml: no such file/)]);
  });

  test('in a library user\'s project: validators for the kinds the library does not serve, loading no package; a kind the library serves keeps its schema', () => {
    // The project vendors a file with its own Widget and a copy of cert-manager's Certificate CRD,
    // which the library vendors already (no classes asked, so no `cdk8s import` runs here).
    const project = join(dir, 'project');
    const certificate = readFileSync(join(ROOT, 'imports/crds/cert-manager-v1.21.1/certificates.cert-manager.io.yaml'), 'utf8');
    const file = join(dir, 'mixed.yaml');
    writeFileSync(file, `${WIDGETS}---\n${certificate.replace(/^---\n/, '')}`);
    const script = `import { vendorFile, readVendored, withEntry, writeVendored } from ${JSON.stringify(join(ROOT, 'scripts/import/vendor.mjs'))};
      import { generateProject } from ${JSON.stringify(join(ROOT, 'scripts/import/generate.mjs'))};
      import { libraryImports } from ${JSON.stringify(join(ROOT, 'scripts/import/project.mjs'))};
      import { readFileSync } from 'node:fs';
      const crds = ${JSON.stringify(join(project, 'imports', 'crds'))};
      writeVendored(crds, withEntry(readVendored(crds), vendorFile(crds, 'mixed.yaml', readFileSync(${JSON.stringify(file)}), { upstream: 'example/mixed v1', classes: {} })));
      console.log(JSON.stringify(generateProject(${JSON.stringify(project)}, { library: libraryImports(), cdk8s: '/nonexistent/cdk8s', log: () => undefined })));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { kinds: string[]; skipped: { key: string; by: string }[] };
    expect(result.kinds).toEqual(['example.com/v1/Gadget', 'example.com/v1/Widget', 'example.com/v1beta1/Widget']);
    expect(result.skipped.map((s) => `${s.key} ${s.by}`)).toEqual(['cert-manager.io/v1/Certificate cert-manager-v1.21.1.yaml']);
    const validators = join(project, 'imports', 'validators');
    // Loadable from anywhere: the generated modules require only each other.
    for (const module of ['index.js', 'example.com.Widget.js', 'example.com.Gadget.js']) {
      expect([...readFileSync(join(validators, module), 'utf8').matchAll(/require\((["'][^"']+["'])\)/g)].map((m) => m[1]).filter((r) => !r.startsWith("'./"))).toEqual([]);
    }
    const check = `const { validators } = require(${JSON.stringify(join(validators, 'index.js'))});
      const validate = validators['example.com/v1/Widget']();
      const ok = validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } } });
      const bad = validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', labells: {} } });
      console.log(JSON.stringify({ ok, bad, errors: validate.errors.map((e) => e.instancePath + ' ' + e.keyword) }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['-e', check], { encoding: 'utf8', cwd: dir }))).toEqual({ ok: true, bad: false, errors: ['/metadata additionalProperties'] });
  });
});
