import { groupKindKey, groupKindOf, KIND_GROUPS, KINDS, type GroupKind } from '../../../lib/core/kinds';
import { ObjectIndex } from '../../../lib/pipeline/checks/objects';
import { findViolations, fromPolicyRule, RULE_LIST, RULES } from '../../../lib/pipeline/checks/rules';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { RULE_NAMES, type PolicyContext, type PolicyRule, type RuleDeclaration, type RuleName } from '../../../lib/pipeline/checks/types';

/*
 * The registry hands each rule's check only the objects of the rule's scope. The scopes below are
 * the intent, written out again on purpose: a change of scope changes this table too.
 */
const SCOPES: Readonly<Record<RuleName, readonly string[]>> = {
  'pss-restricted': ['pod-template'],
  'no-secret-data': ['Secret', 'bitnami.com/SealedSecret'],
  'no-secret-strings': ['any'],
  'image-pinned': ['image-referencing'],
  'image-digest-in-production': ['image-referencing'],
  'image-published': ['image-referencing'],
  'probes-and-requests': ['long-running', 'run-to-completion', 'Pod'],
  'no-token-automount': ['pod-template', 'ServiceAccount'],
  'stateful-protected': ['stateful'],
  'database-namespace-guarded': ['postgresql.cnpg.io/Cluster'],
  'image-contract': ['pod-template'],
  'database-guaranteed': ['postgresql.cnpg.io/Cluster'],
  'database-watched': ['postgresql.cnpg.io/Cluster'],
  'stable-selectors': ['immutable-selector', 'Service', 'networking.k8s.io/NetworkPolicy', 'policy/PodDisruptionBudget'],
  'sync-order': ['any'],
  'delivery-annotations': ['any'],
  'single-writer': ['pod-template'],
  'tailscale-ingress': ['networking.k8s.io/Ingress'],
  'gateway-api': ['gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/HTTPRoute'],
  'merged-gateway-listeners': ['gateway.networking.k8s.io/Gateway'],
  'cnpg-cluster': ['postgresql.cnpg.io/Cluster'],
  'volume-claim': ['volume-claim'],
  'cron-schedule': ['batch/CronJob', 'postgresql.cnpg.io/ScheduledBackup'],
  'autoscaling': ['replicated'],
  'cluster-admin-role-binding': ['rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
  'wildcard-in-rules': ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole'],
  'access-to-secrets': ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
  'unauthenticated-binding': ['rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
};

const CONTEXT: PolicyContext = { production: true };

function object(gk: GroupKind, name: string, rest: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: gk.group === '' ? 'v1' : `${gk.group}/v1`, kind: gk.kind, metadata: { name, namespace: 'demo' }, ...rest } as KubeObject;
}

/**
 * One object of every kind the library names, the same kinds under a foreign API group (a CRD
 * that reuses a kind's name is another kind), and a kind nobody names.
 */
const EVERY_KIND: readonly KubeObject[] = [
  ...Object.values(KINDS).map((gk) => object(gk, 'real')),
  ...Object.values(KINDS).map((gk) => object({ group: 'example.com', kind: gk.kind }, 'impostor')),
  object({ group: 'example.com', kind: 'Widget' }, 'unknown'),
];

/** The `group/Kind` keys a scope (as written in SCOPES) covers, from the named groups' members. */
function keysOf(scope: readonly string[]): Set<string> | 'every kind' {
  if (scope.includes('any')) return 'every kind';
  return new Set(scope.flatMap((entry) => KIND_GROUPS.find((g) => g.name === entry)?.memberKeys ?? [entry]));
}

/** The objects `rule`'s check is called with when the registry runs it over `objects`. */
function reached(rule: RuleDeclaration, objects: readonly KubeObject[]): KubeObject[] {
  const seen: KubeObject[] = [];
  findViolations(objects, CONTEXT, [{ ...rule, check: (o) => { seen.push(o); return []; } }]);
  return seen;
}

describe('the rule registry', () => {
  test('holds one declaration per rule name, in the order of RULE_NAMES (the docs\' order)', () => {
    expect(RULE_LIST.map((r) => r.name)).toEqual([...RULE_NAMES]);
    expect(Object.keys(RULES)).toEqual([...RULE_NAMES]);
    for (const rule of RULE_LIST) {
      expect(rule.summary.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.sources.length).toBeGreaterThan(0);
      expect(rule.scope.length).toBeGreaterThan(0);
    }
  });

  describe.each(RULE_LIST.map((rule) => [rule.name, rule] as const))('%s', (name, rule) => {
    test('checks the objects of its scope, and no object of another kind or API group', () => {
      const expected = keysOf(SCOPES[name]);
      const got = reached(rule, EVERY_KIND);
      if (expected === 'every kind') {
        expect(got).toEqual(EVERY_KIND);
        return;
      }
      expect(got.map((o) => groupKindKey(groupKindOf(o))).sort()).toEqual([...expected].sort());
      expect(got.every((o) => o.metadata.name === 'real')).toBe(true);
    });
  });

  describe('an object out of scope is not checked, even one the check would refuse', () => {
    const cases: ReadonlyArray<{ rule: RuleName; inScope: KubeObject; outOfScope: KubeObject }> = [
      {
        rule: 'no-secret-data',
        inScope: object(KINDS.Secret, 'creds', { stringData: { password: 'x' } }),
        outOfScope: object({ group: 'example.com', kind: 'Secret' }, 'creds', { stringData: { password: 'x' } }),
      },
      {
        rule: 'probes-and-requests',
        inScope: object(KINDS.Deployment, 'web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } } }),
        // A PodTemplate runs no pods of its own.
        outOfScope: object(KINDS.PodTemplate, 'web', { template: { spec: { containers: [{ name: 'web', image: 'web:1' }] } } }),
      },
      {
        rule: 'database-guaranteed',
        inScope: object(KINDS.CnpgCluster, 'db', { spec: { instances: 1 } }),
        outOfScope: object({ group: 'example.com', kind: 'Cluster' }, 'db', { spec: { instances: 1 } }),
      },
      {
        rule: 'stable-selectors',
        inScope: object(KINDS.Deployment, 'web', { spec: { selector: { matchLabels: { 'cdk8s.io/metadata.addr': 'x' } } } }),
        // A CRD's kind named Deployment is another kind.
        outOfScope: object({ group: 'example.com', kind: 'Deployment' }, 'web', { spec: { selector: { matchLabels: { 'cdk8s.io/metadata.addr': 'x' } } } }),
      },
    ];
    test.each(cases)('$rule', ({ rule, inScope, outOfScope }) => {
      const declaration = RULES[rule];
      const context = { ...CONTEXT, objects: new ObjectIndex([outOfScope]) };
      // The check alone would refuse it: the scope is what keeps it out.
      expect(declaration.check(outOfScope, context).length).toBeGreaterThan(0);
      expect(findViolations([outOfScope], CONTEXT).filter((v) => v.rule === rule)).toEqual([]);
      expect(findViolations([inScope], CONTEXT).filter((v) => v.rule === rule).map((v) => v.object)).toEqual([inScope]);
    });
  });

  test('a rule written as one check over all objects reports only on the objects of the scope it is given', () => {
    const legacy: PolicyRule = {
      name: 'sync-order',
      summary: 'a rule over every object of the app',
      sources: ['here'],
      check: (objects) => objects.map((o) => ({ object: o, message: `saw ${String(o.metadata.name)} among ${objects.length}`, fix: 'none' })),
    };
    const declared = fromPolicyRule(legacy, { scope: [KINDS.ConfigMap], fix: 'the fix' });
    const objects = [object(KINDS.Secret, 's'), object(KINDS.ConfigMap, 'c')];
    expect(findViolations(objects, CONTEXT, [declared]).map((v) => [v.object.kind, v.message, v.fix])).toEqual([['ConfigMap', 'saw c among 2', 'none']]);
  });
});

describe('the index of an app\'s objects', () => {
  test('finds the objects of a kind or a scope, in render order, by group and kind', () => {
    const objects = [object(KINDS.Deployment, 'a'), object(KINDS.Secret, 'b'), object({ group: 'example.com', kind: 'Deployment' }, 'c'), object(KINDS.StatefulSet, 'd'), object(KINDS.Deployment, 'e')];
    const index = new ObjectIndex(objects);
    expect(index.of(KINDS.Deployment).map((o) => o.metadata.name)).toEqual(['a', 'e']);
    expect(index.of(KINDS.Job)).toEqual([]);
    expect(index.of(KIND_GROUPS.find((g) => g.name === 'long-running')!, KINDS.Secret).map((o) => o.metadata.name)).toEqual(['a', 'b', 'd', 'e']);
    expect(index.all).toBe(objects);
  });
});
