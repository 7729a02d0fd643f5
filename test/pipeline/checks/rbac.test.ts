import { accessToSecrets, clusterAdminRoleBinding, RBAC_RULES, unauthenticatedBinding, wildcardInRules } from '../../../lib/pipeline/checks/rbac';
import { RULES } from '../../../lib/pipeline/checks/rules';
import type { PolicyRule } from '../../../lib/pipeline/checks/types';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';

const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (rules: unknown[], kind = 'Role'): KubeObject => ({ apiVersion: RBAC, kind, metadata: { name: 'r', ...(kind === 'Role' ? { namespace: 'demo' } : {}) }, rules } as unknown as KubeObject);
const binding = (roleRef: { kind: string; name: string }, subjects: unknown[] = [{ kind: 'ServiceAccount', name: 'web', namespace: 'demo' }], kind = 'RoleBinding'): KubeObject =>
  ({ apiVersion: RBAC, kind, metadata: { name: 'b', ...(kind === 'RoleBinding' ? { namespace: 'demo' } : {}) }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects } as unknown as KubeObject);

const messages = (rule: PolicyRule, objects: KubeObject[]) => rule.check(objects, { production: false }).map((f) => f.message);

test('the RBAC rules are registered under their kube-linter names', () => {
  for (const rule of RBAC_RULES) expect(RULES[rule.name].summary).toBe(rule.summary);
  expect(RBAC_RULES.map((r) => r.name)).toEqual(['cluster-admin-role-binding', 'wildcard-in-rules', 'access-to-secrets', 'unauthenticated-binding']);
  for (const rule of RBAC_RULES) expect(rule.sources.join(' ')).toMatch(/kube-linter|kubernetes\.io/);
});

// Each variant breaks its rule; each corrected twin (same shape, least privilege) passes it.
const cases: ReadonlyArray<{ rule: PolicyRule; name: string; bad: KubeObject; good: KubeObject; message: RegExp }> = [
  { rule: clusterAdminRoleBinding, name: 'a ClusterRoleBinding of cluster-admin', bad: binding({ kind: 'ClusterRole', name: 'cluster-admin' }, undefined, 'ClusterRoleBinding'), good: binding({ kind: 'ClusterRole', name: 'view' }, undefined, 'ClusterRoleBinding'), message: /grants cluster-admin \(full control of the cluster\) to ServiceAccount demo\/web/ },
  { rule: clusterAdminRoleBinding, name: 'a RoleBinding of cluster-admin', bad: binding({ kind: 'ClusterRole', name: 'cluster-admin' }), good: binding({ kind: 'Role', name: 'cluster-admin' }), message: /grants cluster-admin \(full control of its namespace\)/ },
  { rule: wildcardInRules, name: 'a "*" verb', bad: role([{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }]), good: role([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]), message: /rules\[0\] grants "\*" in verbs/ },
  { rule: wildcardInRules, name: 'a "*" resource in a ClusterRole', bad: role([{ apiGroups: ['apps'], resources: ['*'], verbs: ['get'] }], 'ClusterRole'), good: role([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }], 'ClusterRole'), message: /grants "\*" in resources/ },
  { rule: wildcardInRules, name: '"*" verbs and resources', bad: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]), good: role([{ apiGroups: ['*'], resources: ['pods'], verbs: ['list'] }]), message: /grants "\*" in verbs and resources/ },
  { rule: accessToSecrets, name: 'get on every Secret', bad: role([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]), good: role([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-app'], verbs: ['get'] }]), message: /lets its subjects get Secrets of any name/ },
  { rule: accessToSecrets, name: 'list by name (resourceNames do not restrict list)', bad: role([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-app'], verbs: ['get', 'list'] }]), good: role([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-app'], verbs: ['get'] }]), message: /get, list Secrets$/ },
  { rule: accessToSecrets, name: 'watch through "*" resources', bad: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['watch'] }], 'ClusterRole'), good: role([{ apiGroups: ['*'], resources: ['*'], verbs: ['create'] }], 'ClusterRole'), message: /watch every resource, Secrets included/ },
  { rule: accessToSecrets, name: 'a binding of the built-in edit role', bad: binding({ kind: 'ClusterRole', name: 'edit' }), good: binding({ kind: 'ClusterRole', name: 'view' }), message: /grants the built-in ClusterRole edit, which reads every Secret of its namespace/ },
  { rule: accessToSecrets, name: 'a ClusterRoleBinding of admin', bad: binding({ kind: 'ClusterRole', name: 'admin' }, undefined, 'ClusterRoleBinding'), good: binding({ kind: 'Role', name: 'admin' }, undefined, 'ClusterRoleBinding'), message: /built-in ClusterRole admin, which reads every Secret, to/ },
  { rule: unauthenticatedBinding, name: 'cluster-admin to system:unauthenticated', bad: binding({ kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'system:unauthenticated', apiGroup: 'rbac.authorization.k8s.io' }], 'ClusterRoleBinding'), good: binding({ kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'platform-admins', apiGroup: 'rbac.authorization.k8s.io' }], 'ClusterRoleBinding'), message: /subjects\[0\] is Group system:unauthenticated: the ClusterRoleBinding grants cluster-admin to every unauthenticated request/ },
  { rule: unauthenticatedBinding, name: 'a role to system:anonymous', bad: binding({ kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'web', namespace: 'demo' }, { kind: 'User', name: 'system:anonymous' }]), good: binding({ kind: 'Role', name: 'reader' }, [{ kind: 'ServiceAccount', name: 'web', namespace: 'demo' }]), message: /subjects\[1\] is User system:anonymous/ },
  { rule: unauthenticatedBinding, name: 'a role to system:authenticated', bad: binding({ kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'system:authenticated' }]), good: binding({ kind: 'Role', name: 'reader' }, [{ kind: 'Group', name: 'system:serviceaccounts:demo' }]), message: /every ServiceAccount of every namespace included/ },
];

test.each(cases)('$rule.name: $name, and its corrected twin', ({ rule, bad, good, message }) => {
  expect(messages(rule, [bad]).join('\n')).toMatch(message);
  expect(messages(rule, [good])).toEqual([]);
});

test('the least-privilege grant CnpgDatabase emits (get on one Secret by name, bound to one ServiceAccount) passes every RBAC rule', () => {
  const objects = [role([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['state-hub-db-app'], verbs: ['get'] }]), binding({ kind: 'Role', name: 'r' })];
  for (const rule of RBAC_RULES) expect(messages(rule, objects)).toEqual([]);
});
