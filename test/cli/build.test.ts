import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../apps';
import { overlaySchema } from '../../lib/core/app';
import { formatProblems, UserError } from '../../lib/core/errors';
import { overlaySchemaKey } from '../../lib/core/overlay';
import { synthesize } from '../../lib/core/synth';
import { scratchProject } from '../helpers';

// scripts/build.mjs as users run it (npm run synth runs it first): the overlay schemas compiled
// ahead of time, and a build skipped when nothing it reads changed.
describe('scripts/build.mjs', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
    build('--quiet');
    writeFileSync(join(root, 'record-modules.js'), "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(Object.keys(require.cache))));\n");
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function build(...argv: string[]): string {
    const result = spawnSync(process.execPath, ['scripts/build.mjs', ...argv], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout + result.stderr;
  }

  /** Runs the bundled CLI; returns its exit code, stderr and the modules it loaded. */
  function synth(...argv: string[]): { status: number | null; stderr: string; modules: string[] } {
    const modules = join(root, 'modules.json');
    const result = spawnSync(process.execPath, ['-r', './record-modules.js', '.build/main.js', '--quiet', '--out', '.build/out', ...argv], { cwd: root, encoding: 'utf8', env: { ...process.env, MODULES_OUT: modules, NO_COLOR: '1' } });
    return { status: result.status, stderr: result.stderr, modules: JSON.parse(readFileSync(modules, 'utf8')) as string[] };
  }
  const ajvLoaded = (modules: string[]) => modules.some((m) => /node_modules[\\/]ajv[\\/]dist[\\/](ajv|core)\.js$/.test(m));
  const codeforphillyKey = () => overlaySchemaKey(overlaySchema(apps.find((a) => a.name === 'codeforphilly')!));

  test('synth compiles no overlay schema: ajv is not loaded, the validators the build wrote are', () => {
    const run = synth();
    expect(run.status).toBe(0);
    expect(ajvLoaded(run.modules)).toBe(false);
    expect(run.modules.map((m) => m.replace(/\\/g, '/'))).toContain(join(root, '.build/overlay-validators', `${codeforphillyKey()}.js`).replace(/\\/g, '/'));
  });

  test('an overlay error from the bundle is word for word the library\'s', () => {
    const overlay = join(root, 'overlays/cfp-sandbox/codeforphilly.yaml');
    const original = readFileSync(overlay, 'utf8');
    try {
      writeFileSync(overlay, `${original}replicaz: 2\n`);
      const run = synth('--env', 'cfp-sandbox');
      expect(run.status).toBe(2);
      let expected = '';
      try {
        synthesize({ apps, overlaysDir: join(root, 'overlays'), environments: ['cfp-sandbox'] });
      } catch (error) {
        expected = formatProblems((error as UserError).problems);
      }
      expect(expected).toContain('replicaz: unknown key "replicaz"');
      expect(run.stderr.trim()).toBe(`error: bad input; nothing was written\n${expected}`);
    } finally {
      writeFileSync(overlay, original);
    }
  });

  test('a schema the build did not compile is compiled at run time', () => {
    const index = join(root, '.build/overlay-validators/index.js');
    const original = readFileSync(index, 'utf8');
    try {
      writeFileSync(index, original.split('\n').filter((line) => !line.includes(codeforphillyKey())).join('\n'));
      const run = synth('--app', 'codeforphilly');
      expect(run.status).toBe(0);
      expect(ajvLoaded(run.modules)).toBe(true);
    } finally {
      writeFileSync(index, original);
    }
  });

  test('main.js turns on Node\'s compile cache, where Node has one, before it loads the bundle', () => {
    // Node 22.8+ has module.enableCompileCache; stand one in, so this holds on Node 20 too.
    const calls = join(root, 'compile-cache-calls.json');
    writeFileSync(join(root, 'fake-compile-cache.js'), [
      "const fs = require('node:fs');",
      "require('node:module').enableCompileCache = (dir) => fs.writeFileSync(process.env.CALLS_OUT, JSON.stringify({ dir, bundleLoaded: Object.keys(require.cache).some((m) => m.endsWith('main.bundle.js')) }));",
      '',
    ].join('\n'));
    const result = spawnSync(process.execPath, ['-r', './fake-compile-cache.js', '.build/main.js', '--quiet', '--check'], { cwd: root, encoding: 'utf8', env: { ...process.env, CALLS_OUT: calls } });
    expect(result.status).toBe(0);
    expect(JSON.parse(readFileSync(calls, 'utf8'))).toEqual({ dir: join(root, '.build', 'compile-cache'), bundleLoaded: false });
  });

  test('main.js, where Node has no compile cache, keeps a V8 code cache for the bundle and the validators it loads', () => {
    // On Node 22.8+ the preload takes enableCompileCache away, so this holds on every release.
    writeFileSync(join(root, 'no-compile-cache.js'), "delete require('node:module').enableCompileCache;\n");
    const cacheDir = join(root, '.build', 'compile-cache');
    const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, ['-r', './no-compile-cache.js', '.build/main.js', '--quiet', '--check'], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
    const caches = () => (existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith('.v8')).sort() : []);
    const key = createHash('sha256').update(readFileSync(join(root, '.build', 'main.bundle.js'))).digest('hex').slice(0, 16);
    const bundleCache = join(cacheDir, `main.bundle-${key}.v8`);
    rmSync(cacheDir, { recursive: true, force: true });

    expect(run({ NODE_DISABLE_COMPILE_CACHE: '1' }).status).toBe(0);
    expect(caches()).toEqual([]); // turned off as Node's own is

    expect(run().status).toBe(0);
    // The bundle's, named by its content's hash (the build's key), and each validator module's.
    expect(caches()).toContain(`main.bundle-${key}.v8`);
    expect(caches().some((f) => /^core-[0-9a-f]{16}\.v8$/.test(f))).toBe(true);
    const written = statSync(bundleCache).mtimeMs;

    // Used as it is: V8 took it, so nothing is written again, and the result is the same.
    expect(run().status).toBe(0);
    expect(statSync(bundleCache).mtimeMs).toBe(written);

    // A cache V8 refuses (damaged, or from another V8) is replaced, and the run is unharmed.
    writeFileSync(bundleCache, 'not a code cache');
    const damaged = run();
    expect(damaged.status).toBe(0);
    expect(damaged.stderr).toBe('');
    expect(statSync(bundleCache).size).toBeGreaterThan(100_000);

    // A build keeps the caches of files whose content did not change, and drops the others.
    const before = caches();
    writeFileSync(join(cacheDir, 'main.bundle-0000000000000000.v8'), 'of a bundle that is gone');
    build('--quiet', '--force');
    expect(caches()).toEqual(before);
  });

  test('the code cache is never used for other code: same length, new content, new result', () => {
    const dir = join(root, 'probe');
    rmSync(dir, { recursive: true, force: true });
    const file = join(dir, 'probe.js');
    const probe = () => spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(root, '.build', 'launch.js'))}).runWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(dir)}); process.stdout.write(require(${JSON.stringify(file)}).word())`], { encoding: 'utf8' });
    mkdirSync(dir, { recursive: true });
    // A hashbang line, as Node's own loader allows.
    writeFileSync(file, "#!/usr/bin/env node\nexports.word = () => 'OLD';\n");
    expect(probe().stdout).toBe('OLD');
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8'))).toHaveLength(1);
    expect(probe().stdout).toBe('OLD');
    writeFileSync(file, "#!/usr/bin/env node\nexports.word = () => 'NEW';\n");
    expect(probe().stdout).toBe('NEW');
    expect(readdirSync(dir).filter((f) => f.endsWith('.v8'))).toHaveLength(2);
  });

  test('--run runs the CLI in the same process, with the arguments after its name, and returns its exit code', () => {
    const modules = join(root, 'modules.json');
    const run = (...argv: string[]) => spawnSync(process.execPath, ['-r', './record-modules.js', 'scripts/build.mjs', ...argv], { cwd: root, encoding: 'utf8', env: { ...process.env, MODULES_OUT: modules, NO_COLOR: '1' } });

    // Options before --run are the build's, those after its name are the program's.
    const current = run('--quiet', '--run', 'main', '--quiet', '--check');
    expect(current.stderr).toBe('');
    expect(current.stdout).toBe('');
    expect(current.status).toBe(0);
    expect(JSON.parse(readFileSync(modules, 'utf8'))).toContain(join(root, '.build', 'main.bundle.js'));

    const stale = run('--quiet', '--run', 'main', '--check', '--out', 'nowhere');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('nowhere/ differs from a fresh synth');

    const diff = run('--quiet', '--run', 'diff', '--help');
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('Usage: npm run diff');
    expect(JSON.parse(readFileSync(modules, 'utf8'))).toContain(join(root, '.build', 'diff.bundle.js'));

    // An app edit: the build runs, then synth, still in one process, and its output is dist/'s.
    appendFileSync(join(root, 'apps/codeforphilly.ts'), '// an app edit before --run\n');
    const built = run('--run', 'main', '--check');
    expect(built.stdout + built.stderr).toContain('.build/main.bundle.js '); // esbuild's report of the bundle it wrote
    expect(built.stdout).toMatch(/^dist\/ matches a fresh synth/m);
    expect(built.status).toBe(0);
    expect(JSON.parse(readFileSync(modules, 'utf8'))).toContain(join(root, '.build', 'main.bundle.js'));

    const unknown = run('--run', 'mian');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.trim()).toBe('scripts/build.mjs: --run takes one of main, diff, not "mian"');
  }, 90_000);

  test('is skipped when nothing it reads or wrote changed, and runs when an input or an output did', () => {
    build('--quiet'); // earlier tests wrote files in the project root and edited an output
    const bundleTime = () => statSync(join(root, '.build/main.bundle.js')).mtimeMs;
    /** Builds (not quietly) and says whether it bundled, from its output and the bundle's time. */
    const rebuilt = () => {
      const before = bundleTime();
      const output = build();
      expect(output.includes('.build/ is up to date')).toBe(bundleTime() === before);
      return bundleTime() !== before;
    };
    expect(rebuilt()).toBe(false);

    // Overlays are read by synth, not bundled: editing one needs no build.
    appendFileSync(join(root, 'overlays/cfp-sandbox/codeforphilly.yaml'), '# an overlay edit\n');
    expect(rebuilt()).toBe(false);

    appendFileSync(join(root, 'apps/codeforphilly.ts'), '// an app edit\n');
    expect(rebuilt()).toBe(true);
    expect(rebuilt()).toBe(false);

    // esbuild reads tsconfig.json; a root apps.ts would take the place of apps/index.ts.
    appendFileSync(join(root, 'tsconfig.json'), '\n');
    expect(rebuilt()).toBe(true);
    writeFileSync(join(root, 'apps.ts'), "export { apps } from './apps/index';\n");
    expect(rebuilt()).toBe(true);
    rmSync(join(root, 'apps.ts'));
    expect(rebuilt()).toBe(true);

    appendFileSync(join(root, '.build/overlay-validators/index.js'), '// an output edited by hand\n');
    expect(rebuilt()).toBe(true);
    expect(readFileSync(join(root, '.build/overlay-validators/index.js'), 'utf8')).not.toContain('edited by hand');

    expect(build('--force')).not.toContain('up to date');
  }, 90_000);
});
