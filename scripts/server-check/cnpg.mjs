// The CloudNativePG part of the operators check (docs/server-check.md, "Operators"): the real
// operator (github.com/cloudnative-pg/cloudnative-pg cmd/manager `controller`, built from
// test/operators/) beside a function-check control plane, with its own validating and defaulting
// webhooks registered with the API server, its CRDs from the same module, and a stand-in on the plugin
// socket for each CNPG-i plugin a Cluster names. Judged: every Cluster admitted by the webhooks, and
// its first instance's objects (the PVC, the bootstrap Job and the Pod) created by the operator.
//
// The operator runs in a network namespace of its own (`unshare -n`): it would dial each instance
// Pod's IP for its status, and those IPs (KWOK's, from a documentation range) must never be dialled
// from the machine's own network. It reaches the API server, and the API server its webhook, through
// unix-socket relays (socket-relay.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { servePluginStub } from './cnpg-plugin-stub.mjs';
import { goModuleSourceDir, OPERATORS_MODULE_DIR } from './control-plane.mjs';
import { relay } from './socket-relay.mjs';
import { applyForReal, crdsServing, startFunctionPlane } from './function.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CNPG_MODULE = 'github.com/cloudnative-pg/cloudnative-pg';
/** Where the operator runs its part; the namespace its own installation uses (config/manager). */
export const OPERATOR_NAMESPACE = 'cnpg-system';
/** Node's names of architectures to Go's (GOARCH). */
const GOARCH = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
/** The webhook port inside the operator's network namespace (its --webhook-port default). */
const WEBHOOK_PORT = 9443;

/**
 * The CloudNativePG module's source directory, from the module cache test/operators/go.mod fills
 * (the operator binary was built from it, so it is there): CRDs and webhook manifests come from the
 * same release as the binary.
 */
export function cnpgModuleDir() {
  return goModuleSourceDir(CNPG_MODULE, OPERATORS_MODULE_DIR);
}

/** The module's CRDs (config/crd/bases), all of them. */
export function cnpgCrds(moduleDir) {
  const dir = join(moduleDir, 'config', 'crd', 'bases');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(join(dir, f), 'utf8')));
}

/**
 * The module's webhook configurations (config/webhook/manifests.yaml, what the release installs),
 * each webhook pointed at `baseUrl` on its own path instead of the release's Service, with the CA
 * that signed the operator's serving certificate.
 */
export function cnpgWebhookConfigurations(moduleDir, { baseUrl, caBundle }) {
  const text = readFileSync(join(moduleDir, 'config', 'webhook', 'manifests.yaml'), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean).map((configuration) => ({
    ...configuration,
    metadata: { name: `cnpg-${configuration.metadata.name}` },
    webhooks: configuration.webhooks.map(({ clientConfig, ...webhook }) => ({
      ...webhook, clientConfig: { url: `${baseUrl}${clientConfig.service.path}`, caBundle },
    })),
  }));
}

/** A self-signed serving certificate for 127.0.0.1 (the address the API server calls the webhook on). */
function servingCertificate(dir) {
  const crt = join(dir, 'apiserver.crt');
  const key = join(dir, 'apiserver.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=cnpg-webhook', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', crt,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return readFileSync(crt, 'utf8');
}

/** Resolves true once something answers HTTPS on `url` with a certificate `ca` signed (any HTTP status). */
function answers(url, ca) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET', ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Starts the CloudNativePG operator against a running function plane (`plane` of
 * startFunctionPlane) and resolves once its webhooks answer, with { stop, log, pluginCalls,
 * timings }. `plugins` are the CNPG-i plugin names to stand in for (each Cluster's spec.plugins).
 * The operator acts with the control plane's administrator token (a cluster role binding of the
 * release's own RBAC is not installed).
 */
export async function startCnpgOperator({ manager, plane, moduleDir, plugins = [], timeoutMs = 3 * 60_000 }) {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'operators-cnpg-'));
  const certs = join(work, 'certs');
  const pluginDir = join(work, 'plugins');
  mkdirSync(certs);
  mkdirSync(pluginDir);
  const closers = [];
  const stubs = [];
  let child;
  let log = '';
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.on('exit', done));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    for (const close of closers.reverse()) await close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const { client, controlPlane } = plane;
    const apiPort = Number(new URL(controlPlane.server).port);
    const apiSocket = join(work, 'api.sock');
    const webhookSocket = join(work, 'webhook.sock');
    const toApi = await relay(`unix:${apiSocket}`, `tcp:127.0.0.1:${apiPort}`);
    closers.push(toApi.close);
    const toWebhook = await relay('tcp:127.0.0.1:0', `unix:${webhookSocket}`);
    closers.push(toWebhook.close);
    for (const name of [...new Set(plugins)].sort()) {
      const stub = await servePluginStub(join(pluginDir, name), name);
      closers.push(stub.close);
      stubs.push({ name, calls: stub.calls });
    }
    const ca = servingCertificate(certs);
    // The operator records its own binary's hash in each Cluster's status and refuses to go on
    // without it; it looks for operator/manager_<GOARCH> under its working directory, where the
    // release image puts it (cloudnative-pg pkg/utils/discovery.go DetectAvailableArchitectures,
    // internal/controller/cluster_status.go).
    mkdirSync(join(work, 'operator'));
    symlinkSync(manager, join(work, 'operator', `manager_${GOARCH[process.arch] ?? process.arch}`));

    // The operator's namespace, the module's CRDs over the vendored ones, and its webhooks.
    await client.ensureNamespace(OPERATOR_NAMESPACE);
    await client.installCrds(cnpgCrds(moduleDir), { timeoutMs: 3 * 60_000 });
    const baseUrl = `https://127.0.0.1:${toWebhook.port}`;
    for (const configuration of cnpgWebhookConfigurations(moduleDir, { baseUrl, caBundle: Buffer.from(ca).toString('base64') })) {
      const res = await client.apply(configuration, { dryRun: false });
      if (!res.accepted) throw new Error(`installing ${configuration.kind} ${configuration.metadata.name}: ${res.message}`);
    }

    // Inside its own network namespace: loopback up, the relays, then the operator in the shell's place.
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'plane',
      clusters: [{ name: 'plane', cluster: { server: `https://127.0.0.1:${apiPort}`, 'certificate-authority-data': Buffer.from(controlPlane.ca).toString('base64') } }],
      users: [{ name: 'operator', user: { token: controlPlane.token } }],
      contexts: [{ name: 'plane', context: { cluster: 'plane', user: 'operator' } }],
    }));
    // The relays first (they print RELAYING into $7 once listening), so the operator's first call
    // to the API server finds them.
    const script = [
      'ip link set lo up || exit 1',
      '"$1" "$2" "$3" "$4" > "$7" &',
      'while [ ! -s "$7" ]; do sleep 0.1; done',
      'exec "$5" controller --leader-elect=false --metrics-bind-address=0 --webhook-port="$6"',
    ].join('\n');
    child = spawn('unshare', ['-n', '--', 'sh', '-c', script, 'sh',
      process.execPath, join(HERE, 'socket-relay.mjs'), `tcp:127.0.0.1:${apiPort}=unix:${apiSocket}`, `unix:${webhookSocket}=tcp:127.0.0.1:${WEBHOOK_PORT}`,
      manager, String(WEBHOOK_PORT), join(work, 'relaying')], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: work,
      env: {
        ...process.env, KUBECONFIG: kubeconfig, WEBHOOK_CERT_DIR: certs, PLUGIN_SOCKET_DIR: pluginDir,
        OPERATOR_NAMESPACE, MANAGE_WEBHOOK_CONFIGURATIONS: 'false',
      },
    });
    const keep = (chunk) => { log = (log + chunk).slice(-200_000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!(await answers(`${baseUrl}/readyz`, ca))) {
      if (child.exitCode !== null) throw new Error(`the CloudNativePG operator exited (${child.exitCode}) before serving its webhooks:\n${log.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`the CloudNativePG operator did not serve its webhooks within ${timeoutMs / 1000} s:\n${log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    return {
      stop, log: () => log, timings: { operator: Date.now() - started },
      pluginCalls: () => Object.fromEntries(stubs.map(({ name, calls }) => [name, calls()])),
      problems: () => (child.exitCode !== null ? [`the CloudNativePG operator exited (${child.exitCode}):\n${log.slice(-4000)}`] : []),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const CNPG_GROUP = 'postgresql.cnpg.io';
const isCnpgCluster = ({ apiVersion = '', kind }) => apiVersion.startsWith(`${CNPG_GROUP}/`) && kind === 'Cluster';
export const cnpgClustersOf = (manifests) => manifests.filter((m) => isCnpgCluster(m.object));
/** The CNPG-i plugins the Clusters name (spec.plugins[].name). */
export const pluginsOf = (manifests) => [...new Set(cnpgClustersOf(manifests).flatMap((m) => (m.object.spec?.plugins ?? []).map((p) => p.name)))];

/**
 * Whether the operator has made a Cluster's first instance: its PVC, its bootstrap Job (initdb,
 * recovery or pg_basebackup) and its Pod, found by the labels the operator puts on them
 * (cnpg.io/cluster, cnpg.io/instanceName; cloudnative-pg pkg/utils/labels_annotations.go).
 * { healthy, summary, reason }.
 */
export async function cnpgVerdict(client, object) {
  const { name, namespace } = object.metadata;
  const instance = `${name}-1`;
  const list = async (path) => (await client.call('GET', path, { query: { labelSelector: `cnpg.io/cluster=${name}` } })).body?.items ?? [];
  const live = (await client.get(`/apis/${CNPG_GROUP}/v1/namespaces/${namespace}/clusters/${name}`)).body;
  if (!live?.metadata) return { healthy: false, summary: 'missing', reason: 'the Cluster does not exist (refused by the webhook?)' };
  const claims = (await list(`/api/v1/namespaces/${namespace}/persistentvolumeclaims`)).filter((c) => c.metadata.name === instance);
  const jobs = (await list(`/apis/batch/v1/namespaces/${namespace}/jobs`)).filter((j) => j.metadata.labels?.['cnpg.io/instanceName'] === instance);
  const pods = (await list(`/api/v1/namespaces/${namespace}/pods`)).filter((p) => p.metadata.name === instance);
  const found = { PVC: claims[0]?.metadata.name, Job: jobs[0]?.metadata.name, Pod: pods[0]?.metadata.name };
  const missing = Object.entries(found).filter(([, v]) => !v).map(([k]) => k);
  const summary = `phase "${live.status?.phase ?? ''}"; ${Object.entries(found).map(([k, v]) => `${k} ${v ?? '(none)'}`).join(', ')}`;
  if (!missing.length) return { healthy: true, summary };
  const phase = live.status?.phaseReason ? `${live.status.phase}: ${live.status.phaseReason}` : live.status?.phase;
  const claimWhy = claims[0] && claims[0].status?.phase !== 'Bound' ? `; claim ${claims[0].metadata.name} ${claims[0].status?.phase}` : '';
  return { healthy: false, summary, reason: `no ${missing.join(', ')} for instance ${instance}${phase ? ` (the operator says: ${phase})` : ''}${claimWhy}` };
}

/**
 * A function plane for `facts` (function.mjs startFunctionPlane) with the CloudNativePG operator
 * beside it, standing in for `plugins`; `body(plane, operator, times)` runs on it, and everything
 * stops after. `binaries`: { apiserver, kwok, cnpg } paths. Of `crds`, every one of the
 * operator's group is installed (it watches all its kinds) and those serving a kind of
 * `manifests`, which the body applies (function.mjs crdsServing).
 */
export async function withCnpgOperator({ binaries, facts, crds, manifests = [], plugins, moduleDir = cnpgModuleDir() }, body) {
  const plane = await startFunctionPlane({ apiserver: binaries.apiserver, kwok: binaries.kwok, facts });
  let operator;
  try {
    let started = Date.now();
    const serving = new Set(crdsServing(crds, manifests));
    await plane.client.installCrds(crds.filter((crd) => crd.spec.group === CNPG_GROUP || serving.has(crd)), { timeoutMs: 3 * 60_000 });
    const crdsMs = Date.now() - started;
    started = Date.now();
    operator = await startCnpgOperator({ manager: binaries.cnpg, plane, moduleDir, plugins });
    return await body(plane, operator, { crds: crdsMs, operator: Date.now() - started });
  } finally {
    await operator?.stop();
    await plane.stop();
  }
}

/** Waits until each Cluster's verdict is healthy, or `timeoutMs`; returns the last verdicts. */
export async function judgeClusters(plane, operator, clusters, { timeoutMs = 4 * 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdicts = [];
    for (const manifest of clusters) verdicts.push({ manifest, ...(await cnpgVerdict(plane.client, manifest.object)) });
    const trouble = [...plane.problems(), ...operator.problems()];
    if (trouble.length) throw new Error(trouble.join('\n'));
    if (verdicts.every((v) => v.healthy) || Date.now() > deadline) return verdicts;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * The CloudNativePG verdict of one environment: its manifests applied for real beside the real
 * operator, then each Cluster judged (admitted by the webhooks, its first instance's PVC, Job and
 * Pod created). Returns { verdicts, refused (Clusters the webhooks refused), times, pluginCalls }.
 */
export async function judgeCnpgEnvironment({ binaries, facts, crds, manifests }) {
  const clusters = cnpgClustersOf(manifests);
  return withCnpgOperator({ binaries, facts, crds, manifests, plugins: pluginsOf(manifests) }, async (plane, operator, times) => {
    let started = Date.now();
    const applied = await applyForReal(plane.client, manifests);
    const applying = Date.now() - started;
    started = Date.now();
    const verdicts = await judgeClusters(plane, operator, clusters);
    return {
      verdicts,
      refused: applied.filter((r) => !r.accepted && clusters.includes(r.manifest)),
      applied: applied.length,
      times: { controlPlane: plane.timings.controlPlane, nodesReady: plane.timings.nodesReady, ...times, applying, instances: Date.now() - started },
      pluginCalls: operator.pluginCalls(),
    };
  });
}
