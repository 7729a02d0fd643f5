import { ApiObject } from 'cdk8s';
import { WebService } from '../../../lib/apps/web-service';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import { SealedSecret } from '../../../lib/secrets/sealed-secret';
import { render, testChart } from '../../helpers';

/** Ciphertext of kubeseal's shape: a 2-byte key length (256), the encrypted key, then the sealed value. */
const CIPHERTEXT = Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 32, 7)]).toString('base64');
const findings = (objects: ReturnType<typeof render>) => findViolations(objects, { production: false }).filter((v) => v.rule === 'sync-order').map((v) => `${v.object.kind} ${String(v.object.metadata.name)}: ${v.message}`);

describe('sync order holds on hand-written waves', () => {
  function app(wave?: string) {
    const chart = testChart();
    const secret = new SealedSecret(chart, 'secret', { name: 'web-secrets', scope: 'strict', encryptedData: { TOKEN: CIPHERTEXT } });
    const web = new WebService(chart, 'web', { name: 'web', image: 'example/web:1.0', port: 8080, healthPath: '/healthz', envFromSecrets: [secret] });
    if (wave) ApiObject.of(web.node.findChild('Deployment')).metadata.addAnnotation('argocd.argoproj.io/sync-wave', wave);
    return render(chart);
  }

  test('the derived waves put a workload after the SealedSecret it reads', () => {
    expect(findings(app())).toEqual([]);
  });

  test('a wave written by hand that starts the pods before their Secret is refused, naming both waves', () => {
    expect(findings(app('-5'))).toEqual([
      'Deployment web: it is in sync wave -5, not after SealedSecret web-secrets (wave -3), which it reads: ArgoCD would start its pods before that exists',
      'Deployment web: it is in sync wave -5, not after ServiceAccount web (wave -3), which it reads: ArgoCD would start its pods before that exists',
    ]);
  });
});

describe('sync order sees every field a pod reads', () => {
  // Raw objects: the rule reads the rendered output, however it was built.
  const reader = (wave: string | undefined, pod: Record<string, unknown>) => ({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'demo', ...(wave ? { annotations: { 'argocd.argoproj.io/sync-wave': wave } } : {}) },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }], ...pod } } },
  });
  const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'bundle', namespace: 'demo' }, spec: { encryptedData: { token: CIPHERTEXT } } };
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ca', namespace: 'demo' }, data: { 'ca.crt': 'x' } };
  const elsewhere = { ...configMap, metadata: { name: 'ca', namespace: 'other' } };
  const projected = { volumes: [{ name: 'b', projected: { sources: [{ serviceAccountToken: { path: 't' } }, { secret: { name: 'bundle' } }, { configMap: { name: 'ca' } }] } }] };
  const objects = (...o: unknown[]) => o as ReturnType<typeof render>;

  test('a Secret and a ConfigMap read through a projected volume must come first', () => {
    expect(findings(objects(reader('-5', projected), sealed, configMap))).toEqual([
      'Deployment web: it is in sync wave -5, not after SealedSecret bundle (wave -3), which it reads: ArgoCD would start its pods before that exists',
      'Deployment web: it is in sync wave -5, not after ConfigMap ca (wave -3), which it reads: ArgoCD would start its pods before that exists',
    ]);
    expect(findings(objects(reader(undefined, projected), sealed, configMap))).toEqual([]);
  });

  test('a ConfigMap read through envFrom must come first; one of that name in another namespace is not what it reads', () => {
    const envFrom = { containers: [{ name: 'web', image: 'web:1', envFrom: [{ configMapRef: { name: 'ca' } }] }] };
    expect(findings(objects(reader('-5', envFrom), configMap))).toEqual([
      'Deployment web: it is in sync wave -5, not after ConfigMap ca (wave -3), which it reads: ArgoCD would start its pods before that exists',
    ]);
    expect(findings(objects(reader('-5', envFrom), elsewhere))).toEqual([]);
  });
});

describe('sync order across hooks, namespaces and every kind', () => {
  // Raw objects: the rule reads the rendered output, however it was built.
  const annotated = (annotations: Record<string, string>) => (Object.keys(annotations).length > 0 ? { annotations } : {});
  const job = (annotations: Record<string, string>) => ({
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name: 'migrate', namespace: 'demo', ...annotated(annotations) },
    spec: { template: { metadata: {}, spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'm:1', envFrom: [{ secretRef: { name: 'db' } }] }] } } },
  });
  const sealed = { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'db', namespace: 'demo' }, spec: { encryptedData: { url: CIPHERTEXT } } };
  const objects = (...o: unknown[]) => o as ReturnType<typeof render>;

  test('a PreSync hook reading a Secret the same sync writes is refused; as a Sync hook in a later wave it reads it', () => {
    expect(findings(objects(job({ 'argocd.argoproj.io/hook': 'PreSync' }), sealed))).toEqual([
      'Job migrate: it is a PreSync hook and reads SealedSecret db, which the same sync creates only later, in the Sync phase: ArgoCD would run it before that exists',
    ]);
    expect(findings(objects(job({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '-3' }), sealed))).toEqual([
      'Job migrate: it is in sync wave -3, not after SealedSecret db (wave -3), which it reads: ArgoCD would start its pods before that exists',
    ]);
    expect(findings(objects(job({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/sync-wave': '-1' }), sealed))).toEqual([]);
    expect(findings(objects(job({ 'argocd.argoproj.io/hook': 'PostSync' }), sealed))).toEqual([]);
  });

  test('an object reading a PostSync hook\'s product is refused', () => {
    const hookSecret = { ...sealed, metadata: { ...sealed.metadata, annotations: { 'argocd.argoproj.io/hook': 'PostSync' } } };
    expect(findings(objects(job({}), hookSecret))).toEqual([
      'Job migrate: it is applied in the Sync phase and reads SealedSecret db, which the same sync creates only later, as a PostSync hook: ArgoCD would run it before that exists',
    ]);
  });

  test('an explicit wave before the object\'s own Namespace is refused for any kind; at or after it, it is not', () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', annotations: { 'argocd.argoproj.io/sync-wave': '-4' } } };
    const configMap = (wave: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'demo', annotations: { 'argocd.argoproj.io/sync-wave': wave } }, data: { A: '1' } });
    expect(findings(objects(namespace, configMap('-9')))).toEqual([
      'ConfigMap settings: it is in sync wave -9, before Namespace demo (wave -4), which it is in: ArgoCD would apply it before that exists',
    ]);
    expect(findings(objects(namespace, configMap('-4')))).toEqual([]);
  });

  test('an explicit wave that puts what an object names after it is refused (a route before its Gateway); the derived waves are not', () => {
    const gateway = (wave?: string) => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'demo', ...annotated(wave ? { 'argocd.argoproj.io/sync-wave': wave } : {}) }, spec: { gatewayClassName: 'eg', listeners: [] } });
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'demo', annotations: { 'argocd.argoproj.io/sync-wave': '1' } }, spec: { parentRefs: [{ name: 'web' }] } };
    expect(findings(objects(route, gateway('5')))).toEqual([
      'HTTPRoute web: it is in sync wave 1, before Gateway web (wave 5), which it names: ArgoCD would apply it before that exists',
    ]);
    expect(findings(objects(route, gateway()))).toEqual([]);
  });
});

describe('a hook and its Namespace', () => {
  test('a PreSync hook in a Namespace the app creates in the Sync phase is refused; a Sync hook is not', () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } };
    const hook = (type: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'marker', namespace: 'demo', annotations: { 'argocd.argoproj.io/hook': type } }, data: {} });
    const findingsOf = (...o: unknown[]) => findViolations(o as ReturnType<typeof render>, { production: false }).filter((v) => v.rule === 'sync-order').map((v) => v.message);
    expect(findingsOf(namespace, hook('PreSync'))).toEqual([
      'it is a PreSync hook and is in Namespace demo, which the same sync creates only later, in the Sync phase: ArgoCD would run it before that exists',
    ]);
    expect(findingsOf(namespace, hook('Sync'))).toEqual([]);
  });
});
