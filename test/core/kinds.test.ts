import { apiGroupOf, dataLostOnDelete, groupKindKey, groupKindOf, isGroupKind, KINDS, LONG_RUNNING_KINDS, POD_TEMPLATE_KINDS, STATEFUL_KINDS } from '../../lib/core/kinds';

describe('kind identity', () => {
  test('the API group of an apiVersion: "" for the core group, any version', () => {
    expect(apiGroupOf('v1')).toBe('');
    expect(apiGroupOf('apps/v1')).toBe('apps');
    expect(apiGroupOf('postgresql.cnpg.io/v1')).toBe('postgresql.cnpg.io');
    expect(groupKindOf({ apiVersion: 'batch/v1', kind: 'CronJob' })).toEqual({ group: 'batch', kind: 'CronJob' });
    expect(groupKindOf({})).toEqual({ group: '', kind: '' });
  });

  test('a kind is its group and kind, whatever the version', () => {
    expect(isGroupKind({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' }, KINDS.HorizontalPodAutoscaler)).toBe(true);
    expect(isGroupKind({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' }, KINDS.HorizontalPodAutoscaler)).toBe(true);
    // Same kind name, another group: a CNPG Cluster is not a core kind called Cluster.
    expect(isGroupKind({ apiVersion: 'v1', kind: 'Cluster' }, KINDS.CnpgCluster)).toBe(false);
    expect(isGroupKind({ apiVersion: 'extensions/v1beta1', kind: 'Deployment' }, KINDS.Deployment)).toBe(false);
    expect(groupKindKey(KINDS.Secret)).toBe('Secret');
    expect(groupKindKey(KINDS.Deployment)).toBe('apps/Deployment');
  });

  test('named groups hold their members and nothing else', () => {
    expect(POD_TEMPLATE_KINDS.has({ apiVersion: 'batch/v1', kind: 'CronJob' })).toBe(true);
    expect(POD_TEMPLATE_KINDS.has({ apiVersion: 'v1', kind: 'Pod' })).toBe(true);
    expect(POD_TEMPLATE_KINDS.has({ apiVersion: 'v1', kind: 'Service' })).toBe(false);
    expect(LONG_RUNNING_KINDS.has({ apiVersion: 'apps/v1', kind: 'DaemonSet' })).toBe(true);
    expect(LONG_RUNNING_KINDS.has({ apiVersion: 'batch/v1', kind: 'Job' })).toBe(false);
    expect(STATEFUL_KINDS.memberKeys).toEqual(expect.arrayContaining(['PersistentVolumeClaim', 'Namespace', 'postgresql.cnpg.io/Cluster']));
  });

  test('what a deletion loses, from the one table the policy and the review read', () => {
    expect(dataLostOnDelete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' })).toMatch(/deletes its volume/);
    expect(dataLostOnDelete({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeUndefined();
  });
});
