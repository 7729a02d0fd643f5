#!/usr/bin/env node
// Copies the pinned upstream CRD releases into imports/crds/, unchanged: a one-time step when an
// upstream version changes, not part of any other command (docs/server-check.md). Every
// CustomResourceDefinition of each release file is vendored, not only the kinds today's apps
// emit: a user's app may use any of them, and synth validates every vendored kind.
//
//   node scripts/vendor-crds.mjs --from DIR
//   node scripts/vendor-crds.mjs --verify --from DIR
//
// DIR holds the upstream release files named in PINNED below (e.g. cnpg-v1.30.0.yaml). Each
// document is written to imports/crds/<file without .yaml>/<CRD name>.yaml as the exact bytes of
// the upstream file from its `---` line up to the next one; imports/crds/VENDORED.json records
// them (scripts/import/vendor.mjs). Entries a user added with `npm run import -- FILE` are kept.
// Then run `npm run import` to regenerate imports/.
//
// --verify re-reads DIR and checks that every recorded sha256, offset and length still holds.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVendored, sha256, vendorFile, withEntry, writeVendored } from './import/vendor.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crdsDir = join(root, 'imports', 'crds');

/**
 * The operator releases the project pins, with the kinds that get typed L1 classes (imports/<group>.ts,
 * the ones the library's constructs build, at the version they emit). Every other kind of these
 * files is validated without a class; `npm run import -- FILE` gives a user's CRDs classes too.
 */
export const PINNED = [
  { file: 'cnpg-v1.30.0.yaml', upstream: 'cloudnative-pg/cloudnative-pg v1.30.0', classes: { Cluster: 'v1', ScheduledBackup: 'v1', Backup: 'v1' } },
  { file: 'barman-cloud-v0.14.0.yaml', upstream: 'cloudnative-pg/plugin-barman-cloud v0.14.0', classes: { ObjectStore: 'v1' } },
  { file: 'gateway-api-standard-v1.6.1.yaml', upstream: 'kubernetes-sigs/gateway-api v1.6.1 (standard channel)', classes: { Gateway: 'v1', HTTPRoute: 'v1', ReferenceGrant: 'v1' } },
  { file: 'envoy-gateway-v1.9.0.yaml', upstream: 'envoyproxy/gateway v1.9.0', classes: { SecurityPolicy: 'v1alpha1', BackendTrafficPolicy: 'v1alpha1' } },
  { file: 'sealed-secrets-v0.36.6.yaml', upstream: 'bitnami-labs/sealed-secrets v0.36.6', classes: { SealedSecret: 'v1alpha1' } },
  { file: 'external-secrets-v2.9.0.yaml', upstream: 'external-secrets/external-secrets v2.9.0', classes: { ExternalSecret: 'v1', SecretStore: 'v1' } },
  { file: 'argo-cd-v3.5.1.yaml', upstream: 'argoproj/argo-cd v3.5.1', classes: { Application: 'v1alpha1', AppProject: 'v1alpha1' } },
  { file: 'prometheus-operator-v0.93.0.yaml', upstream: 'prometheus-operator/prometheus-operator v0.93.0', classes: { PodMonitor: 'v1', PrometheusRule: 'v1' } },
  { file: 'cert-manager-v1.21.1.yaml', upstream: 'cert-manager/cert-manager v1.21.1 (deploy/crds)', classes: {} },
  { file: 'tailscale-operator-v1.102.3.yaml', upstream: 'tailscale/tailscale v1.102.3 (cmd/k8s-operator/deploy/crds)', classes: {} },
  { file: 'flux-v2.4.0.yaml', upstream: 'fluxcd/flux2 v2.4.0 (source-controller v1.4.1, kustomize-controller v1.4.0 config/crd/bases)', classes: {} },
];

const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : undefined;
if (!from) {
  console.error('usage: node scripts/vendor-crds.mjs [--verify] --from DIR-OF-UPSTREAM-CRD-FILES');
  process.exit(2);
}

function vendor() {
  let record = readVendored(crdsDir);
  for (const pin of PINNED) {
    record = withEntry(record, vendorFile(crdsDir, pin.file, readFileSync(join(from, pin.file)), { upstream: pin.upstream, classes: pin.classes }));
  }
  writeVendored(crdsDir, record);
  console.log(`imports/crds/: ${record.reduce((n, r) => n + r.documents.length, 0)} CRDs from ${record.length} upstream files; now run \`npm run import\``);
}

function verify() {
  const problems = [];
  for (const entry of readVendored(crdsDir).filter((e) => PINNED.some((p) => p.file === e.upstreamFile))) {
    const bytes = readFileSync(join(from, entry.upstreamFile));
    if (sha256(bytes) !== entry.sha256) problems.push(`${entry.upstreamFile}: upstream sha256 differs from the one recorded`);
    for (const doc of entry.documents) {
      const vendored = readFileSync(join(crdsDir, doc.file));
      if (sha256(vendored) !== doc.sha256) problems.push(`${doc.file}: sha256 differs from the one recorded`);
      if (!bytes.subarray(doc.offset, doc.offset + doc.length).equals(vendored)) problems.push(`${doc.file}: not byte-identical to ${entry.upstreamFile} bytes ${doc.offset}..${doc.offset + doc.length}`);
    }
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('imports/crds/: every vendored file is byte-identical to its upstream range');
}

if (args.includes('--verify')) verify();
else vendor();
