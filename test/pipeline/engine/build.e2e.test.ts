import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../../apps';
import { overlaySchema } from '../../../lib/pipeline/engine/overlay-schema';
import { formatProblems, UserError } from '../../../lib/core/errors';
import { overlaySchemaKey } from '../../../lib/pipeline/engine/overlay';
import { readTree } from '../../../lib/pipeline/engine/output';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { renderTerraform } from '../../../lib/pipeline/emit/terraform';
import { ROOT, scratchProject } from '../../helpers';

// The CLI as users run it: scripts/build.mjs bundles main.ts (npm run synth, check and diff run
// it with --run), and cdk8s.yaml points `npx cdk8s synth` at the same command. One scratch
// project, built once, for every test here.

/** Spawns a node process in the scratch project; spawns take seconds on a busy machine. */
const BUDGET = 60_000;

describe('the bundled CLI (scripts/build.mjs, main.ts)', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
    build('--quiet');
    writeFileSync(join(root, 'record-modules.js'), "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(Object.keys(require.cache))));\n");
  }, BUDGET);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Runs the build; returns what it printed (esbuild reports the bundle it wrote on stderr). */
  function build(...argv: string[]): string {
    const result = spawnSync(process.execPath, ['scripts/build.mjs', ...argv], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout + result.stderr;
  }

  /** Runs `node [preloads] scripts/build.mjs ARGV`; returns its exit code, output and the modules it loaded. */
  function run(argv: readonly string[], preloads: readonly string[] = []) {
    const modules = join(root, 'modules.json');
    rmSync(modules, { force: true });
    const result = spawnSync(process.execPath, [...preloads.flatMap((p) => ['-r', p]), '-r', './record-modules.js', 'scripts/build.mjs', ...argv], { cwd: root, encoding: 'utf8', env: { ...process.env, MODULES_OUT: modules, NO_COLOR: '1' } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, modules: JSON.parse(readFileSync(modules, 'utf8')) as string[] };
  }
  /** One run of the CLI the way `npm run synth -- ARGV` runs it, into a scratch output directory. */
  const synth = (...argv: string[]) => run(['--quiet', '--run', '--quiet', '--out', '.build/out', ...argv]);
  const ajvLoaded = (modules: string[]) => modules.some((m) => /node_modules[\\/]ajv[\\/]dist[\\/](ajv|core)\.js$/.test(m));
  const cdktfLoaded = (modules: string[]) => modules.some((m) => /node_modules[\\/](cdktf|@cdktf)[\\/]/.test(m));
  const codeforphillyKey = () => overlaySchemaKey(overlaySchema(apps.find((a) => a.name === 'codeforphilly')!));

  test('synth compiles no overlay schema and loads no cdktf: the validators the build wrote are used', () => {
    const result = synth();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(ajvLoaded(result.modules)).toBe(false);
    expect(cdktfLoaded(result.modules)).toBe(false);
    expect(result.modules).toContain(join(root, '.build', 'overlay-validators', `${codeforphillyKey()}.js`));
  }, BUDGET);

  test('a schema the build did not compile is compiled at run time', () => {
    const index = join(root, '.build/overlay-validators/index.js');
    const original = readFileSync(index, 'utf8');
    try {
      writeFileSync(index, original.split('\n').filter((line) => !line.includes(codeforphillyKey())).join('\n'));
      const result = synth('--app', 'codeforphilly');
      expect(result.status).toBe(0);
      expect(ajvLoaded(result.modules)).toBe(true);
    } finally {
      writeFileSync(index, original);
    }
  }, BUDGET);

  test('an overlay error from the bundle is word for word the library\'s', () => {
    const overlay = join(root, 'overlays/cfp-sandbox/codeforphilly.yaml');
    const original = readFileSync(overlay, 'utf8');
    try {
      writeFileSync(overlay, `${original}replicaz: 2\n`);
      const result = synth('--env', 'cfp-sandbox');
      expect(result.status).toBe(2);
      let expected = '';
      try {
        synthesize({ apps, overlaysDir: join(root, 'overlays'), environments: ['cfp-sandbox'] });
      } catch (error) {
        expected = formatProblems((error as UserError).problems);
      }
      expect(expected).toContain('replicaz: unknown key "replicaz"');
      expect(result.stderr.trim()).toBe(`error: bad input; nothing was written\n${expected}`);
    } finally {
      writeFileSync(overlay, original);
    }
  }, BUDGET);

  test('--target terraform loads cdktf and writes the same stack as the library', () => {
    const result = synth('--target', 'terraform', '--env', 'pal-e-prod');
    expect(result.status).toBe(0);
    expect(cdktfLoaded(result.modules)).toBe(true);
    const overlaysDir = join(ROOT, 'overlays');
    const expected = renderTerraform({ result: synthesize({ apps, overlaysDir, environments: ['pal-e-prod'] }), overlaysDir, explicitEnvironments: true });
    expect(readFileSync(join(root, '.build/out/pal-e-prod/cdk.tf.json'), 'utf8')).toBe(expected.files.get('pal-e-prod/cdk.tf.json'));
  }, BUDGET);

  test('--run passes what follows it to main: synth, --check with its exit code, diff', () => {
    const current = run(['--quiet', '--run', '--quiet', '--check']);
    expect(current).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const stale = run(['--quiet', '--run', '--check', '--out', 'nowhere']);
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('nowhere/ differs from a fresh synth');
    const diff = run(['--quiet', '--run', 'diff', '--help']);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toMatch(/^Usage: npm run diff/);
  }, BUDGET);

  test('--run turns on Node\'s compile cache, where Node has one, before it loads the bundle', () => {
    // Node 22.1+ has module.enableCompileCache; stand one in, so this holds on Node 20 too.
    writeFileSync(join(root, 'fake-compile-cache.js'), [
      "const fs = require('node:fs');",
      "require('node:module').enableCompileCache = (dir) => fs.writeFileSync(process.env.CALLS_OUT, JSON.stringify({ dir, bundleLoaded: Object.keys(require.cache).some((m) => m.endsWith('main.js')) }));",
      '',
    ].join('\n'));
    const calls = join(root, 'compile-cache-calls.json');
    const result = spawnSync(process.execPath, ['-r', './fake-compile-cache.js', 'scripts/build.mjs', '--quiet', '--run', '--quiet', '--check'], { cwd: root, encoding: 'utf8', env: { ...process.env, CALLS_OUT: calls } });
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(calls, 'utf8'))).toEqual({ dir: join(root, '.build', 'compile-cache'), bundleLoaded: false });
  }, BUDGET);

  test('bundles again when a source is newer than the bundle, not for an overlay edit', () => {
    const bundleTime = () => statSync(join(root, '.build/main.js')).mtimeMs;
    /** Builds and says whether it bundled, from its output and the bundle's time. */
    const rebuilt = () => {
      const before = bundleTime();
      const output = build();
      expect(output.includes('.build/main.js is up to date')).toBe(bundleTime() === before);
      return bundleTime() !== before;
    };
    expect(rebuilt()).toBe(false);

    // Overlays are read by synth, not bundled.
    appendFileSync(join(root, 'overlays/cfp-sandbox/codeforphilly.yaml'), '# an overlay edit\n');
    expect(rebuilt()).toBe(false);

    appendFileSync(join(root, 'apps/codeforphilly.ts'), '// an app edit\n');
    expect(rebuilt()).toBe(true);
    expect(rebuilt()).toBe(false);

    // A new file in a source directory dates the directory: it may change what an import resolves to.
    mkdirSync(join(root, 'lib', 'extra'));
    expect(rebuilt()).toBe(true);

    // The validator modules load at run time and the vendored CRDs are what `npm run import`
    // reads: not inputs. The validators' index is bundled.
    // 10 ms later: a time set with utimes comes back rounded (seconds as a double), 1 ms may not tell.
    const later = new Date(bundleTime() + 10);
    utimesSync(join(root, 'imports/validators/core.js'), later, later);
    utimesSync(join(root, 'imports/crds/VENDORED.json'), later, later);
    expect(rebuilt()).toBe(false);
    utimesSync(join(root, 'imports/validators/index.js'), later, later);
    expect(rebuilt()).toBe(true);
  }, BUDGET);

  test('npx cdk8s synth, through cdk8s.yaml, writes the same dist/', () => {
    const before = readTree(join(root, 'dist'));
    rmSync(join(root, 'dist'), { recursive: true });
    const result = spawnSync(join(root, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(readTree(join(root, 'dist'))).toEqual(before);
  }, BUDGET);

  test('the bundle is ASCII (V8 keeps it as one-byte text), characters above U+007F escaped', () => {
    const bytes = readFileSync(join(root, '.build/main.js'));
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
    // lib/secrets/external-secret.ts's Go duration allows "µs": the bundle spells it \u00b5, the same character.
    expect(bytes.toString('latin1')).toContain('ns|us|\\u00b5s|ms');
  });

  test('the bundle holds no TypeScript compiler, and leaves cdktf and ajv to node_modules', () => {
    const bundle = readFileSync(join(root, '.build/main.js'), 'utf8');
    expect(bundle).not.toMatch(/require\("(typescript|ts-node)/);
    expect(bundle).toContain('require("cdktf")');
    expect(bundle).toContain('require("ajv")');
  });
});
