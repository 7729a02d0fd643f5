import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useCompiledOverlayValidators, type CompiledOverlayValidators } from '../lib/pipeline/engine/overlay';

/*
 * Run before every unit suite (package.json, jest.projects[unit].setupFiles): the overlay
 * validators scripts/build.mjs compiled ahead of time for apps/ (.build/overlay-validators, written
 * by `npm run check`, the last step of `npm test`, and by every synth), registered as the synth CLI
 * registers them (main.ts). Each suite has its own module registry, so without them every suite
 * that reads an app's overlays compiled the same schemas with ajv again (5.3 s of CPU over the
 * unit tier, profiled). A module is named by the SHA-256 of its schema's JSON
 * (lib/pipeline/engine/overlay.ts overlaySchemaKey), so a stale one is never used for another
 * schema: a schema that changed since the last build, and any schema before the first build (a
 * fresh clone), is compiled with ajv at run time, as it was before. Tests of that fallback
 * (test/pipeline/engine/overlay.test.ts) register their own validators or none.
 */
const index = join(__dirname, '..', '.build', 'overlay-validators', 'index.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (existsSync(index)) useCompiledOverlayValidators(require(index) as CompiledOverlayValidators);
