import { StateHub, type StateHubProps, PUBLIC_EXPOSURE_REASON_ANNOTATION } from '../../lib/apps/state-hub';
import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { Gateway } from '../../lib/gateway/gateway';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

const database = CnpgDatabase.fromDatabaseAttributes({ name: 'state-hub-db', namespace: 'databases', database: 'statehub' });
const IMAGE = `registry.example/state-hub@sha256:${'a'.repeat(64)}`;

function stateHub(props: Partial<StateHubProps> = {}, environment = testEnvironment({ production: true })) {
  const chart = testChart({ environment, namespace: 'railiance-apps', app: 'state-hub' });
  new StateHub(chart, 'hub', { image: IMAGE, database, ...props });
  return chart;
}
const errorsOf = (props: Partial<StateHubProps>) => problemsOf(() => render(stateHub(props))).join('\n');

describe('StateHub', () => {
  const objects = render(stateHub());
  const deployment = only(objects, 'Deployment');
  const container = deployment.spec.template.spec.containers[0];

  test('serves port 8000 as its image contract says: ready on /state/health, alive on the TCP port, behind a ClusterIP Service', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    expect(container.readinessProbe.httpGet.path).toBe('/state/health');
    // /state/health reports the database: as liveness it would restart every pod on a database
    // restart or failover (StateHub.IMAGE_CONTRACT), so liveness only checks the socket.
    expect(container.livenessProbe.httpGet).toBeUndefined();
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(only(objects, 'Service').spec.type).toBe('ClusterIP');
  });

  test('takes DATABASE_URL from a copy of the database Secret made by External Secrets, with no Secret object in the output', () => {
    expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'state-hub-db-app', key: 'uri' } } }]);
    const copy = only(objects, 'ExternalSecret');
    expect(copy.metadata.namespace).toBe('railiance-apps');
    expect(copy.spec.target.name).toBe('state-hub-db-app');
    expect(only(objects, 'SecretStore').spec.provider.kubernetes.remoteNamespace).toBe('databases');
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('uses the database Secret directly when the database shares its namespace', () => {
    const local = CnpgDatabase.fromDatabaseAttributes({ name: 'state-hub-db', namespace: 'railiance-apps', database: 'statehub' });
    const same = render(stateHub({ database: local }));
    expect(same.some((o) => o.kind === 'ExternalSecret')).toBe(false);
    expect(only(same, 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'state-hub-db-app', key: 'uri' });
  });

  test('runs Alembic migrations with the same image and env as a Sync hook ordered before the Deployment', () => {
    const job = only(objects, 'Job');
    const pod = job.spec.template.spec;
    expect(pod.containers[0].command).toEqual(['alembic', 'upgrade', 'head']);
    expect(pod.containers[0].image).toBe(container.image);
    expect(pod.containers[0].env).toEqual(container.env);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    const wave = (o: Record<string, any>) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(job)).toBeLessThan(wave(deployment));
    expect(wave(only(objects, 'ExternalSecret'))).toBeLessThan(wave(job));
    expect(job.spec.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe('Never');
  });

  test('is private by default: ClusterIP, no ingress, and a NetworkPolicy that admits nobody', () => {
    expect(objects.some((o) => o.kind === 'Ingress' || o.kind === 'HTTPRoute')).toBe(false);
    const policy = only(objects, 'NetworkPolicy');
    expect(policy.spec.podSelector.matchLabels).toMatchObject({ 'app.kubernetes.io/name': 'state-hub', 'app.kubernetes.io/component': 'web' });
    expect(policy.spec.ingress).toEqual([]);
  });

  test('a tailnet-only ingress admits the Tailscale proxy for that Ingress and nothing else', () => {
    const withTailnet = render(stateHub({ tailnet: { hostname: 'state-hub' } }));
    const ingress = only(withTailnet, 'Ingress');
    expect(ingress.metadata.annotations?.['tailscale.com/funnel']).toBeUndefined();
    expect(only(withTailnet, 'NetworkPolicy').spec.ingress).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tailscale' } },
        podSelector: { matchLabels: { 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': ingress.metadata.name, 'tailscale.com/parent-resource-ns': 'railiance-apps' } },
      }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    }]);
  });

  describe('public exposure', () => {
    test('Funnel is refused without a reason', () => {
      expect(errorsOf({ tailnet: { hostname: 'state-hub', funnel: true } })).toMatch(/State Hub is private: Tailscale Funnel for state-hub would expose data .* give publicExposureReason to override/);
    });
    test('a public gateway route is refused without a reason', () => {
      const chart = testChart({ environment: testEnvironment({ production: true }), namespace: 'railiance-apps', app: 'state-hub' });
      const gateway = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'gateways', listeners: [{ name: 'https', hostname: 'hub.example.org', protocol: 'HTTPS', port: 443, allowedRoutes: { from: 'All' } }] });
      new StateHub(chart, 'hub', { image: IMAGE, database, route: { gateway, hostnames: ['hub.example.org'] } });
      expect(problemsOf(() => render(chart)).join('\n')).toMatch(/State Hub is private: a public route for hub.example.org/);
    });
    test('with a reason, a public route is allowed, admits that Gateway\'s proxies and records the reason', () => {
      const chart = testChart({ environment: testEnvironment({ production: true }), namespace: 'railiance-apps', app: 'state-hub' });
      const gateway = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'gateways', listeners: [
        { name: 'https', hostname: 'hub.example.org', protocol: 'HTTPS', port: 443, allowedRoutes: { from: 'All' } },
        { name: 'http', hostname: 'hub.example.org', protocol: 'HTTP', port: 80, allowedRoutes: { from: 'All' } },
      ] });
      new StateHub(chart, 'hub', { image: IMAGE, database, route: { gateway, hostnames: ['hub.example.org'] }, publicExposureReason: 'partner API' });
      const exposed = render(chart);
      expect(only(exposed, 'HTTPRoute', 'state-hub').metadata.annotations[PUBLIC_EXPOSURE_REASON_ANNOTATION]).toBe('partner API');
      expect(only(exposed, 'NetworkPolicy').spec.ingress[0].from).toEqual([{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
        podSelector: { matchLabels: { 'gateway.envoyproxy.io/owning-gateway-name': 'public', 'gateway.envoyproxy.io/owning-gateway-namespace': 'gateways' } },
      }]);
    });
    test('with a reason, Funnel is allowed and the reason is recorded on the Ingress', () => {
      const exposed = render(stateHub({ tailnet: { hostname: 'state-hub', funnel: true }, publicExposureReason: 'demo for the board, until 2026-12-01' }));
      const ingress = only(exposed, 'Ingress');
      expect(ingress.metadata.annotations['tailscale.com/funnel']).toBe('true');
      expect(ingress.metadata.annotations[PUBLIC_EXPOSURE_REASON_ANNOTATION]).toBe('demo for the board, until 2026-12-01');
    });
    test('a reason without public exposure, or an empty one, is refused', () => {
      expect(errorsOf({ publicExposureReason: 'because' })).toMatch(/publicExposureReason is set but nothing is public/);
      expect(errorsOf({ tailnet: { hostname: 'state-hub', funnel: true }, publicExposureReason: '  ' })).toMatch(/publicExposureReason is empty/);
    });
  });

  test('emits exactly its workload, the credentials copy, the migration and the policy, all in its own namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/state-hub',
      'ExternalSecret/state-hub-db-app',
      'Job/state-hub-migrate',
      'NetworkPolicy/state-hub-ingress',
      'SecretStore/state-hub-db-credentials',
      'Service/state-hub',
      'ServiceAccount/state-hub',
      'ServiceAccount/state-hub-db-credentials',
    ]);
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set(['railiance-apps']));
  });

  test('runs the digest-pinned image without a service account token, in the migration Job too', () => {
    expect(container.image).toBe(IMAGE);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(only(objects, 'Job').spec.template.spec.automountServiceAccountToken).toBe(false);
  });
});
