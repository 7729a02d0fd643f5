import { resolve } from 'node:path';
import { apps } from './apps';
import { runCli } from './lib/core/cli';
import { useCompiledOverlayValidators } from './lib/core/overlay';

// Bundled to .build/main.bundle.js (loaded by the launcher .build/main.js) by scripts/build.mjs; the
// project root is one level up. The same build writes, next to this bundle, the overlay schemas'
// validators and the render worker's script (render-worker.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
useCompiledOverlayValidators(require('./overlay-validators'));
process.exitCode = runCli(process.argv.slice(2), { root: resolve(__dirname, '..'), apps, renderWorker: { file: resolve(__dirname, 'render-worker.js') } });
