// Reading the vendored sources of imports/: the Kubernetes OpenAPI v3 dump (imports/kubernetes/)
// and the CRDs (imports/crds/, scripts/import/vendor.mjs). Every file is checked against the
// sha256 recorded when it was vendored.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** imports/kubernetes/VENDORED.json, or undefined before the first dump. */
export function readKubernetesRecord(importsDir) {
  const file = join(importsDir, 'kubernetes', 'VENDORED.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
}

/** The dumped OpenAPI v3 documents of the group versions, parsed: [{ path: 'apis/apps/v1', document }]. */
export function readKubernetesDocuments(importsDir, record) {
  return record.documents
    .filter((d) => /^api\/v1$|^apis\/[^/]+\/[^/]+$/.test(d.path))
    .map((d) => {
      const path = join(importsDir, 'kubernetes', d.file);
      const bytes = readFileSync(path);
      if (sha256(bytes) !== d.sha256) throw new Error(`${path}: sha256 differs from imports/kubernetes/VENDORED.json; dump it again with \`npm run import -- --kubernetes\` instead of editing it`);
      return { path: d.path, document: JSON.parse(bytes.toString('utf8')) };
    });
}
