import { Gateway, type GatewayProps } from '../../lib/gateway/gateway';
import { hostnamesIntersect } from '../../lib/gateway/hostname';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

function gatewayOf(props: Partial<GatewayProps> = {}, environment = testEnvironment()) {
  const chart = testChart({ environment });
  new Gateway(chart, 'gw', { name: 'web', hostnames: ['app.example.org'], ...props });
  return chart;
}
const errorsOf = (props: Partial<GatewayProps>, environment = testEnvironment()) => problemsOf(() => render(gatewayOf(props, environment))).join('\n');

describe('Gateway', () => {
  test('takes its class from the environment and asks cert-manager for a certificate by annotation', () => {
    const gw = only(render(gatewayOf()), 'Gateway');
    expect(gw.spec.gatewayClassName).toBe('eg');
    expect(gw.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-staging', 'argocd.argoproj.io/sync-wave': '1' });
  });

  test('an Issuer (not ClusterIssuer) uses the issuer annotation', () => {
    const gw = only(render(gatewayOf({}, testEnvironment({ certManager: { issuer: 'local', issuerKind: 'Issuer' } }))), 'Gateway');
    expect(gw.metadata.annotations).toEqual({ 'cert-manager.io/issuer': 'local', 'argocd.argoproj.io/sync-wave': '1' });
  });

  test('has an HTTPS listener per hostname terminating TLS with a same-namespace Secret, and an HTTP listener', () => {
    const gw = only(render(gatewayOf({ hostnames: ['a.example.org', '*.example.net'], tlsSecretName: 'web-gw-tls' })), 'Gateway');
    expect(gw.spec.listeners).toEqual([
      { name: 'https-a.example.org', protocol: 'HTTPS', port: 443, hostname: 'a.example.org', allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'web-gw-tls' }] } },
      { name: 'http-a.example.org', protocol: 'HTTP', port: 80, hostname: 'a.example.org', allowedRoutes: { namespaces: { from: 'Same' } } },
      { name: 'https-wildcard.example.net', protocol: 'HTTPS', port: 443, hostname: '*.example.net', allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'web-gw-tls' }] } },
      { name: 'http-wildcard.example.net', protocol: 'HTTP', port: 80, hostname: '*.example.net', allowedRoutes: { namespaces: { from: 'Same' } } },
    ]);
  });

  test('a shared Gateway admits routes from listed namespaces by their immutable name label', () => {
    const gw = only(render(gatewayOf({ allowedRoutes: { from: 'Namespaces', namespaces: ['shop', 'blog'] } })), 'Gateway');
    expect(gw.spec.listeners[0].allowedRoutes).toEqual({
      namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['blog', 'shop'] }] } },
    });
  });

  test('matches the whole Gateway in a snapshot', () => {
    expect(render(gatewayOf())).toMatchSnapshot();
  });

  describe('rules', () => {
    test('hostnames must be DNS names, wildcards only as the whole first label, no IPs', () => {
      expect(errorsOf({ hostnames: ['10.0.0.1'] })).toMatch(/"10.0.0.1" is an IP address/);
      expect(errorsOf({ hostnames: ['a.*.example.org'] })).toMatch(/may contain "\*" only as the whole first label/);
      expect(errorsOf({ hostnames: ['Example.ORG'] })).toMatch(/must consist of lower-case/);
      expect(errorsOf({ hostnames: ['localhost'] })).toMatch(/fully qualified/);
    });

    test('listener port/protocol/hostname combinations must not conflict', () => {
      expect(errorsOf({ hostnames: ['a.example.org', 'a.example.org'] })).toMatch(/listed twice; two listeners with the same port, protocol and hostname conflict/);
    });

    test('cert-manager can only issue for listeners with a hostname', () => {
      expect(errorsOf({ hostnames: [] })).toMatch(/cert-manager can only issue certificates for listeners that have a hostname/);
    });

    test('needs a GatewayClass and an issuer from the environment or props', () => {
      expect(errorsOf({}, testEnvironment({ gateway: undefined }))).toMatch(/no GatewayClass: set gateway.className/);
      expect(errorsOf({}, testEnvironment({ certManager: undefined }))).toMatch(/no cert-manager issuer/);
    });

    test('at most 64 listeners', () => {
      const hostnames = Array.from({ length: 33 }, (_, i) => `h${i}.example.org`);
      expect(errorsOf({ hostnames })).toMatch(/66 listeners; a Gateway has at most 64/);
    });

    test('allowedRoutes needs namespaces when it lists them', () => {
      expect(errorsOf({ allowedRoutes: { from: 'Namespaces', namespaces: [] } })).toMatch(/allowedRoutes lists no namespaces/);
    });
  });
});

describe('hostname intersection (Gateway API HTTPRouteSpec.Hostnames)', () => {
  test.each([
    [undefined, 'a.example.org', true],
    ['a.example.org', 'a.example.org', true],
    ['a.example.org', 'b.example.org', false],
    ['*.example.org', 'a.example.org', true],
    ['*.example.org', 'a.b.example.org', true],
    ['*.example.org', 'example.org', false],
    ['a.example.org', '*.example.org', true],
    ['*.example.org', '*.example.org', true],
    ['*.example.org', '*.a.example.org', true],
    ['*.example.org', '*.example.net', false],
  ])('listener %s and route %s: %s', (listener, route, expected) => {
    expect(hostnamesIntersect(listener, route)).toBe(expected);
  });
});
