// The server check (docs/server-check.md), run by `npm run test:server` with `node --test` after
// scripts/server-check/build.mjs has built or found the control plane. Not part of `npm test`:
// it needs Go (for the first build) and starts kube-apiserver.
//
// Time budget: starting the control plane and installing the CRDs up to 9 minutes (the binary is
// built beforehand), each environment's check and each upgrade up to 5
// minutes, each control up to 1 minute; all of it generous for a machine whose other core is busy.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkManifests, checkUpgrade, environmentsOf, formatRefusal, readManifestsAtRef, readManifestTree, vendoredCrds } from '../../scripts/server-check/checks.mjs';
import { ensureBinary, ROOT, startControlPlane } from '../../scripts/server-check/control-plane.mjs';
import { KubeClient } from '../../scripts/server-check/kube.mjs';

const MINUTE = 60_000;
const DIST = join(ROOT, 'dist');
/** The revision whose dist/ the upgrade is checked from: the previous commit unless told otherwise. */
const BASE = process.env.SERVER_CHECK_BASE || 'HEAD~1';

const current = existsSync(DIST) ? readManifestTree(DIST) : [];

describe('kube-apiserver', () => {
  let controlPlane;
  let client;

  before(async () => {
    const binary = await ensureBinary({ build: false });
    controlPlane = await startControlPlane(binary.path, { readyTimeoutMs: 5 * MINUTE, maxLifetimeMs: 60 * MINUTE });
    client = new KubeClient(controlPlane);
    // The pinned CRDs of every kind the library emits, for real; the objects are checked against them.
    await client.installCrds(vendoredCrds(), { timeoutMs: 3 * MINUTE });
  }, { timeout: 9 * MINUTE });

  after(async () => {
    client?.close();
    await controlPlane?.stop();
  }, { timeout: 2 * MINUTE });

  describe('accepts every object of every environment in dist/ (server-side apply, dryRun=All, fieldValidation=Strict)', () => {
    test('dist/ has objects to check', () => {
      assert.ok(current.length > 0, 'dist/ is empty or missing: run `npm run synth` first');
    });
    for (const environment of environmentsOf(current)) {
      test(environment, async (t) => {
        const results = await checkManifests(client, current.filter((m) => m.environment === environment));
        const refused = results.filter((r) => !r.accepted);
        t.diagnostic(`${environment}: ${results.length} objects, ${results.length - refused.length} accepted, ${refused.length} rejected`);
        for (const r of results) for (const warning of r.warnings) t.diagnostic(`  warning: ${r.manifest.file}: ${warning}`);
        assert.deepEqual(refused.flatMap(formatRefusal), []);
      }, { timeout: 5 * MINUTE });
    }
  });

  describe('controls: the same path refuses known-bad objects (and accepts their corrected twins)', () => {
    const namespace = 'server-check-controls';
    /** Sends objects through checkManifests, the path dist/ takes, and returns their results. */
    const send = async (...objects) => checkManifests(client, objects.map((object, i) => ({ environment: 'controls', file: `control-${i}`, object })));
    const route = (spec) => ({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute',
      metadata: { name: 'control', namespace },
      spec: { parentRefs: [{ name: 'gateway' }], hostnames: ['control.example.org'], ...spec },
    });
    const deployment = ({ selector, labels, image = 'registry.example.org/app:1' }) => ({
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'control', namespace },
      spec: {
        selector: { matchLabels: selector },
        template: { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } },
      },
    });
    const service = (names) => ({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'control', namespace },
      spec: { selector: { app: 'a' }, ports: names.map((name, i) => ({ name, port: 8080 + i, targetPort: 8080 + i })) },
    });
    const expectRefused = (result, pattern) => {
      assert.equal(result.accepted, false, `expected a refusal matching ${pattern}, the server accepted it`);
      assert.match(result.message, pattern);
    };
    const expectAccepted = (result) => assert.equal(result.accepted, true, result.message);

    test('an unknown field in a custom resource', async () => {
      const [bad, good] = await send(route({ rules: [{ backendRefs: [{ name: 'app', port: 80 }] }], retryBudget: 3 }), route({ rules: [{ backendRefs: [{ name: 'app', port: 80 }] }] }));
      // Server-side apply builds a typed object from the schema; an undeclared field fails there.
      expectRefused(bad, /\.spec\.retryBudget: field not declared in schema/);
      expectAccepted(good);
    }, { timeout: MINUTE });

    test('a Deployment whose selector does not match its template labels', async () => {
      const [bad, good] = await send(deployment({ selector: { app: 'a' }, labels: { app: 'b' } }), deployment({ selector: { app: 'a' }, labels: { app: 'a' } }));
      expectRefused(bad, /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
      expectAccepted(good);
    }, { timeout: MINUTE });

    test('a custom resource that breaks a CEL rule (x-kubernetes-validations)', async () => {
      // gateway-api httproutes CRD: "filter.requestRedirect must be nil if the filter.type is not RequestRedirect".
      const filter = (type) => ({ type, requestRedirect: { statusCode: 301, scheme: 'https' } });
      const [bad, good] = await send(
        route({ rules: [{ filters: [filter('URLRewrite')] }] }),
        route({ rules: [{ filters: [filter('RequestRedirect')] }] }),
      );
      expectRefused(bad, /filter\.requestRedirect must be nil if the filter\.type is not RequestRedirect/);
      expectAccepted(good);
    }, { timeout: MINUTE });

    test('a Service with two ports of one name', async () => {
      const [bad, good] = await send(service(['http', 'http']), service(['http', 'metrics']));
      expectRefused(bad, /spec\.ports\[1\]\.name: Duplicate value: "http"/);
      expectAccepted(good);
    }, { timeout: MINUTE });

    test('a Deployment whose Pods the namespace\'s Pod Security level (restricted) refuses', async () => {
      const restricted = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'server-check-restricted', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
      const inRestricted = (securityContext) => {
        const object = deployment({ selector: { app: 'a' }, labels: { app: 'a' } });
        object.metadata.namespace = restricted.metadata.name;
        object.spec.template.spec.containers[0].securityContext = securityContext;
        return object;
      };
      const [, bad, good] = await send(restricted, inRestricted({ runAsNonRoot: true }), inRestricted({
        runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      }));
      expectRefused(bad, /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
      expectAccepted(good);
    }, { timeout: MINUTE });

    test('an upgrade that changes an immutable field (a Deployment\'s selector)', async () => {
      const base = [{ environment: 'controls', file: 'base', object: deployment({ selector: { app: 'a' }, labels: { app: 'a' } }) }];
      const changed = (object) => [{ environment: 'controls', file: 'new', object }];
      const bad = await checkUpgrade(client, base, changed(deployment({ selector: { app: 'b' }, labels: { app: 'b' } })));
      expectRefused(bad.results[0], /spec\.selector: Invalid value: .*field is immutable/);
      assert.equal(bad.results[0].update, true);
      const good = await checkUpgrade(client, base, changed(deployment({ selector: { app: 'a' }, labels: { app: 'a' }, image: 'registry.example.org/app:2' })));
      expectAccepted(good.results[0]);
    }, { timeout: MINUTE });

    test('an upgrade that shrinks a volume (a bound PersistentVolumeClaim; growing it is accepted)', async () => {
      const claim = (storage) => [{ environment: 'controls', file: `claim-${storage}`, object: {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'control', namespace },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage } } },
      } }];
      const bad = await checkUpgrade(client, claim('10Gi'), claim('8Gi'));
      expectRefused(bad.results[0], /spec\.resources\.requests\.storage: Forbidden: field can not be less than/);
      expectAccepted((await checkUpgrade(client, claim('10Gi'), claim('12Gi'))).results[0]);
    }, { timeout: MINUTE });
  });

  describe(`checks the upgrade from ${BASE}'s dist/ (base applied for real, the new objects dry-run over it)`, () => {
    const base = readManifestsAtRef(BASE) ?? [];
    test(`${BASE} has a dist/ to upgrade from`, () => {
      assert.ok(base.length > 0, `${BASE} has no dist/; set SERVER_CHECK_BASE to a revision that has one`);
    });
    for (const environment of [...new Set([...environmentsOf(base), ...environmentsOf(current)])]) {
      test(environment, async (t) => {
        const { base: applied, results, removed } = await checkUpgrade(client, base.filter((m) => m.environment === environment), current.filter((m) => m.environment === environment));
        const baseRefused = applied.filter((r) => !r.accepted);
        const refused = results.filter((r) => !r.accepted);
        const updates = results.filter((r) => r.update).length;
        t.diagnostic(`${environment}: ${applied.length} base objects applied (${baseRefused.length} refused), then ${results.length} new: ${updates} updates, ${results.length - updates} creations, ${removed.length} removed; ${refused.length} rejected`);
        // An object the base itself could not apply is the base's problem, not this upgrade's.
        for (const line of baseRefused.flatMap(formatRefusal)) t.diagnostic(`  base: ${line.trim()}`);
        assert.deepEqual(refused.flatMap(formatRefusal), []);
      }, { timeout: 5 * MINUTE });
    }
  });
});
