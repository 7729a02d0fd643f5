import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { guideFiles } from '../guide-files';
import { ROOT } from '../helpers';
import { ok, run } from './processes';

// Slow: builds the library package, packs it, installs the tarball into a
// fresh project with npm --offline, and follows docs/first-app.md there: the guide's files, then
// its commands (`npm run synth`, `npm test`), using the public API only.
//
// The project gets no registry and no npm cache (an empty cache of its own): the library's
// dependencies and peers, and the guide's @types/node, are packed from this repository's
// node_modules, at the locked versions (once per version, kept in .build/package-test/), and
// installed as tarballs, so the test runs the same in
// CI's fresh clone after `npm ci`. The guide's other dev tools (typescript, esbuild) come from
// this repository's node_modules/.bin on the PATH instead of being installed again.

const GUIDE = join(ROOT, 'docs', 'first-app.md');
const ENTRIES = ['@platform/cdk8s-constructs', ...['core', 'secrets', 'apps', 'cnpg', 'gateway', 'tailscale', 'pipeline'].map((e) => `@platform/cdk8s-constructs/${e}`)];
const manifest = JSON.parse(readFileSync(join(ROOT, 'scripts', 'package', 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const rootManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/**
 * The packages a project needs besides the library: its dependencies and required peers, and
 * theirs, as installed here (bundled dependencies travel inside their package's tarball), and the
 * guide's @types/node.
 */
function dependencyDirs(): Map<string, { name: string; version: string }> {
  const found = new Map<string, { name: string; version: string }>();
  const resolveFrom = (name: string, from: string): string => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) throw new Error(`${name} is not installed (from ${from}); run npm ci`);
    }
  };
  const visit = (name: string, from: string) => {
    const dir = resolveFrom(name, from);
    if (found.has(dir)) return;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    found.set(dir, { name: pkg.name, version: pkg.version });
    const bundled = new Set<string>(pkg.bundleDependencies ?? pkg.bundledDependencies ?? []);
    const optionalPeers = new Set(Object.entries(pkg.peerDependenciesMeta ?? {}).filter(([, m]) => (m as { optional?: boolean }).optional).map(([n]) => n));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) if (!bundled.has(dep) && !optionalPeers.has(dep)) visit(dep, dir);
  };
  const optional = new Set(Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional).map(([n]) => n));
  for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies).filter((n) => !optional.has(n)), '@types/node']) visit(name, ROOT);
  return found;
}

/**
 * The tarballs of dependencyDirs(), packed once per name and version into .build/package-test/
 * and reused: a version's tarball holds what npm installed for it, so packing it again would give
 * the same file (npm names it `<scope>-<name>-<version>.tgz`).
 */
async function dependencyTarballs(): Promise<string[]> {
  const cache = join(ROOT, '.build', 'package-test');
  mkdirSync(cache, { recursive: true });
  const tarballs = new Map([...dependencyDirs()].map(([dir, { name, version }]) => [dir, join(cache, `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`)]));
  const missing = [...tarballs].filter(([, tarball]) => !existsSync(tarball)).map(([dir]) => dir);
  if (missing.length > 0) {
    // Packed beside the cache and moved in, so a run that stops half-way leaves no partial file.
    const fresh = mkdtempSync(join(cache, 'packing-'));
    await ok('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', fresh, ...missing], { cwd: fresh });
    for (const file of readdirSync(fresh)) renameSync(join(fresh, file), join(cache, file));
    rmSync(fresh, { recursive: true, force: true });
  }
  for (const tarball of tarballs.values()) if (!existsSync(tarball)) throw new Error(`npm pack did not write ${tarball}`);
  return [...tarballs.values()];
}

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/')).sort();
}

/** The budget of a test that spawns node or npm: seconds each, more on a busy machine. */
const SPAWNS = 180_000;

describe('the library as a package (slow: builds, packs and installs it offline)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'cdk8s-package-'));
  const built = join(tmp, 'package');
  const project = join(tmp, 'my-deployments');
  const timings: Record<string, number> = {};
  let tarballFiles: string[] = [];
  let libraryTarball = '';

  const timed = async <T>(label: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[label] = Math.round(performance.now() - started);
    }
  };
  /** `npm run <script>` in the project, as the guide has the user run it. */
  const npmRun = (script: string, ...argv: string[]) => run('npm', ['run', '--silent', script, ...(argv.length ? ['--', ...argv] : [])], {
    cwd: project,
    env: { ...process.env, NO_COLOR: '1', PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` },
  });

  beforeAll(async () => {
    for (const dir of [project, join(tmp, 'tarballs')]) mkdirSync(dir);
    // The build (tsc, CPU) and the packing of the dependencies (npm, I/O) run side by side.
    const [library, deps] = await Promise.all([
      timed('build:lib + pack', async () => (await ok(process.execPath, [join(ROOT, 'scripts', 'build-lib.mjs'), '--out', built, '--pack', join(tmp, 'tarballs')])).stdout.trim().split('\n').pop()!),
      timed('pack dependencies', dependencyTarballs),
    ]);
    libraryTarball = library;
    tarballFiles = (await ok('tar', ['tzf', library])).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));

    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-deployments', version: '0.0.0', private: true }, null, 2)}\n`);
    await timed('npm install --offline', () => ok('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'npm-cache'), library, ...deps], { cwd: project }));
    // The guide's offline path: with a lock file, `npm ci --offline` installs exactly it from the cache.
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    await timed('npm ci --offline', () => ok('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'npm-cache')], { cwd: project }));

    // The guide's files, its package.json scripts included.
    const files = guideFiles(GUIDE);
    for (const [path, content] of files) {
      if (path.includes('#')) continue;
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), content);
    }
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ ...pkg, scripts: JSON.parse(files.get('package.json#scripts')!) }, null, 2));
  }, 180_000);

  afterAll(() => {
    // How long each step took: PACKAGE_TEST_TIMINGS=1 npx jest test/package/package.e2e.test.ts
    if (process.env.PACKAGE_TEST_TIMINGS) console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the guide installs the library from the packed tarball by path, never by its bare name, and pins everything else (TypeScript 5)', () => {
    const block = /## 1\. Install\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync(GUIDE, 'utf8'))![1];
    const specs = block.split('\n').filter((l) => l.startsWith('npm install ')).flatMap((l) => {
      expect(l).toMatch(/ --save-exact /);
      return l.split(/\s+/).slice(2).filter((t) => !t.startsWith('-'));
    });
    // The bare name could resolve to someone else's package on the public registry.
    expect(specs.filter((spec) => spec.startsWith(manifest.name))).toEqual([]);
    const tarballs = specs.filter((spec) => spec.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    // A path inside the project (vendor/), so npm records it and its integrity in the lock file and
    // `npm ci` finds it in a fresh clone (test/package/user-repository.e2e.test.ts).
    expect(tarballs[0]).toMatch(/^\.\/vendor\//);
    expect(tarballs[0].split('/').pop()).toBe(libraryTarball.split(/[\\/]/).pop()); // what `npm run build:lib -- --pack` writes
    const pinned = Object.fromEntries(specs.filter((spec) => !spec.endsWith('.tgz')).map((spec) => [spec.slice(0, spec.lastIndexOf('@')), spec.slice(spec.lastIndexOf('@') + 1)]));
    // Exactly the versions this repository is tested with: peers (the package's ranges) and dev tools.
    for (const [name, version] of Object.entries(pinned)) {
      expect(`${name}@${version}`).toBe(`${name}@${JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version}`);
    }
    const required = Object.keys(manifest.peerDependencies).filter((n) => !manifest.peerDependenciesMeta?.[n]?.optional);
    expect(Object.keys(pinned)).toEqual(expect.arrayContaining([...required, 'typescript', '@types/node', 'esbuild']));
    expect(pinned.typescript).toMatch(/^5\./);
  });

  test('the tarball holds the compiled library with declarations, the L1 classes and validators it loads, the package command with what it runs, and nothing else', () => {
    for (const entry of Object.values(manifest.exports)) {
      if (typeof entry === 'string') continue;
      expect(tarballFiles).toContain(entry.types.slice(2));
      expect(tarballFiles).toContain(entry.default.slice(2));
    }
    for (const paths of Object.values(manifest.typesVersions['*'])) for (const path of paths) expect(tarballFiles).toContain(path.slice(2));
    const validators = readdirSync(join(ROOT, 'imports', 'validators')).filter((f) => f.endsWith('.js'));
    for (const file of validators) expect(tarballFiles).toContain(`dist/imports/validators/${file}`);
    // The command (its `bin`), the scripts it imports and the Go sources of its control plane and
    // KWOK: the same paths as in this repository, so the binaries' cache key is the same.
    const bin = (manifest as unknown as { bin: Record<string, string> }).bin;
    expect(bin).toEqual({ 'cdk8s-constructs': './scripts/cdk8s-constructs.mjs' });
    expect(tarballFiles.filter((f) => !f.startsWith('dist/')).sort()).toEqual([
      'README.md', 'package.json', 'scripts/cdk8s-constructs.mjs',
      ...['generate', 'project', 'sources', 'vendor'].map((n) => `scripts/import/${n}.mjs`),
      ...readdirSync(join(ROOT, 'scripts', 'server-check')).filter((f) => f.endsWith('.mjs')).map((n) => `scripts/server-check/${n}`),
      ...readdirSync(join(ROOT, 'test', 'apiserver')).filter((f) => /^go\.(mod|sum)$|\.go$/.test(f)).map((f) => `test/apiserver/${f}`),
      'test/kwok/go.mod', 'test/kwok/go.sum',
      ...readdirSync(join(ROOT, 'test', 'kwok', 'stages')).map((f) => `test/kwok/stages/${f}`),
      'test/operators/go.mod', 'test/operators/go.sum',
      'test/certmanager/go.mod', 'test/certmanager/go.sum', 'test/certmanager/main.go',
    ].sort());
    // Every relative import of a shipped script is shipped too (a missing one fails only when the
    // command runs, in the user's repository).
    for (const file of tarballFiles.filter((f) => f.endsWith('.mjs'))) {
      for (const [, target] of readFileSync(join(built, file), 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        expect({ file, imports: join(dirname(file), target), shipped: tarballFiles.includes(join(dirname(file), target)) }).toEqual({ file, imports: join(dirname(file), target), shipped: true });
      }
    }
    for (const file of tarballFiles.filter((f) => /^(scripts|test)\//.test(f))) expect(readFileSync(join(built, file)).equals(readFileSync(join(ROOT, file)))).toBe(true);
    // The vendored CRDs the server check installs, and what a project's CRD validators need.
    expect(tarballFiles).toEqual(expect.arrayContaining(['dist/imports/crds/VENDORED.json', 'dist/imports/crd-definitions.json']));
    expect(tarballFiles.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('every module the package requires is a declared dependency or peer, and every dependency is used', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const used = new Set<string>();
    for (const file of tarballFiles.filter((f) => f.endsWith('.js') || f.endsWith('.mjs'))) {
      for (const [, required, imported] of readFileSync(join(built, file), 'utf8').matchAll(/require\(["']([^"'.][^"']*)["']\)|^import .* from ["']([^"'.][^"']*)["'];$/gm)) {
        const specifier = required ?? imported;
        if (specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        used.add(name);
      }
    }
    expect([...used].filter((name) => !declared.has(name))).toEqual([]);
    expect(Object.keys(manifest.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });

  test('its dependency ranges are the ones this repository is tested with', () => {
    // cdk8s-cli, the optional peer of `cdk8s-constructs import`, is this repository's dev dependency.
    const tested = { ...rootManifest.devDependencies, ...rootManifest.dependencies };
    for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
      expect(`${name}@${range}`).toBe(`${name}@${tested[name]}`);
    }
  });

  test('importing any entry reads no file, writes nothing and leaves nothing running', async () => {
    // Peers and dependencies load first: their own import-time work is not the package's.
    const probe = `
      const fs = require('node:fs');
      for (const dep of ['cdk8s', 'cdk8s-plus-28/lib/imports/k8s', 'constructs', 'ajv', 'yaml', 'js-yaml', '@sinclair/typebox', 'fastest-levenshtein']) require(dep);
      const calls = [];
      // Every fs function that reads or writes a file or directory (realpath, which the module
      // loader uses to resolve, only resolves).
      for (const name of Object.keys(fs)) {
        if (typeof fs[name] !== 'function' || /^[A-Z]|^realpath/.test(name)) continue;
        const original = fs[name];
        fs[name] = function (...args) { calls.push(name + ' ' + String(args[0])); return original.apply(this, args); };
      }
      const before = new Set(Object.keys(require.cache));
      const resources = process.getActiveResourcesInfo().length;
      for (const entry of ${JSON.stringify(ENTRIES)}) require(entry);
      const loaded = Object.keys(require.cache).filter((f) => !before.has(f));
      // The module loader reads each module's source through fs.readFileSync: loading, not an effect.
      const effects = calls.filter((c) => !loaded.some((f) => c === 'readFileSync ' + f));
      console.log(JSON.stringify({ effects, loaded: loaded.length, validators: loaded.filter((f) => f.includes('validators')), resources: process.getActiveResourcesInfo().length - resources }));
    `;
    const result = await ok(process.execPath, ['-e', probe], { cwd: project });
    const report = JSON.parse(result.stdout);
    expect(report.effects).toEqual([]);
    expect(report.resources).toBe(0);
    expect(report.loaded).toBeGreaterThan(20);
    // Validators load per API group on first use, never on import.
    expect(report.validators).toEqual([expect.stringMatching(/validators[\\/]index\.js$/)]);
    expect(manifest).toHaveProperty('sideEffects', false);
  }, SPAWNS);

  test('the entries export what the guide uses, and the package entry is their union', async () => {
    const script = `
      const names = (m) => Object.keys(require(m)).sort();
      console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(ENTRIES)}.map((e) => [e, names(e)]))));
    `;
    const exported: Record<string, string[]> = JSON.parse((await ok(process.execPath, ['-e', script], { cwd: project })).stdout);
    const [all, ...parts] = ENTRIES;
    expect(exported[all]).toEqual([...new Set(parts.flatMap((p) => exported[p]))].sort());
    expect(exported['@platform/cdk8s-constructs/core']).toEqual(expect.arrayContaining(['defineApp', 'ImageContract', 'Type', 'UserError', 'AppChart']));
    // The pipeline: what a project's main.ts and tests run, the diff CLI included.
    expect(exported['@platform/cdk8s-constructs/pipeline']).toEqual(expect.arrayContaining(['runCli', 'synthesize', 'runDiffCli', 'EXIT']));
    expect(exported['@platform/cdk8s-constructs/secrets']).toEqual(['ExternalSecret', 'ExternalSecretValues', 'SealedSecret', 'SealedSecretValues', 'isSealedCiphertext']);
    expect(exported['@platform/cdk8s-constructs/apps']).toEqual(expect.arrayContaining(['WebService', 'PushDaemonApp']));
    expect(exported['@platform/cdk8s-constructs/tailscale']).toEqual(['TAILSCALE_ANNOTATION', 'TAILSCALE_INGRESS_CLASS', 'TAILSCALE_OPERATOR_NAMESPACE', 'TAILSCALE_PROXY_CLASS_LABEL', 'TailscaleFunnel']);
    // Internal modules are not reachable: the exports map is the API.
    const internal = await run(process.execPath, ['-e', "require('@platform/cdk8s-constructs/dist/lib/pipeline/engine/output')"], { cwd: project });
    expect(internal.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  }, SPAWNS);

  test('the guide\'s app synthesizes into dist/<env>/<app>/ with valid, labelled objects', async () => {
    const first = await timed('npm run synth', () => npmRun('synth'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // What the guide shows, but for the time taken.
    const shown = /```text output:synth\n([\s\S]*?)```/.exec(readFileSync(GUIDE, 'utf8'))![1];
    expect(first.stdout.replace(/\(\d+ ms\)/g, '(… ms)')).toBe(shown.replace(/\(\d+ ms\)/g, '(… ms)'));

    const files = listTree(join(project, 'dist', 'dev', 'hello'));
    // The ConfigMap holds GREETING, the variable the guide's image contract requires.
    expect(files).toEqual(['configmap-hello-env.yaml', 'deployment-hello.yaml', 'ingress-hello-dev-funnel.yaml', 'kustomization.yaml', 'service-hello.yaml', 'serviceaccount-hello.yaml']);
    const objects = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => parseAllDocuments(readFileSync(join(project, 'dist', 'dev', 'hello', f), 'utf8')).map((d) => d.toJS()));
    const deployment = objects.find((o) => o.kind === 'Deployment');
    expect(deployment.metadata).toMatchObject({ name: 'hello', namespace: 'hello', labels: { 'app.kubernetes.io/name': 'hello', 'app.kubernetes.io/instance': 'hello-dev', 'app.kubernetes.io/managed-by': 'cdk8s' } });
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image: 'ghcr.io/example/hello:1.4.2', imagePullPolicy: 'Always', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] });
    const ingress = objects.find((o) => o.kind === 'Ingress');
    expect(ingress.spec).toMatchObject({ ingressClassName: 'tailscale', tls: [{ hosts: ['hello-dev'] }], defaultBackend: { service: { name: 'hello', port: { number: 8080 } } } });
    expect(readFileSync(join(project, 'dist', 'dev', 'hello', 'kustomization.yaml'), 'utf8')).toMatch(/^# Generated by `npm run synth` from apps\/hello\.ts and overlays\/dev\/hello\.yaml\. Do not edit\.$/m);
    expect(existsSync(join(project, 'dist', 'dev', 'argocd', 'kustomization.yaml'))).toBe(true);

    const again = await npmRun('synth', '--check');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^dist\/ matches a fresh synth/m);
  }, SPAWNS);

  test('a wrong overlay: the guide\'s error, exit 2, dist/ untouched', async () => {
    const guide = readFileSync(GUIDE, 'utf8');
    const typo = /When the input is wrong[\s\S]*?```yaml\n([\s\S]*?)```\n\n```text\n([\s\S]*?)```/.exec(guide)!;
    const overlay = join(project, 'overlays', 'dev', 'hello.yaml');
    const good = readFileSync(overlay, 'utf8');
    const before = listTree(join(project, 'dist')).map((f) => `${f}\n${readFileSync(join(project, 'dist', f), 'utf8')}`);
    writeFileSync(overlay, typo[1]);
    try {
      const result = await npmRun('synth');
      expect(result.code).toBe(2);
      expect(`${result.stderr}`).toBe(typo[2]);
      expect(listTree(join(project, 'dist')).map((f) => `${f}\n${readFileSync(join(project, 'dist', f), 'utf8')}`)).toEqual(before);
    } finally {
      writeFileSync(overlay, good);
    }
  }, SPAWNS);

  test('the guide\'s `npm test` passes: its project type-checks against the declarations, its tests pass, dist/ is current', async () => {
    const result = await timed('npm test', () => npmRun('test'));
    expect(result.stderr).toBe('');
    // node --test's summary: "# pass 2" (TAP, Node 20 and 22) or "ℹ pass 2" (spec, Node 24).
    expect(result.stdout).toMatch(/^[#ℹ] pass 2$/m);
    expect(result.stdout).toMatch(/^[#ℹ] fail 0$/m);
    expect(result.stdout).toMatch(/^dist\/ matches a fresh synth/m);
    expect(result.code).toBe(0);
  }, SPAWNS);

  test('the guide\'s review: moving hello to another namespace exits 3 with the guide\'s message; its Risk-Accepted trailers accept it with --base', async () => {
    const guide = readFileSync(GUIDE, 'utf8');
    const shown = /```text output:diff\n([\s\S]*?)```/.exec(guide)![1];
    const message = /and CI passes:\n\n```text\n([\s\S]*?)```/.exec(guide)![1];
    const git = (...args: string[]) => ok('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: project });
    const environment = join(project, 'overlays', 'dev', 'environment.yaml');
    const overlay = join(project, 'overlays', 'dev', 'hello.yaml');
    try {
      await git('init', '-q', '-b', 'main');
      await git('add', '-A');
      await git('commit', '-q', '-m', 'hello');
      await git('checkout', '-q', '-b', 'move-hello');
      // The guide's edit: hello-web is a namespace the cluster has, and hello moves there.
      writeFileSync(environment, readFileSync(environment, 'utf8').replace('namespaces: [hello]', 'namespaces: [hello, hello-web]'));
      writeFileSync(overlay, readFileSync(overlay, 'utf8').replace(/^namespace: hello$/m, 'namespace: hello-web'));
      const refused = await npmRun('diff');
      expect(refused.stderr).toBe(shown);
      expect(refused.code).toBe(3);

      await git('commit', '-q', '-a', '-m', message);
      const accepted = await npmRun('diff', '--base', 'main');
      expect(accepted.stderr).toBe('');
      expect(accepted.stdout).toMatch(/^5 risky changes accepted by name: namespace-move:dev\/ConfigMap\/hello\/hello-env \(commit [0-9a-f]+\), /m);
      expect(accepted.code).toBe(0);
    } finally {
      await git('checkout', '-q', 'main');
      rmSync(join(project, '.git'), { recursive: true, force: true });
    }
  }, SPAWNS);

  test('new-app works in the project too: the app it writes imports the package, type-checks and synthesizes', async () => {
    const created = await run(process.execPath, [join(ROOT, 'scripts', 'new-app.mjs'), 'billing', '--env', 'dev', '--root', project]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(readFileSync(join(project, 'apps', 'billing.ts'), 'utf8')).toContain("import { WebService } from '@platform/cdk8s-constructs/apps';");
    expect(readFileSync(join(project, 'apps', 'index.ts'), 'utf8')).toMatch(/= \[billing, hello\] as readonly AppDefinition\[\];/);
    // The same template as in this repository but for its imports (test/new-app/new-app.e2e.test.ts).
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: project });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
    const result = await npmRun('synth', '--app', 'billing');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(listTree(join(project, 'dist', 'dev', 'billing'))).toEqual(['deployment-billing.yaml', 'kustomization.yaml', 'service-billing.yaml', 'serviceaccount-billing.yaml']);
  }, SPAWNS);
});
