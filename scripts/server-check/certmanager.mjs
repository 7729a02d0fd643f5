// The cert-manager part of the operators check (docs/server-check.md, "Operators"): cert-manager
// v1.21.1's own controllers (the runner of test/certmanager/, built from cert-manager's `pkg/`)
// against a plain local API server, so that the certificates an environment's Gateways ask for are
// issued for real. On that server: the cert-manager and Gateway API CRDs, the namespaces of the
// annotated Gateways and the Gateways themselves, and the environment's declared issuer
// (environment.yaml `certManager.issuer`, `issuerKind`) with `spec.selfSigned: {}`. The runner's
// gateway-shim creates a Certificate per Secret the Gateways' TLS listeners refer to, and the
// Certificate controllers, the approver and the selfSigned CertificateRequest controller issue it
// into a kubernetes.io/tls Secret, which then goes to Envoy Gateway's translator (gateway.mjs).
//
// The selfSigned issuer stands in for the clusters' ACME issuer (letsencrypt-prod), which needs an
// ACME server and an HTTP-01 or DNS-01 answer from the Internet: nothing of that can happen
// offline. Everything before the signature (which Gateways and listeners get a Certificate, with
// which names and issuer, whether that issuer exists) is cert-manager's own decision.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { vendoredCrds } from './checks.mjs';
import { CERTMANAGER_MODULE_DIR, goModuleSourceDir, startControlPlane, stopProcess } from './control-plane.mjs';
import { KubeClient } from './kube.mjs';

/** The release test/certmanager/go.mod pins (and imports/crds/ vendors the CRDs of). */
export const CERT_MANAGER_VERSION = 'v1.21.1';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const CERT_MANAGER_GROUP = 'cert-manager.io';
const CERT_MANAGER_MODULE = 'github.com/cert-manager/cert-manager';
/** The shim's annotations (cert-manager pkg/apis/certmanager/v1/types.go IngressIssuerNameAnnotationKey, IngressClusterIssuerNameAnnotationKey). */
const ISSUER_ANNOTATION = 'cert-manager.io/issuer';
const CLUSTER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';

const groupOf = (apiVersion = '') => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const isGateway = ({ apiVersion, kind }) => groupOf(apiVersion) === GATEWAY_GROUP && kind === 'Gateway';
const key = ({ namespace, name }) => `${namespace}/${name}`;
const condition = (conditions = [], type) => conditions.find((c) => c.type === type);
const said = (c) => (c ? `${c.type}=${c.status} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}` : undefined);

/** The Gateways cert-manager's shim acts on: those with either issuer annotation (sync.go hasShimAnnotation). */
export const annotatedGateways = (manifests) => manifests.filter((m) => isGateway(m.object)
  && (m.object.metadata?.annotations?.[ISSUER_ANNOTATION] !== undefined || m.object.metadata?.annotations?.[CLUSTER_ISSUER_ANNOTATION] !== undefined));

/**
 * The cert-manager module's source directory, from the module cache test/certmanager/go.mod fills
 * (the runner was built from it, so it is there): its CRDs come from the same release as the runner.
 */
export function certManagerModuleDir() {
  return goModuleSourceDir(CERT_MANAGER_MODULE, CERTMANAGER_MODULE_DIR);
}

/**
 * The CRDs the runner needs: all six of cert-manager's, from its module (deploy/crds: the release's
 * own, with CertificateRequest, Order and Challenge, which imports/crds/ does not vendor as nothing
 * in dist/ is of those kinds), and the Gateway API's from `crds` (else imports/crds/).
 */
export function certManagerCrds(crds = [], moduleDir = certManagerModuleDir()) {
  const dir = join(moduleDir, 'deploy', 'crds');
  const own = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(join(dir, f), 'utf8')));
  const gatewayApi = (list) => list.filter((c) => c?.spec?.group === GATEWAY_GROUP);
  const given = gatewayApi(crds);
  return [...own, ...(given.some((c) => c.spec.names.kind === 'Gateway') ? given : gatewayApi(vendoredCrds()))];
}

/**
 * The environment's declared issuer, as a selfSigned stand-in: a ClusterIssuer (the default
 * `issuerKind`), or an Issuer in each namespace with an annotated Gateway. None when the
 * environment declares no issuer.
 */
export function standInIssuers(gateways, facts) {
  const name = facts.certManager?.issuer;
  if (!name) return [];
  const kind = facts.certManager.issuerKind ?? 'ClusterIssuer';
  const spec = { selfSigned: {} };
  if (kind === 'ClusterIssuer') return [{ apiVersion: `${CERT_MANAGER_GROUP}/v1`, kind, metadata: { name }, spec }];
  const namespaces = [...new Set(gateways.map((m) => m.object.metadata.namespace ?? 'default'))].sort();
  return namespaces.map((namespace) => ({ apiVersion: `${CERT_MANAGER_GROUP}/v1`, kind, metadata: { name, namespace }, spec }));
}

/**
 * Starts the runner against `kubeconfig` and resolves once its controllers are started (it prints
 * RUNNING), with { stop, log, problems }. It ends by itself when this process goes away (its stdin
 * closes) or after 30 minutes.
 */
export function startCertManager(binary, kubeconfig, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, [`--kubeconfig=${kubeconfig}`, '--exit-with-stdin', '--max-lifetime=30m', '-v=2'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let log = '';
    let running = false;
    const exited = new Promise((done) => child.on('exit', done));
    const stop = async () => {
      return stopProcess(child, exited, 20_000);
    };
    const timer = setTimeout(() => {
      if (running) return;
      stop().then(() => reject(new Error(`the cert-manager runner did not start its controllers within ${timeoutMs / 1000} s:\n${log.slice(-4000)}`)));
    }, timeoutMs);
    const keep = (chunk) => {
      log = (log + chunk).slice(-400_000);
      if (!running && /^RUNNING /m.test(log)) {
        running = true;
        clearTimeout(timer);
        resolvePromise({
          stop, log: () => log, pid: child.pid,
          problems: () => (child.exitCode !== null || child.signalCode !== null ? [`the cert-manager runner exited (${child.signalCode ?? child.exitCode}):\n${log.slice(-4000)}`] : []),
        });
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!running) reject(new Error(`the cert-manager runner exited (${signal ?? code}) before starting its controllers:\n${log.slice(-4000)}`));
    });
  });
}

/** The DNS names of a PEM certificate's subjectAltName. */
export function dnsNamesOf(pem) {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return san.split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
}

/**
 * What cert-manager made of the Gateways on `client`: each Certificate (its Secret, DNS names,
 * issuer, owning Gateway, Ready condition and, when not Ready, the reason its CertificateRequest
 * gives), each annotated Gateway's warnings from the shim (BadConfig events: a listener it
 * skipped), and the issued Secrets, reduced to what a Secret in dist/ would carry.
 */
export async function certManagerState(client, gateways) {
  const certificates = [];
  const items = (await client.get(`/apis/${CERT_MANAGER_GROUP}/v1/certificates`)).body?.items ?? [];
  const requests = (await client.get(`/apis/${CERT_MANAGER_GROUP}/v1/certificaterequests`)).body?.items ?? [];
  const secrets = [];
  for (const c of items) {
    const { name, namespace } = c.metadata;
    const owner = (c.metadata.ownerReferences ?? []).find((o) => o.kind === 'Gateway');
    const ready = condition(c.status?.conditions, 'Ready');
    // The newest request of this Certificate (cert-manager's annotation on each request it makes).
    const request = requests.filter((r) => r.metadata.namespace === namespace && r.metadata.annotations?.['cert-manager.io/certificate-name'] === name)
      .sort((a, b) => Number(b.metadata.annotations?.['cert-manager.io/certificate-revision'] ?? 0) - Number(a.metadata.annotations?.['cert-manager.io/certificate-revision'] ?? 0))[0];
    const requestReady = condition(request?.status?.conditions, 'Ready');
    const entry = {
      namespace, name, secretName: c.spec.secretName, dnsNames: c.spec.dnsNames ?? [],
      issuer: { kind: c.spec.issuerRef?.kind ?? 'Issuer', name: c.spec.issuerRef?.name },
      gateway: owner ? `${namespace}/${owner.name}` : undefined,
      ready: ready?.status === 'True',
      condition: said(ready) ?? 'no Ready condition yet',
      request: request ? `CertificateRequest ${namespace}/${request.metadata.name}: ${said(requestReady) ?? 'no Ready condition yet'}` : 'no CertificateRequest yet',
      // Settled: issued, or cert-manager has said why not (the request is pending or failed).
      settled: ready?.status === 'True' || (requestReady !== undefined && requestReady.status !== 'True'),
    };
    if (entry.ready) {
      const secret = (await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(entry.secretName)}`)).body;
      if (secret?.data?.['tls.crt'] && secret.data['tls.key']) {
        entry.secretDnsNames = dnsNamesOf(Buffer.from(secret.data['tls.crt'], 'base64').toString('utf8'));
        secrets.push({ apiVersion: 'v1', kind: 'Secret', type: secret.type, metadata: { name: secret.metadata.name, namespace }, data: secret.data });
      }
    }
    certificates.push(entry);
  }
  const warnings = {};
  for (const { object } of gateways) {
    const namespace = object.metadata.namespace ?? 'default';
    const events = (await client.call('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      query: { fieldSelector: `involvedObject.kind=Gateway,involvedObject.name=${object.metadata.name}` },
    })).body?.items ?? [];
    warnings[key({ namespace, name: object.metadata.name })] = events.filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
  }
  return { certificates: certificates.sort((a, b) => key(a).localeCompare(key(b))), secrets, warnings };
}

/**
 * Runs cert-manager over an environment's annotated Gateways on a fresh plain control plane and
 * waits (up to `timeoutMs`) until every Certificate it made is issued or has a reason it is not,
 * and every Certificate `expected` names exists. `binaries`: { apiserver, certmanager }.
 * Returns { certificates, secrets, warnings, refused (Gateways the API server refused), issuers,
 * times (ms: controlPlane, crds, runner, issuing), settled, source }.
 */
export async function issueCertificates({ binaries, manifests, facts, crds = [], expected = [], timeoutMs = 60_000 }) {
  const gateways = annotatedGateways(manifests);
  const issuers = standInIssuers(gateways, facts);
  const source = `cert-manager ${CERT_MANAGER_VERSION} (test/certmanager/), selfSigned stand-in for ${issuers.map((i) => `${i.kind} ${i.metadata.namespace ? `${i.metadata.namespace}/` : ''}${i.metadata.name}`).join(', ') || '(no issuer declared)'}`;
  if (!gateways.length) return { certificates: [], secrets: [], warnings: {}, refused: [], issuers, times: {}, settled: true, source: `${source}; no Gateway with a cert-manager annotation, nothing run` };
  const times = {};
  let started = Date.now();
  const controlPlane = await startControlPlane(binaries.apiserver, { maxLifetimeMs: 15 * 60_000 });
  times.controlPlane = Date.now() - started;
  const client = new KubeClient(controlPlane);
  let runner;
  try {
    started = Date.now();
    await client.installCrds(certManagerCrds(crds), { timeoutMs: 3 * 60_000 });
    times.crds = Date.now() - started;
    for (const namespace of [...new Set(gateways.map((m) => m.object.metadata.namespace ?? 'default'))].sort()) await client.ensureNamespace(namespace);
    const refused = [];
    for (const manifest of gateways) {
      const res = await client.apply(manifest.object, { dryRun: false });
      if (!res.accepted) refused.push({ manifest, ...res });
    }
    for (const issuer of issuers) {
      const res = await client.apply(issuer, { dryRun: false });
      if (!res.accepted) throw new Error(`creating the stand-in ${issuer.kind} ${issuer.metadata.name}: ${res.message}`);
    }
    started = Date.now();
    runner = await startCertManager(binaries.certmanager, controlPlane.kubeconfig);
    times.runner = Date.now() - started;
    started = Date.now();
    const deadline = Date.now() + timeoutMs;
    let state;
    let settled = false;
    for (;;) {
      const trouble = runner.problems();
      if (trouble.length) throw new Error(trouble.join('\n'));
      state = await certManagerState(client, gateways);
      const made = new Set(state.certificates.map(key));
      // Each annotated Gateway the server stored acted on: a Certificate of it, or a warning from
      // the shim about it, or no listener the shim looks at (HTTPS or TLS, not Passthrough, not
      // ignored by annotation: sync.go handleGatewayAPIListeners), about which it says nothing.
      const acted = gateways.filter((m) => !refused.some((r) => r.manifest === m)).every(({ object }) => {
        const id = key({ namespace: object.metadata.namespace ?? 'default', name: object.metadata.name });
        const ignored = (object.metadata.annotations?.['cert-manager.io/certificate-ignore-tls-listeners'] ?? '').split(',').map((n) => n.trim());
        const looked = (object.spec?.listeners ?? []).some((l) => (l.protocol === 'HTTPS' || l.protocol === 'TLS') && l.tls?.mode !== 'Passthrough' && !ignored.includes(l.name));
        return !looked || state.certificates.some((c) => c.gateway === id) || state.warnings[id]?.length > 0;
      });
      settled = acted && expected.every((c) => made.has(key(c))) && state.certificates.every((c) => c.settled);
      if (settled || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    times.issuing = Date.now() - started;
    return { ...state, refused, issuers, times, settled, source };
  } finally {
    await runner?.stop();
    client.close();
    await controlPlane.stop();
  }
}

/**
 * What cert-manager says about a listener's certificate Secret `namespace/name` of Gateway
 * `gateway` (namespace/name), for a verdict's reason: why the Certificate is not Ready, or why none
 * was created. Undefined when the Secret was issued.
 */
export function certManagerWhy(issued, { gateway, namespace, name, annotated }) {
  const certificate = issued.certificates.find((c) => c.namespace === namespace && c.secretName === name);
  if (certificate?.ready && issued.secrets.some((s) => s.metadata.namespace === namespace && s.metadata.name === name)) return undefined;
  if (certificate) return `cert-manager: Certificate ${namespace}/${certificate.name} (${certificate.issuer.kind} ${certificate.issuer.name}) never Ready: ${certificate.condition}; ${certificate.request}`;
  if (!annotated) return `cert-manager: no Certificate for Secret ${namespace}/${name}: the Gateway has neither a ${CLUSTER_ISSUER_ANNOTATION} nor a ${ISSUER_ANNOTATION} annotation`;
  const warnings = issued.warnings[gateway] ?? [];
  return `cert-manager: no Certificate for Secret ${namespace}/${name}${warnings.length ? `: the Gateway shim says ${warnings.join('; ')}` : ' (the Gateway shim created none)'}`;
}
