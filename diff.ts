import { resolve } from 'node:path';
import { apps } from './apps';
import { runDiffCli } from './lib/review/diff-cli';

// Bundled to .build/diff.js by scripts/build.mjs; the project root is one level up.
process.exitCode = runDiffCli(process.argv.slice(2), { root: resolve(__dirname, '..'), apps });
