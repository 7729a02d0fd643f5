import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apps } from './apps';
import { EnvironmentSchema } from './lib/core/environment';
import { OVERLAY_SCHEMA_DIRECTORY, overlaySchema, overlaySchemaFiles } from './lib/pipeline/engine/overlay-schema';
import { runCli } from './lib/pipeline/engine/cli';
import { RULE_DOC, writeRuleDocs } from './lib/pipeline/engine/rule-docs';
import { useCompiledOverlayValidators, type CompiledOverlayValidators } from './lib/pipeline/engine/overlay';
import { runDiffCli } from './lib/pipeline/review/diff-cli';
import { serverUpgradeCheck } from './lib/pipeline/review/server-upgrade-check';

// The one entry point: `npm run synth` and `npm run check` run main(ARGS), `npm run diff` runs
// main(['diff', ...ARGS]). scripts/build.mjs bundles this file to .build/main.js (so the project
// root is one level up) and writes the overlay schemas' validators beside it.

export { OVERLAY_AJV_OPTIONS, overlaySchemaKey } from './lib/pipeline/engine/overlay';

/** Runs synth, or with `diff` first the diff, and returns the exit code. */
export function main(argv: readonly string[]): number {
  // A path built at run time, so the bundler leaves this require alone.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  useCompiledOverlayValidators(require(join(__dirname, 'overlay-validators')) as CompiledOverlayValidators);
  const context = { root: resolve(__dirname, '..'), apps };
  if (argv[0] === 'schemas') return writeSchemas(context.root);
  if (argv[0] === 'docs-rules') return writeRuleCatalog(context.root);
  return argv[0] === 'diff' ? runDiffCli(argv.slice(1), context, serverUpgradeCheck(context.root)) : runCli(argv, context);
}

/** `npm run schemas`: writes the overlays' JSON Schemas for editors (docs/overlay-schemas/). */
function writeSchemas(root: string): number {
  const dir = join(root, OVERLAY_SCHEMA_DIRECTORY);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of overlaySchemaFiles(apps)) writeFileSync(join(dir, name), content);
  return 0;
}

/** `npm run docs:rules`: writes the rule catalog of docs/security.md from the rule registry. */
function writeRuleCatalog(root: string): number {
  try {
    writeRuleDocs(root);
    return 0;
  } catch (error) {
    console.error(`error: ${RULE_DOC} not written: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
}

/** Every overlay schema synth reads (environment.yaml's and each app's), for the build to compile ahead of time. */
export function overlaySchemas(): unknown[] {
  return [EnvironmentSchema, ...apps.map((app) => overlaySchema(app))];
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
