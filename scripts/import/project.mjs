// What a library user's project needs from the installed library to generate its own imports/
// (generateProject in generate.mjs) and to run the server check with its own CRDs: where the
// library's generated imports are and what they validate. The same scripts run in the library's
// repository (imports/ at its root, the Kubernetes dump beside it) and in the package
// (dist/imports/, with the definitions CRD validators need in crd-definitions.json, written by
// scripts/build-lib.mjs), so this is the one place that knows the two layouts.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdDefinitions } from './generate.mjs';

/** The package's root: the library's repository, or the installed package (node_modules/@platform/cdk8s-constructs). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The library's name, as its package.json and a project's dependencies spell it. */
export const LIBRARY_NAME = '@platform/cdk8s-constructs';
/** The file the package's build writes the CRD definitions into, under its imports/. */
export const CRD_DEFINITIONS_FILE = 'crd-definitions.json';

/** The library's imports/ directory: dist/imports/ in the package, imports/ in its repository. */
export function libraryImportsDir(root = PACKAGE_ROOT) {
  const packaged = join(root, 'dist', 'imports');
  return existsSync(join(packaged, 'validators', 'index.js')) ? packaged : join(root, 'imports');
}

/**
 * What the library validates: { sources: "apiVersion/Kind" -> "kubernetes" or its vendored CRD
 * file, release, definitions } (the definitions a CRD's validator needs, crdDefinitions).
 */
export function libraryImports(root = PACKAGE_ROOT) {
  const dir = libraryImportsDir(root);
  const index = createRequire(import.meta.url)(join(dir, 'validators', 'index.js'));
  const packaged = join(dir, CRD_DEFINITIONS_FILE);
  const { release, definitions } = existsSync(packaged) ? JSON.parse(readFileSync(packaged, 'utf8')) : crdDefinitions(root);
  return { dir, sources: index.sources, release, definitions };
}

/** Whether `root` is the library's own repository (its imports/ are the library's, `npm run import` serves it). */
export function isLibraryRepository(root) {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name === LIBRARY_NAME;
  } catch {
    return false;
  }
}
