#!/usr/bin/env node
// Bundles main.ts, diff.ts and render-worker.ts (synth's worker thread) into .build/ with esbuild:
// no type-checking at run time (npm test type-checks with tsc), one file to load, so synth starts
// fast. The generated validators stay separate files, loaded per API group only when an object of
// that group is validated; the overlay schemas are compiled here, ahead of time
// (compileOverlaySchemas). .build/main.js, .build/diff.js and .build/render-worker.js are launchers
// (see LAUNCHER) of the bundles of the same names, with a code cache (launch.ts).
//
//   node scripts/build.mjs [--quiet] [--force] [--run main|diff [ARGS...]]
//
// A build whose inputs and outputs are unchanged since the last one is skipped (isUpToDate),
// so `npm run synth` after an overlay edit does not bundle again; --force builds anyway.
// --run then runs .build/main.js or .build/diff.js with ARGS in this same process: what
// `npm run synth`, `check` and `diff` do, so a run starts Node.js once, not twice (one start
// is 30 to 80 ms here, docs/performance.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, '.build');
const validators = join(root, 'imports', 'validators');
const argv = process.argv.slice(2);
/** Where --run is: the build's own options come before it, the program's arguments after its name. */
const runAt = argv.indexOf('--run');
const own = runAt < 0 ? argv : argv.slice(0, runAt);
const quiet = own.includes('--quiet');
const PROGRAMS = ['main', 'diff'];
if (runAt >= 0 && !PROGRAMS.includes(argv[runAt + 1])) {
  console.error(`scripts/build.mjs: --run takes one of ${PROGRAMS.join(', ')}, not ${argv[runAt + 1] === undefined ? 'nothing' : JSON.stringify(argv[runAt + 1])}`);
  process.exit(2);
}
const require = createRequire(import.meta.url);

/** What the last build read and wrote, so the next can tell whether anything changed. */
const MANIFEST = join(outdir, 'build-manifest.json');
/** What a build writes; all must exist for a build to be skipped. */
const OUTPUTS = ['launch.js', 'main.js', 'main.bundle.js', 'diff.js', 'diff.bundle.js', 'render-worker.js', 'render-worker.bundle.js', 'terraform.js', join('overlay-validators', 'index.js')];

/**
 * Whether the last build's outputs are current: every file it read (the inputs esbuild reports,
 * tsconfig.json, this script, the ajv that generated code, package.json and package-lock.json),
 * every project directory holding one (a new file there could change what an import resolves
 * to) and every file it wrote has the modification time and size recorded at the end of that
 * build; and the project root holds the same source files (a new apps.ts would take the place of
 * apps/index.ts; the root directory's own time changes with every synth, so names are compared).
 * Directories in node_modules are left out (tools keep caches there); what npm installs changes
 * the lock file. An output edited or deleted by hand is rebuilt. The manifest is removed first and
 * written last, and not at all if an input changed while the build ran, so neither an
 * interrupted build nor one that bundled an older version of a file is taken for current.
 *
 * Hand-written, and small on purpose: wireit, the maintained tool for fresh-or-not npm scripts,
 * added about 270 ms to every run (measured; docs/performance.md), more than this check and
 * synth's own start together.
 */
function isUpToDate() {
  if (own.includes('--force') || !OUTPUTS.every((f) => existsSync(join(outdir, f)))) return false;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.rootSources !== rootSources()) return false;
  return Object.entries(manifest.paths).every(([path, recorded]) => {
    try {
      const s = statSync(join(root, path));
      return s.mtimeMs === recorded[0] && (s.isDirectory() || s.size === recorded[1]);
    } catch {
      return false;
    }
  });
}

/** The source-like file names in the project root, which resolve before the directories of the same name. */
function rootSources() {
  return readdirSync(root).filter((name) => /\.([cm]?[jt]sx?|json)$/.test(name)).sort().join('\n');
}

/** Records the build's inputs and outputs; returns false (writing nothing) if an input changed after `started`. */
function writeManifest(inputs, outputs, started) {
  const paths = {};
  const record = (path) => {
    if (paths[path]) return paths[path];
    const s = statSync(join(root, path));
    return (paths[path] = [s.mtimeMs, s.isDirectory() ? 0 : s.size]);
  };
  for (const input of inputs) {
    if (record(input)[0] >= started) return false;
    if (input.split(/[\\/]/).includes('node_modules')) continue;
    for (let dir = dirname(input); dir !== '.' && dir !== dirname(dir); dir = dirname(dir)) record(dir);
  }
  for (const output of outputs) record(output);
  writeAtomically(MANIFEST, `${JSON.stringify({ rootSources: rootSources(), paths })}\n`);
  return true;
}

/** Writes a file whole or not at all: concurrent builds and running synths never see half a file. */
function writeAtomically(file, content) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, file);
}

if (isUpToDate()) {
  if (!quiet) console.log('.build/ is up to date (node scripts/build.mjs --force builds anyway)');
} else {
  await rebuild();
}
if (runAt >= 0) {
  // As if started as `node .build/<program>.js ARGS`: the program reads process.argv and sets
  // process.exitCode.
  const program = join(outdir, `${argv[runAt + 1]}.js`);
  process.argv = [process.argv[0], program, ...argv.slice(runAt + 2)];
  require(program);
}

/** Bundles, compiles the overlay schemas and writes the launchers and the manifest. */
async function rebuild() {
  rmSync(MANIFEST, { force: true });


  // Loaded only when building: an up-to-date check costs a few stat calls, not esbuild and ajv.
  const { build } = await import('esbuild');
  const { default: Ajv } = await import('ajv');
  const { default: standaloneCode } = await import('ajv/dist/standalone/index.js');

  /** Keeps imports/validators/<group>.js external, addressed from .build/ at run time. */
  const externalValidators = {
    name: 'external-validators',
    setup(b) {
      b.onResolve({ filter: /^\.\/[A-Za-z0-9.-]+\.js$/ }, (args) => {
        if (args.importer !== join(validators, 'index.js')) return undefined;
        return { path: relative(outdir, join(validators, args.path)).split('\\').join('/'), external: true };
      });
    },
  };

  /**
   * lib/terraform (cdktf, the Kubernetes provider bindings) is a bundle of its own, which the CLI
   * requires only for --target terraform: the one require of it (lib/core/cli.ts) becomes
   * require("./terraform.js"), so YAML synth never loads it.
   */
  const lazyTerraform = {
    name: 'lazy-terraform',
    setup(b) {
      b.onResolve({ filter: /^\.\.\/terraform$/ }, (args) => (args.importer === join(root, 'lib', 'core', 'cli.ts') ? { path: './terraform.js', external: true } : undefined));
    },
  };

  /** main.ts and diff.ts require("./overlay-validators"): what compileOverlaySchemas writes beside them. */
  const externalOverlayValidators = {
    name: 'external-overlay-validators',
    setup(b) {
      b.onResolve({ filter: /^\.\/overlay-validators$/ }, () => ({ path: './overlay-validators/index.js', external: true }));
    },
  };

  /**
   * The entry point `overlay-schemas`: what compileOverlaySchemas needs from the project (the
   * apps, the environment schema, how overlay.ts compiles and keys a schema), bundled with main.ts
   * in one esbuild pass so the sources are read and parsed once.
   */
  const OVERLAY_SCHEMAS_ENTRY = [
    "export { apps } from './apps';",
    "export { overlaySchema } from './lib/core/app';",
    "export { EnvironmentSchema } from './lib/core/environment';",
    "export { OVERLAY_AJV_OPTIONS, overlaySchemaKey } from './lib/core/overlay';",
  ].join('\n');
  const overlaySchemasEntry = {
    name: 'overlay-schemas-entry',
    setup(b) {
      b.onResolve({ filter: /^overlay-schemas$/ }, () => ({ path: 'entry', namespace: 'overlay-schemas' }));
      b.onLoad({ filter: /.*/, namespace: 'overlay-schemas' }, () => ({ contents: OVERLAY_SCHEMAS_ENTRY, loader: 'ts', resolveDir: root }));
    },
  };

  /**
   * cdk8s carries its own copy of yaml (a bundled dependency). When it is the release the project
   * uses, cdk8s's require("yaml") resolves to the project's: the bundle holds and loads one yaml
   * instead of two (the same code, so the same output; docs/performance.md).
   */
  const ownYaml = require.resolve('yaml');
  const cdk8sYaml = join(root, 'node_modules', 'cdk8s', 'node_modules', 'yaml', 'package.json');
  const versionOf = (file) => JSON.parse(readFileSync(file, 'utf8')).version;
  const oneYaml = {
    name: 'one-yaml',
    setup(b) {
      if (!existsSync(cdk8sYaml) || versionOf(cdk8sYaml) !== versionOf(join(dirname(ownYaml), '..', 'package.json'))) return;
      b.onResolve({ filter: /^yaml$/ }, (args) => (args.importer.includes(`${sep}node_modules${sep}cdk8s${sep}`) ? { path: ownYaml } : undefined));
    },
  };

  /**
   * cdk8s requires child_process as it loads, for Helm charts (spawnSync) and for YAML read from
   * a URL (execFileSync), neither of which synth uses; loading it pulls in net, dgram and streams,
   * 3 to 4 ms of every run. Within cdk8s, child_process is a module of the same members that load
   * it on first use: a function for each of its functions, a getter for its class and the rest.
   */
  const LAZY_CHILD_PROCESS = [
    "const load = () => require('node:child_process');",
    'module.exports = {',
    ...Object.entries(require('node:child_process')).map(([name, value]) => (typeof value === 'function' && !/^[A-Z]/.test(name)
      ? `  ${name}: (...args) => load().${name}(...args),`
      : `  get ${name}() { return load().${name}; },`)),
    '};',
  ].join('\n');
  const lazyChildProcess = {
    name: 'lazy-child-process',
    setup(b) {
      b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (args.importer.includes(`${sep}node_modules${sep}cdk8s${sep}`) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({ contents: LAZY_CHILD_PROCESS, loader: 'js' }));
    },
  };

  /** What every bundle shares: one CommonJS file for Node 20, with a source map. */
  const common = {
    absWorkingDir: root, // metafile paths are relative to the project root
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: quiet ? 'error' : 'info',
  };

  /**
   * The overlay schemas (environment.yaml's and every app's), compiled ahead of time into
   * .build/overlay-validators/ with ajv's standalone code, as scripts/import.mjs does for the
   * upstream schemas, so synth compiles no schema at run time: compiling them was a quarter of a
   * small run (docs/performance.md). One module per distinct schema, named by its key (the SHA-256
   * of its JSON), loaded when an overlay of that schema is first read; main.ts and diff.ts register
   * the index. A schema that is not there (an app changed since the build) is compiled at run time.
   */
  function compileOverlaySchemas(bundle) {
    const { apps, overlaySchema, EnvironmentSchema, OVERLAY_AJV_OPTIONS, overlaySchemaKey } = require(bundle);
    const dir = join(outdir, 'overlay-validators');
    mkdirSync(dir, { recursive: true });
    // A module's name is its schema's hash, so its content is fixed by its name: each is written
    // atomically in place, and a build running at the same time writes the same bytes. No
    // directory is swapped, so a synth running meanwhile always finds its modules.
    const keys = new Set();
    for (const schema of [EnvironmentSchema, ...apps.map((app) => overlaySchema(app))]) {
      let key;
      try {
        key = overlaySchemaKey(schema);
      } catch {
        continue; // not JSON (a BigInt default, say): compiled at run time
      }
      if (keys.has(key)) continue; // apps made from one template share a schema
      const ajv = new Ajv({ ...OVERLAY_AJV_OPTIONS, code: { source: true, esm: false, lines: false } });
      let code;
      try {
        code = standaloneCode(ajv, ajv.compile(schema));
      } catch {
        continue; // a schema ajv refuses: left to the run-time compile, which reports it for that app only
      }
      keys.add(key);
      writeAtomically(join(dir, `${key}.js`), `${GENERATED}\n${code}\n`);
    }
    const index = [...keys].sort().map((key) => `exports.${key} = () => require('./${key}.js');`);
    writeAtomically(join(dir, 'index.js'), `${GENERATED}\n"use strict";\n${index.join('\n')}\n`);
    // Modules of schemas no app has any more.
    for (const file of readdirSync(dir)) {
      if (/^s[0-9a-f]{64}\.js$/.test(file) && !keys.has(file.slice(0, -3))) rmSync(join(dir, file), { force: true });
    }
  }

  const GENERATED = '/* Generated by scripts/build.mjs from the overlay schemas of apps/: do not edit. */';

  /**
   * Node 20's code caches (launch.ts) are named by their file's content: those of files that no
   * longer have that content go, and those of the bundles, validators and terraform.js as they
   * are now stay.
   */
  function removeStaleCodeCaches() {
    const dir = join(outdir, 'compile-cache');
    if (!existsSync(dir)) return;
    const { codeCacheName } = require(join(outdir, 'launch.js'));
    const jsIn = (d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.js')).map((f) => join(d, f)) : []);
    const current = new Set([...jsIn(outdir), ...jsIn(join(outdir, 'overlay-validators')), ...jsIn(validators)].map((file) => codeCacheName(file, readFileSync(file))));
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.v8') && !current.has(file)) rmSync(join(dir, file), { force: true });
    }
  }

  /**
   * .build/main.js, .build/diff.js and .build/render-worker.js: load the bundle through launch()
   * (launch.ts, bundled to .build/launch.js), which keeps what V8 compiled between runs in
   * .build/compile-cache/: Node's own compile cache on Node.js 22.8 and later (NODE_COMPILE_CACHE,
   * where set, still decides its directory), and on Node.js 20 a V8 code cache per file content.
   * NODE_DISABLE_COMPILE_CACHE=1 turns either off. A launcher, because a cache applies only to
   * code loaded after it is set up. codeforphilly x3: on Node 22 from 170 to 148 ms, on Node 20
   * from 224 to 181 ms (docs/performance.md).
   */
  const LAUNCHER = (bundle) => [
    '/* Generated by scripts/build.mjs: do not edit. */',
    '"use strict";',
    "const { join } = require('node:path');",
    `require('./launch.js').launch(join(__dirname, ${JSON.stringify(bundle)}), { cacheDir: join(__dirname, 'compile-cache') });`,
    '',
  ].join('\n');

  const started = Date.now();
  // This build's own name for the schemas' bundle, so two builds at once do not share it.
  const schemasBundleName = `overlay-schemas.${process.pid}`;
  const [cli, terraform] = await Promise.all([
    build({
      ...common,
      // → .build/main.bundle.js, .build/diff.bundle.js, .build/render-worker.bundle.js (the worker
      // thread synth starts for large runs, lib/core/render-worker.ts), and
      // .build/overlay-schemas.js for compileOverlaySchemas
      entryPoints: [
        { in: join(root, 'main.ts'), out: 'main.bundle' },
        { in: join(root, 'diff.ts'), out: 'diff.bundle' },
        { in: join(root, 'render-worker.ts'), out: 'render-worker.bundle' },
        { in: join(root, 'launch.ts'), out: 'launch' },
        { in: 'overlay-schemas', out: schemasBundleName },
      ],
      outdir,
      // ajv only compiles a schema that was not compiled ahead of time (lib/core/overlay.ts), so it
      // stays in node_modules, loaded by that require alone.
      external: ['ajv'],
      plugins: [externalValidators, externalOverlayValidators, lazyTerraform, oneYaml, lazyChildProcess, overlaySchemasEntry],
    }),
    // .build/terraform.js; cdktf, constructs and the provider stay in node_modules (one constructs
    // instance for cdktf and this code).
    build({
      ...common,
      entryPoints: [join(root, 'lib', 'terraform', 'index.ts')],
      outfile: join(outdir, 'terraform.js'),
      packages: 'external',
    }),
  ]);

  const schemasBundle = join(outdir, `${schemasBundleName}.js`);
  try {
    compileOverlaySchemas(schemasBundle);
  } finally {
    rmSync(schemasBundle, { force: true });
    rmSync(`${schemasBundle}.map`, { force: true });
  }
  for (const name of ['main', 'diff', 'render-worker']) writeAtomically(join(outdir, `${name}.js`), LAUNCHER(`${name}.bundle.js`));
  removeStaleCodeCaches();

  const current = writeManifest([
    // Not the plugins' virtual modules (namespace:path), which are no files.
    ...[cli, terraform].flatMap((result) => Object.keys(result.metafile.inputs)).filter((path) => !/^(overlay-schemas|lazy-child-process):/.test(path)),
    'tsconfig.json',
    relative(root, fileURLToPath(import.meta.url)),
    relative(root, require.resolve('ajv/package.json')),
    ...['package.json', 'package-lock.json'].filter((file) => existsSync(join(root, file))),
  ], [
    ...OUTPUTS,
    ...readdirSync(join(outdir, 'overlay-validators')).map((file) => join('overlay-validators', file)),
  ].map((file) => relative(root, join(outdir, file))), started);
  if (!current && !quiet) console.log('an input changed while .build/ was being built: the next build runs again');
}
