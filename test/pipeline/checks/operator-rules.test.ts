import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ApiObject } from 'cdk8s';
import { Cluster } from '../../../imports/postgresql.cnpg.io';
import * as gwapi from '../../../imports/gateway.networking.k8s.io';
import { CnpgDatabase } from '../../../lib/cnpg/cnpg-database';
import { defineApp, type AppChart } from '../../../lib/core/app';
import { k8s } from '../../../lib/core/k8s';
import { ServiceRef } from '../../../lib/core/service-ref';
import { Gateway } from '../../../lib/gateway/gateway';
import { checkGateway, checkHttpRoute } from '../../../lib/gateway/gateway-api-rules';
import { checkTailscaleIngress } from '../../../lib/tailscale/tailscale-ingress-rules';
import { HttpRoute } from '../../../lib/gateway/http-route';
import { enforcePolicy } from '../../../lib/pipeline/checks/policy';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { TailscaleFunnel } from '../../../lib/tailscale/tailscale-funnel';
import { problemsOf, render, testChart } from '../../helpers';

/**
 * A raw object of a kind the library's constructs emit meets the operator's rules all the same:
 * the output rules (tailscale-ingress, gateway-api, cnpg-cluster, volume-claim) refuse it at
 * synth with the message the construct gives for the same fault, and the construct still
 * refuses the fault itself, earlier.
 */

/** Synth's order: construct validations and schema validation (render), then the policy. */
const synthProblems = (chart: AppChart) => problemsOf(() => enforcePolicy(chart, render(chart)));
/** The message of `<where>: [rule <rule>] <message>`, or of a construct's `<path>: <message>`. */
const messageOf = (problem: string) => problem.replace(/^[^:]*: (\[rule [a-z-]+\] )?/, '');

function expectSameRefusal(raw: AppChart, construct: AppChart, rule: string, message: RegExp): void {
  const rawProblems = synthProblems(raw);
  expect(rawProblems).toEqual([expect.stringContaining(`[rule ${rule}] `)]);
  expect(messageOf(rawProblems[0])).toMatch(message);
  const constructProblems = problemsOf(() => render(construct));
  expect(constructProblems.map(messageOf)).toContain(messageOf(rawProblems[0]));
}

describe('the operators\' rules hold on raw objects', () => {
  test('tailscale-ingress: a raw Ingress of class tailscale with a malformed tag', () => {
    const raw = testChart();
    new k8s.KubeIngress(raw, 'ingress', {
      metadata: { name: 'api-funnel', annotations: { 'tailscale.com/tags': 'k8s' } },
      spec: { ingressClassName: 'tailscale', defaultBackend: { service: { name: 'api', port: { name: 'http' } } }, tls: [{ hosts: ['api'] }] },
    });
    const construct = testChart();
    new TailscaleFunnel(construct, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo' }), port: 'http', hostname: 'api', tags: ['k8s'] });
    expectSameRefusal(raw, construct, 'tailscale-ingress', /^tag "k8s" is not a Tailscale tag/);
  });

  test('tailscale-ingress: a rule whose host is not the TLS host, which the operator ignores', () => {
    const raw = testChart();
    new k8s.KubeIngress(raw, 'ingress', {
      metadata: { name: 'api' },
      spec: { ingressClassName: 'tailscale', tls: [{ hosts: ['api'] }], rules: [{ host: 'api.example.org', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
    });
    expect(synthProblems(raw)).toEqual([expect.stringMatching(/\[rule tailscale-ingress\] a rule has host "api.example.org", which is not the TLS host "api"; the operator ignores it/)]);
  });

  test('an Ingress of another class is not the Tailscale operator\'s', () => {
    const raw = testChart();
    new k8s.KubeIngress(raw, 'ingress', { metadata: { name: 'web', annotations: { 'tailscale.com/tags': 'k8s' } }, spec: { ingressClassName: 'nginx', defaultBackend: { service: { name: 'api', port: { number: 80 } } } } });
    expect(() => enforcePolicy(raw, render(raw))).not.toThrow();
  });

  test('gateway-api: a raw HTTPRoute with a path the CRD\'s CEL rules refuse', () => {
    const raw = testChart({ namespace: 'shop' });
    new gwapi.HttpRoute(raw, 'route', {
      metadata: { name: 'shop' },
      spec: {
        parentRefs: [{ name: 'shop' }],
        hostnames: ['shop.example.org'],
        rules: [{ matches: [{ path: { type: gwapi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/a//b' } }], backendRefs: [{ name: 'api', port: 3000 }] }],
      },
    });
    const construct = testChart({ namespace: 'shop' });
    const gateway = new Gateway(construct, 'gw', { name: 'shop', hostnames: ['shop.example.org'] });
    new HttpRoute(construct, 'route', {
      name: 'shop', gateway, hostnames: ['shop.example.org'],
      rules: [{ matches: [{ path: { value: '/a//b' } }], backends: [{ service: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'shop' }), port: 3000 }] }],
    });
    expectSameRefusal(raw, construct, 'gateway-api', /^rules\[0\]\.matches\[0\]\.path "\/a\/\/b" must not contain "\/\/"/);
  });

  test('gateway-api: a raw Gateway listing one hostname twice', () => {
    const listener = { name: 'https', protocol: 'HTTPS', port: 443, hostname: 'a.example.org' };
    const raw = testChart({ namespace: 'shop' });
    new gwapi.Gateway(raw, 'gw', { metadata: { name: 'shop' }, spec: { gatewayClassName: 'eg', listeners: [listener, { ...listener, name: 'https-2' }] } });
    const construct = testChart({ namespace: 'shop' });
    new Gateway(construct, 'gw', { name: 'shop', hostnames: ['a.example.org', 'a.example.org'] });
    expectSameRefusal(raw, construct, 'gateway-api', /^hostname "a.example.org" is listed twice; two listeners with the same port, protocol and hostname conflict$/);
  });

  test('cnpg-cluster: a raw Cluster setting a parameter the operator fixes', () => {
    const image = 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie';
    const raw = testChart({ namespace: 'databases' });
    new Cluster(raw, 'db', { metadata: { name: 'db' }, spec: { instances: 1, imageName: image, storage: { size: '1Gi' }, postgresql: { parameters: { port: '5433' } } } as never });
    // The database policy rules (NetworkPolicy, prune protection) are not this test's subject.
    const problems = synthProblems(raw).filter((p) => p.includes('[rule cnpg-cluster]'));
    expect(problems).toEqual([expect.stringContaining('[rule cnpg-cluster] parameter "port" is managed by the operator and cannot be set (CNPG webhook: "Can\'t set fixed configuration parameter")')]);
    const construct = testChart({ namespace: 'databases' });
    new CnpgDatabase(construct, 'db', { name: 'db', postgresVersion: 17, imageName: image, storageSize: '1Gi', parameters: { port: '5433' } });
    expect(problemsOf(() => render(construct)).map(messageOf)).toContain(messageOf(problems[0]));
  });

  test('cnpg-cluster: a raw Cluster that bootstraps two ways, or imports every database', () => {
    const raw = testChart({ namespace: 'databases' });
    new Cluster(raw, 'db', {
      metadata: { name: 'db' },
      spec: { instances: 1, imageName: 'x:17', storage: { size: '1Gi' }, bootstrap: { initdb: { import: { type: 'microservice', databases: ['*'], source: { externalCluster: 'src' } } }, recovery: { source: 'src' } } } as never,
    });
    expect(synthProblems(raw).filter((p) => p.includes('[rule cnpg-cluster]')).map(messageOf)).toEqual([
      'bootstrap sets initdb and recovery; a Cluster bootstraps one way (CNPG webhook validateBootstrapMethod: "Too many bootstrap types specified")',
      'import database "*" is not allowed: a microservice import takes exactly one named database (CNPG webhook validateMicroservice)',
    ]);
  });

  test('volume-claim: a claim built as a plain ApiObject with a zero size is refused', () => {
    const raw = testChart();
    new ApiObject(raw, 'data', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0' } } },
    });
    expect(synthProblems(raw)).toEqual([expect.stringMatching(/^demo\/data \(PersistentVolumeClaim demo\/data\): \[rule volume-claim\] spec.resources.requests.storage "0" must be larger than zero$/)]);
  });
});

describe('one tailnet device name per environment, however the Ingress was built', () => {
  test('a raw Ingress taking the device name of another app\'s TailscaleFunnel is refused, naming both', () => {
    const funnelApp = defineApp({
      name: 'api', description: 'a funnel', values: Type.Object({}),
      build(chart) {
        new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'shared' }), port: 'http', hostname: 'api' });
      },
    });
    const rawApp = defineApp({
      name: 'raw', description: 'a raw Ingress', values: Type.Object({}),
      build(chart) {
        new k8s.KubeIngress(chart, 'ingress', {
          metadata: { name: 'raw' },
          spec: { ingressClassName: 'tailscale', defaultBackend: { service: { name: 'api', port: { name: 'http' } } }, tls: [{ hosts: ['api.tail0000.ts.net'] }] },
        });
      },
    });
    const root = mkdtempSync(join(tmpdir(), 'device-names-'));
    try {
      mkdirSync(join(root, 'lab'));
      writeFileSync(join(root, 'lab', 'environment.yaml'), [
        'cluster: lab', 'stage: sandbox', 'production: false', 'kubernetes: "1.34"',
        'argocd: { server: https://kubernetes.default.svc, repoURL: https://git.example.org/deployments.git }',
        'storageClass: block', 'tailscale: { tailnetDomain: tail0000.ts.net }',
        'existing: { namespaces: [shared], services: [shared/api], operators: { tailscale: "1.102.3" } }', '',
      ].join('\n'));
      for (const app of ['api', 'raw']) writeFileSync(join(root, 'lab', `${app}.yaml`), 'namespace: shared\n');
      expect(problemsOf(() => synthesize({ apps: [funnelApp, rawApp], overlaysDir: root }))).toEqual([
        'raw/ingress: tailnet hostname "api" is already taken in environment lab by api/funnel (app api); app raw claims it too',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('what the operators accept is not refused', () => {
  const gateway = (listeners: object[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway',
    metadata: { name: 'web', namespace: 'demo', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
    spec: { gatewayClassName: 'eg', listeners },
  });
  const https = (name: string, hostname?: string) => ({ name, port: 443, protocol: 'HTTPS', ...(hostname ? { hostname } : {}), tls: { mode: 'Terminate', certificateRefs: [{ name: `${name}-tls` }] } });

  test('an HTTPS listener without a hostname beside one with a hostname: cert-manager skips it, the Gateway is valid', () => {
    expect(checkGateway(gateway([https('site', 'example.org'), https('catch-all')]))).toEqual([]);
  });

  test('no HTTPS listener with a hostname on a cert-manager Gateway: nothing would be issued', () => {
    expect(checkGateway(gateway([https('catch-all')]))).toEqual([
      'no HTTPS listener has a hostname, so cert-manager issues no certificate for this Gateway (it skips listeners without one); give the listeners their hostnames',
    ]);
  });

  test('replacePrefixMatch in a rule without matches: the CRD defaults them to one PathPrefix "/"', () => {
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'demo' },
      spec: { rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/app' } } }], backendRefs: [{ name: 'web', port: 80 }] }] },
    };
    expect(checkHttpRoute(route)).toEqual([]);
  });
});

describe('a Tailscale Ingress whose TLS host carries a MagicDNS domain', () => {
  const ingress = (host: string) => ({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'demo' },
    spec: { ingressClassName: 'tailscale', tls: [{ hosts: [host] }], defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  });

  test('is served as its first label when the environment does not name its tailnet', () => {
    expect(checkTailscaleIngress(ingress('web.tail1ab2.ts.net'))).toEqual([]);
  });

  test('a host of several labels under another domain is still refused, with what it would become', () => {
    expect(checkTailscaleIngress(ingress('web.internal.example.org'))).toEqual([expect.stringMatching(/^hostname "web\.internal\.example\.org" has more than one DNS label/)]);
  });
});
