#!/usr/bin/env node
// Regenerates imports/ (typed L1 classes and strict validators) from the sources vendored there:
// the Kubernetes API as kube-apiserver serves it (imports/kubernetes/) and CRDs (imports/crds/).
//
//   npm run import                                   regenerate imports/ from what is vendored
//   npm run import -- FILE.yaml [--source TEXT]      vendor the CRDs of a local file, byte for byte,
//                                                    with typed L1 classes for each of its kinds
//   npm run import -- --kubernetes                   dump the OpenAPI v3 of the server check's
//                                                    kube-apiserver again (docs/server-check.md)
//
// FILE.yaml is an operator's CRD manifest as its release publishes it (one or more
// CustomResourceDefinition documents). --source says where it came from, e.g.
// "cert-manager/cert-manager v1.21.1"; it is recorded in imports/crds/VENDORED.json with the file's
// sha256. Importing a file of the same name again replaces the earlier copy.
// What each step writes: scripts/import/vendor.mjs, kubernetes.mjs and generate.mjs.
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './import/generate.mjs';
import { dumpKubernetes } from './import/kubernetes.mjs';
import { vendorLocalFile } from './import/vendor.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const usage = 'usage: npm run import [-- FILE.yaml [--source "<owner>/<repo> <tag>"] | -- --kubernetes]';

function option(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  if (!args[i + 1] || args[i + 1].startsWith('--')) fail(`${name} needs a value\n${usage}`);
  return args[i + 1];
}

function fail(message) {
  console.error(`npm run import: ${message}`);
  process.exit(2);
}

async function main() {
  const source = option('--source');
  const files = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--source');
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--source' && a !== '--kubernetes');
  if (unknown.length) fail(`unknown option ${unknown.join(', ')}\n${usage}`);
  if (args.includes('--kubernetes')) {
    if (files.length) fail(`--kubernetes takes no file\n${usage}`);
    await dumpKubernetes(join(root, 'imports'));
  }
  if (files.length > 1) fail(`one file at a time (got ${files.join(', ')})\n${usage}`);
  if (files.length === 1) {
    const file = resolve(process.cwd(), files[0]);
    let entry;
    try {
      entry = vendorLocalFile(join(root, 'imports', 'crds'), file, files[0], source);
    } catch (error) {
      fail(error.message);
    }
    console.log(`imports/crds/${basename(file).replace(/\.ya?ml$/, '')}/: ${entry.documents.map((d) => `${d.group} ${d.kind}`).join(', ')}`);
  }
  generate(root);
}

main().catch((error) => {
  console.error(`npm run import: ${error.message}`);
  process.exit(error.code === 'ENOENT' ? 2 : 1);
});
