import { Gateway } from '../../lib/gateway/gateway';
import { ServiceRef } from '../../lib/core/service-ref';
import { TailscaleFunnel, type TailscaleFunnelProps } from '../../lib/tailscale/tailscale-funnel';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

const backend = ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo', ports: [{ name: 'http', port: 8000 }, { name: 'https', port: 443 }] });

function funnel(props: Partial<TailscaleFunnelProps> = {}, environment = testEnvironment()) {
  const chart = testChart({ environment });
  const construct = new TailscaleFunnel(chart, 'funnel', { backend, port: 'http', hostname: 'demo-api', ...props });
  return { chart, construct };
}

function ingressOf(props: Partial<TailscaleFunnelProps> = {}) {
  return only(render(funnel(props).chart), 'Ingress');
}

function errorsOf(props: Partial<TailscaleFunnelProps>, environment = testEnvironment()): string {
  return problemsOf(() => render(funnel(props, environment).chart)).join('\n');
}

describe('TailscaleFunnel', () => {
  test('exposes the backend through the tailscale IngressClass with one TLS host, the device name', () => {
    const ingress = ingressOf();
    expect(ingress.spec.ingressClassName).toBe('tailscale');
    expect(ingress.spec.tls).toEqual([{ hosts: ['demo-api'] }]);
    expect(ingress.spec.defaultBackend).toEqual({ service: { name: 'api', port: { name: 'http' } } });
    expect(ingress.spec.rules).toBeUndefined();
  });

  test('is tailnet-only unless funnel is set', () => {
    expect(ingressOf().metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
    expect(ingressOf({ funnel: true }).metadata.annotations).toEqual({ 'tailscale.com/funnel': 'true', 'argocd.argoproj.io/sync-wave': '1' });
  });

  test('names the Ingress after the hostname and labels it with the recommended labels', () => {
    const ingress = ingressOf();
    expect(ingress.metadata.name).toBe('demo-api-funnel');
    expect(ingress.metadata.namespace).toBe('demo');
    expect(ingress.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'demo',
      'app.kubernetes.io/instance': 'demo-sandbox',
      'app.kubernetes.io/component': 'funnel',
      'app.kubernetes.io/part-of': 'demo',
      'app.kubernetes.io/managed-by': 'cdk8s',
    });
  });

  test('exposes the served name as typed attributes', () => {
    const { construct } = funnel();
    expect(construct.fqdn).toBe('demo-api.tail0000.ts.net');
    expect(construct.url).toBe('https://demo-api.tail0000.ts.net');
    expect(construct.ingressName).toBe('demo-api-funnel');
  });

  test('accepts the full MagicDNS name and serves its first label', () => {
    expect(ingressOf({ hostname: 'demo-api.tail0000.ts.net' }).spec.tls).toEqual([{ hosts: ['demo-api'] }]);
  });

  test('maps tags, ProxyClass, ProxyGroup and the HTTP redirect to what the operator reads', () => {
    const ingress = ingressOf({ tags: ['tag:k8s', 'tag:web'], proxyClass: 'hardened', proxyGroup: 'ingress-ha', httpRedirect: true });
    expect(ingress.metadata.annotations).toEqual({
      'tailscale.com/tags': 'tag:k8s,tag:web',
      'tailscale.com/proxy-group': 'ingress-ha',
      'tailscale.com/http-redirect': 'true',
      'argocd.argoproj.io/sync-wave': '1',
    });
    expect(ingress.metadata.labels['tailscale.com/proxy-class']).toBe('hardened');
  });

  test('routes explicit path prefixes in one host-less rule with pathType Prefix', () => {
    const ingress = ingressOf({ paths: ['/api', '/docs'], port: 8000 });
    expect(ingress.spec.defaultBackend).toBeUndefined();
    expect(ingress.spec.rules).toEqual([{
      http: {
        paths: [
          { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } },
          { path: '/docs', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } },
        ],
      },
    }]);
  });

  test('speaks TLS to the backend only on 443 or a port named https, and says so', () => {
    expect(ingressOf({ port: 'https', backendProtocol: 'https' }).spec.defaultBackend.service.port).toEqual({ name: 'https' });
  });

  describe('refuses what the operator would serve differently', () => {
    test('a hostname with more than one label (the operator keeps only the first)', () => {
      expect(errorsOf({ hostname: 'api.pal-e-docs.tail0000.ts.net' })).toMatch(/keeps only the first label.*served as "api\.tail0000\.ts\.net"/);
      expect(errorsOf({ hostname: 'api.example.com' })).toMatch(/more than one DNS label/);
    });

    test('a hostname that is not a DNS label', () => {
      expect(errorsOf({ hostname: 'Demo_API' })).toMatch(/hostname "Demo_API" must consist of lower-case letters/);
      expect(errorsOf({ hostname: 'a'.repeat(64) })).toMatch(/at most 63/);
    });

    test('a hostname another device already uses', () => {
      const environment = testEnvironment({ tailscale: { tailnetDomain: 'tail0000.ts.net', reservedHostnames: ['demo-api'] } });
      expect(errorsOf({}, environment)).toMatch(/reservedHostnames.*rename this one/);
    });

    test('an environment without a tailnet domain', () => {
      expect(errorsOf({}, testEnvironment({ tailscale: undefined }))).toMatch(/has no tailscale.tailnetDomain/);
    });

    test('a backend in another namespace', () => {
      expect(errorsOf({ backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'other' }) })).toMatch(/only looks up backends in the Ingress's namespace/);
    });

    test('a headless or ExternalName backend', () => {
      expect(errorsOf({ backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo', headless: true }) })).toMatch(/no cluster IP \(headless\)/);
      expect(errorsOf({ backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo', type: 'ExternalName' }) })).toMatch(/no cluster IP \(ExternalName\)/);
    });

    test('a port the Service does not have', () => {
      expect(errorsOf({ port: 'grpc' })).toMatch(/has no port named "grpc"; its ports are http \(8000\), https \(443\)/);
      expect(errorsOf({ port: 70000 })).toMatch(/port 70000 is not a port number/);
    });

    test('a TLS port without backendProtocol https, and https on a plain port', () => {
      expect(errorsOf({ port: 443 })).toMatch(/connects to it with TLS/);
      expect(errorsOf({ port: 'http', backendProtocol: 'https' })).toMatch(/would be spoken to in plain HTTP/);
    });

    test('paths that are not prefixes from the root, or repeated', () => {
      expect(errorsOf({ paths: ['api'] })).toMatch(/path "api" must start with "\/"/);
      expect(errorsOf({ paths: ['/a', '/a'] })).toMatch(/listed twice/);
      expect(errorsOf({ paths: [] })).toMatch(/paths is empty/);
    });

    test('tags that are not Tailscale tags', () => {
      expect(errorsOf({ tags: ['k8s'] })).toMatch(/tag "k8s" is not a Tailscale tag/);
      expect(errorsOf({ tags: ['tag:k8s, tag:web'] })).toMatch(/is not a Tailscale tag/);
    });

    test('funnel on a ProxyGroup (HA ingress does not configure Funnel)', () => {
      expect(errorsOf({ funnel: true, proxyGroup: 'ingress-ha' })).toMatch(/funnel and proxyGroup cannot be combined/);
    });

    test('invalid ProxyClass or ProxyGroup names', () => {
      expect(errorsOf({ proxyClass: 'Bad Name' })).toMatch(/proxyClass "Bad Name"/);
      expect(errorsOf({ proxyGroup: 'Bad_Group' })).toMatch(/proxyGroup "Bad_Group"/);
    });
  });

  test('errors name the construct path', () => {
    expect(errorsOf({ tags: ['nope'] })).toMatch(/^demo\/funnel: /);
  });
});

describe('ready-made peers for what fronts an app', () => {
  test('a funnel\'s proxy and a Gateway\'s Envoy proxies, with the operators\' labels', () => {
    const chart = testChart();
    const funnel = new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo' }), port: 80, hostname: 'api' });
    expect(funnel.connections.peer).toEqual({
      namespace: 'tailscale',
      podLabels: { 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': 'api-funnel', 'tailscale.com/parent-resource-ns': 'demo' },
    });
    expect(Gateway.fromGatewayAttributes({ name: 'public', namespace: 'edge', listeners: [] }).connections.peer).toEqual({
      namespace: 'envoy-gateway-system',
      podLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public', 'gateway.envoyproxy.io/owning-gateway-namespace': 'edge' },
    });
  });
});
