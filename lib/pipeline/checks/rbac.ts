import { isGroupKind, KINDS } from '../../core/kinds';
import type { KubeObject } from './schema-validation';
import { list, record, type Json } from './objects';
import type { Finding, PolicyRule } from './types';

/**
 * RBAC rules from kube-linter's catalog (stackrox/kube-linter docs/generated/checks.md:
 * cluster-admin-role-binding, wildcard-in-rules, access-to-secrets, each citing the CIS
 * Kubernetes Benchmark section 5.1), and one for bindings to everyone who can reach the API
 * server. Each rule is a self-contained object in the PolicyRule shape, so it can move into a
 * registry of rules as data. An app emits RBAC objects with raw L1 constructs or cdk8s-plus;
 * CnpgDatabase.grantCredentialsTo emits the least-privilege shape these rules allow (get on one
 * Secret by name).
 */

const RBAC_DOCS = 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/';
const KUBE_LINTER_CHECKS = 'stackrox/kube-linter docs/generated/checks.md';

const isBinding = (o: KubeObject) => isGroupKind(o, KINDS.RoleBinding) || isGroupKind(o, KINDS.ClusterRoleBinding);
const isRole = (o: KubeObject) => isGroupKind(o, KINDS.Role) || isGroupKind(o, KINDS.ClusterRole);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
const roleRefOf = (binding: KubeObject): Json => record(binding.roleRef);

/** `cluster-admin-role-binding`: no binding grants the cluster-admin ClusterRole. */
export const clusterAdminRoleBinding: PolicyRule = {
  name: 'cluster-admin-role-binding',
  summary: 'no RoleBinding or ClusterRoleBinding grants the cluster-admin ClusterRole (superuser access: every verb on every resource)',
  sources: [
    `${KUBE_LINTER_CHECKS}#cluster-admin-role-binding (CIS Benchmark 5.1.1: ensure that the cluster-admin role is only used where required)`,
    `${RBAC_DOCS}#user-facing-roles (cluster-admin: super-user access; in a RoleBinding, full control of the namespace)`,
  ],
  check(objects) {
    return objects.filter(isBinding).flatMap((binding): Finding[] => {
      const ref = roleRefOf(binding);
      if (ref.kind !== 'ClusterRole' || ref.name !== 'cluster-admin') return [];
      return [{ object: binding, message: `the ${binding.kind} grants cluster-admin${isGroupKind(binding, KINDS.RoleBinding) ? ' (full control of its namespace)' : ' (full control of the cluster)'} to ${subjectsText(binding)}`, fix: 'bind a Role (or ClusterRole) that grants only the resources and verbs needed' }];
    });
  },
};

/** `wildcard-in-rules`: no Role or ClusterRole grants "*" verbs or resources. */
export const wildcardInRules: PolicyRule = {
  name: 'wildcard-in-rules',
  summary: 'no Role or ClusterRole rule has "*" among its verbs or resources (it grants whatever the API adds later, CRDs included)',
  sources: [
    `${KUBE_LINTER_CHECKS}#wildcard-in-rules (CIS Benchmark 5.1.3: minimize wildcard use in Roles and ClusterRoles)`,
    `${RBAC_DOCS}#referring-to-resources ("*" stands for all resources, verbs and API groups, present and future)`,
  ],
  check(objects) {
    return objects.filter(isRole).flatMap((role): Finding[] => list(role.rules).flatMap((rule, i): Finding[] => {
      const fields = (['verbs', 'resources'] as const).filter((f) => strings(rule[f]).includes('*'));
      return fields.length === 0 ? [] : [{ object: role, message: `rules[${i}] grants "*" in ${fields.join(' and ')}`, fix: 'name the verbs and resources the subject needs' }];
    }));
  },
};

/** Read verbs on Secrets: what exposes their values. */
const READ_VERBS = ['get', 'list', 'watch', '*'];
/** Built-in ClusterRoles that read Secrets (user-facing roles: admin and edit can; view cannot). cluster-admin is its own rule. */
const SECRET_READING_CLUSTER_ROLES = ['admin', 'edit'];

/** `access-to-secrets`: no Role reads every Secret of its scope, and no binding grants a built-in role that does. */
export const accessToSecrets: PolicyRule = {
  name: 'access-to-secrets',
  summary: 'no Role or ClusterRole reads Secrets (get, list, watch or "*") other than by name (get with resourceNames), and no binding grants the built-in admin or edit ClusterRole, which read every Secret of their namespace',
  sources: [
    `${KUBE_LINTER_CHECKS}#access-to-secrets (CIS Benchmark 5.1.2: minimize access to secrets)`,
    `${RBAC_DOCS}#referring-to-resources (resourceNames restricts get to the named objects; list and watch are not restricted by it)`,
    `${RBAC_DOCS}#user-facing-roles (admin and edit can read Secrets in the namespace; view cannot)`,
  ],
  check(objects) {
    const findings: Finding[] = [];
    for (const role of objects.filter(isRole)) {
      list(role.rules).forEach((rule, i) => {
        const groups = strings(rule.apiGroups);
        const resources = strings(rule.resources);
        const verbs = strings(rule.verbs).filter((v) => READ_VERBS.includes(v));
        if (!(groups.includes('') || groups.includes('*')) || !(resources.includes('secrets') || resources.includes('*')) || verbs.length === 0) return;
        const byName = strings(rule.resourceNames).length > 0 && verbs.every((v) => v === 'get');
        if (!byName) findings.push({ object: role, message: `rules[${i}] lets its subjects ${verbs.join(', ')} ${resources.includes('*') ? 'every resource, Secrets included' : 'Secrets'}${strings(rule.resourceNames).length ? '' : ' of any name'}`, fix: 'grant get on the Secrets needed, by name (resourceNames), or read them through an ExternalSecret' });
      });
    }
    for (const binding of objects.filter(isBinding)) {
      const ref = roleRefOf(binding);
      if (ref.kind === 'ClusterRole' && SECRET_READING_CLUSTER_ROLES.includes(String(ref.name))) {
        findings.push({ object: binding, message: `the ${binding.kind} grants the built-in ClusterRole ${String(ref.name)}, which reads every Secret${isGroupKind(binding, KINDS.RoleBinding) ? ' of its namespace' : ''}, to ${subjectsText(binding)}`, fix: 'bind a Role that grants only what the subject needs (view, which reads no Secrets, or your own)' });
      }
    }
    return findings;
  },
};

/**
 * Who every request is, unauthenticated or not (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests:
 * anonymous requests are user system:anonymous in group system:unauthenticated; every
 * authenticated user, ServiceAccounts included, is in group system:authenticated).
 */
const EVERYONE: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly who: string }> = [
  { kind: 'Group', name: 'system:unauthenticated', who: 'every unauthenticated request' },
  { kind: 'User', name: 'system:anonymous', who: 'every anonymous request' },
  { kind: 'Group', name: 'system:authenticated', who: 'everyone who can authenticate, every ServiceAccount of every namespace included' },
];

/** `unauthenticated-binding`: no binding names the anonymous user or the groups of everyone. */
export const unauthenticatedBinding: PolicyRule = {
  name: 'unauthenticated-binding',
  summary: 'no RoleBinding or ClusterRoleBinding has system:anonymous, system:unauthenticated or system:authenticated among its subjects',
  sources: [
    'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests (system:anonymous, system:unauthenticated, system:authenticated)',
    `${RBAC_DOCS}#discovery-roles (the only bindings to these groups Kubernetes makes itself are the discovery roles)`,
  ],
  check(objects) {
    return objects.filter(isBinding).flatMap((binding): Finding[] => list(binding.subjects).flatMap((subject, i): Finding[] => {
      const everyone = EVERYONE.find((e) => e.kind === subject.kind && e.name === subject.name);
      return everyone ? [{ object: binding, message: `subjects[${i}] is ${everyone.kind} ${everyone.name}: the ${binding.kind} grants ${String(roleRefOf(binding).name)} to ${everyone.who}`, fix: 'bind the ServiceAccount, user or group that needs the role' }] : [];
    }));
  },
};

function subjectsText(binding: KubeObject): string {
  const subjects = list(binding.subjects).map((s) => `${String(s.kind)} ${s.namespace ? `${String(s.namespace)}/` : ''}${String(s.name)}`);
  return subjects.length ? subjects.join(', ') : 'no subject';
}

/** The RBAC rules, in the order they are documented. */
export const RBAC_RULES: readonly PolicyRule[] = [clusterAdminRoleBinding, wildcardInRules, accessToSecrets, unauthenticatedBinding];
