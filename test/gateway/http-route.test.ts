import { ServiceRef } from '../../lib/core/service-ref';
import { Gateway } from '../../lib/gateway/gateway';
import { HttpRoute, type HttpRouteProps } from '../../lib/gateway/http-route';
import { only, problemsOf, render, testChart } from '../helpers';

const api = ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'shop', ports: [{ name: 'http', port: 3000 }] });

/** Topology 1: the app owns its Gateway (the codeforphilly sandbox). */
function appOwned(props: Partial<HttpRouteProps> = {}) {
  const chart = testChart({ namespace: 'shop' });
  const gateway = new Gateway(chart, 'gw', { name: 'shop', hostnames: ['shop.example.org'] });
  new HttpRoute(chart, 'route', { name: 'shop', gateway, hostnames: ['shop.example.org'], rules: [{ backends: [{ service: api, port: 3000 }] }], ...props });
  return chart;
}

/** Topology 2: routes attach to a shared platform Gateway in another namespace. */
const shared = Gateway.fromGatewayAttributes({
  name: 'public',
  namespace: 'gateway-system',
  listeners: [
    { name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.org', allowedRoutes: { from: 'Namespaces', namespaces: ['shop'] } },
    { name: 'http', protocol: 'HTTP', port: 80, hostname: '*.example.org', allowedRoutes: { from: 'All' } },
  ],
});
function onShared(props: Partial<HttpRouteProps> = {}, namespace = 'shop') {
  const chart = testChart({ namespace });
  new HttpRoute(chart, 'route', { name: 'shop', gateway: shared, hostnames: ['shop.example.org'], rules: [{ backends: [{ service: ServiceRef.fromServiceAttributes({ name: 'api', namespace }), port: 3000 }] }], ...props });
  return chart;
}

const errorsOf = (chart: () => ReturnType<typeof testChart>) => problemsOf(() => render(chart())).join('\n');

describe('HttpRoute on an app-owned Gateway', () => {
  const objects = render(appOwned());
  test('attaches to the HTTPS listener by sectionName, in the same namespace', () => {
    const route = only(objects, 'HTTPRoute', 'shop');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shop', sectionName: 'https-shop.example.org' }]);
    expect(route.spec.hostnames).toEqual(['shop.example.org']);
    expect(route.spec.rules).toEqual([{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'api', port: 3000 }] }]);
  });

  test('redirects HTTP to HTTPS with a 301 on the HTTP listener', () => {
    const redirect = only(objects, 'HTTPRoute', 'shop-https-redirect');
    expect(redirect.spec.parentRefs[0].sectionName).toBe('http-shop.example.org');
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  });

  test('renders matches, weights, header filters, rewrites and timeouts', () => {
    const chart = appOwned({
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: { 'x-canary': 'yes' }, method: 'GET' }],
          backends: [{ service: api, port: 3000, weight: 90 }, { service: api, port: 3000, weight: 10 }],
          requestHeaders: { set: { 'x-env': 'sandbox' }, remove: ['x-debug'] },
          rewrite: { path: { replacePrefixMatch: '/' } },
          timeouts: { request: '30s', backendRequest: '10s' },
        },
        { matches: [{ path: { type: 'Exact', value: '/old' } }], redirect: { path: { replaceFullPath: '/new' }, statusCode: 302 } },
      ],
    });
    const route = only(render(chart), 'HTTPRoute', 'shop');
    expect(route.spec.rules[0].filters).toEqual([
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-env', value: 'sandbox' }], remove: ['x-debug'] } },
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
    ]);
    expect(route.spec.rules[0].backendRefs.map((b: { weight: number }) => b.weight)).toEqual([90, 10]);
    expect(route.spec.rules[0].timeouts).toEqual({ request: '30s', backendRequest: '10s' });
    expect(route.spec.rules[1]).toEqual({
      matches: [{ path: { type: 'Exact', value: '/old' } }],
      filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/new' }, statusCode: 302 } }],
    });
  });

  test('matches its snapshot', () => {
    expect(objects).toMatchSnapshot();
  });
});

describe('a route on a Gateway of one hostname takes it, unless told otherwise', () => {
  test('without hostnames the route takes the listener\'s and renders as if it had named it', () => {
    const named = render(appOwned());
    const taken = render(appOwned({ hostnames: undefined }));
    expect(only(taken, 'HTTPRoute', 'shop').spec.hostnames).toEqual(['shop.example.org']);
    expect(taken).toEqual(named);
  });

  test('a Gateway of several hostnames is ambiguous: the route must name its own', () => {
    const chart = testChart({ namespace: 'shop' });
    const gateway = new Gateway(chart, 'gw', { name: 'shop', hostnames: ['shop.example.org', 'www.shop.example.org'] });
    new HttpRoute(chart, 'route', { name: 'shop', gateway, rules: [{ backends: [{ service: api, port: 3000 }] }] });
    expect(problemsOf(() => render(chart))).toEqual([
      'demo/route: names no hostnames, and Gateway shop/shop serves several (shop.example.org, www.shop.example.org): which ones this route answers is ambiguous; give the route its hostnames',
    ]);
  });

  test('a wildcard listener names no host to take', () => {
    expect(problemsOf(() => render(onShared({ hostnames: undefined }))).join('\n')).toMatch(/names no hostnames, and Gateway gateway-system\/public serves only the wildcard \*\.example\.org/);
  });
});

describe('HttpRoute on a shared Gateway in another namespace', () => {
  test('parentRefs name the Gateway namespace and the listener', () => {
    const route = only(render(onShared()), 'HTTPRoute', 'shop');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateway-system', sectionName: 'https' }]);
  });

  test('a backend in another namespace gets a ReferenceGrant in that namespace, for that Service only', () => {
    const other = ServiceRef.fromServiceAttributes({ name: 'catalog', namespace: 'backends' });
    const objects = render(onShared({ rules: [{ backends: [{ service: other, port: 8080 }] }] }));
    expect(only(objects, 'HTTPRoute', 'shop').spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'catalog', namespace: 'backends', port: 8080 }]);
    const grant = only(objects, 'ReferenceGrant');
    expect(grant.metadata).toMatchObject({ name: 'shop-shop', namespace: 'backends' });
    expect(grant.spec).toEqual({ from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service', name: 'catalog' }] });
  });

  test('matches its snapshot', () => {
    expect(render(onShared({ rules: [{ backends: [{ service: ServiceRef.fromServiceAttributes({ name: 'catalog', namespace: 'backends' }), port: 8080 }] }] }))).toMatchSnapshot();
  });

  test('a namespace the Gateway does not admit cannot attach', () => {
    expect(errorsOf(() => onShared({}, 'blog'))).toMatch(/listener https does not admit routes from namespace blog \(allowedRoutes from Namespaces: shop\); the route would not attach/);
  });
});

describe('HttpRoute rules', () => {
  test('route hostnames must intersect a listener hostname', () => {
    expect(errorsOf(() => appOwned({ hostnames: ['other.example.org'] }))).toMatch(/hostname "other.example.org" is not served by any HTTPS listener of Gateway shop\/shop \(it serves shop.example.org\)/);
  });

  test('hostname syntax', () => {
    expect(errorsOf(() => appOwned({ hostnames: ['shop.*.org'] }))).toMatch(/may contain "\*" only as the whole first label/);
    expect(errorsOf(() => appOwned({ hostnames: [] }))).toMatch(/hostnames is empty/);
  });

  test('path values must be clean absolute paths', () => {
    for (const value of ['api', '/a//b', '/a/../b', '/a%2fb', '/a#b', '/a/.']) {
      expect(errorsOf(() => appOwned({ rules: [{ matches: [{ path: { value } }], backends: [{ service: api, port: 3000 }] }] }))).toMatch(/path ".*"/);
    }
  });

  test('redirect and backends, or redirect and rewrite, cannot be combined; a rule needs one of them', () => {
    expect(errorsOf(() => appOwned({ rules: [{ redirect: { scheme: 'https' }, backends: [{ service: api, port: 3000 }] }] }))).toMatch(/redirect rule cannot also have backends/);
    expect(errorsOf(() => appOwned({ rules: [{ redirect: { scheme: 'https' }, rewrite: { hostname: 'x.example.org' } }] }))).toMatch(/redirect and rewrite cannot be combined/);
    expect(errorsOf(() => appOwned({ rules: [{}] }))).toMatch(/no backends and no redirect/);
  });

  test('replacePrefixMatch needs exactly one PathPrefix match', () => {
    expect(errorsOf(() => appOwned({ rules: [{ rewrite: { path: { replacePrefixMatch: '/' } }, backends: [{ service: api, port: 3000 }] }] }))).toMatch(/replacePrefixMatch needs exactly one PathPrefix match/);
  });

  test('backend ports must exist on the Service and weights stay in range', () => {
    expect(errorsOf(() => appOwned({ rules: [{ backends: [{ service: api, port: 8080 }] }] }))).toMatch(/Service shop\/api has no port 8080/);
    expect(errorsOf(() => appOwned({ rules: [{ backends: [{ service: api, port: 3000, weight: 2_000_000 }] }] }))).toMatch(/weight 2000000 is outside 0 to 1000000/);
  });

  test('each header takes one action', () => {
    expect(errorsOf(() => appOwned({ rules: [{ backends: [{ service: api, port: 3000 }], requestHeaders: { set: { 'X-A': '1' }, remove: ['x-a'] } }] }))).toMatch(/header "x-a" appears in more than one action/);
  });

  test('timeouts are durations and backendRequest is not longer than request', () => {
    expect(errorsOf(() => appOwned({ rules: [{ backends: [{ service: api, port: 3000 }], timeouts: { request: '30 seconds' } }] }))).toMatch(/timeouts.request "30 seconds" is not a duration/);
    expect(errorsOf(() => appOwned({ rules: [{ backends: [{ service: api, port: 3000 }], timeouts: { request: '10s', backendRequest: '1m' } }] }))).toMatch(/backendRequest \(1m\) is longer than timeouts.request \(10s\)/);
  });

  test('1 to 16 rules', () => {
    expect(errorsOf(() => appOwned({ rules: [] }))).toMatch(/0 rules; an HTTPRoute has 1 to 16/);
  });

  test('the HTTPS redirect needs HTTP listeners', () => {
    const chart = testChart({ namespace: 'shop' });
    const gateway = new Gateway(chart, 'gw', { name: 'shop', hostnames: ['shop.example.org'], httpListeners: false });
    new HttpRoute(chart, 'route', { name: 'shop', gateway, hostnames: ['shop.example.org'], rules: [{ backends: [{ service: api, port: 3000 }] }] });
    expect(problemsOf(() => render(chart)).join('\n')).toMatch(/no HTTP listener for these hostnames/);
  });
});
