import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { producedBy, ProducedIndex } from '../../../lib/pipeline/checks/producers';

describe('one model of what the environment produces', () => {
  const object = (apiVersion: string, kind: string, name: string, rest: Record<string, unknown> = {}): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'demo' }, ...rest });
  const products = (o: KubeObject) => producedBy(o).map((p) => `${p.kind.kind} ${p.key.namespace}/${p.key.name} [${p.keys?.join(',') ?? 'keys unknown'}] by ${p.by}${p.producer.writtenBy ? `, written by ${p.producer.writtenBy}` : ''}`);

  test('objects applied as they are, and the controllers and operators that write Secrets', () => {
    expect(products(object('v1', 'Secret', 'plain', { stringData: { b: 'x' }, data: { a: 'eA==' } }))).toEqual(['Secret demo/plain [a,b] by Secret demo/plain']);
    expect(products(object('v1', 'ConfigMap', 'conf', { data: { a: 'x' } }))).toEqual(['ConfigMap demo/conf [a] by ConfigMap demo/conf']);
    expect(products(object('apps/v1', 'StatefulSet', 'queue', { spec: { replicas: 2, ordinals: { start: 1 }, volumeClaimTemplates: [{ metadata: { name: 'data' } }] } })))
      .toEqual(['PersistentVolumeClaim demo/data-queue-1 [keys unknown] by StatefulSet demo/queue, written by the StatefulSet controller', 'PersistentVolumeClaim demo/data-queue-2 [keys unknown] by StatefulSet demo/queue, written by the StatefulSet controller']);
    expect(products(object('bitnami.com/v1alpha1', 'SealedSecret', 'sealed', { spec: { encryptedData: { B: 'AgA' }, template: { metadata: { name: 'renamed' }, data: { A: '{{ index . "B" }}' } } } })))
      .toEqual(['Secret demo/renamed [A,B] by SealedSecret demo/sealed, written by the sealed-secrets controller']);
    expect(products(object('external-secrets.io/v1', 'ExternalSecret', 'ext', { spec: { dataFrom: [{ extract: { key: 'k' } }] } })))
      .toEqual(['Secret demo/ext [keys unknown] by ExternalSecret demo/ext, written by the External Secrets Operator']);
    expect(products(object('postgresql.cnpg.io/v1', 'Cluster', 'db', { spec: { enableSuperuserAccess: true, bootstrap: { initdb: { secret: { name: 'own' } } } } })).map((p) => p.split(' [')[0]))
      .toEqual(['Secret demo/db-ca', 'Secret demo/db-server', 'Secret demo/db-replication', 'Secret demo/db-superuser']);
    expect(products(object('gateway.networking.k8s.io/v1', 'Gateway', 'gw', { spec: { listeners: [{ tls: { certificateRefs: [{ name: 'gw-tls' }] } }] } }))).toEqual([]);
    expect(products(object('gateway.networking.k8s.io/v1', 'Gateway', 'gw', { metadata: { name: 'gw', namespace: 'demo', annotations: { 'cert-manager.io/cluster-issuer': 'le' } }, spec: { listeners: [{ tls: { certificateRefs: [{ name: 'gw-tls', namespace: 'certs' }] } }] } })))
      .toEqual(['Secret certs/gw-tls [ca.crt,tls.crt,tls.key] by cert-manager, for Gateway demo/gw, written by cert-manager']);
  });

  test('the index finds a product by kind, namespace and name, not by name alone', () => {
    const index = new ProducedIndex([object('v1', 'ConfigMap', 'conf'), object('bitnami.com/v1alpha1', 'SealedSecret', 'conf', { spec: { encryptedData: {} } })]);
    expect(index.find({ group: '', kind: 'Secret' }, { namespace: 'demo', name: 'conf' })?.by).toBe('SealedSecret demo/conf');
    expect(index.find({ group: '', kind: 'ConfigMap' }, { namespace: 'demo', name: 'conf' })?.by).toBe('ConfigMap demo/conf');
    expect(index.find({ group: '', kind: 'Secret' }, { namespace: 'other', name: 'conf' })).toBeUndefined();
  });
});
