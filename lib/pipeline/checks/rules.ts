import { ANY_KIND, inScope, KINDS, type KindScope } from '../../core/kinds';
import { ARGOCD_SYNC_WAVE } from '../../core/argocd-sync';
import { ObjectIndex } from './objects';
import type { KubeObject } from './schema-validation';
import { singleWriter } from './claims';
import { databaseGuaranteed, databaseWatched } from './databases';
import { imageContract } from './image-contract';
import { imageDigestInProduction, imagePinned, imagePublished } from './images';
import { cnpgCluster, gatewayApi, mergedGatewayListeners, tailscaleIngress, volumeClaim } from './operator-rules';
import { noTokenAutomount, probesAndRequests, pssRestricted } from './pod-security';
import { noSecretData, noSecretStrings } from './secrets';
import { stableSelectors } from './selectors';
import { databaseNamespaceGuarded, statefulProtected } from './stateful';
import { syncOrder } from './sync-order';
import { deliveryAnnotations } from './delivery-annotations';
import { autoscaling, cronSchedule } from './workloads';
import { accessToSecrets, clusterAdminRoleBinding, unauthenticatedBinding, wildcardInRules } from './rbac';
import { RULE_NAMES, type Finding, type PolicyContext, type PolicyRule, type RuleDeclaration, type RuleContext, type RuleName, type RuleProblem } from './types';

/**
 * The registry of policy rules: every rule is a declaration (types.ts `RuleDeclaration`: name,
 * summary, scope, sources, fix, check), written beside the code it runs, and listed here once.
 * The registry hands each rule only the objects of its scope; docs/security.md's rule table is
 * generated from it (`npm run docs:rules`). How to add a rule: lib/pipeline/checks/README.md.
 */

/**
 * A rule written as one check over all of an app's objects (`PolicyRule`), as a declaration:
 * `scope` says which objects it reports on and `fix` how to comply in general. Its check still
 * reads every object; a finding on an object outside `scope` is dropped.
 */
export function fromPolicyRule(rule: PolicyRule, declared: { readonly scope: KindScope; readonly fix: string }): RuleDeclaration {
  // The whole check runs once per app (one findViolations, one context), not once per object of
  // the scope: its findings are grouped by object on the first call and read back for the others.
  const findingsOf = new WeakMap<RuleContext, Map<KubeObject, RuleProblem[]>>();
  return {
    name: rule.name,
    summary: rule.summary,
    sources: rule.sources,
    scope: declared.scope,
    fix: declared.fix,
    check: (object, context) => {
      let byObject = findingsOf.get(context);
      if (!byObject) {
        byObject = new Map();
        for (const { object: found, message, fix } of rule.check(context.objects.all, context)) {
          const problems = byObject.get(found);
          if (problems) problems.push({ message, fix });
          else byObject.set(found, [{ message, fix }]);
        }
        findingsOf.set(context, byObject);
      }
      return byObject.get(object) ?? [];
    },
  };
}

/** Every rule, by name, in the order of RULE_NAMES (the order of the docs). */
export const RULES: Readonly<Record<RuleName, RuleDeclaration>> = {
  'pss-restricted': pssRestricted,
  'no-secret-data': noSecretData,
  'no-secret-strings': noSecretStrings,
  'image-pinned': imagePinned,
  'image-digest-in-production': imageDigestInProduction,
  'image-published': imagePublished,
  'probes-and-requests': probesAndRequests,
  'no-token-automount': noTokenAutomount,
  'stateful-protected': statefulProtected,
  'database-namespace-guarded': databaseNamespaceGuarded,
  'image-contract': imageContract,
  'database-guaranteed': databaseGuaranteed,
  'database-watched': databaseWatched,
  'stable-selectors': stableSelectors,
  'sync-order': fromPolicyRule(syncOrder, {
    scope: [ANY_KIND],
    fix: `remove the hand-written ${ARGOCD_SYNC_WAVE} annotation (the wave of a kind is derived: lib/core/argocd-sync.ts), or give the object a wave after what it needs, and a hook a phase after what it reads; in a Flux environment, keep what the app's Jobs need in its pre-deploy stage`,
  }),
  'delivery-annotations': deliveryAnnotations,
  'single-writer': singleWriter,
  'tailscale-ingress': tailscaleIngress,
  'gateway-api': gatewayApi,
  'merged-gateway-listeners': mergedGatewayListeners,
  'cnpg-cluster': cnpgCluster,
  'volume-claim': volumeClaim,
  'cron-schedule': cronSchedule,
  'autoscaling': autoscaling,
  // The RBAC rules (rbac.ts) are written as checks over all of an app's objects.
  'cluster-admin-role-binding': fromPolicyRule(clusterAdminRoleBinding, { scope: [KINDS.RoleBinding, KINDS.ClusterRoleBinding], fix: 'bind a Role (or ClusterRole) that grants only the resources and verbs needed' }),
  'wildcard-in-rules': fromPolicyRule(wildcardInRules, { scope: [KINDS.Role, KINDS.ClusterRole], fix: 'name the verbs and resources the subject needs' }),
  'access-to-secrets': fromPolicyRule(accessToSecrets, { scope: [KINDS.Role, KINDS.ClusterRole, KINDS.RoleBinding, KINDS.ClusterRoleBinding], fix: 'grant get on the Secrets needed, by name (resourceNames), or read them through an ExternalSecret' }),
  'unauthenticated-binding': fromPolicyRule(unauthenticatedBinding, { scope: [KINDS.RoleBinding, KINDS.ClusterRoleBinding], fix: 'bind the ServiceAccount, user or group that needs the role' }),
};

/** The rules in the order of the docs. */
export const RULE_LIST: readonly RuleDeclaration[] = RULE_NAMES.map((name) => RULES[name]);

/** A finding with its rule. */
export interface Violation extends Finding {
  /** The rule it breaks. */
  readonly rule: RuleName;
}

/**
 * Every violation among one app's objects in one environment, exceptions not applied: each rule's
 * check over each object of its scope, rule by rule in the order of the docs.
 */
export function findViolations(objects: readonly KubeObject[], context: PolicyContext, rules: readonly RuleDeclaration[] = RULE_LIST): Violation[] {
  const ruleContext = { ...context, objects: new ObjectIndex(objects) };
  return rules.flatMap((rule) => objects.filter((object) => inScope(object, rule.scope)).flatMap((object) => rule.check(object, ruleContext)
    .map((problem): Violation => ({ object, message: problem.message, fix: problem.fix ?? rule.fix, rule: rule.name }))));
}
