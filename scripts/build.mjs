#!/usr/bin/env node
// Bundles main.ts into .build/main.js with esbuild: no type-checking at run time (npm test
// type-checks with tsc), one file to load, so synth starts fast. The generated validators stay
// separate files, loaded per API group only when an object of that group is validated.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, '.build');
const validators = join(root, 'imports', 'validators');

/** Keeps imports/validators/<group>.js external, addressed from .build/ at run time. */
const externalValidators = {
  name: 'external-validators',
  setup(b) {
    b.onResolve({ filter: /^\.\/[a-z0-9.-]+\.js$/ }, (args) => {
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

/**
 * cdk8s carries its own copy of yaml (a bundled dependency). When it is the release the project
 * uses, cdk8s's require("yaml") resolves to the project's: the bundle holds and loads one yaml
 * instead of two (the same code, so the same output; docs/performance.md).
 */
const ownYaml = createRequire(import.meta.url).resolve('yaml');
const cdk8sYaml = join(root, 'node_modules', 'cdk8s', 'node_modules', 'yaml', 'package.json');
const versionOf = (file) => JSON.parse(readFileSync(file, 'utf8')).version;
const oneYaml = {
  name: 'one-yaml',
  setup(b) {
    if (!existsSync(cdk8sYaml) || versionOf(cdk8sYaml) !== versionOf(join(dirname(ownYaml), '..', 'package.json'))) return;
    b.onResolve({ filter: /^yaml$/ }, (args) => (args.importer.includes(`${sep}node_modules${sep}cdk8s${sep}`) ? { path: ownYaml } : undefined));
  },
};

/** What every bundle shares: one CommonJS file for Node 20, with a source map. */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: process.argv.includes('--quiet') ? 'error' : 'info',
};

await build({
  ...common,
  entryPoints: [join(root, 'main.ts'), join(root, 'diff.ts')], // → .build/main.js, .build/diff.js
  outdir,
  plugins: [externalValidators, lazyTerraform, oneYaml],
});

// .build/terraform.js; cdktf, constructs and the provider stay in node_modules (one constructs
// instance for cdktf and this code).
await build({
  ...common,
  entryPoints: [join(root, 'lib', 'terraform', 'index.ts')],
  outfile: join(outdir, 'terraform.js'),
  packages: 'external',
});
