import { resolve } from 'node:path';
import { apps } from './apps';
import { runCli } from './lib/core/cli';

// Bundled to .build/main.js by scripts/build.mjs; the project root is one level up.
process.exitCode = runCli(process.argv.slice(2), { root: resolve(__dirname, '..'), apps });
