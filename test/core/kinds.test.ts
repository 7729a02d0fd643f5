import { ANY_KIND, apiGroupOf, dataLostOnDelete, groupKindKey, groupKindOf, IMAGE_REFERENCING_KINDS, inScope, isGroupKind, isSameKind, KIND_GROUPS, KINDS, LONG_RUNNING_KINDS, POD_TEMPLATE_KINDS, scopeEntryName, STATEFUL_KINDS, VOLUME_CLAIM_KINDS } from '../../lib/core/kinds';

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

  test('a scope is named groups and single kinds; the group of every kind holds any object', () => {
    const scope = [LONG_RUNNING_KINDS, KINDS.ServiceAccount];
    expect(inScope({ apiVersion: 'apps/v1', kind: 'DaemonSet' }, scope)).toBe(true);
    expect(inScope({ apiVersion: 'v1', kind: 'ServiceAccount' }, scope)).toBe(true);
    expect(inScope({ apiVersion: 'example.com/v1', kind: 'ServiceAccount' }, scope)).toBe(false);
    expect(inScope({ apiVersion: 'batch/v1', kind: 'Job' }, scope)).toBe(false);
    expect(scope.map(scopeEntryName)).toEqual(['long-running', 'ServiceAccount']);
    expect(ANY_KIND.has({ apiVersion: 'example.com/v1', kind: 'Widget' })).toBe(true);
    expect(ANY_KIND.has({})).toBe(true);
    expect(IMAGE_REFERENCING_KINDS.has({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ClusterImageCatalog' })).toBe(true);
    expect(IMAGE_REFERENCING_KINDS.has({ apiVersion: 'v1', kind: 'ConfigMap' })).toBe(false);
    expect(VOLUME_CLAIM_KINDS.memberKeys).toEqual(['PersistentVolumeClaim', 'apps/StatefulSet']);
    expect(isSameKind(KINDS.Deployment, { group: 'apps', kind: 'Deployment' })).toBe(true);
    expect(isSameKind(KINDS.Deployment, { group: 'extensions', kind: 'Deployment' })).toBe(false);
    // Every group has a distinct name: the docs link a rule's scope to it by name.
    expect(new Set(KIND_GROUPS.map((g) => g.name)).size).toBe(KIND_GROUPS.length);
  });

  test('what a deletion loses, from the one table the policy and the review read', () => {
    expect(dataLostOnDelete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' })).toMatch(/deletes its volume/);
    expect(dataLostOnDelete({ apiVersion: 'v1', kind: 'ConfigMap' })).toBeUndefined();
  });
});
