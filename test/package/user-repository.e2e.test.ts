import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { guideFiles } from '../guide-files';
import { ROOT } from '../helpers';
import { ok, run, type Run } from './processes';

// Another team's repository, built from the text of docs/first-app.md as a new user follows it:
// the library packed into vendor/ and installed from there with the guide's commands, the lock
// file committed, then a fresh clone installed by `npm ci` with an empty npm cache (CI's case),
// where the guide's app synthesizes and its tests pass; then the guide's "Adding a CRD": the
// package's command vendors a CRD into the project, generates its typed classes and validators,
// an app uses them, and synth refuses a bad object of that CRD with its field path. The server
// check of the same kind of project is in the server tier (test/apiserver/user-repository.test.mjs).
//
// Time budget: the two installs reach the npm registry (allowed here: a fresh clone's `npm ci`
// is what is tested) and take a minute or two each; 12 minutes for the setup on a busy machine,
// 3 minutes for each test that spawns npm or node.

const GUIDE = join(ROOT, 'docs', 'first-app.md');
const guide = readFileSync(GUIDE, 'utf8');
const files = guideFiles(GUIDE);
const SETUP = 12 * 60_000;
const SPAWNS = 3 * 60_000;

/** The `npm install ...` lines of a guide's ```sh block that follows `after`, as argument lists. */
function installLines(after: string): string[][] {
  const block = new RegExp(`${after}[\\s\\S]*?\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(guide)![1];
  return block.split('\n').filter((l) => l.startsWith('npm install ')).map((l) => l.replace(/\s+#.*$/, '').split(/\s+/).slice(1));
}

describe('another team\'s repository, from docs/first-app.md (slow: packs the library, installs it from vendor/, npm ci in a fresh clone)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cdk8s-user-repo-'));
  const origin = join(tmp, 'my-deployments');
  const clone = join(tmp, 'clone');
  const built = join(tmp, 'package');
  const git = (cwd: string, ...args: string[]) => ok('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd });
  /** npm in the clone, with the clone's own empty cache. */
  const env = { ...process.env, NO_COLOR: '1', npm_config_cache: join(tmp, 'clone-npm-cache'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const npmRun = (script: string, ...argv: string[]) => run('npm', ['run', '--silent', script, ...(argv.length ? ['--', ...argv] : [])], { cwd: clone, env });
  let ci: Run;

  beforeAll(async () => {
    mkdirSync(origin);
    await git(origin, 'init', '-q', '-b', 'main');
    await ok('npm', ['init', '-y'], { cwd: origin });
    // The guide's `npm run build:lib -- --pack ../my-deployments/vendor`, in this repository.
    await ok(process.execPath, [join(ROOT, 'scripts', 'build-lib.mjs'), '--out', built, '--pack', join(origin, 'vendor')]);
    const installEnv = { ...process.env, npm_config_cache: join(tmp, 'origin-npm-cache'), npm_config_audit: 'false', npm_config_fund: 'false' };
    // Section 1's installs, then "Adding a CRD"'s cdk8s-cli.
    for (const args of [...installLines('## 1\\. Install'), ...installLines('An object of any other kind is refused')]) await ok('npm', args, { cwd: origin, env: installEnv });
    for (const [path, content] of files) {
      if (path.includes('#') || path.includes(':')) continue;
      mkdirSync(dirname(join(origin, path)), { recursive: true });
      writeFileSync(join(origin, path), content);
    }
    const pkg = JSON.parse(readFileSync(join(origin, 'package.json'), 'utf8'));
    writeFileSync(join(origin, 'package.json'), `${JSON.stringify({ ...pkg, scripts: JSON.parse(files.get('package.json#scripts')!) }, null, 2)}\n`);
    await git(origin, 'add', '-A');
    await git(origin, 'commit', '-q', '-m', 'hello, with the library from vendor/');
    // A fresh clone, installed as CI installs it: exactly the lock file, with an empty cache.
    await git(tmp, 'clone', '-q', origin, clone);
    ci = await run('npm', ['ci'], { cwd: clone, env });
  }, SETUP);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('the lock file records the package file inside the repository, and `npm ci` installs it in a fresh clone with an empty cache', () => {
    expect(ci.stderr).not.toMatch(/ENOENT|ERR!/);
    expect(ci.code).toBe(0);
    const lock = JSON.parse(readFileSync(join(clone, 'package-lock.json'), 'utf8'));
    const tarball = readdirSync(join(clone, 'vendor'));
    expect(tarball).toEqual(['platform-cdk8s-constructs-0.1.0.tgz']);
    expect(lock.packages[''].dependencies['@platform/cdk8s-constructs']).toBe('file:vendor/platform-cdk8s-constructs-0.1.0.tgz');
    const installed = lock.packages['node_modules/@platform/cdk8s-constructs'];
    expect(installed.resolved).toBe('file:vendor/platform-cdk8s-constructs-0.1.0.tgz');
    // The integrity npm checks on every install: the committed file's own SHA-512.
    expect(installed.integrity).toBe(`sha512-${createHash('sha512').update(readFileSync(join(clone, 'vendor', tarball[0]))).digest('base64')}`);
    expect(existsSync(join(clone, 'node_modules', '@platform', 'cdk8s-constructs', 'dist', 'lib', 'pipeline', 'index.js'))).toBe(true);
  });

  test('`npm pack` of the library holds the library only: its build, its command and what the command runs', async () => {
    const [{ files: packed }] = JSON.parse((await ok('npm', ['pack', '--dry-run', '--json'], { cwd: built, env })).stdout) as [{ files: { path: string }[] }];
    const top = [...new Set(packed.map((f) => f.path.split('/').slice(0, f.path.startsWith('test/') || f.path.startsWith('scripts/') ? 2 : 1).join('/')))].sort();
    expect(top).toEqual(['README.md', 'dist', 'package.json', 'scripts/cdk8s-constructs.mjs', 'scripts/import', 'scripts/server-check', 'test/apiserver', 'test/certmanager', 'test/kwok', 'test/operators']);
    // Nothing of this repository's deployments (apps/, overlays/, its dist/<env>/) nor its tests.
    expect(packed.map((f) => f.path).filter((p) => /^(apps|overlays|lib|docs)\/|^dist\/(?!lib\/|imports\/)|^test\/(?!apiserver\/|certmanager\/|kwok\/|operators\/)|\.test\.|\.ts$(?<!\.d\.ts)/.test(p))).toEqual([]);
  }, SPAWNS);

  test('the guide\'s app synthesizes and its `npm test` passes in the clone', async () => {
    const synth = await npmRun('synth');
    expect(synth.stderr).toBe('');
    expect(synth.code).toBe(0);
    expect(existsSync(join(clone, 'dist', 'dev', 'hello', 'deployment-hello.yaml'))).toBe(true);
    const tested = await npmRun('test');
    expect(tested.stdout).toMatch(/^[#ℹ] fail 0$/m);
    expect(tested.code).toBe(0);
  }, SPAWNS);

  describe('Adding a CRD with the package\'s command', () => {
    const crdFile = files.get('widgets.yaml#adding-a-crd')!;
    const overlay = join(clone, 'overlays', 'dev', 'gallery.yaml');
    const appFile = join(clone, 'apps', 'gallery.ts');
    let imported: Run;

    beforeAll(async () => {
      writeFileSync(join(clone, 'widgets.yaml'), crdFile);
      const command = /^npx cdk8s-constructs import .*$/m.exec(guide)![0];
      const words = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
      imported = await run('npx', words.slice(1), { cwd: clone, env });
      writeFileSync(appFile, files.get('apps/gallery.ts#adding-a-crd')!);
      writeFileSync(overlay, files.get('overlays/dev/gallery.yaml#adding-a-crd')!);
      const index = join(clone, 'apps', 'index.ts');
      writeFileSync(index, readFileSync(index, 'utf8').replace("import { hello } from './hello';", "import { gallery } from './gallery';\nimport { hello } from './hello';").replace('[hello]', '[hello, gallery]'));
    }, SPAWNS);

    test('the CRD is vendored byte for byte into the project with its source and sha256; classes and validators are generated there', () => {
      expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      expect(imported.stdout).toMatch(/^imports\/crds\/widgets\/: example\.com Widget$/m);
      const [entry] = JSON.parse(readFileSync(join(clone, 'imports', 'crds', 'VENDORED.json'), 'utf8'));
      expect(entry).toMatchObject({ upstreamFile: 'widgets.yaml', upstream: 'example/widget-operator v2.1.0', sha256: createHash('sha256').update(crdFile).digest('hex'), classes: { Widget: 'v1' } });
      const copy = readFileSync(join(clone, 'imports', 'crds', entry.documents[0].file));
      expect(copy.equals(Buffer.from(crdFile).subarray(entry.documents[0].offset, entry.documents[0].offset + entry.documents[0].length))).toBe(true);
      expect(readFileSync(join(clone, 'imports', 'example.com.ts'), 'utf8')).toMatch(/export class Widget extends ApiObject/);
      expect(readFileSync(join(clone, 'imports', 'validators', 'index.js'), 'utf8')).toContain("'example.com/v1/Widget': () => require('./example.com.Widget.js')");
    });

    test('synth validates the Widget with the project\'s schema and writes it; type-checks with its class', async () => {
      const synth = await npmRun('synth');
      expect(synth.stderr).toBe('');
      expect(synth.code).toBe(0);
      expect(parse(readFileSync(join(clone, 'dist', 'dev', 'gallery', 'widget-gallery.yaml'), 'utf8'))).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'gallery', namespace: 'hello' }, spec: { size: 3, colour: 'green' } });
      const tested = await npmRun('test');
      expect(tested.stdout).toMatch(/^dist\/ matches a fresh synth/m);
      expect(tested.code).toBe(0);
    }, SPAWNS);

    test('a Widget the CRD refuses stops synth with its field path (exit 2, dist/ untouched), as the guide shows; the corrected twin passed above', async () => {
      const good = readFileSync(overlay, 'utf8');
      const before = readFileSync(join(clone, 'dist', 'dev', 'gallery', 'widget-gallery.yaml'), 'utf8');
      writeFileSync(overlay, good.replace('size: 3', 'size: 30'));
      try {
        const refused = await npmRun('synth');
        expect(refused.code).toBe(2);
        const shown = /```text output:crd\n([\s\S]*?)```/.exec(guide)![1].split('\n')[1];
        expect(refused.stderr).toContain(shown.slice(shown.indexOf('(Widget hello/gallery) spec.size'), shown.indexOf(' (app gallery')));
        expect(readFileSync(join(clone, 'dist', 'dev', 'gallery', 'widget-gallery.yaml'), 'utf8')).toBe(before);
      } finally {
        writeFileSync(overlay, good);
      }
    }, SPAWNS);

    test('an unknown field of the Widget, and a kind nothing serves, are refused: the field by its path, the kind with the package\'s command', async () => {
      const good = readFileSync(appFile, 'utf8');
      writeFileSync(appFile, good
        .replace("import { defineApp, Type }", "import { ApiObject } from 'cdk8s';\nimport { defineApp, Type }")
        .replace('  build(chart, values) {\n', "  build(chart, values) {\n    new ApiObject(chart, 'Raw', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'raw' }, spec: { size: 2, shape: 'round' } });\n    new ApiObject(chart, 'Gizmo', { apiVersion: 'example.org/v1', kind: 'Gizmo', metadata: { name: 'gizmo' } });\n"));
      try {
        const refused = await npmRun('synth');
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/gallery\/Raw \(Widget hello\/raw\) spec\.shape: is not a field of this kind/);
        expect(refused.stderr).toMatch(/example\.org\/v1 Gizmo is neither built into Kubernetes 1\.\d+ nor served by a vendored CRD/);
        expect(refused.stderr).toContain('fix: vendor the CustomResourceDefinition of example.org Gizmo from its operator\'s release and regenerate imports/: npx cdk8s-constructs import <the operator\'s CRD manifest>.yaml');
      } finally {
        writeFileSync(appFile, good);
      }
    }, SPAWNS);

    test('the command refuses what it cannot vendor (exit 2, nothing written) and a file of no CRD', async () => {
      writeFileSync(join(clone, 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
      const before = readFileSync(join(clone, 'imports', 'crds', 'VENDORED.json'), 'utf8');
      const refused = await run('npx', ['cdk8s-constructs', 'import', 'configmap.yaml'], { cwd: clone, env });
      expect([refused.code, refused.stderr.trim()]).toEqual([2, 'cdk8s-constructs: configmap.yaml: no CustomResourceDefinition in it (a CRD has apiVersion apiextensions.k8s.io/v1 and kind CustomResourceDefinition)']);
      expect(readFileSync(join(clone, 'imports', 'crds', 'VENDORED.json'), 'utf8')).toBe(before);
      const noDist = await run('npx', ['cdk8s-constructs', 'server-check', '--dist', 'nowhere', '--no-build'], { cwd: clone, env });
      expect([noDist.code, noDist.stderr.trim()]).toEqual([2, 'cdk8s-constructs: nowhere/: no such directory; run `npm run synth` first (or name the output with --dist DIR)']);
    }, SPAWNS);
  });
});
