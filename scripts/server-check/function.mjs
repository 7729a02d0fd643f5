// The function check (docs/server-check.md, "Function check"): an environment's dist/ applied for
// real to a fresh control plane whose controllers act on it (kube-controller-manager and
// kube-scheduler of the same release, test/apiserver/programs.go) and whose nodes and pods are
// KWOK's (test/kwok/), then judged by what the controllers made of it: workloads with their ready
// replicas, Jobs complete, Services with ready endpoints, claims Bound, disruption budgets that
// allow a disruption. Nothing here dials a pod: KWOK writes pod status, and the pod IPs it hands
// out are from a documentation range no host routes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describeObject } from './checks.mjs';
import { KWOK_MODULE_DIR, ROOT, startControlPlane } from './control-plane.mjs';
import { KubeClient } from './kube.mjs';

/** Pod IPs: RFC 5737 TEST-NET-1, never routed (loopback addresses are refused by EndpointSlice validation). */
export const POD_CIDR = '192.0.2.0/24';
/** The nodes' InternalIP: RFC 5737 TEST-NET-2. */
export const NODE_IP = '198.51.100.1';
/**
 * The fake nodes when an environment does not say (environment.yaml has no fact for it yet; TO
 * CONFIRM per cluster): three nodes the size of a small managed-cluster worker (Linode LKE's
 * g6-standard-2 is 2 CPU / 4 GB, a k3s host more), with the kubelet's default pod limit (110).
 */
export const DEFAULT_NODES = { count: 3, cpu: '4', memory: '8Gi', pods: '110', ephemeralStorage: '80Gi' };
/** What marks a node as KWOK's, so it manages only these (its --manage-nodes-with-label-selector). */
const NODE_LABEL = 'server-check.invalid/kwok';

/**
 * What overlays/<env>/environment.yaml says the cluster already has, as far as the function check
 * needs it: its StorageClasses (name -> { accessModes }), the namespaces that exist there, its
 * GatewayClass (`gateway`), the Gateways others run there (`gateways`) and its cert-manager issuer
 * (`certManager`).
 */
export function environmentFacts(environment, root = ROOT) {
  let document = {};
  try {
    document = parse(readFileSync(join(root, 'overlays', environment, 'environment.yaml'), 'utf8')) ?? {};
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const existing = document.existing ?? {};
  return {
    storageClasses: existing.storageClasses ?? {}, namespaces: existing.namespaces ?? [], nodes: DEFAULT_NODES,
    gateway: document.gateway, certManager: document.certManager, gateways: existing.gateways ?? [],
  };
}

/** A CEL string literal (cel-spec: a double-quoted string with backslash escapes). */
const celString = (text) => JSON.stringify(text);

/**
 * KWOK's configuration for one environment: its options (pod CIDR, node IP) and the Stages of
 * test/kwok/stages/, the pvc-provision Stage limited by CEL to the environment's declared
 * StorageClasses.
 */
export function kwokConfig({ storageClasses }) {
  const options = {
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1', kind: 'KwokConfiguration',
    options: {
      cidr: POD_CIDR, nodeIP: NODE_IP, manageAllNodes: false, manageNodesWithLabelSelector: NODE_LABEL,
      // KWOK's own defaults (sigs.k8s.io/kwok pkg/apis/config/v1alpha1 zz_generated.defaults.go),
      // which it does not apply to a configuration read from a file. No debugging or profiling
      // handlers: nothing serves here.
      podPlayStageParallelism: 4, nodePlayStageParallelism: 4, nodeLeaseParallelism: 4, nodeLeaseDurationSeconds: 40,
      podsOnNodeSyncParallelism: 1, enablePodsOnNodeSyncListPager: true, enablePodsOnNodeSyncStreamWatch: false,
      enableDebuggingHandlers: false, enableContentionProfiling: false, enableProfilingHandler: false,
    },
  };
  const dir = join(KWOK_MODULE_DIR, 'stages');
  const classes = Object.keys(storageClasses).sort();
  const classFilter = `    - cel:\n        expression: ${JSON.stringify(`has(self.spec.storageClassName) && self.spec.storageClassName in [${classes.map(celString).join(', ')}]`)}\n`;
  // The Stage files are used as written (their templates are text a re-serialization could fold);
  // the class filter goes in as the first item of pvc-provision's selector.
  const stages = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    if (parse(text).metadata.name !== 'pvc-provision') return text;
    const marker = '    matchExpressions:\n';
    if (!text.includes(marker)) throw new Error(`test/kwok/stages/${file}: no "${marker.trim()}" line to add the StorageClass filter to`);
    return text.replace(marker, marker + classFilter);
  });
  return [stringify(options), ...stages].join('---\n');
}

/**
 * A fresh control plane with controllers, scheduler and KWOK for one environment: its declared
 * StorageClasses exist (provisioned by KWOK's pvc-provision Stage), its declared namespaces exist,
 * and `facts.nodes` nodes are Ready. Resolves with { client, controlPlane, stop, timings }.
 */
export async function startFunctionPlane({ apiserver, kwok, facts, maxLifetimeMs = 30 * 60_000 }) {
  const timings = {};
  let started = Date.now();
  const controlPlane = await startControlPlane(apiserver, { controllers: true, maxLifetimeMs });
  timings.controlPlane = Date.now() - started;
  const client = new KubeClient(controlPlane);
  const work = mkdtempSync(join(tmpdir(), 'function-check-'));
  let kwokProcess;
  const stop = async () => {
    if (kwokProcess && kwokProcess.exitCode === null && kwokProcess.signalCode === null) {
      const exited = new Promise((done) => kwokProcess.on('exit', done));
      kwokProcess.kill('SIGTERM');
      const timer = setTimeout(() => kwokProcess.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    client.close();
    await controlPlane.stop();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    started = Date.now();
    await createNodes(client, facts.nodes);
    await createStorageClasses(client, facts.storageClasses);
    for (const name of facts.namespaces) await client.ensureNamespace(name);
    const config = join(work, 'kwok.yaml');
    writeFileSync(config, kwokConfig(facts));
    let kwokLog = '';
    // KWOK_WORKDIR: KWOK reads no configuration but this run's (its default is ~/.kwok).
    kwokProcess = spawn(kwok, [`--kubeconfig=${controlPlane.kubeconfig}`, `--config=${config}`], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KWOK_WORKDIR: work },
    });
    kwokProcess.stdout.on('data', (chunk) => { kwokLog = (kwokLog + chunk).slice(-20_000); });
    kwokProcess.stderr.on('data', (chunk) => { kwokLog = (kwokLog + chunk).slice(-20_000); });
    const problems = () => [
      ...controlPlane.exited().map((line) => `exited: ${line}`),
      ...(kwokProcess.exitCode !== null ? [`KWOK exited (${kwokProcess.exitCode}):\n${kwokLog.slice(-4000)}`] : []),
    ];
    // Ready when KWOK has initialized every node and the ServiceAccount controller has made the
    // default namespace's ServiceAccount (pods of a namespace can be admitted only after that).
    await waitUntil(async () => {
      const nodes = (await client.get('/api/v1/nodes')).body?.items ?? [];
      const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const account = await client.get('/api/v1/namespaces/default/serviceaccounts/default');
      return ready.length === facts.nodes.count && account.status === 200;
    }, { timeoutMs: 3 * 60_000, what: 'the nodes Ready (KWOK) and the default ServiceAccount (kube-controller-manager)', problems });
    timings.nodesReady = Date.now() - started;
    return { client, controlPlane, stop, timings, problems };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls `condition` every second until it holds; throws after `timeoutMs`, naming `what`. */
export async function waitUntil(condition, { timeoutMs, what, problems = () => [], intervalMs = 1000 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const trouble = problems();
    if (trouble.length) throw new Error(`waiting for ${what}: ${trouble.join('\n')}`);
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The fake nodes. The TaintNodesByCondition admission plugin puts node.kubernetes.io/not-ready
 * on every new Node (k8s.io/kubernetes plugin/pkg/admission/nodetaint/admission.go); in a cluster
 * the node-lifecycle controller removes it once the kubelet reports Ready. That controller stays
 * off here (it would also evict pods whenever KWOK's heartbeats fall behind on a loaded machine),
 * so the taint is removed once the node exists, as the controller would.
 */
async function createNodes(client, { count, cpu, memory, pods, ephemeralStorage }) {
  const resources = { cpu, memory, pods, 'ephemeral-storage': ephemeralStorage };
  for (let i = 1; i <= count; i++) {
    const name = `kwok-node-${i}`;
    const node = {
      apiVersion: 'v1', kind: 'Node',
      metadata: {
        name,
        labels: { [NODE_LABEL]: 'true', 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': `zone-${((i - 1) % 3) + 1}` },
      },
    };
    const created = await client.apply(node, { dryRun: false });
    if (!created.accepted) throw new Error(`creating node ${name}: ${created.message}`);
    const path = `/api/v1/nodes/${name}`;
    const untainted = await client.call('PATCH', path, { body: { spec: { taints: null } }, contentType: 'application/merge-patch+json' });
    if (untainted.status !== 200) throw new Error(`untainting node ${name}: ${untainted.body?.message}`);
    const sized = await client.call('PATCH', `${path}/status`, { body: { status: { capacity: resources, allocatable: resources } }, contentType: 'application/merge-patch+json' });
    if (sized.status !== 200) throw new Error(`sizing node ${name}: ${sized.body?.message}`);
  }
}

/**
 * The environment's declared StorageClasses. Their real provisioners are not here; KWOK's
 * pvc-provision Stage stands in for them (the provisioner name below is KWOK's). Binding is
 * Immediate: environment.yaml does not record a class's binding mode, and a claim is then judged
 * on its own, before any pod uses it.
 */
async function createStorageClasses(client, storageClasses) {
  for (const name of Object.keys(storageClasses).sort()) {
    const res = await client.apply({
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name },
      provisioner: 'kwok.x-k8s.io/volume', reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate', allowVolumeExpansion: true,
    }, { dryRun: false });
    if (!res.accepted) throw new Error(`creating StorageClass ${name}: ${res.message}`);
  }
}

/**
 * Argo CD's order of kinds within one sync wave (github.com/argoproj/gitops-engine
 * pkg/sync/sync_tasks.go kindOrder), so dependencies such as ServiceAccounts exist before the
 * workloads that use them, as in a sync; kinds it does not list come after.
 */
const KIND_ORDER = ['Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService'];
const kindRank = (kind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

/**
 * Applies manifests for real (server-side apply, Strict), in Argo CD's kind order; namespaces they
 * live in that none of them creates are created bare first. Returns one result per manifest.
 */
export async function applyForReal(client, manifests) {
  const ordered = [...manifests].sort((a, b) => kindRank(a.object.kind) - kindRank(b.object.kind));
  const created = new Set(manifests.filter((m) => m.object.apiVersion === 'v1' && m.object.kind === 'Namespace').map((m) => m.object.metadata.name));
  for (const name of [...new Set(manifests.map((m) => m.object.metadata?.namespace).filter(Boolean))].sort()) {
    if (!created.has(name)) await client.ensureNamespace(name);
  }
  const results = [];
  for (const manifest of ordered) results.push({ manifest, ...(await client.apply(manifest.object, { dryRun: false })) });
  return results;
}

const groupOf = (apiVersion) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const identityOf = ({ apiVersion, kind }) => `${groupOf(apiVersion)}/${kind}`;

/**
 * Kinds whose effect needs a controller that does not run here, with why: they are listed, not
 * judged. Stage 3 of the function check (issue 32) brings some of these operators in.
 */
export const OFFLINE = {
  'postgresql.cnpg.io/Cluster': 'the CloudNativePG operator creates the instances (admission and the first instance are judged by the operators check, test/apiserver/operators-check.test.mjs, when built; no PostgreSQL answers offline, so no primary)',
  'postgresql.cnpg.io/ScheduledBackup': 'the CloudNativePG operator takes the backups (not run here)',
  'barmancloud.cnpg.io/ObjectStore': 'the barman-cloud plugin writes to object storage (no object storage offline)',
  'gateway.networking.k8s.io/Gateway': 'Envoy Gateway programs the listeners and cert-manager issues their certificate (judged by the operators check, test/apiserver/operators-check.test.mjs, when egctl and the cert-manager runner are built)',
  'gateway.networking.k8s.io/HTTPRoute': 'Envoy Gateway accepts the routes and resolves their backends (judged by the operators check, test/apiserver/operators-check.test.mjs, when egctl is built)',
  'networking.k8s.io/Ingress': 'the ingress controller of its class (e.g. the Tailscale operator) serves it (not run here)',
  'networking.k8s.io/NetworkPolicy': 'the cluster\'s network plugin enforces it; no pod traffic flows offline',
  'bitnami.com/SealedSecret': 'only the cluster\'s sealed-secrets controller holds the key that unseals it',
  'external-secrets.io/ExternalSecret': 'the External Secrets operator copies it from a secret store the cluster reaches',
  'external-secrets.io/SecretStore': 'the External Secrets operator validates it against the store',
  'monitoring.coreos.com/PodMonitor': 'the Prometheus operator configures scraping',
  'monitoring.coreos.com/PrometheusRule': 'the Prometheus operator loads the rules',
  'argoproj.io/Application': 'Argo CD syncs it from the repository',
  'argoproj.io/AppProject': 'Argo CD enforces it',
  'source.toolkit.fluxcd.io/GitRepository': 'Flux\'s source-controller fetches the repository',
  'kustomize.toolkit.fluxcd.io/Kustomization': 'Flux\'s kustomize-controller applies it from the repository',
};

/** Kinds the function check judges, each with what "healthy" means. */
const JUDGED = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'batch/Job', '/Service', '/PersistentVolumeClaim', 'policy/PodDisruptionBudget']);

export const isJudged = (object) => JUDGED.has(identityOf(object));

const selectorQuery = (matchLabels = {}) => Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(',');

/** The newest event's message about an object (Warning first), or undefined. */
async function lastEvent(client, { kind, metadata }) {
  const res = await client.call('GET', `/api/v1/namespaces/${metadata.namespace}/events`, {
    query: { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${metadata.name}` },
  });
  const events = (res.body?.items ?? []).sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)));
  const warning = events.filter((e) => e.type === 'Warning').pop();
  const last = warning ?? events.pop();
  return last ? `${last.reason}: ${last.message}` : undefined;
}

/** Why pods of a selector are not ready: their scheduling or readiness conditions, else none exist. */
async function podsWhy(client, namespace, matchLabels) {
  const pods = (await client.call('GET', `/api/v1/namespaces/${namespace}/pods`, { query: { labelSelector: selectorQuery(matchLabels) } })).body?.items ?? [];
  if (!pods.length) return 'no pods';
  const reasons = new Set();
  for (const pod of pods) {
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') reasons.add(`pod not scheduled: ${scheduled.message ?? scheduled.reason}`);
    else if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Succeeded') reasons.add(`pod ${pod.status?.phase ?? 'without status'}`);
  }
  return [...reasons].join('; ') || `${pods.length} pods`;
}

/** Whether the object's controller has seen its current spec (status.observedGeneration). */
const observed = ({ metadata, status = {} }) => (status.observedGeneration ?? 0) >= metadata.generation;

/**
 * Whether one object is healthy as its controllers left it: { healthy, summary, reason? }.
 * `reason` explains an unhealthy verdict from the controllers' own words (conditions, events,
 * scheduling messages).
 */
export async function verdict(client, object) {
  const path = await client.pathOf(object);
  const res = await client.get(path);
  if (res.status !== 200) return { healthy: false, summary: 'missing', reason: `not found (${res.status})` };
  const live = res.body;
  const { spec = {}, status = {} } = live;
  const namespace = live.metadata.namespace;
  switch (identityOf(object)) {
    case 'apps/Deployment':
    case 'apps/StatefulSet': {
      const desired = spec.replicas ?? 1;
      const ready = status.readyReplicas ?? 0;
      const healthy = observed(live) && ready >= desired && (status.updatedReplicas ?? 0) >= desired;
      if (healthy) return { healthy, summary: `${ready}/${desired} ready` };
      let reason = await podsWhy(client, namespace, spec.selector?.matchLabels);
      if (reason === 'no pods') {
        // Who failed to create them: the ReplicaSet's ReplicaFailure condition, or the object's events.
        const sets = (await client.call('GET', `/apis/apps/v1/namespaces/${namespace}/replicasets`, { query: { labelSelector: selectorQuery(spec.selector?.matchLabels) } })).body?.items ?? [];
        const failure = sets.flatMap((s) => s.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
        const event = failure ? undefined : await lastEvent(client, live);
        reason = failure ? `no pods: ${failure.message}` : `no pods${event ? `: ${event}` : ''}`;
      }
      return { healthy, summary: `${ready}/${desired} ready`, reason };
    }
    case 'apps/DaemonSet': {
      if (!observed(live)) return { healthy: false, summary: 'not yet observed', reason: 'not yet observed by the DaemonSet controller' };
      const desired = status.desiredNumberScheduled ?? 0;
      const ready = status.numberReady ?? 0;
      const healthy = desired > 0 && ready === desired;
      return { healthy, summary: `${ready}/${desired} ready`, reason: healthy ? undefined : desired === 0 ? 'no node to run on' : await podsWhy(client, namespace, spec.selector?.matchLabels) };
    }
    case 'batch/Job': {
      const conditions = status.conditions ?? [];
      const complete = conditions.some((c) => c.type === 'Complete' && c.status === 'True');
      const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
      if (complete) return { healthy: true, summary: `complete (${status.succeeded ?? 0} succeeded)` };
      return { healthy: false, summary: failed ? 'failed' : 'not complete', reason: failed ? `${failed.reason}: ${failed.message}` : await podsWhy(client, namespace, { 'batch.kubernetes.io/job-name': live.metadata.name }) };
    }
    case '/Service': {
      if (spec.type === 'ExternalName' || !spec.selector) return { healthy: true, summary: 'no selector: endpoints are not a controller\'s', skipped: true };
      const slices = (await client.call('GET', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, { query: { labelSelector: `kubernetes.io/service-name=${live.metadata.name}` } })).body?.items ?? [];
      const endpoints = slices.flatMap((s) => s.endpoints ?? []);
      const ready = endpoints.filter((e) => e.conditions?.ready);
      const healthy = ready.length > 0;
      return { healthy, summary: `${ready.length} ready endpoints${ready.length ? ` (${ready.flatMap((e) => e.addresses).join(', ')})` : ''}`, addresses: ready.flatMap((e) => e.addresses), reason: healthy ? undefined : `no ready endpoints: ${await podsWhy(client, namespace, spec.selector)} match ${JSON.stringify(spec.selector)}` };
    }
    case '/PersistentVolumeClaim': {
      const healthy = status.phase === 'Bound';
      return { healthy, summary: status.phase ?? 'no phase', reason: healthy ? undefined : (await lastEvent(client, live)) ?? 'no event yet' };
    }
    case 'policy/PodDisruptionBudget': {
      if (!observed(live)) return { healthy: false, summary: 'not yet observed', reason: 'not yet observed by the disruption controller' };
      const allowed = status.disruptionsAllowed ?? 0;
      const healthy = allowed >= 1;
      return { healthy, summary: `${allowed} disruptions allowed (${status.currentHealthy ?? 0} healthy, ${status.desiredHealthy ?? 0} desired)`, reason: healthy ? undefined : 'a voluntary disruption (a node drain) would be blocked' };
    }
    default:
      return { healthy: true, summary: 'not judged', skipped: true };
  }
}

/**
 * Waits until every judged object is healthy or `timeoutMs` passed, and returns the last verdict
 * of each: [{ manifest, healthy, summary, reason }].
 */
export async function judge(client, manifests, { timeoutMs = 3 * 60_000, problems = () => [] } = {}) {
  const judged = manifests.filter((m) => isJudged(m.object));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdicts = [];
    for (const manifest of judged) verdicts.push({ manifest, ...(await verdict(client, manifest.object)) });
    const trouble = problems();
    if (trouble.length) throw new Error(trouble.join('\n'));
    if (verdicts.every((v) => v.healthy) || Date.now() > deadline) return verdicts;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** The objects of a list that nothing here can make healthy, with why (OFFLINE). */
export function offlineOf(manifests) {
  return manifests.filter((m) => OFFLINE[identityOf(m.object)]).map((m) => ({ manifest: m, why: OFFLINE[identityOf(m.object)] }));
}

/** `  ✗ dist/…: Deployment ns/name: 0/1 ready: no pods: …` */
export function formatVerdict({ manifest, healthy, summary, reason }) {
  return `  ${healthy ? '✓' : '✗'} ${manifest.file}: ${describeObject(manifest.object)}: ${summary}${reason ? `: ${reason}` : ''}`;
}

/**
 * The CRDs among `crds` that serve a kind of `manifests`. Applying an environment needs no
 * others, and each CRD costs the API server its OpenAPI aggregation: installing all 45 vendored
 * ones took 7 to 10 s of every environment's check (docs/performance.md, "CI time").
 */
export function crdsServing(crds, manifests) {
  const kinds = new Set(manifests.map(({ object }) => identityOf(object)));
  return crds.filter((crd) => kinds.has(`${crd.spec.group}/${crd.spec.names.kind}`));
}

/**
 * The function check of one environment, on a fresh control plane (startFunctionPlane): those
 * of `crds` that serve a kind of its manifests installed (crdsServing), its manifests applied
 * for real, then judged until healthy or `judgeTimeoutMs`.
 * Returns { applied, refused, verdicts (judged and skipped), unhealthy, offline, timings (ms:
 * controlPlane, nodesReady, crds, applying, judging) }. Run per environment by
 * test/apiserver/function-check.test.mjs and by `cdk8s-constructs server-check --function`.
 */
export async function functionCheckEnvironment({ apiserver, kwok, facts, crds, manifests, crdTimeoutMs = 3 * 60_000, judgeTimeoutMs = 3 * 60_000 }) {
  const plane = await startFunctionPlane({ apiserver, kwok, facts });
  try {
    const timings = { ...plane.timings };
    let started = Date.now();
    await plane.client.installCrds(crdsServing(crds, manifests), { timeoutMs: crdTimeoutMs });
    timings.crds = Date.now() - started;
    started = Date.now();
    const applied = await applyForReal(plane.client, manifests);
    timings.applying = Date.now() - started;
    started = Date.now();
    const verdicts = await judge(plane.client, manifests, { timeoutMs: judgeTimeoutMs, problems: plane.problems });
    timings.judging = Date.now() - started;
    return {
      applied,
      refused: applied.filter((r) => !r.accepted),
      verdicts,
      unhealthy: verdicts.filter((v) => !v.skipped && !v.healthy),
      offline: offlineOf(manifests),
      timings,
    };
  } finally {
    await plane.stop();
  }
}
