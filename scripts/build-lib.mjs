#!/usr/bin/env node
// Builds the library package (`npm run build:lib`): lib/ and the imports/ it uses, compiled by
// `tsc -b scripts/package/tsconfig.json` (the typescript package, 5.9: README, Tests) to CommonJS
// with type declarations in .build/lib (incremental: an unchanged library is not compiled again), plus the
// generated validators, which are JavaScript already and stay one module per API group (loaded on
// first use), plus the package's manifest and README from scripts/package/. The result is a
// directory `npm pack` turns into the tarball users install:
//
//   node scripts/build-lib.mjs [--out DIR] [--pack DIR]
//
//   --out DIR    where to build the package (default .build/package; emptied first)
//   --pack DIR   also run `npm pack` into DIR and print the tarball's path
//   --compile    only compile the library into .build/lib, and build no package (the e2e tier's
//                setup does this once, scripts/jest/e2e-setup.cjs, so the tests that build
//                the package at once find it compiled rather than both compiling it)
//
// Layout: <out>/package.json, <out>/README.md, <out>/dist/lib/** (the exports map points at the
// index of each folder), <out>/dist/imports/** (cdk8s L1 classes and validators, internal; the
// vendored CRDs, which the server check installs; crd-definitions.json, the Kubernetes
// definitions a project's CRD validators need), and the package's command `cdk8s-constructs`
// (scripts/cdk8s-constructs.mjs) with what it runs, at the same paths as in this repository so
// one copy of each script serves both: scripts/import/ and scripts/server-check/ (the parts a
// project uses), and the Go sources of the server check's control plane and KWOK (test/apiserver/,
// test/kwok/: go.mod, go.sum, the .go files and KWOK's stages; the binaries are cached by a key of
// exactly these files, so a binary built for this repository is reused for a project).
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { crdDefinitions } from './import/generate.mjs';
import { CRD_DEFINITIONS_FILE } from './import/project.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, pack: { type: 'string' }, compile: { type: 'boolean' } } });
const out = resolve(values.out ?? join(root, '.build', 'package'));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`build-lib: ${[command, ...args].join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
run(process.execPath, [tsc, '-b', join(root, 'scripts', 'package', 'tsconfig.json')], root);
if (values.compile) process.exit(0);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const dir of ['lib', 'imports']) cpSync(join(root, '.build', 'lib', dir), join(out, 'dist', dir), { recursive: true });

// tsc emits nothing for JavaScript and declaration inputs: copy the validators as they are.
const validators = join(root, 'imports', 'validators');
mkdirSync(join(out, 'dist', 'imports', 'validators'), { recursive: true });
for (const file of readdirSync(validators)) {
  if (file.endsWith('.js') || file.endsWith('.d.ts')) copyFileSync(join(validators, file), join(out, 'dist', 'imports', 'validators', file));
}
for (const file of ['package.json', 'README.md']) cpSync(join(root, 'scripts', 'package', file), join(out, file));

// The vendored CRDs (the server check installs them) and what a project's CRD validators need.
cpSync(join(root, 'imports', 'crds'), join(out, 'dist', 'imports', 'crds'), { recursive: true });
writeFileSync(join(out, 'dist', 'imports', CRD_DEFINITIONS_FILE), `${JSON.stringify(crdDefinitions(root))}\n`);

/** The package command's files, by their path in this repository (the same in the package). */
const COMMAND_FILES = [
  'scripts/cdk8s-constructs.mjs',
  ...['generate', 'project', 'sources', 'vendor'].map((name) => `scripts/import/${name}.mjs`),
  // Every module of the server check: what one imports, another ships with it (the operators
  // check of `server-check --function` needs gateway.mjs, cnpg.mjs and their helpers).
  ...readdirSync(join(root, 'scripts', 'server-check')).filter((f) => f.endsWith('.mjs')).map((f) => `scripts/server-check/${f}`),
  // The Go modules the binaries are built from and keyed by: the control plane, KWOK, and the
  // operators (egctl, the CloudNativePG manager: tool lines of test/operators/go.mod; the
  // cert-manager runner of test/certmanager/).
  ...['apiserver', 'kwok', 'operators', 'certmanager'].flatMap((module) => readdirSync(join(root, 'test', module)).filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go')).map((f) => `test/${module}/${f}`)),
  ...readdirSync(join(root, 'test', 'kwok', 'stages')).filter((f) => f.endsWith('.yaml')).map((f) => `test/kwok/stages/${f}`),
];
for (const file of COMMAND_FILES) {
  mkdirSync(dirname(join(out, file)), { recursive: true });
  copyFileSync(join(root, file), join(out, file));
}

if (values.pack) {
  const destination = resolve(values.pack);
  mkdirSync(destination, { recursive: true });
  const result = spawnSync('npm', ['pack', '--silent', '--pack-destination', destination], { cwd: out, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) {
    console.error('build-lib: npm pack failed');
    process.exit(1);
  }
  console.log(join(destination, result.stdout.trim().split('\n').pop()));
}
