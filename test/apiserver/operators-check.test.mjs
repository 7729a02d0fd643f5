// The operators check (docs/server-check.md, "Operators"), stage 3 of the function check (issue
// 32): what the operators themselves make of each environment. Envoy Gateway's own translator
// (egctl, built from test/operators/) over every environment's Gateway API objects and the
// cluster's GatewayClass: every route Accepted with ResolvedRefs on every parent, every Gateway
// listener Programmed, its certificate Secret present. The controls prove each verdict can fail,
// for the reason it names, and that the corrected twin passes.
//
// Runs when egctl is built: `SERVER_CHECK_OPERATORS=build npm run test:server` builds it once (a
// cold build takes many minutes, so it stays out of CI's cold path); otherwise it is skipped, saying
// how to build it. EGCTL_BIN=/path uses a binary built elsewhere.
//
// Where the cert-manager runner is built too (test/certmanager/, the same command builds it;
// CERTMANAGER_BIN=/path uses one built elsewhere), the certificates egctl reads are the ones
// cert-manager v1.21.1's own controllers issue on a plain local API server (a selfSigned issuer
// standing in for the environment's ACME issuer); otherwise openssl stand-ins for what
// gateway.mjs certificatesWanted predicts, and each environment's diagnostics say FALLBACK.
//
// Time budget: each environment and each control up to 2 minutes (egctl translates in about a
// second); with cert-manager, 4 minutes (a control plane starts, CRDs install, the runner issues
// within its 60 s bound).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { environmentsOf, formatRefusal, readManifestTree, vendoredCrds } from '../../scripts/server-check/checks.mjs';
import { cnpgClustersOf, cnpgModuleDir, cnpgVerdict, judgeClusters, judgeCnpgEnvironment, withCnpgOperator } from '../../scripts/server-check/cnpg.mjs';
import { ControlPlaneUnavailable, ensureBinary, ROOT } from '../../scripts/server-check/control-plane.mjs';
import { applyForReal, DEFAULT_NODES, environmentFacts, formatVerdict, waitUntil } from '../../scripts/server-check/function.mjs';
import { annotatedGateways, issueCertificates } from '../../scripts/server-check/certmanager.mjs';
import { certificatesWanted, hasGatewayApi, judgeGateways as judgeGatewaysWith } from '../../scripts/server-check/gateway.mjs';

const MINUTE = 60_000;
const DIST = join(ROOT, 'dist');
const current = existsSync(DIST) ? readManifestTree(DIST) : [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A target's binary path, or why its part of the check is skipped. */
async function binaryOrSkip(target) {
  if (process.env.SERVER_CHECK_FUNCTION === 'off' || process.env.SERVER_CHECK_OPERATORS === 'off') return { skip: 'SERVER_CHECK_FUNCTION or SERVER_CHECK_OPERATORS is off' };
  try {
    return { path: (await ensureBinary({ target, build: false, log: () => {} })).path };
  } catch (error) {
    if (!(error instanceof ControlPlaneUnavailable)) throw error;
    return { skip: error.message };
  }
}
const egctl = await binaryOrSkip('egctl');
/**
 * The CloudNativePG operator runs in a network namespace of its own (scripts/server-check/cnpg.mjs);
 * without the privilege to make one (`unshare -n`, root or CAP_SYS_ADMIN, and `ip`) its part is
 * skipped rather than run where it could dial a pod IP.
 */
const netns = spawnSync('unshare', ['-n', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;
const cnpg = netns ? await binaryOrSkip('cnpg') : { skip: 'the CloudNativePG operator runs in its own network namespace, and `unshare -n` (with `ip`) cannot make one here' };

/** The cert-manager runner (test/certmanager/) and the control plane it runs against, or why they are not here. */
const certmanager = await binaryOrSkip('certmanager');
const apiserverForCertManager = certmanager.path ? await binaryOrSkip('apiserver') : certmanager;
const certManagerBuilt = Boolean(certmanager.path && apiserverForCertManager.path);
const judgeGateways = (manifests, facts, options) => judgeGatewaysWith(egctl.path, manifests, facts, options);
/** cert-manager's Certificates for `manifests`, when its runner is built; undefined otherwise (the fallback). */
const issue = (manifests, facts) => (certManagerBuilt
  ? issueCertificates({ binaries: { apiserver: apiserverForCertManager.path, certmanager: certmanager.path }, manifests, facts, crds: vendoredCrds(), expected: certificatesWanted(manifests, facts) })
  : undefined);
/** A certificate as both sides can say it, for the cross-check: `namespace/secret: issuer kind/name: sorted DNS names`. */
const certificateLine = ({ namespace, name, issuer, dnsNames }) => `${namespace}/${name}: ${issuer.kind}/${issuer.name}: ${[...new Set(dnsNames)].sort().join(',')}`;

describe('operators check: Envoy Gateway accepts every route and programs every listener', { skip: egctl.skip }, () => {
  for (const environment of environmentsOf(current)) {
    const manifests = current.filter((m) => m.environment === environment);
    test(environment, { skip: !hasGatewayApi(manifests) && 'no Gateway API objects' }, async (t) => {
      const facts = environmentFacts(environment);
      const issued = await issue(manifests, facts);
      if (issued) {
        const { times } = issued;
        t.diagnostic(`${environment}: cert-manager: ${issued.source}; ${times.controlPlane === undefined ? 'nothing to run' : `control plane ${seconds(times.controlPlane)}, CRDs ${seconds(times.crds)}, runner started in ${seconds(times.runner)}, certificates settled in ${seconds(times.issuing)}`}`);
        for (const c of issued.certificates) t.diagnostic(`  ${c.ready ? '✓' : '✗'} Certificate ${c.namespace}/${c.name} of Gateway ${c.gateway ?? '(none)'} for ${c.dnsNames.join(', ')} (${c.issuer.kind} ${c.issuer.name}): ${c.condition}; Secret ${c.secretName} ${c.secretDnsNames ? `issued for ${c.secretDnsNames.join(', ')}` : 'absent'}`);
      } else {
        t.diagnostic(`${environment}: cert-manager runner not built (${certmanager.skip ?? apiserverForCertManager.skip}): FALLBACK to openssl stand-ins`);
      }
      const { verdicts, certificates, certificateSource, gatewayClass, gateways, ms } = judgeGateways(manifests, facts, { issued });
      t.diagnostic(`${environment}: egctl x translate in ${seconds(ms)}; GatewayClass ${gatewayClass ? `${gatewayClass.metadata.name}${facts.gateway.mergeGateways ? ' (merged Gateways)' : ''}` : '(none declared)'}; the cluster's other Gateways: ${gateways.map((g) => `${g.metadata.namespace}/${g.metadata.name}`).join(', ') || 'none declared'}; ${certificates.length} certificate(s) from ${certificateSource} (${certificates.map((c) => `${c.namespace}/${c.name} for ${c.dnsNames.join(', ')}, ${c.issuer.kind} ${c.issuer.name}`).join('; ') || 'none'})`);
      for (const v of verdicts) t.diagnostic(formatVerdict(v));
      assert.ok(verdicts.length > 0, 'an environment with Gateway API objects has verdicts');
      assert.deepEqual(verdicts.filter((v) => !v.healthy).map(formatVerdict), []);
      if (!issued) return;
      await t.test('cert-manager: every Certificate the Gateway shim created is Ready and its Secret issued for its names', () => {
        assert.deepEqual(issued.refused.flatMap(formatRefusal), [], 'the API server accepts every annotated Gateway');
        assert.equal(issued.settled, true, 'cert-manager settled every Certificate within its bound');
        assert.equal(issued.certificates.length > 0, annotatedGateways(manifests).length > 0, 'an annotated Gateway with TLS listeners gets Certificates');
        for (const c of issued.certificates) {
          assert.equal(c.ready, true, `Certificate ${c.namespace}/${c.name}: ${c.condition}; ${c.request}`);
          assert.deepEqual(c.secretDnsNames?.sort(), [...new Set(c.dnsNames)].sort(), `Secret ${c.namespace}/${c.secretName} holds a certificate for the Certificate's DNS names`);
        }
      });
      await t.test('cert-manager: the shim\'s Certificates are the ones gateway.mjs certificatesWanted predicts (the hand-written table checked against the real one)', () => {
        const real = issued.certificates.map(({ namespace, secretName, issuer, dnsNames }) => certificateLine({ namespace, name: secretName, issuer, dnsNames })).sort();
        assert.deepEqual(real, certificatesWanted(manifests, facts).map(certificateLine).sort());
      });
    }, { timeout: (certManagerBuilt ? 4 : 2) * MINUTE });
  }

  describe('controls: each verdict fails for the reason it names, and its corrected twin passes', () => {
    const namespace = 'operators-controls';
    const facts = { gateway: { className: 'eg' }, certManager: { issuer: 'letsencrypt-prod' } };
    const host = 'app.example.org';
    const gateway = (name, { className = 'eg', annotations = { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' } } = {}) => ({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace, annotations },
      spec: {
        gatewayClassName: className,
        listeners: [
          { name: 'https', port: 443, protocol: 'HTTPS', hostname: host, allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: `${name}-tls` }] } },
          { name: 'http', port: 80, protocol: 'HTTP', hostname: host, allowedRoutes: { namespaces: { from: 'Same' } } },
        ],
      },
    });
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace }, spec: { selector: { app: 'app' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] } };
    const route = (name, { parent = 'gw', sectionName = 'https', port = 8080, hostnames = [host] } = {}) => ({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace },
      spec: {
        hostnames, parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: parent, sectionName }],
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'app', port }] }],
      },
    });
    const manifest = (object) => ({ environment: 'controls', file: `control/${object.kind}/${object.metadata.name}`, object });
    const verdictsOf = (objects) => {
      const { verdicts } = judgeGateways(objects.map(manifest), facts);
      return Object.fromEntries(verdicts.map((v) => [v.manifest.object.metadata.name, v]));
    };
    const expectUnhealthy = (v, pattern) => {
      assert.equal(v.healthy, false, `expected unhealthy (${pattern}), got ${v.summary}`);
      assert.match(v.reason, pattern);
    };
    const expectHealthy = (v) => assert.equal(v.healthy, true, `${v.summary}: ${v.reason}`);

    test('a route to a Service port that does not exist has ResolvedRefs false (Envoy Gateway); its twin resolves', () => {
      const bad = verdictsOf([gateway('gw'), service, route('wrong-port', { port: 9999 })]);
      expectUnhealthy(bad['wrong-port'], /parent Gateway operators-controls\/gw\/https: ResolvedRefs=False PortNotFound: .*TCP Port 9999 not found on Service operators-controls\/app/);
      const good = verdictsOf([gateway('gw'), service, route('right-port')]);
      expectHealthy(good['right-port']);
      expectHealthy(good.gw);
    }, { timeout: 2 * MINUTE });

    test('a route to a Service dist/ does not have is not resolved (never --add-missing-resources); its twin resolves', () => {
      const bad = verdictsOf([gateway('gw'), route('no-service')]);
      expectUnhealthy(bad['no-service'], /ResolvedRefs=False BackendNotFound/);
      expectHealthy(verdictsOf([gateway('gw'), service, route('with-service')])['with-service']);
    }, { timeout: 2 * MINUTE });

    test('a route naming a listener the Gateway does not have is not accepted; its twin is', () => {
      const bad = verdictsOf([gateway('gw'), service, route('no-listener', { sectionName: 'grpc' })]);
      expectUnhealthy(bad['no-listener'], /parent Gateway operators-controls\/gw\/grpc: Accepted=False NoMatchingParent/);
      expectHealthy(verdictsOf([gateway('gw'), service, route('listener', { sectionName: 'http' })]).listener);
    }, { timeout: 2 * MINUTE });

    test('a route whose hostname no listener serves is not accepted; its twin is', () => {
      const bad = verdictsOf([gateway('gw'), service, route('other-host', { hostnames: ['other.example.org'] })]);
      expectUnhealthy(bad['other-host'], /Accepted=False NoMatchingListenerHostname/);
      expectHealthy(verdictsOf([gateway('gw'), service, route('same-host')])['same-host']);
    }, { timeout: 2 * MINUTE });

    test('a Gateway of a class the cluster does not have is never programmed, nor its routes accepted; its twin is', () => {
      const bad = verdictsOf([gateway('gw', { className: 'nginx' }), service, route('orphan')]);
      expectUnhealthy(bad.gw, /its class "nginx" is not the cluster's \("eg"\)/);
      expectUnhealthy(bad.orphan, /no status from Envoy Gateway/);
      expectHealthy(verdictsOf([gateway('gw'), service, route('adopted')]).gw);
    }, { timeout: 2 * MINUTE });

    test('an HTTPS listener whose certificate nobody issues is not programmed (no cert-manager annotation); its twin is', () => {
      const bad = verdictsOf([gateway('gw', { annotations: {} }), service, route('r')]);
      expectUnhealthy(bad.gw, /listener https: Programmed=False .*ResolvedRefs=False InvalidCertificateRef/);
      const wrongIssuer = verdictsOf([gateway('gw', { annotations: { 'cert-manager.io/cluster-issuer': 'undeclared-issuer' } }), service, route('r')]);
      expectUnhealthy(wrongIssuer.gw, /InvalidCertificateRef/);
      const good = verdictsOf([gateway('gw'), service, route('r')]);
      expectHealthy(good.gw);
      assert.equal(good.gw.summary, '2/2 listeners programmed');
    }, { timeout: 2 * MINUTE });
  });
});

describe('operators check: cert-manager issues the Gateways\' certificates (controls)', { skip: egctl.skip ?? (certManagerBuilt ? false : (certmanager.skip ?? apiserverForCertManager.skip)) }, () => {
  const namespace = 'certmanager-controls';
  const declared = 'letsencrypt-prod';
  const facts = { gateway: { className: 'eg' }, certManager: { issuer: declared } };
  const gateway = (name, { hostname = `${name}.example.org`, issuer = declared } = {}) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name, namespace, annotations: { 'cert-manager.io/cluster-issuer': issuer } },
    spec: {
      gatewayClassName: 'eg',
      listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', ...(hostname ? { hostname } : {}), allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: `${name}-tls` }] } }],
    },
  });
  const manifest = (object) => ({ environment: 'controls', file: `control/${object.kind}/${object.metadata.name}`, object });
  /** cert-manager over the Gateways, then egctl over them with what it issued: { issued, verdicts by Gateway name }. */
  const run = async (t, gateways) => {
    const manifests = gateways.map(manifest);
    const issued = await issue(manifests, facts);
    t.diagnostic(`cert-manager settled in ${seconds(issued.times.issuing)} (control plane ${seconds(issued.times.controlPlane)}, CRDs ${seconds(issued.times.crds)}, runner ${seconds(issued.times.runner)})`);
    const { verdicts } = judgeGateways(manifests, facts, { issued });
    for (const v of verdicts) t.diagnostic(formatVerdict(v));
    // The hand-written table agrees with the real shim and signer on the controls too: it predicts exactly the issued ones.
    const issuedLines = issued.certificates.filter((c) => c.ready).map(({ namespace, secretName, issuer, dnsNames }) => certificateLine({ namespace, name: secretName, issuer, dnsNames })).sort();
    assert.deepEqual(issuedLines, certificatesWanted(manifests, facts).map(certificateLine).sort());
    return { issued, verdicts: Object.fromEntries(verdicts.map((v) => [v.manifest.object.metadata.name, v])) };
  };
  const certificateOf = (issued, secretName) => issued.certificates.find((c) => c.secretName === secretName);
  const expectIssued = (issued, verdict, secretName) => {
    const c = certificateOf(issued, secretName);
    assert.ok(c, `a Certificate for Secret ${secretName}`);
    assert.equal(c.ready, true, `${c.condition}; ${c.request}`);
    assert.ok(issued.secrets.some((s) => s.metadata.name === secretName), `Secret ${secretName} issued`);
    assert.equal(verdict.healthy, true, `${verdict.summary}: ${verdict.reason}`);
  };

  test('an HTTPS listener with no hostname gets no Certificate from the shim, so it is not programmed (InvalidCertificateRef); its twin with a hostname is', async (t) => {
    const { issued, verdicts } = await run(t, [gateway('no-hostname', { hostname: null }), gateway('with-hostname')]);
    assert.equal(certificateOf(issued, 'no-hostname-tls'), undefined, 'the shim must create no Certificate for a listener without a hostname');
    assert.equal(verdicts['no-hostname'].healthy, false);
    assert.match(verdicts['no-hostname'].reason, /listener https: Programmed=False .*ResolvedRefs=False InvalidCertificateRef.*cert-manager: no Certificate for Secret certmanager-controls\/no-hostname-tls: the Gateway shim says BadConfig: Skipped a listener block: spec\.listeners\[0\]\.hostname: Required value: the hostname cannot be empty/);
    expectIssued(issued, verdicts['with-hostname'], 'with-hostname-tls');
  }, { timeout: 4 * MINUTE });

  test('a Gateway annotated with an issuer the environment does not declare gets a Certificate that is never Ready, so its listener is not programmed; its twin with the declared issuer is', async (t) => {
    const { issued, verdicts } = await run(t, [gateway('undeclared', { issuer: 'undeclared-issuer' }), gateway('declared')]);
    const c = certificateOf(issued, 'undeclared-tls');
    assert.ok(c, 'the shim creates the Certificate whatever the issuer');
    assert.equal(c.ready, false, 'no issuer of that name exists, so nothing signs it');
    assert.match(c.request, /Ready=False Pending: Referenced "ClusterIssuer" not found/);
    assert.equal(verdicts.undeclared.healthy, false);
    assert.match(verdicts.undeclared.reason, /listener https: Programmed=False .*InvalidCertificateRef.*cert-manager: Certificate certmanager-controls\/undeclared-tls \(ClusterIssuer undeclared-issuer\) never Ready: Ready=False/);
    expectIssued(issued, verdicts.declared, 'declared-tls');
  }, { timeout: 4 * MINUTE });
});

describe('operators check: the CloudNativePG operator admits every Cluster and creates its first instance', { skip: cnpg.skip }, () => {
  let binaries;
  let moduleDir;
  before(async () => {
    binaries = { apiserver: (await ensureBinary({ build: false })).path, kwok: (await ensureBinary({ target: 'kwok', build: false })).path };
    moduleDir = cnpgModuleDir();
  });

  const all = () => ({ ...binaries, cnpg: cnpg.path });
  const withOperator = (facts, plugins, body) => withCnpgOperator({ binaries: all(), facts, crds: vendoredCrds(), plugins, moduleDir }, body);

  for (const environment of environmentsOf(current)) {
    const manifests = current.filter((m) => m.environment === environment);
    const clusters = cnpgClustersOf(manifests);
    test(environment, { skip: !clusters.length && 'no CloudNativePG Cluster' }, async (t) => {
      const { verdicts, refused, applied, times, pluginCalls } = await judgeCnpgEnvironment({ binaries: all(), facts: environmentFacts(environment), crds: vendoredCrds(), manifests });
      t.diagnostic(`${environment}: control plane ${seconds(times.controlPlane)}, nodes ready ${seconds(times.nodesReady)}, CRDs ${seconds(times.crds)}, operator serving its webhooks ${seconds(times.operator)}, ${applied} objects applied in ${seconds(times.applying)}, first instances in ${seconds(times.instances)}`);
      const calls = Object.entries(pluginCalls).map(([name, methods]) => `${name}: ${[...new Set(methods)].map((m) => `${m.split('/').pop()} ×${methods.filter((x) => x === m).length}`).join(', ')}`);
      t.diagnostic(`${environment}: plugin stand-ins called: ${calls.join('; ') || 'none'}`);
      for (const v of verdicts) t.diagnostic(formatVerdict(v));
      assert.ok(verdicts.length === clusters.length, 'every Cluster has a verdict');
      assert.deepEqual([...refused.flatMap(formatRefusal), ...verdicts.filter((v) => !v.healthy).map(formatVerdict)], []);
    }, { timeout: 10 * MINUTE });
  }

  test('controls: a Cluster the webhook refuses, one it defaults, one naming a plugin nobody serves, and their corrected twins', async (t) => {
    const namespace = 'cnpg-controls';
    const storageClass = 'declared-class';
    const facts = { storageClasses: { [storageClass]: { accessModes: ['ReadWriteOnce'] } }, namespaces: [namespace], nodes: DEFAULT_NODES };
    const cluster = (name, spec = {}) => ({
      apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name, namespace },
      spec: { instances: 1, storage: { size: '1Gi', storageClass }, ...spec },
    });
    const manifest = (object) => ({ environment: 'controls', file: `control/Cluster/${object.metadata.name}`, object });
    const stub = 'barman-cloud.cloudnative-pg.io';
    await withOperator(facts, [stub], async (plane, operator) => {
      // The validating webhook (internal/webhook/v1/cluster_webhook.go validateImageName): no
      // "latest" tag, as the operator could not tell an upgrade.
      const image = (tag) => ({ imageName: `ghcr.io/cloudnative-pg/postgresql:${tag}` });
      const [latest, pinned] = await applyForReal(plane.client, [manifest(cluster('latest', image('latest'))), manifest(cluster('owned', image('17.5')))]);
      assert.equal(latest.accepted, false, 'the webhook must refuse the "latest" tag');
      assert.match(latest.message, /admission webhook "vcluster\.cnpg\.io" denied the request: .*Can't use 'latest' as image tag as we can't detect upgrades/);
      assert.equal(pinned.accepted, true, pinned.message);

      // The defaulting webhook (api/v1/cluster_defaults.go): an initdb database without its owner is
      // owned by a user of the same name, which no CRD default can express.
      const [defaulted] = await applyForReal(plane.client, [manifest(cluster('defaulted', { bootstrap: { initdb: { database: 'shop' } } }))]);
      assert.equal(defaulted.accepted, true, defaulted.message);
      const stored = (await plane.client.get(`/apis/postgresql.cnpg.io/v1/namespaces/${namespace}/clusters/defaulted`)).body;
      assert.deepEqual({ database: stored.spec.bootstrap?.initdb?.database, owner: stored.spec.bootstrap?.initdb?.owner }, { database: 'shop', owner: 'shop' });

      // Plugin discovery: a plugin with no socket (and no Service) is never loaded, so nothing is created.
      const plugin = (name) => ({ plugins: [{ name, isWALArchiver: true, parameters: { barmanObjectName: 'backups' } }] });
      const [unserved, served] = await applyForReal(plane.client, [manifest(cluster('unserved', plugin('absent.example.org'))), manifest(cluster('served', plugin(stub)))]);
      assert.equal(unserved.accepted, true, unserved.message);
      assert.equal(served.accepted, true, served.message);
      const [good, withStub] = await judgeClusters(plane, operator, [manifest(cluster('owned')), manifest(cluster('served'))], { timeoutMs: 3 * MINUTE });
      assert.equal(good.healthy, true, `${good.summary}: ${good.reason}`);
      assert.equal(withStub.healthy, true, `${withStub.summary}: ${withStub.reason}`);
      // Decided once the operator has said why (its phase names the plugin); healthy would fail below.
      const reason = /no PVC, Job, Pod for instance unserved-1.*absent\.example\.org/;
      let bad;
      await waitUntil(async () => {
        bad = await cnpgVerdict(plane.client, cluster('unserved'));
        return bad.healthy || reason.test(bad.reason ?? '');
      }, { timeoutMs: 3 * MINUTE, what: 'the operator\'s verdict on a Cluster whose plugin nobody serves', problems: () => [...plane.problems(), ...operator.problems()] });
      assert.equal(bad.healthy, false, `a Cluster whose plugin nobody serves must get no instance, got ${bad.summary}`);
      assert.match(bad.reason, reason);
      t.diagnostic(`unserved: ${bad.summary}: ${bad.reason}`);
      assert.ok(operator.pluginCalls()[stub].includes('/cnpgi.identity.v1.Identity/GetPluginMetadata'), 'the operator asked the stand-in who it is');
    });
  }, { timeout: 10 * MINUTE });
});
