#!/usr/bin/env node
// Bundles main.ts into .build/main.js with esbuild: no type-checking at run time (npm test
// type-checks with tsc), one file to load, so synth starts fast. The generated validators stay
// separate files, loaded per API group only when an object of that group is validated.
import { build } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';
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

await build({
  entryPoints: [join(root, 'main.ts')],
  outfile: join(outdir, 'main.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: process.argv.includes('--quiet') ? 'error' : 'info',
  plugins: [externalValidators],
});
