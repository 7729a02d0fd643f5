import { resolve } from 'node:path';
import { apps } from './apps';
import { useCompiledOverlayValidators } from './lib/core/overlay';
import { runDiffCli } from './lib/review/diff-cli';
import { serverUpgradeCheck } from './lib/review/server-upgrade-check';

// Bundled to .build/diff.bundle.js (loaded by the launcher .build/diff.js) by scripts/build.mjs; the
// project root is one level up. The overlay schemas' validators were compiled by the same build,
// next to this bundle.
// eslint-disable-next-line @typescript-eslint/no-require-imports
useCompiledOverlayValidators(require('./overlay-validators'));
const root = resolve(__dirname, '..');
process.exitCode = runDiffCli(process.argv.slice(2), { root, apps }, serverUpgradeCheck(root));
