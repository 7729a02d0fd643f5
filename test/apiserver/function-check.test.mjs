// The function check (docs/server-check.md, "Function check"), run by `npm run test:server` after
// the server check, once scripts/server-check/build.mjs has built or found the control plane and
// KWOK. Per environment, on a fresh control plane with kube-controller-manager, kube-scheduler and
// KWOK: dist/ applied for real, then every Deployment, StatefulSet and DaemonSet must reach its
// ready replicas, every Job complete, every Service with a selector have ready endpoints, every
// claim be Bound and every PodDisruptionBudget allow a disruption. The controls prove each verdict
// can fail, for the reason it names, and that the corrected twin passes.
//
// SERVER_CHECK_FUNCTION=off skips it (the server check above still runs).
//
// Time budget: each environment up to 8 minutes (start up to 3, CRDs up to 3, the controllers up to
// 3 to make everything healthy), the controls up to 8.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { environmentsOf, formatRefusal, readManifestTree, vendoredCrds } from '../../scripts/server-check/checks.mjs';
import { ensureBinary, ROOT } from '../../scripts/server-check/control-plane.mjs';
import { DEFAULT_NODES, POD_CIDR, applyForReal, crdsServing, environmentFacts, formatVerdict, functionCheckEnvironment, startFunctionPlane, verdict, waitUntil } from '../../scripts/server-check/function.mjs';

const MINUTE = 60_000;
const DIST = join(ROOT, 'dist');
const current = existsSync(DIST) ? readManifestTree(DIST) : [];
const enabled = process.env.SERVER_CHECK_FUNCTION !== 'off';
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

describe('function check: the real controllers, scheduler and KWOK nodes make every environment healthy', { skip: !enabled && 'SERVER_CHECK_FUNCTION=off' }, () => {
  let binaries;
  before(async () => {
    binaries = { apiserver: (await ensureBinary({ build: false })).path, kwok: (await ensureBinary({ target: 'kwok', build: false })).path };
  });

  test('an environment gets the vendored CRDs that serve its kinds, and no others', () => {
    const manifest = (apiVersion, kind) => ({ environment: 'e', file: kind, object: { apiVersion, kind, metadata: { name: 'x' } } });
    const chosen = crdsServing(vendoredCrds(), [manifest('gateway.networking.k8s.io/v1', 'HTTPRoute'), manifest('apps/v1', 'Deployment'), manifest('postgresql.cnpg.io/v1', 'Cluster'), manifest('v1', 'Service')]);
    assert.deepEqual(chosen.map((crd) => crd.metadata.name).sort(), ['clusters.postgresql.cnpg.io', 'httproutes.gateway.networking.k8s.io']);
  });

  for (const environment of environmentsOf(current)) {
    test(environment, async (t) => {
      const facts = environmentFacts(environment);
      const manifests = current.filter((m) => m.environment === environment);
      const { applied, refused, verdicts, unhealthy, offline, timings } = await functionCheckEnvironment({ ...binaries, facts, crds: vendoredCrds(), manifests });
      t.diagnostic(`${environment}: control plane ${seconds(timings.controlPlane)}, nodes ready ${seconds(timings.nodesReady)}, CRDs ${seconds(timings.crds)}, ${applied.length} objects applied in ${seconds(timings.applying)}, verdicts in ${seconds(timings.judging)}`);
      t.diagnostic(`${environment}: ${facts.nodes.count} nodes of ${facts.nodes.cpu} CPU / ${facts.nodes.memory}; StorageClasses ${Object.keys(facts.storageClasses).join(', ') || '(none declared)'}`);
      for (const v of verdicts) t.diagnostic(formatVerdict(v));
      for (const { manifest, why } of offline) t.diagnostic(`  – ${manifest.file}: not judged offline: ${why}`);
      assert.deepEqual([...refused.flatMap(formatRefusal), ...unhealthy.map(formatVerdict)], []);
    }, { timeout: 10 * MINUTE });
  }

  describe('controls: each verdict fails for the reason it names, and its corrected twin passes', () => {
    let plane;
    const namespace = 'function-controls';
    const declared = 'declared-class';
    const labels = (name) => ({ 'app.kubernetes.io/name': name });
    const restricted = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
    const podSpec = (extra = {}) => ({ containers: [{ name: 'app', image: 'registry.example.org/app:1', securityContext: restricted, ...extra.container }], ...extra.pod });
    const deployment = (name, extra) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace },
      spec: { replicas: 2, selector: { matchLabels: labels(name) }, template: { metadata: { labels: labels(name) }, spec: podSpec(extra) } },
    });
    const job = (name, extra) => ({
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', ...podSpec(extra) } } },
    });
    const claim = (name, storageClassName) => ({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } },
    });
    const service = (name, selector) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const manifest = (object) => ({ environment: 'controls', file: `control/${object.kind}/${object.metadata.name}`, object });
    /**
     * Applies objects for real, then waits, per object but a ServiceAccount, until its verdict is
     * decided: healthy, or unhealthy for a reason matching `expected[name]` (a controller may say
     * something else first, such as the scaling event before the ReplicaSet's failure). The
     * assertions then say which it was, so a bad twin that turns healthy fails.
     */
    const run = async (objects, expected = {}) => {
      const applied = await applyForReal(plane.client, objects.map(manifest));
      for (const r of applied) assert.equal(r.accepted, true, `${r.manifest.file}: ${r.message}`);
      const results = [];
      for (const object of objects.filter((o) => o.kind !== 'ServiceAccount')) {
        const pattern = expected[object.metadata.name];
        let last;
        const decided = (v) => v.healthy || (pattern !== undefined && pattern.test(v.reason ?? ''));
        await waitUntil(async () => decided((last = await verdict(plane.client, object))), { timeoutMs: 3 * MINUTE, what: `a decided verdict for ${object.kind} ${object.metadata.name} (last: ${JSON.stringify(last)})`, problems: plane.problems });
        results.push(last);
      }
      return results;
    };
    const expectUnhealthy = (v, pattern) => {
      assert.equal(v.healthy, false, `expected unhealthy (${pattern}), got ${v.summary}`);
      assert.match(v.reason, pattern);
    };
    const expectHealthy = (v) => assert.equal(v.healthy, true, `${v.summary}: ${v.reason}`);

    before(async () => {
      const binaries = { apiserver: (await ensureBinary({ build: false })).path, kwok: (await ensureBinary({ target: 'kwok', build: false })).path };
      plane = await startFunctionPlane({ ...binaries, facts: { storageClasses: { [declared]: { accessModes: ['ReadWriteOnce'] } }, namespaces: [namespace], nodes: DEFAULT_NODES } });
    }, { timeout: 5 * MINUTE });
    after(async () => plane?.stop(), { timeout: 2 * MINUTE });

    test('a Deployment whose ServiceAccount does not exist never gets pods (ServiceAccount admission)', async () => {
      const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'present', namespace } };
      const reason = /no pods: .*serviceaccount "absent" not found/;
      const [bad, good] = await run([
        account,
        deployment('sa-missing', { pod: { serviceAccountName: 'absent' } }),
        deployment('sa-present', { pod: { serviceAccountName: 'present' } }),
      ], { 'sa-missing': reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
      assert.equal(good.summary, '2/2 ready');
    }, { timeout: 4 * MINUTE });

    test('a claim of a StorageClass the environment does not declare stays Pending', async () => {
      const reason = /storageclass\.storage\.k8s\.io "undeclared-class" not found/;
      const [bad, good] = await run([claim('undeclared', 'undeclared-class'), claim('declared', declared)], { undeclared: reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
    }, { timeout: 4 * MINUTE });

    test('a Deployment asking for more CPU than a node has is never scheduled (kube-scheduler)', async () => {
      const cpu = (amount) => ({ container: { resources: { requests: { cpu: amount } } } });
      const reason = /pod not scheduled: 0\/3 nodes are available: 3 Insufficient cpu/;
      const [bad, good] = await run([deployment('too-big', cpu('64')), deployment('fits', cpu('500m'))], { 'too-big': reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
    }, { timeout: 4 * MINUTE });

    test('a Service whose selector matches no pod has no ready endpoints (EndpointSlice controller)', async () => {
      await run([deployment('backend')]);
      const reason = /no ready endpoints: no pods match/;
      const [bad, good] = await run([service('selects-nothing', labels('no-such-app')), service('selects-backend', labels('backend'))], { 'selects-nothing': reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
      // KWOK's pod IPs, from the documentation range and nowhere else.
      const prefix = POD_CIDR.split('.').slice(0, 3).join('.');
      assert.equal(good.addresses.length, 2);
      for (const address of good.addresses) assert.ok(address.startsWith(`${prefix}.`), `${address} is not in ${POD_CIDR}`);
    }, { timeout: 4 * MINUTE });

    test('a StatefulSet whose volume claim template names an undeclared StorageClass never runs; its twin has its replicas and claims', async () => {
      const statefulSet = (name, storageClassName) => ({
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace },
        spec: {
          replicas: 2, serviceName: name, selector: { matchLabels: labels(name) },
          template: { metadata: { labels: labels(name) }, spec: podSpec({ container: { volumeMounts: [{ name: 'data', mountPath: '/data' }] } }) },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: '1Gi' } } } }],
        },
      });
      const reason = /pod not scheduled: .*pod has unbound immediate PersistentVolumeClaims/;
      const [bad, good] = await run([statefulSet('undeclared-volume', 'undeclared-class'), statefulSet('declared-volume', declared)], { 'undeclared-volume': reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
      assert.equal(good.summary, '2/2 ready');
      for (const i of [0, 1]) expectHealthy(await verdict(plane.client, claim(`data-declared-volume-${i}`, declared)));
    }, { timeout: 4 * MINUTE });

    test('a DaemonSet that selects no node has nothing to run; its twin runs on every node', async () => {
      const daemonSet = (name, nodeSelector) => ({
        apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace },
        spec: { selector: { matchLabels: labels(name) }, template: { metadata: { labels: labels(name) }, spec: podSpec({ pod: { nodeSelector } }) } },
      });
      const reason = /^no node to run on$/;
      const [bad, good] = await run([daemonSet('no-nodes', { 'topology.kubernetes.io/zone': 'no-such-zone' }), daemonSet('every-node', { 'kubernetes.io/os': 'linux' })], { 'no-nodes': reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
      assert.equal(good.summary, `${DEFAULT_NODES.count}/${DEFAULT_NODES.count} ready`);
    }, { timeout: 4 * MINUTE });

    test('a PodDisruptionBudget that allows no disruption is reported (disruption controller); its twin allows one', async () => {
      await run([deployment('guarded')]);
      const budget = (name, spec) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace }, spec: { selector: { matchLabels: labels('guarded') }, ...spec } });
      const reason = /a voluntary disruption \(a node drain\) would be blocked/;
      // The verdict is decided once the controller has counted the pods (desiredHealthy set).
      const [bad, good] = await run([budget('blocks-drains', { minAvailable: 2 }), budget('allows-one', { maxUnavailable: 1 })], { 'blocks-drains': reason });
      expectUnhealthy(bad, reason);
      assert.match(bad.summary, /^0 disruptions allowed \(2 healthy, 2 desired\)$/);
      expectHealthy(good);
    }, { timeout: 4 * MINUTE });

    test('a Job whose pod no node can run never completes; its twin completes (KWOK ends the pod)', async () => {
      const reason = /pod not scheduled: 0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector/;
      const [bad, good] = await run([job('nowhere', { pod: { nodeSelector: { 'topology.kubernetes.io/zone': 'no-such-zone' } } }), job('runs')], { nowhere: reason });
      expectUnhealthy(bad, reason);
      expectHealthy(good);
    }, { timeout: 4 * MINUTE });
  });
});
