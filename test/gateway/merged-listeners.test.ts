import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import type { Environment } from '../../lib/core/environment';
import { UserError } from '../../lib/core/errors';
import { Gateway, type GatewayProps } from '../../lib/gateway/gateway';
import { HttpRoute } from '../../lib/gateway/http-route';
import { ServiceRef } from '../../lib/core/service-ref';
import { Neighbours } from '../../lib/pipeline/checks/objects';
import { findViolations, RULES } from '../../lib/pipeline/checks/rules';
import type { KubeObject } from '../../lib/pipeline/checks/schema-validation';
import { loadEnvironment } from '../../lib/pipeline/engine/overlay';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, render, ROOT, testChart, testEnvironment } from '../helpers';

/**
 * An environment laid out as CodeForPhilly's sandbox cluster is (cfp-sandbox-cluster@6e8e707):
 * one Envoy for every eg Gateway, main-gateway answering port 80 and carrying HTTP-01, and another
 * team's Gateway on the merged Envoy.
 */
function mergedEnvironment(overrides: Partial<Environment> = {}): Environment {
  return testEnvironment({
    gateway: { className: 'eg', mergeGateways: true, httpsRedirect: 'envoy-gateway-system/main-gateway', acmeHttp01: 'envoy-gateway-system/main-gateway' },
    existing: {
      gateways: [
        { namespace: 'envoy-gateway-system', name: 'main-gateway', listeners: [{ name: 'http', protocol: 'HTTP', port: 80 }] },
        { namespace: 'balancer', name: 'balancer', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: 'balancer.sandbox.example.org' }], source: 'balancer.yaml' },
      ],
    },
    ...overrides,
  });
}

/** A chart with one Gateway (and, with `route`, a route to a Service) in `environment`. */
function gatewayChart(environment: Environment, props: Partial<GatewayProps> = {}, options: { route?: boolean } = {}) {
  const chart = testChart({ environment });
  const gateway = new Gateway(chart, 'gw', { name: 'web', hostnames: ['web.example.org'], ...props });
  if (options.route) {
    new HttpRoute(chart, 'route', { name: 'web', gateway, rules: [{ backends: [{ service: ServiceRef.fromName('web', { namespace: 'demo', ports: [{ name: 'http', port: 80 }] }), port: 80 }] }] });
  }
  return chart;
}

const mergedRule = (objects: readonly KubeObject[], environment: Environment, neighbours = new Neighbours()) =>
  findViolations(objects, { production: false, environment, neighbours }, [RULES['merged-gateway-listeners']]).map((v) => v.message);

describe('Gateway on a cluster whose shared gateway redirects port 80', () => {
  test('has only its HTTPS listeners, and its route no redirect route, where gateway.httpsRedirect is set', () => {
    const objects = render(gatewayChart(mergedEnvironment(), {}, { route: true }));
    expect(only(objects, 'Gateway').spec.listeners.map((l: { protocol: string; port: number }) => `${l.protocol}/${l.port}`)).toEqual(['HTTPS/443']);
    expect(objects.filter((o) => o.kind === 'HTTPRoute').map((o) => o.metadata.name)).toEqual(['web']);
  });

  test('its twin on a cluster that does not redirect keeps the port-80 listener and the redirect route', () => {
    const objects = render(gatewayChart(testEnvironment(), {}, { route: true }));
    expect(only(objects, 'Gateway').spec.listeners.map((l: { protocol: string; port: number }) => `${l.protocol}/${l.port}`)).toEqual(['HTTPS/443', 'HTTP/80']);
    expect(objects.filter((o) => o.kind === 'HTTPRoute').map((o) => o.metadata.name).sort()).toEqual(['web', 'web-https-redirect']);
  });
});

describe('rule merged-gateway-listeners', () => {
  test('refuses a listener a declared Gateway claims on the merged gateway, naming both and Envoy Gateway\'s check', () => {
    const objects = render(gatewayChart(mergedEnvironment(), { hostnames: ['balancer.sandbox.example.org'] }));
    expect(mergedRule(objects, mergedEnvironment())).toEqual([
      expect.stringMatching(/^listener "https-balancer\.sandbox\.example\.org" \(HTTPS port 443 hostname balancer\.sandbox\.example\.org\) claims what listener "https" of Gateway balancer\/balancer \(declared in overlays\/test-sandbox\/environment\.yaml existing\.gateways, from balancer\.yaml\) claims on the merged gateway of class eg: .*oldest.*validateConflictedMergedListeners\)$/),
    ]);
  });

  test('its corrected twin, a hostname no other Gateway serves, passes', () => {
    expect(mergedRule(render(gatewayChart(mergedEnvironment())), mergedEnvironment())).toEqual([]);
  });

  test('refuses a listener another app of the environment claims, naming that app', () => {
    const other = render(gatewayChart(mergedEnvironment()));
    const mine = render(gatewayChart(mergedEnvironment()));
    // The same listener, on a Gateway of another name and namespace.
    const renamed = mine.map((o) => (o.kind === 'Gateway' ? { ...o, metadata: { ...o.metadata, name: 'shop', namespace: 'shop' } } : o));
    const neighbours = new Neighbours().add('blog', other);
    expect(mergedRule(renamed, mergedEnvironment(), neighbours)).toEqual([expect.stringContaining('claims what listener "https-web.example.org" of Gateway demo/web (emitted by app blog)')]);
    expect(mergedRule(renamed, mergedEnvironment({ gateway: { className: 'eg' } }), neighbours)).toEqual([]);
  });

  test('finds the Gateway a listener is claimed by, and the ACME solver, among many other apps\' Gateways', () => {
    // Another app's Gateway solves HTTP-01 here, with 40 apps' Gateways of other hostnames before and after it.
    const environment = mergedEnvironment({ gateway: { className: 'eg', mergeGateways: true, acmeHttp01: 'demo/web' } });
    const neighbours = new Neighbours();
    const renamed = (objects: readonly KubeObject[], name: string) => objects.map((o) => (o.kind === 'Gateway' ? { ...o, metadata: { ...o.metadata, name, namespace: name } } : o));
    for (let i = 0; i < 20; i++) neighbours.add(`app-${i}`, renamed(render(gatewayChart(environment, { hostnames: [`app-${i}.example.org`] })), `app-${i}`));
    neighbours.add('solver', render(gatewayChart(environment, { httpListeners: true })));
    for (let i = 20; i < 40; i++) neighbours.add(`app-${i}`, renamed(render(gatewayChart(environment, { hostnames: [`app-${i}.example.org`] })), `app-${i}`));
    const mine = renamed(render(gatewayChart(environment, { hostnames: ['web.example.org', 'app-33.example.org'], httpListeners: true })), 'shop');
    const messages = mergedRule(mine, environment, neighbours);
    expect(messages).toEqual([
      expect.stringContaining('listener "https-web.example.org" (HTTPS port 443 hostname web.example.org) claims what listener "https-web.example.org" of Gateway demo/web (emitted by app solver)'),
      expect.stringContaining('listener "http-web.example.org" (HTTP port 80 hostname web.example.org) claims what listener "http-web.example.org" of Gateway demo/web (emitted by app solver)'),
      expect.stringContaining('listener "https-app-33.example.org" (HTTPS port 443 hostname app-33.example.org) claims what listener "https-app-33.example.org" of Gateway app-33/app-33 (emitted by app app-33)'),
      // No Gateway redirects port 80 here, so every app's Gateway has its port-80 listener too.
      expect.stringContaining('listener "http-app-33.example.org" (HTTP port 80 hostname app-33.example.org) claims what listener "http-app-33.example.org" of Gateway app-33/app-33 (emitted by app app-33)'),
      expect.stringContaining('listener "http-web.example.org" (HTTP port 80 hostname web.example.org) shares port 80 with listener "http-web.example.org" of Gateway demo/web, where the cert-manager issuer solves ACME HTTP-01'),
    ]);
    // The corrected twin: a hostname of its own.
    expect(mergedRule(renamed(render(gatewayChart(environment, { hostnames: ['shop.example.org'] })), 'shop'), environment, neighbours)).toEqual([]);
  });

  test('refuses a port-80 listener beside the ACME HTTP-01 solver\'s on the merged gateway', () => {
    const objects = render(gatewayChart(mergedEnvironment(), { httpListeners: true }));
    expect(mergedRule(objects, mergedEnvironment())).toEqual([
      expect.stringMatching(/^listener "http-web\.example\.org" \(HTTP port 80 hostname web\.example\.org\) shares port 80 with listener "http" of Gateway envoy-gateway-system\/main-gateway, where the cert-manager issuer solves ACME HTTP-01 .*Envoy refuses the table, the challenge is never served.*httproute\.go\)$/),
    ]);
  });

  test('its corrected twin, the Gateway as the environment lays it out (no port-80 listener), passes', () => {
    expect(mergedRule(render(gatewayChart(mergedEnvironment())), mergedEnvironment())).toEqual([]);
  });

  test('says nothing where the GatewayClass does not merge its Gateways (each has its own Envoy)', () => {
    const environment = mergedEnvironment({ gateway: { className: 'eg', httpsRedirect: 'envoy-gateway-system/main-gateway', acmeHttp01: 'envoy-gateway-system/main-gateway' } });
    expect(mergedRule(render(gatewayChart(environment, { hostnames: ['balancer.sandbox.example.org'], httpListeners: true })), environment)).toEqual([]);
  });

  test('says nothing of a Gateway of another class than the merged one', () => {
    expect(mergedRule(render(gatewayChart(mergedEnvironment(), { hostnames: ['balancer.sandbox.example.org'], gatewayClassName: 'other' })), mergedEnvironment())).toEqual([]);
  });
});

describe('environment.yaml gateway topology', () => {
  let overlays: string;
  beforeEach(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'topology-')), 'overlays');
    mkdirSync(join(overlays, 'cfp-sandbox'), { recursive: true });
  });
  afterEach(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const withEnvironment = (edit: (doc: ReturnType<typeof parseDocument>) => void) => {
    const doc = parseDocument(readFileSync(join(ROOT, 'overlays/cfp-sandbox/environment.yaml'), 'utf8'));
    edit(doc);
    writeFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), doc.toString());
  };
  const problemsOf = () => {
    try {
      loadEnvironment(overlays, 'cfp-sandbox', 'overlays');
    } catch (error) {
      if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}`);
      throw error;
    }
    return [];
  };

  test('refuses a redirecting or solving Gateway that existing.gateways does not declare, at its line', () => {
    withEnvironment((doc) => doc.deleteIn(['existing', 'gateways', 0]));
    expect(problemsOf()).toEqual([
      expect.stringMatching(/^overlays\/cfp-sandbox\/environment\.yaml:\d+:\d+ gateway\.httpsRedirect: names Gateway envoy-gateway-system\/main-gateway, which existing\.gateways does not declare$/),
      expect.stringMatching(/^overlays\/cfp-sandbox\/environment\.yaml:\d+:\d+ gateway\.acmeHttp01: names Gateway envoy-gateway-system\/main-gateway, which existing\.gateways does not declare$/),
    ]);
  });

  test('its twin, the environment as committed, loads', () => {
    withEnvironment(() => undefined);
    expect(problemsOf()).toEqual([]);
  });

  test('refuses a tag pattern that is not a regular expression', () => {
    withEnvironment((doc) => doc.setIn(['publishedImages', 'ghcr.io/codeforphilly/codeforphilly-ng', 'tagPatterns'], ['sha-[0-9a-f']));
    expect(problemsOf()).toEqual([expect.stringMatching(/publishedImages\.ghcr\.io\/codeforphilly\/codeforphilly-ng\.tagPatterns\.0: "sha-\[0-9a-f" is not a regular expression/)]);
  });
});

/** An app whose one Gateway takes its hostname from the overlay. */
const gatewayApp = (name: string): AppDefinition => defineApp({
  name,
  description: 'test app with a Gateway',
  values: Type.Object({ hostname: Type.String() }, { additionalProperties: false }),
  build(chart, values) {
    new Gateway(chart, 'gw', { name, hostnames: [values.hostname] });
  },
});

describe('merged-gateway-listeners in the synth pipeline (two apps of one environment)', () => {
  let overlays: string;
  beforeEach(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'merged-')), 'overlays');
    mkdirSync(join(overlays, 'cfp-sandbox'), { recursive: true });
    const environment = parseDocument(readFileSync(join(ROOT, 'overlays/cfp-sandbox/environment.yaml'), 'utf8'));
    environment.setIn(['existing', 'namespaces'], ['blog', 'shop']);
    writeFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), environment.toString());
  });
  afterEach(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const run = (blog: string, shop: string) => {
    writeFileSync(join(overlays, 'cfp-sandbox/blog.yaml'), `namespace: blog\nhostname: ${blog}\n`);
    writeFileSync(join(overlays, 'cfp-sandbox/shop.yaml'), `namespace: shop\nhostname: ${shop}\n`);
    try {
      synthesize({ apps: [gatewayApp('blog'), gatewayApp('shop')], overlaysDir: overlays });
    } catch (error) {
      if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}`);
      throw error;
    }
    return [];
  };

  test('the later app claiming the earlier one\'s hostname is refused, naming both Gateways', () => {
    expect(run('site.example.org', 'site.example.org')).toEqual([
      expect.stringMatching(/^shop\/gw\/Resource \(Gateway shop\/shop\): \[rule merged-gateway-listeners\] listener "https-site\.example\.org" .* of Gateway blog\/blog \(emitted by app blog\) .*validateConflictedMergedListeners\) \(app shop, environment cfp-sandbox/),
    ]);
  });

  test('an app claiming a declared Gateway\'s hostname is refused, naming the declared one', () => {
    expect(run('blog.example.org', 'balancer.sandbox.k8s.phl.io')).toEqual([
      expect.stringContaining('of Gateway balancer/balancer (declared in overlays/cfp-sandbox/environment.yaml existing.gateways, from CodeForPhilly/cfp-sandbox-cluster@6e8e707 _gateways/balancer.yaml)'),
    ]);
  });

  test('their corrected twin, two hostnames of their own, synthesizes', () => {
    expect(run('blog.example.org', 'shop.example.org')).toEqual([]);
  });

  test('a run narrowed by --app sees the other apps\' Gateways in dist/, later ones too', () => {
    writeFileSync(join(overlays, 'cfp-sandbox/blog.yaml'), 'namespace: blog\nhostname: blog.example.org\n');
    writeFileSync(join(overlays, 'cfp-sandbox/shop.yaml'), 'namespace: shop\nhostname: site.example.org\n');
    const apps = [gatewayApp('blog'), gatewayApp('shop')];
    const dist = join(overlays, '..', 'dist');
    for (const [path, content] of synthesize({ apps, overlaysDir: overlays }).files) {
      mkdirSync(join(dist, path, '..'), { recursive: true });
      writeFileSync(join(dist, path), content);
    }
    writeFileSync(join(overlays, 'cfp-sandbox/blog.yaml'), 'namespace: blog\nhostname: site.example.org\n');
    const narrowed = () => synthesize({ apps, overlaysDir: overlays, appNames: ['blog'], outputDir: dist });
    expect(narrowed).toThrow(/\[rule merged-gateway-listeners\] listener "https-site\.example\.org" .* of Gateway shop\/shop \(emitted by app shop\)/);
    writeFileSync(join(overlays, 'cfp-sandbox/blog.yaml'), 'namespace: blog\nhostname: blog.example.org\n');
    expect(narrowed).not.toThrow();
  });
});
