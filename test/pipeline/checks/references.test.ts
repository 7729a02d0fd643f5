import { ObjectStore } from '../../../imports/barmancloud.cnpg.io';
import { Cluster } from '../../../imports/postgresql.cnpg.io';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../../imports/monitoring.coreos.com';
import { ExternalSecret } from '../../../lib/secrets/external-secret';
import { k8s } from '../../../lib/core/k8s';
import { checkReferences } from '../../../lib/pipeline/checks/references';
import { Gateway } from '../../../lib/gateway/gateway';
import { HttpRoute } from '../../../lib/gateway/http-route';
import { ServiceRef } from '../../../lib/core/service-ref';
import { render, restrictedDeployment, testChart, testEnvironment } from '../../helpers';

/** What environment `test-sandbox` declares unless a test says otherwise: the namespace `demo`. */
const environment = (existing: Record<string, unknown> = {}) => testEnvironment({ existing: { namespaces: ['demo'], ...existing } });
const messages = (problems: ReadonlyArray<{ where: string; message: string }>) => problems.map((p) => `${p.where}: ${p.message}`);

/** Objects built without the library's constructs: the check sees only the rendered output. */
function rawCluster(name: string, spec: Record<string, unknown>) {
  const chart = testChart();
  new Cluster(chart, name, { metadata: { name }, spec: { instances: 1, storage: { size: '1Gi' }, ...spec } as never });
  return render(chart);
}

describe('references in dist/ resolve to something emitted or declared', () => {
  test('an object of an operator\'s API group needs that operator declared, at a release no older than the CRDs', () => {
    const objects = rawCluster('db', { imageName: 'ghcr.io/cloudnative-pg/postgresql:17.11' });
    expect(messages(checkReferences(environment(), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringMatching(/^\S+\.yaml Cluster demo\/db kind \(app demo, environment test-sandbox\): needs the cloudnative-pg operator/),
    ]);
    expect(messages(checkReferences(environment({ operators: { 'cloudnative-pg': '1.28.1' } }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('is generated from the 1.30.0 CRDs, but overlays/test-sandbox/environment.yaml says the cluster runs cloudnative-pg 1.28.1'),
    ]);
    expect(checkReferences(environment({ operators: { 'cloudnative-pg': '1.30.0' } }), [{ app: { name: 'demo' }, objects }])).toEqual([]);
  });

  test('an operator declared without its own prerequisites is refused (plugin-barman-cloud needs cert-manager and CloudNativePG)', () => {
    const objects = render(testChart());
    expect(messages(checkReferences(environment({ operators: { 'cloudnative-pg': '1.30.0', 'barman-cloud': '0.14.0' } }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringMatching(/^overlays\/test-sandbox\/environment\.yaml existing\.operators\.barman-cloud: declares barman-cloud, which needs the cert-manager operator \(cloudnative-pg\/plugin-barman-cloud v0\.14\.0 web\/docs\/installation\.mdx/),
    ]);
    expect(messages(checkReferences(environment({ operators: { 'barman-cloud': '0.14.0', 'cert-manager': '1.21.1' } }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('declares barman-cloud, which needs the cloudnative-pg operator'),
    ]);
    // The corrected twin: every prerequisite declared.
    expect(checkReferences(environment({ operators: { 'cloudnative-pg': '1.30.0', 'cert-manager': '1.21.1', 'barman-cloud': '0.14.0' } }), [{ app: { name: 'demo' }, objects }])).toEqual([]);
  });

  test('a PodMonitor or PrometheusRule carries the labels the environment\'s Prometheus selects, which the environment must declare', () => {
    const chart = testChart();
    new PrometheusRule(chart, 'rules', { metadata: { name: 'db-alerts' }, spec: { groups: [{ name: 'db.rules', rules: [{ alert: 'Down', expr: PrometheusRuleSpecGroupsRulesExpr.fromString('up == 0') }] }] } });
    const objects = render(chart);
    const operators = { 'prometheus-operator': '0.93.0' };
    const run = (prometheus?: { selectorLabels: Record<string, string> }) => messages(checkReferences(testEnvironment({ existing: { namespaces: ['demo'], operators }, prometheus }), [{ app: { name: 'demo' }, objects }]));
    expect(run()).toEqual([expect.stringContaining('is a PrometheusRule, but overlays/test-sandbox/environment.yaml does not say which labels the cluster\'s Prometheus selects PrometheusRules by')]);
    expect(run({ selectorLabels: { release: 'kube-prometheus-stack' } })).toEqual([
      expect.stringMatching(/PrometheusRule demo\/db-alerts metadata\.labels .*lacks release: kube-prometheus-stack, which the cluster's Prometheus selects PrometheusRules by .*: it would never be evaluated/),
    ]);
    // The corrected twins: a Prometheus that selects every monitor, and a monitor with the labels.
    expect(run({ selectorLabels: {} })).toEqual([]);
    const labelled = objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels as object), release: 'kube-prometheus-stack' } } }));
    expect(checkReferences(testEnvironment({ existing: { namespaces: ['demo'], operators }, prometheus: { selectorLabels: { release: 'kube-prometheus-stack' } } }), [{ app: { name: 'demo' }, objects: labelled }])).toEqual([]);
  });

  test('a route on a Gateway others run resolves against existing.gateways and the listeners declared there', () => {
    const routeOn = (sectionName: string) => {
      const chart = testChart();
      const shared = Gateway.fromGatewayAttributes({ name: 'main-gateway', namespace: 'envoy-gateway-system', listeners: [{ name: sectionName, protocol: 'HTTPS', port: 443, hostname: 'web.example.org', allowedRoutes: { from: 'All' } }] });
      new HttpRoute(chart, 'route', { name: 'web', gateway: shared, httpsRedirect: false, rules: [{ backends: [{ service: ServiceRef.fromName('web', { namespace: 'demo', ports: [{ name: 'http', port: 80 }] }), port: 80 }] }] });
      return render(chart).filter((o) => o.kind === 'HTTPRoute');
    };
    const declaring = (listener: string) => environment({
      operators: { 'envoy-gateway': '1.9.0' }, services: ['demo/web'],
      gateways: [{ namespace: 'envoy-gateway-system', name: 'main-gateway', listeners: [{ name: listener, protocol: 'HTTPS', port: 443, hostname: 'web.example.org' }] }],
    });
    expect(messages(checkReferences(environment({ operators: { 'envoy-gateway': '1.9.0' }, services: ['demo/web'] }), [{ app: { name: 'demo' }, objects: routeOn('https') }]))).toEqual([
      expect.stringMatching(/names Gateway envoy-gateway-system\/main-gateway, which nothing in environment test-sandbox emits and overlays\/test-sandbox\/environment\.yaml does not declare/),
    ]);
    expect(messages(checkReferences(declaring('websecure'), [{ app: { name: 'demo' }, objects: routeOn('https') }]))).toEqual([
      expect.stringMatching(/attaches to listener "https" of Gateway envoy-gateway-system\/main-gateway, which has no such listener/),
    ]);
    expect(checkReferences(declaring('https'), [{ app: { name: 'demo' }, objects: routeOn('https') }])).toEqual([]);
  });

  test('a namespace must be emitted by an app or declared as someone else\'s', () => {
    const chart = testChart({ namespace: 'elsewhere' });
    restrictedDeployment(chart, 'web');
    const objects = render(chart);
    expect(messages(checkReferences(environment(), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('is in namespace "elsewhere", which no app emits and overlays/test-sandbox/environment.yaml does not declare'),
    ]);
    const owner = testChart({ app: 'owner' });
    new k8s.KubeNamespace(owner, 'ns', { metadata: { name: 'elsewhere' } });
    expect(checkReferences(environment(), [{ app: { name: 'demo' }, objects }, { app: { name: 'owner' }, objects: render(owner).map((o) => ({ ...o, metadata: { name: 'elsewhere' } })) }])).toEqual([]);
  });

  test('an ObjectStore built by hand reading a credentials or CA key its Secret\'s writer does not write is refused', () => {
    const chart = testChart();
    new ObjectStore(chart, 'store', {
      metadata: { name: 'backups' },
      spec: {
        configuration: {
          destinationPath: 's3://backups/db',
          endpointCa: { name: 'creds', key: 'ca.crt' },
          s3Credentials: { accessKeyId: { name: 'creds', key: 'ACCESS_KEY_ID' }, secretAccessKey: { name: 'creds', key: 'ACCESS_SECRET_KEY' } },
        },
      },
    });
    new ExternalSecret(chart, 'creds', { name: 'creds', store: { name: 'vault' }, data: { AWS_ACCESS_KEY_ID: { key: 'b' }, ACCESS_SECRET_KEY: { key: 'b' } } });
    const problems = messages(checkReferences(environment({ operators: { 'cloudnative-pg': '1.30.0', 'cert-manager': '1.21.1', 'barman-cloud': '0.14.0', 'external-secrets': '2.9.0' }, secretStores: ['SecretStore/demo/vault'] }), [{ app: { name: 'demo' }, objects: render(chart) }]));
    expect(problems).toEqual([
      expect.stringMatching(/spec\.configuration\.endpointCA .*reads key "ca\.crt" of Secret demo\/creds, which ExternalSecret demo\/creds writes without that key/),
      expect.stringMatching(/spec\.configuration\.s3Credentials\.accessKeyId .*reads key "ACCESS_KEY_ID" of Secret demo\/creds, which ExternalSecret demo\/creds writes without that key/),
    ]);
  });

  test('a pod reading a Secret nobody writes, or a key its writer does not write, is refused', () => {
    const chart = testChart();
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'example/web:1', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'db-app', key: 'url' } } }], envFrom: [{ secretRef: { name: 'missing' } }] }] },
        },
      },
    });
    new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 1, storage: { size: '1Gi' }, imageName: 'x:17' } as never });
    const problems = messages(checkReferences(environment({ operators: { 'cloudnative-pg': '1.30.0' } }), [{ app: { name: 'demo' }, objects: render(chart) }]));
    expect(problems).toEqual([
      expect.stringMatching(/spec\.template\.spec\.containers\[0\]\.env\[0\]\.valueFrom\.secretKeyRef .*reads key "url" of Secret demo\/db-app, which Cluster demo\/db writes without that key/),
      expect.stringMatching(/envFrom.*reads Secret demo\/missing, which nothing in environment test-sandbox writes/),
    ]);
  });

  test('a Secret reference without a name is refused, however it was rendered (the API server requires the name)', () => {
    const deployment = (secretKeyRef: Record<string, unknown>, secretRef: Record<string, unknown>) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:1', env: [{ name: 'A', valueFrom: { secretKeyRef } }], envFrom: [{ secretRef }] }] } } },
    });
    const check = (objects: unknown[]) => messages(checkReferences(environment({ secrets: ['demo/creds'] }), [{ app: { name: 'demo' }, objects: objects as never }]));
    expect(check([deployment({ key: 'url' }, {})])).toEqual([
      expect.stringMatching(/env\[0\]\.valueFrom\.secretKeyRef .*names a Secret without a name: the API server refuses it/),
      expect.stringMatching(/envFrom\[0\]\.secretRef .*names a Secret without a name/),
    ]);
    // The corrected twin: both name a declared Secret.
    expect(check([deployment({ name: 'creds', key: 'url' }, { name: 'creds' })])).toEqual([]);
  });

  test('a Secret read through a projected volume or as an image pull secret is held to the same check as one read through a plain volume', () => {
    const deployment = (volumes: unknown[], imagePullSecrets: unknown[] = []) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { imagePullSecrets, containers: [{ name: 'web', image: 'example/web:1' }], volumes } } },
    });
    const projected = { name: 'bundle', projected: { sources: [{ serviceAccountToken: { path: 'token' } }, { secret: { name: 'bundle' } }] } };
    const check = (objects: unknown[]) => messages(checkReferences(environment(), [{ app: { name: 'demo' }, objects: objects as never }]));
    expect(check([deployment([projected])])).toEqual([
      'test-sandbox/demo/deployment-web.yaml Deployment demo/web spec.template.spec.volumes[0].projected.sources[1].secret (app demo, environment test-sandbox): reads Secret demo/bundle, which nothing in environment test-sandbox writes (no Secret, SealedSecret, ExternalSecret, database or Gateway certificate of that name)',
    ]);
    expect(check([deployment([{ name: 'bundle', secret: { secretName: 'bundle' } }])])).toEqual([
      expect.stringContaining('spec.template.spec.volumes[0].secret (app demo, environment test-sandbox): reads Secret demo/bundle, which nothing'),
    ]);
    expect(check([deployment([], [{ name: 'registry' }])])).toEqual([
      expect.stringContaining('spec.template.spec.imagePullSecrets[0] (app demo, environment test-sandbox): reads Secret demo/registry, which nothing'),
    ]);
    // The corrected twins: the Secret is written (here by a raw Secret), or declared as another system's.
    const bundle = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bundle', namespace: 'demo' }, type: 'Opaque' };
    expect(check([deployment([projected]), bundle])).toEqual([]);
    expect(messages(checkReferences(environment({ secrets: ['demo/registry'] }), [{ app: { name: 'demo' }, objects: [deployment([], [{ name: 'registry' }])] as never }]))).toEqual([]);
  });

  test('a projected key the Secret\'s writer does not write is refused; an optional source or variable is not', () => {
    const deployment = (secretSource: unknown, env: unknown[] = []) => ({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example/web:1', env }], volumes: [{ name: 'b', projected: { sources: [{ secret: secretSource }] } }] } } },
    });
    const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'creds', namespace: 'demo' }, spec: { encryptedData: { token: 'AgA' } } };
    const check = (objects: unknown[]) => messages(checkReferences(environment({ operators: { 'sealed-secrets': '0.36.0' } }), [{ app: { name: 'demo' }, objects: objects as never }]));
    expect(check([deployment({ name: 'creds', items: [{ key: 'password', path: 'p' }] }), sealed])).toEqual([
      expect.stringContaining('spec.template.spec.volumes[0].projected.sources[0].secret.items[0] (app demo, environment test-sandbox): reads key "password" of Secret demo/creds, which SealedSecret demo/creds writes without that key'),
    ]);
    expect(check([deployment({ name: 'creds', items: [{ key: 'token', path: 't' }] }), sealed])).toEqual([]);
    // optional: true on the source or the variable: the pod starts without it (core/v1 SecretProjection, SecretKeySelector).
    expect(check([deployment({ name: 'absent', optional: true }, [{ name: 'A', valueFrom: { secretKeyRef: { name: 'absent', key: 'a', optional: true } } }]), sealed])).toEqual([]);
    expect(check([deployment({ name: 'creds' }, [{ name: 'A', valueFrom: { secretKeyRef: { name: 'absent', key: 'a' } } }]), sealed])).toEqual([
      expect.stringContaining('spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef (app demo, environment test-sandbox): reads Secret demo/absent, which nothing'),
    ]);
  });

  test('a Cluster naming an image catalog nobody installed is refused; a declared one with the major passes', () => {
    const objects = rawCluster('db', { imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ClusterImageCatalog', name: 'postgresql', major: 17 } });
    const operators = { 'cloudnative-pg': '1.30.0' };
    expect(messages(checkReferences(environment({ operators }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('spec.imageCatalogRef (app demo, environment test-sandbox): names ClusterImageCatalog postgresql, which nothing in environment test-sandbox emits and overlays/test-sandbox/environment.yaml does not declare: CloudNativePG\'s release manifests install no catalog, so the operator stops the Cluster in PhaseImageCatalogError'),
    ]);
    expect(messages(checkReferences(environment({ operators, imageCatalogs: [{ kind: 'ClusterImageCatalog', name: 'postgresql', majors: [16] }] }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('takes PostgreSQL 17 from ClusterImageCatalog postgresql, which has images for 16 only'),
    ]);
    expect(checkReferences(environment({ operators, imageCatalogs: [{ kind: 'ClusterImageCatalog', name: 'postgresql', majors: [16, 17] }] }), [{ app: { name: 'demo' }, objects }])).toEqual([]);
  });

  test('an Ingress to a Service nobody emits needs it declared', () => {
    const chart = testChart();
    new k8s.KubeIngress(chart, 'in', { metadata: { name: 'in' }, spec: { ingressClassName: 'tailscale', defaultBackend: { service: { name: 'legacy', port: { name: 'http' } } } } });
    const objects = render(chart);
    expect(messages(checkReferences(environment({ operators: { tailscale: '1.102.3' } }), [{ app: { name: 'demo' }, objects }]))).toEqual([
      expect.stringContaining('spec.defaultBackend.service (app demo, environment test-sandbox): names Service demo/legacy, which nothing in environment test-sandbox emits and overlays/test-sandbox/environment.yaml does not declare: the ingress controller'),
    ]);
    expect(checkReferences(environment({ operators: { tailscale: '1.102.3' }, services: ['demo/legacy'] }), [{ app: { name: 'demo' }, objects }])).toEqual([]);
  });

  test('where a platform layer exists, an application app owning a database server is refused', () => {
    const objects = rawCluster('db', { imageName: 'x:17' });
    const env = environment({ operators: { 'cloudnative-pg': '1.30.0' } });
    expect(messages(checkReferences(env, [{ app: { name: 'demo', layer: 'application' }, objects }, { app: { name: 'platform', layer: 'platform' }, objects: [] }]))).toEqual([
      expect.stringContaining('is a database server in application app demo, but environment test-sandbox has a platform layer'),
    ]);
  });

  test('two clusters archiving into one folder are refused (the plugin refuses a non-empty WAL archive)', () => {
    const chart = testChart();
    const store = { apiVersion: 'barmancloud.cnpg.io/v1', kind: 'ObjectStore', metadata: { name: 'store', namespace: 'demo' }, spec: { configuration: { destinationPath: 's3://b/p' } } };
    const plugin = (serverName?: string) => ({ plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWalArchiver: true, parameters: { barmanObjectName: 'store', ...(serverName ? { serverName } : {}) } }] });
    new Cluster(chart, 'old', { metadata: { name: 'db' }, spec: { instances: 1, storage: { size: '1Gi' }, imageName: 'x:17', ...plugin() } as never });
    new Cluster(chart, 'new', { metadata: { name: 'db-2' }, spec: { instances: 1, storage: { size: '1Gi' }, imageName: 'x:17', ...plugin('db') } as never });
    const env = environment({ operators: { 'cloudnative-pg': '1.30.0', 'cert-manager': '1.21.1', 'barman-cloud': '0.14.0' } });
    expect(messages(checkReferences(env, [{ app: { name: 'demo' }, objects: [...render(chart), store] }]))).toEqual([
      expect.stringContaining('archives WAL into s3://b/p/db, as Cluster demo/db does'),
    ]);
  });

  test('a claim is held to what the environment\'s StorageClasses provide: listed class, access modes, size', () => {
    const chart = testChart();
    const claim = (name: string, storageClassName: string | undefined, accessModes: string[], size: string) =>
      new k8s.KubePersistentVolumeClaim(chart, name, { metadata: { name }, spec: { storageClassName, accessModes, resources: { requests: { storage: k8s.Quantity.fromString(size) } } } });
    claim('ok', 'block', ['ReadWriteOnce'], '10Gi');
    claim('shared', 'block', ['ReadWriteMany'], '1Gi');
    claim('huge', 'block', ['ReadWriteOnce'], '20Ti');
    claim('other', 'nfs', ['ReadWriteMany'], '1Gi');
    const env = environment({ storageClasses: { block: { accessModes: ['ReadWriteOnce'], maxSize: '16Ti' } } });
    expect(messages(checkReferences(env, [{ app: { name: 'demo' }, objects: render(chart) }]))).toEqual([
      expect.stringContaining('PersistentVolumeClaim demo/shared spec (app demo, environment test-sandbox): asks ReadWriteMany of StorageClass "block", which provides ReadWriteOnce only'),
      expect.stringContaining('PersistentVolumeClaim demo/huge spec (app demo, environment test-sandbox): asks 20Ti of StorageClass "block", larger than the 16Ti it provisions'),
      expect.stringContaining('PersistentVolumeClaim demo/other spec (app demo, environment test-sandbox): asks StorageClass "nfs", which overlays/test-sandbox/environment.yaml does not list'),
    ]);
  });

  test('a StatefulSet\'s claim templates are held to the StorageClasses as a claim is', () => {
    // Rendered objects, as a raw StatefulSet would render (the rule reads the output only).
    const statefulSet = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'queue', namespace: 'demo' },
      spec: {
        serviceName: 'queue', selector: { matchLabels: { app: 'queue' } },
        template: { metadata: { labels: { app: 'queue' } }, spec: { containers: [{ name: 'queue', image: 'example/queue:1.0' }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'block', accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    const env = environment({ storageClasses: { block: { accessModes: ['ReadWriteOnce'] } } });
    expect(messages(checkReferences(env, [{ app: { name: 'demo' }, objects: [statefulSet] }]))).toEqual([
      expect.stringContaining('StatefulSet demo/queue spec.volumeClaimTemplates[0] (data) (app demo, environment test-sandbox): asks ReadWriteMany of StorageClass "block", which provides ReadWriteOnce only'),
    ]);
  });
});
