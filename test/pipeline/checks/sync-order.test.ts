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
