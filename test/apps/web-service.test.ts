import { DEFAULT_STARTUP, WebService, type WebServiceProps } from '../../lib/apps/web-service';
import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { SecretSource, type ISecretSource } from '../../lib/core/secret-source';
import { ServiceRef } from '../../lib/core/service-ref';
import { Gateway } from '../../lib/gateway/gateway';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

const db = CnpgDatabase.fromDatabaseAttributes({ name: 'api-db', namespace: 'demo', database: 'api' }).connection;

function service(props: Partial<WebServiceProps> = {}) {
  const chart = testChart();
  const web = new WebService(chart, 'web', {
    name: 'api', image: 'registry.example/api:1.2.3', port: 8000, healthPath: '/health',
    env: { LOG_LEVEL: 'info' },
    secretEnv: { DATABASE_URL: { secret: db.secret, key: db.secretKeys.uri } },
    ...props,
  });
  return { chart, web };
}
const errorsOf = (props: Partial<WebServiceProps>) => problemsOf(() => render(service(props).chart)).join('\n');

describe('WebService', () => {
  test('takes single variables from Secret keys and the rest of the env from its ConfigMap', () => {
    const objects = render(service().chart);
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'api-db-app', key: 'uri' } } }]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'api-env' } }]);
    expect(only(objects, 'ConfigMap', 'api-env').data).toEqual({ LOG_LEVEL: 'info' });
  });

  test('a Secret given as a string, as a JavaScript caller or a cast can pass it, is refused with the prop path and what it takes', () => {
    const asString = 'api-db-app' as unknown as ISecretSource;
    expect(errorsOf({ secretEnv: { DATABASE_URL: { secret: asString, key: 'uri' } } }))
      .toMatch(/secretEnv\.DATABASE_URL\.secret is the string "api-db-app"; it takes an ISecretSource: the SealedSecret or ExternalSecret itself, or SecretSource\.fromSecretName\("api-db-app"\)/);
    expect(errorsOf({ envFromSecrets: [{} as ISecretSource] })).toMatch(/envFromSecrets\[0\] is an object without a name; it takes an ISecretSource/);
    // The corrected twin.
    expect(() => render(service({ envFromSecrets: [SecretSource.fromSecretName('api-extra')] }).chart)).not.toThrow();
  });

  test('writes env and secretEnv in code-unit order, whatever the locale', () => {
    // localeCompare would put _x and a_b first and b before B (and follow LANG); the output must not.
    const objects = render(service({
      env: { b: '1', B: '2', _x: '3', a_b: '4', aB: '5' },
      secretEnv: { b_URL: { secret: db.secret, key: db.secretKeys.uri }, B_URL: { secret: db.secret, key: db.secretKeys.uri } },
    }).chart);
    expect(Object.keys(only(objects, 'ConfigMap', 'api-env').data)).toEqual(['B', '_x', 'aB', 'a_b', 'b']);
    expect(only(objects, 'Deployment').spec.template.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual(['B_URL', 'b_URL']);
  });

  test('taskPodSpec runs a command with the same image, env, secrets and restricted security context, without probes', () => {
    const { chart, web } = service();
    const deployment = only(render(chart), 'Deployment').spec.template.spec;
    const task = web.taskPodSpec(['alembic', 'upgrade', 'head']);
    const [container] = task.containers;
    expect(container.command).toEqual(['alembic', 'upgrade', 'head']);
    expect(container.image).toBe(deployment.containers[0].image);
    expect(container.env).toEqual(deployment.containers[0].env);
    expect(container.envFrom).toEqual(deployment.containers[0].envFrom);
    expect(container.securityContext).toEqual(deployment.containers[0].securityContext);
    expect(task.securityContext).toEqual(deployment.securityContext);
    expect(task.restartPolicy).toBe('Never');
    expect(container).not.toHaveProperty('readinessProbe');
    expect(container).not.toHaveProperty('ports');
  });

  describe('refuses', () => {
    test('a Secret key the Secret does not have', () => {
      const basicAuth = CnpgDatabase.fromDatabaseAttributes({ name: 'api-db', namespace: 'demo', existingSecret: SecretSource.fromSecretName('api-db-owner') }).connection;
      expect(errorsOf({ secretEnv: { DATABASE_URL: { secret: basicAuth.secret, key: basicAuth.secretKeys.uri } } }))
        .toMatch(/secretEnv.DATABASE_URL: reads key "uri" of Secret api-db-owner, which Secret api-db-owner writes without that key \(it has username, password\); use one of its keys/);
    });
    test('a variable set in env and secretEnv at once, and names that are not variables', () => {
      const errors = errorsOf({ env: { DATABASE_URL: 'x', 'BAD-NAME': 'y' } });
      expect(errors).toMatch(/DATABASE_URL is set both in env and in secretEnv/);
      expect(errors).toMatch(/"BAD-NAME" is not an environment variable name/);
    });
    test('resources that are not quantities, and a memory request above its limit', () => {
      expect(errorsOf({ resources: { cpu: 'lots' } })).toMatch(/resources.requests.cpu "lots" is not a Kubernetes quantity/);
      expect(errorsOf({ resources: { memory: '1Gi', memoryLimit: '512Mi' } })).toMatch(/resources.requests.memory \(1Gi\) exceeds resources.limits.memory \(512Mi\)/);
    });
    test('running as root', () => {
      expect(errorsOf({ runAsUser: 0 })).toMatch(/must not be 0/);
    });
  });
});

describe('a changed env ConfigMap rolls the pods', () => {
  const checksumOf = (env: Record<string, string>) => {
    const chart = testChart();
    new WebService(chart, 'web', { name: 'web', image: 'example/web:1.0', port: 8080, healthPath: '/healthz', env });
    return only(render(chart), 'Deployment').spec.template.metadata.annotations?.['platform.internal/config-checksum'];
  };

  test('the pod template carries the checksum of the ConfigMap\'s data, which changes with any value', () => {
    expect(checksumOf({ A: '1' })).toMatch(/^[0-9a-f]{64}$/);
    expect(checksumOf({ A: '1' })).toBe(checksumOf({ A: '1' }));
    expect(checksumOf({ A: '2' })).not.toBe(checksumOf({ A: '1' }));
    expect(checksumOf({})).toBeUndefined();
  });
});

describe('a persistent volume', () => {
  const data = { name: 'data', mountPath: '/var/lib/app', source: { claim: { size: '10Gi' } } };

  test('emits the claim <service>-<volume> and mounts it in the Deployment only', () => {
    const { chart, web } = service({ volumes: [data], strategy: 'Recreate' });
    const objects = render(chart);
    expect(only(objects, 'PersistentVolumeClaim', 'api-data').spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } });
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'api-data' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/app' });
    expect(web.claims.data.name).toBe('api-data');
    // A Job of the service never holds the claim.
    expect(web.taskPodSpec(['true']).volumes).not.toContainEqual(expect.objectContaining({ name: 'data' }));
  });

  describe('refuses a ReadWriteOnce claim with more than one writer', () => {
    test('several replicas', () => {
      expect(errorsOf({ volumes: [data], replicas: 2, strategy: 'Recreate' }))
        .toMatch(/volume "data" mounts ReadWriteOnce claim api-data \(one node at a time\) with 2 replicas: .*; run one replica with strategy Recreate/);
    });
    test('the RollingUpdate strategy, the default', () => {
      expect(errorsOf({ volumes: [data] })).toMatch(/volume "data" mounts ReadWriteOnce claim api-data \(one node at a time\) with the RollingUpdate strategy \(the default\), which starts the new pod before the old one stops/);
    });
  });

  test('a ReadWriteMany claim may have several replicas and roll', () => {
    const chart = testChart({ environment: testEnvironment({ storageClass: 'nfs' }) });
    new WebService(chart, 'web', { name: 'api', image: 'registry.example/api:1.2.3', port: 8000, healthPath: '/health', replicas: 3, volumes: [{ ...data, source: { claim: { size: '1Gi', accessMode: 'ReadWriteMany' } } }] });
    expect(only(render(chart), 'PersistentVolumeClaim').spec.accessModes).toEqual(['ReadWriteMany']);
  });

  test('refuses a volume name given twice', () => {
    expect(errorsOf({ volumes: [data, data], strategy: 'Recreate' })).toMatch(/volume "data" is declared twice/);
  });
});

describe('the default memory limit is twice the request', () => {
  const limitOf = (resources: WebServiceProps['resources']) => only(render(service({ resources }).chart), 'Deployment').spec.template.spec.containers[0].resources.limits.memory;

  test('for a whole request', () => {
    expect(limitOf(undefined)).toBe('256Mi');
    expect(limitOf({ memory: '1Gi' })).toBe('2Gi');
  });
  test('for a fractional request, exactly, in its own unit (1.5Gi gave 1.5Gi, a limit equal to the request)', () => {
    expect(limitOf({ memory: '1.5Gi' })).toBe('3Gi');
    expect(limitOf({ memory: '0.25Gi' })).toBe('0.5Gi');
  });
  test('unless a limit is given', () => {
    expect(limitOf({ memory: '1.5Gi', memoryLimit: '2Gi' })).toBe('2Gi');
  });
});

describe('network admission', () => {
  const policyOf = (chart: ReturnType<typeof testChart>) => only(render(chart), 'NetworkPolicy', 'api-ingress');
  const peer = (namespace: string, podLabels: Record<string, string>) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: { matchLabels: podLabels } });

  test('allowFrom emits a NetworkPolicy admitting those peers and those added through connections.allowFrom, to the port only', () => {
    const { chart, web } = service({ allowFrom: [{ namespace: 'ops', podLabels: { app: 'bridge' } }] });
    const gateway = new Gateway(chart, 'gw', { name: 'public', hostnames: ['api.example.org'] });
    web.connections.allowFrom(gateway);
    const policy = policyOf(chart);
    expect(policy.spec.podSelector.matchLabels).toEqual(web.selector);
    expect(policy.spec.ingress).toEqual([{
      from: [peer('ops', { app: 'bridge' }), peer('envoy-gateway-system', { 'gateway.envoyproxy.io/owning-gateway-name': 'public', 'gateway.envoyproxy.io/owning-gateway-namespace': 'demo' })],
      ports: [{ protocol: 'TCP', port: 8000 }],
    }]);
  });

  test('an empty allowFrom admits nobody', () => {
    expect(policyOf(service({ allowFrom: [] }).chart).spec.ingress).toEqual([]);
  });

  test('without allowFrom there is no NetworkPolicy, and connections.allowFrom is refused rather than admitting nothing', () => {
    const { chart, web } = service();
    expect(render(chart).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(() => web.connections.allowFrom({ podLabels: { app: 'x' } })).toThrow(/web: has no NetworkPolicy to admit a peer through[\s\S]*fix: set allowFrom on the WebService/);
    expect(() => service({ allowFrom: [] }).web.connections.allowFrom({ podLabels: { app: 'x' } })).not.toThrow();
  });

  test('its own pods are a peer for other constructs: its namespace and selector', () => {
    const { web } = service();
    expect(web.connections.peer).toEqual({ namespace: 'demo', podLabels: web.selector });
  });

  test('a funnel and a Gateway admit nothing themselves: the peer is admitted where the traffic arrives', () => {
    const { chart } = service();
    const funnel = new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo' }), port: 8000, hostname: 'api' });
    expect(() => funnel.connections.allowFrom({ podLabels: { app: 'x' } })).toThrow(/is a Tailscale Ingress[\s\S]*backend\.connections\.allowFrom\(funnel\)/);
    const shared = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'edge', listeners: [] });
    expect(() => shared.connections.allowFrom({ podLabels: { app: 'x' } })).toThrow(/Gateway edge\/public: is a Gateway/);
  });
});

describe('a Secret volume', () => {
  test('reads its Secret through an ISecretSource, each key a file', () => {
    const key = SecretSource.fromSecretName('tls-key');
    const pod = only(render(service({ volumes: [{ name: 'key', mountPath: '/etc/key', readOnly: true, source: { secret: key, defaultMode: 0o400 } }] }).chart), 'Deployment').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'key', secret: { secretName: 'tls-key', defaultMode: 0o400 } });
  });
  test('refuses 0.1\'s bare Secret name, from a caller that bypasses the type, naming the replacement', () => {
    const legacy = { secret: 'tls-key' } as unknown as { secret: ISecretSource };
    expect(errorsOf({ volumes: [{ name: 'key', mountPath: '/etc/key', source: legacy }] }))
      .toMatch(/prop volumes\[0\]\.source\.secret is the string "tls-key"; it takes an ISecretSource: .*SecretSource.fromSecretName\("tls-key"\)/);
  });
});

describe('the startup budget', () => {
  const startupOf = (props: Partial<WebServiceProps>) => only(render(service(props).chart), 'Deployment').spec.template.spec.containers[0];

  test('by default a startupProbe on the liveness check gives a new pod 120 s (24 checks 5 s apart) before liveness applies', () => {
    const container = startupOf({});
    expect(container.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, failureThreshold: 24 });
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBe(DEFAULT_STARTUP.budgetSeconds);
  });

  test('a slow first start states its budget: failureThreshold is the budget over the period, rounded up', () => {
    expect(startupOf({ startup: { budgetSeconds: 600, periodSeconds: 10 } }).startupProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 60 });
    expect(startupOf({ startup: { budgetSeconds: 45, periodSeconds: 10 } }).startupProbe).toMatchObject({ periodSeconds: 10, failureThreshold: 5 });
    // The deprecated prop keeps its meaning: failures 5 s apart.
    expect(startupOf({ startupFailureThreshold: 30 }).startupProbe).toMatchObject({ periodSeconds: 5, failureThreshold: 30 });
  });

  test('refuses a budget that is not whole seconds, or a period longer than the budget', () => {
    expect(errorsOf({ startup: { budgetSeconds: 0 } })).toMatch(/startup\.budgetSeconds 0 must be a whole number of seconds, 1 or more/);
    expect(errorsOf({ startup: { budgetSeconds: 10, periodSeconds: 30 } })).toMatch(/startup\.periodSeconds 30 is longer than the budget of 10 s/);
    expect(errorsOf({ startup: { budgetSeconds: 30 }, startupFailureThreshold: 6 })).toMatch(/startup and startupFailureThreshold are both set/);
    expect(() => render(service({ startup: { budgetSeconds: 30, periodSeconds: 10 } }).chart)).not.toThrow();
  });
});

describe('a public part and a tailnet-only part', () => {
  const objectsOf = (props: Partial<WebServiceProps>) => {
    const chart = testChart();
    const gateway = new Gateway(chart, 'gw', { name: 'api', hostnames: ['api.example.org'] });
    const web = new WebService(chart, 'web', {
      name: 'api', image: 'registry.example/api:1.2.3', port: 8000, healthPath: '/health', allowFrom: [gateway],
      ...props,
      route: { ...props.route, gateway },
    });
    return { objects: render(chart), web };
  };
  const errorsWith = (props: Partial<WebServiceProps>) => problemsOf(() => objectsOf(props)).join('\n');

  test('public "/", the admin area on the tailnet only: the public route redirects /admin to the tailnet entrance, first, and serves the rest', () => {
    const { objects, web } = objectsOf({ tailnet: { hostname: 'api-admin', only: [{ value: '/admin' }] } });
    const rules = only(objects, 'HTTPRoute', 'api').spec.rules;
    expect(rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/admin' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'api-admin.tail0000.ts.net', statusCode: 302 } }],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [expect.objectContaining({ name: 'api', port: 8000 })] },
    ]);
    // The tailnet entrance: a Tailscale Ingress without Funnel, to the same Service, admitted by the service's NetworkPolicy.
    const ingress = only(objects, 'Ingress', 'api-admin-funnel');
    expect(ingress.spec).toMatchObject({ ingressClassName: 'tailscale', defaultBackend: { service: { name: 'api', port: { number: 8000 } } }, tls: [{ hosts: ['api-admin'] }] });
    expect(ingress.metadata.annotations?.['tailscale.com/funnel']).toBeUndefined();
    expect(web.tailnet?.url).toBe('https://api-admin.tail0000.ts.net');
    const [rule] = only(objects, 'NetworkPolicy', 'api-ingress').spec.ingress;
    expect(rule.from).toContainEqual(expect.objectContaining({ podSelector: { matchLabels: expect.objectContaining({ 'tailscale.com/parent-resource': 'api-admin-funnel' }) } }));
  });

  test('the reverse: only the API is public, the whole app on the tailnet', () => {
    const { objects } = objectsOf({ route: { gateway: undefined as never, paths: [{ value: '/api' }, { value: '/healthz', type: 'Exact' }] }, tailnet: { hostname: 'api-admin' } });
    expect(only(objects, 'HTTPRoute', 'api').spec.rules).toEqual([
      { matches: [{ path: { type: 'PathPrefix', value: '/api' } }, { path: { type: 'Exact', value: '/healthz' } }], backendRefs: [expect.objectContaining({ name: 'api' })] },
    ]);
  });

  test('refuses a public path inside a tailnet-only one (it would win on precedence), and a tailnet-only path the entrance does not serve', () => {
    expect(errorsWith({ route: { gateway: undefined as never, paths: [{ value: '/' }, { value: '/admin/reports' }] }, tailnet: { hostname: 'api-admin', only: [{ value: '/admin' }] } }))
      .toMatch(/route\.paths: "\/admin\/reports" lies inside the tailnet-only "\/admin" and would take precedence over it, serving that part publicly/);
    expect(errorsWith({ tailnet: { hostname: 'api-admin', paths: ['/metrics'], only: [{ value: '/admin' }] } }))
      .toMatch(/tailnet\.only: "\/admin" is not among the tailnet entrance's paths \(\/metrics\), so it would be served nowhere/);
    expect(errorsWith({ route: { gateway: undefined as never, paths: [{ value: 'admin' }] } })).toMatch(/route\.paths: path "admin" must start with "\/"/);
    // The corrected twin: a public path beside the tailnet-only one, not inside it.
    expect(() => objectsOf({ route: { gateway: undefined as never, paths: [{ value: '/' }, { value: '/administrator' }] }, tailnet: { hostname: 'api-admin', only: [{ value: '/admin' }] } })).not.toThrow();
  });

  test('refuses tailnet.only without a public route to keep it off', () => {
    expect(errorsOf({ tailnet: { hostname: 'api-admin', only: [{ value: '/admin' }] } })).toMatch(/tailnet\.only is set but there is no route/);
  });
});
