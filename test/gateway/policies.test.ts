import { ServiceRef } from '../../lib/core/service-ref';
import { BackendTrafficPolicy, type BackendTrafficPolicyProps } from '../../lib/gateway/backend-traffic-policy';
import { CorsPolicy, type CorsPolicyProps } from '../../lib/gateway/cors-policy';
import { Gateway } from '../../lib/gateway/gateway';
import { HttpRoute } from '../../lib/gateway/http-route';
import { only, problemsOf, render, testChart } from '../helpers';

function setup() {
  const chart = testChart({ namespace: 'api' });
  const gateway = new Gateway(chart, 'gw', { name: 'api', hostnames: ['api.example.org'] });
  const route = new HttpRoute(chart, 'route', { name: 'api', gateway, hostnames: ['api.example.org'], rules: [{ backends: [{ service: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'api' }), port: 8000 }] }] });
  return { chart, gateway, route };
}

function cors(props: Partial<CorsPolicyProps> = {}) {
  const { chart, route } = setup();
  new CorsPolicy(chart, 'cors', { target: route, allowOrigins: ['https://app.example.org'], ...props });
  return chart;
}
function traffic(props: Partial<BackendTrafficPolicyProps> = {}) {
  const { chart, route } = setup();
  new BackendTrafficPolicy(chart, 'traffic', { target: route, timeout: { request: '30s' }, ...props });
  return chart;
}

describe('CorsPolicy', () => {
  test('targets the route by reference with an Envoy Gateway SecurityPolicy', () => {
    const policy = only(render(cors({ allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['authorization'], allowCredentials: true })), 'SecurityPolicy');
    expect(policy.metadata.name).toBe('api-cors');
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api' }],
      cors: { allowOrigins: ['https://app.example.org'], allowMethods: ['GET', 'POST', 'OPTIONS'], allowHeaders: ['authorization'], allowCredentials: true, maxAge: '600s' },
    });
  });

  test('can target the Gateway', () => {
    const { chart, gateway } = setup();
    new CorsPolicy(chart, 'cors', { target: gateway, allowOrigins: ['*'] });
    expect(only(render(chart), 'SecurityPolicy').spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'api' }]);
  });

  test.each([
    [{ allowOrigins: ['https://app.example.org/'] }, /is not scheme:\/\/host\[:port\]/],
    [{ allowOrigins: ['app.example.org'] }, /is not scheme:\/\/host\[:port\]/],
    [{ allowOrigins: [] }, /allowOrigins is empty/],
    [{ allowOrigins: ['*'], allowCredentials: true }, /allowCredentials with origin "\*" is refused by browsers/],
    [{ allowMethods: ['get'] }, /method "get" is not an HTTP method/],
    [{ maxAge: '10 minutes' }, /maxAge "10 minutes" is not a duration/],
  ] as Array<[Partial<CorsPolicyProps>, RegExp]>)('refuses %j', (props, message) => {
    expect(problemsOf(() => render(cors(props))).join('\n')).toMatch(message);
  });

  test('refuses a target in another namespace', () => {
    const chart = testChart({ namespace: 'api' });
    const shared = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'gateway-system', listeners: [] });
    new CorsPolicy(chart, 'cors', { target: shared, allowOrigins: ['https://a.example.org'] });
    expect(problemsOf(() => render(chart)).join('\n')).toMatch(/attach only to targets in their own namespace/);
  });
});

describe('BackendTrafficPolicy', () => {
  test('sets timeouts and retries for the route', () => {
    const policy = only(render(traffic({ timeout: { request: '30s', connectionIdle: '1h', connect: '5s' }, retry: { attempts: 3, perTryTimeout: '5s' } })), 'BackendTrafficPolicy');
    expect(policy.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'api' }],
      timeout: { tcp: { connectTimeout: '5s' }, http: { requestTimeout: '30s', connectionIdleTimeout: '1h' } },
      retry: {
        numRetries: 3,
        perRetry: { timeout: '5s' },
        retryOn: { triggers: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'], httpStatusCodes: [503] },
      },
    });
  });

  test.each([
    [{ timeout: { request: 'soon' } }, /timeout.request "soon" is not a duration/],
    [{ timeout: undefined }, /neither timeout nor retry is set/],
    [{ retry: { attempts: 50 } }, /retry.attempts 50 is not a whole number from 0 to 10/],
    [{ retry: { attempts: 2, on: ['5xx'], statusCodes: [502] } }, /needs the "retriable-status-codes" trigger/],
    [{ retry: { attempts: 2, on: ['sometimes'] } }, /prop retry\.on\[0\] is the string "sometimes" \[allowed: one of "5xx", "gateway-error"/],
    [{ retry: { attempts: 2, statusCodes: [99] } }, /retry status code 99 is not an HTTP status code/],
  ] as Array<[Partial<BackendTrafficPolicyProps>, RegExp]>)('refuses %j', (props, message) => {
    expect(problemsOf(() => render(traffic(props))).join('\n')).toMatch(message);
  });
});
