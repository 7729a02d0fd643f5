// Dumps the OpenAPI v3 documents of the kube-apiserver the server check builds (test/apiserver/,
// docs/server-check.md) into imports/kubernetes/<release>/: `GET /openapi/v3` and every document
// it lists, each as the exact bytes the server sent, named as kubernetes/kubernetes names its own
// api/openapi-spec/v3/ files (`apis__apps__v1_openapi.json`). The server runs with the default API
// enablement (no --runtime-config), so the dump holds what a cluster of that release serves by
// default: every built-in group/version/kind, no beta API that is off by default.
// imports/kubernetes/VENDORED.json records the release, the source and each file's sha256.
//
// Run by `npm run import -- --kubernetes`; to move to another release, change test/apiserver/
// (docs/server-check.md "Versions"), build it (`node scripts/server-check/build.mjs`) and run it again.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinary, startControlPlane } from '../server-check/control-plane.mjs';
import { KubeClient } from '../server-check/kube.mjs';
import { readKubernetesRecord, sha256 } from './sources.mjs';

/** The file a document of `GET /openapi/v3` is kept in: the name kubernetes/kubernetes uses. */
export const documentFile = (path) => `${path.replace(/\//g, '__')}_openapi.json`;

export async function dumpKubernetes(importsDir, log = console.log) {
  const binary = await ensureBinary({ build: false });
  log(`kube-apiserver: ${binary.path}`);
  const controlPlane = await startControlPlane(binary.path, { maxLifetimeMs: 10 * 60 * 1000 });
  const client = new KubeClient(controlPlane);
  try {
    const version = JSON.parse((await client.getBytes('/version')).toString('utf8')).gitVersion;
    if (!/^v\d+\.\d+\.\d+$/.test(version)) throw new Error(`kube-apiserver reports version ${JSON.stringify(version)}, not a release`);
    const dir = join(importsDir, 'kubernetes');
    const previous = readKubernetesRecord(importsDir);
    if (previous) rmSync(join(dir, previous.release), { recursive: true, force: true });
    rmSync(join(dir, version), { recursive: true, force: true });
    mkdirSync(join(dir, version), { recursive: true });

    const indexBytes = await client.getBytes('/openapi/v3');
    const documents = [{ path: '', file: `${version}/openapi_v3.json`, sha256: sha256(indexBytes) }];
    writeFileSync(join(dir, documents[0].file), indexBytes);
    const index = JSON.parse(indexBytes.toString('utf8'));
    for (const [path, { serverRelativeURL }] of Object.entries(index.paths).sort(([a], [b]) => a.localeCompare(b))) {
      const bytes = await client.getBytes(serverRelativeURL);
      const file = `${version}/${documentFile(path)}`;
      writeFileSync(join(dir, file), bytes);
      documents.push({ path, file, sha256: sha256(bytes) });
    }
    const record = {
      release: version,
      source: `kube-apiserver ${version} built from test/apiserver/ (k8s.io/kubernetes ${version}, default API enablement): GET /openapi/v3 and every document it lists, as served`,
      dumpedWith: 'npm run import -- --kubernetes',
      documents,
    };
    writeFileSync(join(dir, 'VENDORED.json'), `${JSON.stringify(record, null, 2)}\n`);
    log(`imports/kubernetes/${version}/: ${documents.length} documents`);
    return record;
  } finally {
    client.close();
    await controlPlane.stop();
  }
}
