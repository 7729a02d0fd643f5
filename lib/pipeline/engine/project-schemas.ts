import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors';
import { LIBRARY_SCHEMAS, PACKAGE_IMPORT_COMMAND, type ProjectSchemas, type SchemaSources } from '../checks/schema-validation';

/**
 * The schemas synth validates a project's objects with, besides the library's: in a library
 * user's repository, the validators `cdk8s-constructs import` generated for the CRDs the project
 * vendors (`<root>/imports/validators/index.js`, scripts/cdk8s-constructs.mjs), and the package
 * command as the way to add one; in the library's own repository (its package.json names the
 * library), its imports/ are the library's and `npm run import` adds one.
 */

/** The library's package name: a project root whose package.json has it is the library's repository. */
const LIBRARY_NAME = '@platform/cdk8s-constructs';
/** Where a project's validators are, relative to its root. */
export const PROJECT_VALIDATORS = join('imports', 'validators', 'index.js');

/** What projectSchemaSources found for each project root: synth asks once per app, the answer is the project's. */
const FOUND = new Map<string, SchemaSources>();

/** The schema sources of the project at `root` (see above); the project's modules load on first use of a kind. */
export function projectSchemaSources(root: string): SchemaSources {
  let sources = FOUND.get(root);
  if (sources === undefined) {
    sources = findSchemaSources(root);
    FOUND.set(root, sources);
  }
  return sources;
}

function findSchemaSources(root: string): SchemaSources {
  if (isLibraryRepository(root)) return LIBRARY_SCHEMAS;
  const index = join(root, PROJECT_VALIDATORS);
  if (!existsSync(index)) return { importCommand: PACKAGE_IMPORT_COMMAND };
  // A path known only at run time: the bundler leaves this require alone, and Node caches the
  // module, so every app of every environment shares one set of loaded validators.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const project = require(index) as Partial<ProjectSchemas>;
  if (typeof project.validators !== 'object' || project.validators === null || typeof project.sources !== 'object' || project.sources === null) {
    throw new UserError({
      where: PROJECT_VALIDATORS,
      message: 'is not the index `cdk8s-constructs import` writes (it exports no validators and sources)',
      hint: 'regenerate imports/ with `npx cdk8s-constructs import` instead of editing it',
    });
  }
  return { project: project as ProjectSchemas, importCommand: PACKAGE_IMPORT_COMMAND };
}

function isLibraryRepository(root: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown }).name === LIBRARY_NAME;
  } catch {
    return false;
  }
}
