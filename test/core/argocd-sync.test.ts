import { ARGOCD_SYNC_WAVE, SYNC_WAVE, syncWaveOf, withSyncWave } from '../../lib/core/argocd-sync';

describe('sync waves', () => {
  test('order namespaces, prerequisites, databases, migrations, workloads, then routes', () => {
    const order = ['Namespace', 'SealedSecret', 'Cluster', 'Job', 'Deployment', 'HTTPRoute'].map(syncWaveOf);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
  });

  test('set the annotation first in metadata, leave wave 0 implicit, and keep an explicit wave', () => {
    const secret = withSyncWave({ kind: 'SealedSecret', metadata: { name: 's', annotations: { a: 'b' } } });
    expect(Object.keys(secret.metadata)[0]).toBe('annotations');
    expect(secret.metadata.annotations).toEqual({ a: 'b', [ARGOCD_SYNC_WAVE]: String(SYNC_WAVE.prerequisites) });
    expect(withSyncWave({ kind: 'Deployment', metadata: { name: 'd' } }).metadata).toEqual({ name: 'd' });
    expect(withSyncWave({ kind: 'Job', metadata: { annotations: { [ARGOCD_SYNC_WAVE]: '5' } } }).metadata.annotations).toEqual({ [ARGOCD_SYNC_WAVE]: '5' });
  });
});
