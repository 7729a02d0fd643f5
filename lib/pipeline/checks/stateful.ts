import { ARGOCD_SYNC_OPTIONS, PROTECTED_SYNC_OPTIONS } from '../../core/argocd-sync';
import { deliveryEngineOf, FLUX_FORCE, FLUX_FORCE_ENABLED, FLUX_PRUNE, FLUX_PRUNE_DISABLED } from '../../core/delivery';
import type { KubeObject } from './schema-validation';
import { annotationsOf, list, record, type Json } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { isGroupKind, KINDS, STATEFUL_KINDS } from '../../core/kinds';

const PROTECT_IT = `annotate it ${ARGOCD_SYNC_OPTIONS}: ${PROTECTED_SYNC_OPTIONS} in an ArgoCD environment, ${FLUX_PRUNE}: ${FLUX_PRUNE_DISABLED} in a Flux one (protectFromPrune in lib/core/delivery.ts does it for the environment's engine)`;

/** `stateful-protected`: no sync deletes volumes, databases or backup stores. */
export const statefulProtected: RuleDeclaration = {
  name: 'stateful-protected',
  summary: `objects whose deletion deletes data (PersistentVolumeClaims, PersistentVolumes, StatefulSets that delete their claims with them, CNPG Clusters, ScheduledBackups, Barman ObjectStores, and a Namespace holding any of them) are protected from their environment's delivery engine: in ArgoCD, ${ARGOCD_SYNC_OPTIONS} with Prune=false and Delete=false, and neither Force=true nor Replace=true; in Flux, ${FLUX_PRUNE}: ${FLUX_PRUNE_DISABLED} and not ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED}; so no sync, prune or deletion of the delivery removes data`,
  scope: [STATEFUL_KINDS],
  sources: [
    'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-prune-resources (Prune=false)',
    'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-resource-deletion (Delete=false)',
    'https://cloudnative-pg.io/documentation/current/storage/ (deleting a Cluster deletes its PVCs)',
    'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#replace-resource-instead-of-applying-changes (Replace=true: kubectl replace/create instead of apply, which may delete and recreate the resource) and the Force=true sync option (kubectl --force: delete and recreate)',
    'fluxcd/kustomize-controller v1.4.0 docs/spec/v1/kustomizations.md "Prune" (garbage collection also runs when the Kustomization is deleted; kustomize.toolkit.fluxcd.io/prune: disabled skips it) and "kustomize.toolkit.fluxcd.io/force" (recreates on immutable changes: "may result in potential data loss")',
  ],
  fix: PROTECT_IT,
  check(object, context) {
    // A Namespace holds data when stateful objects live in it: deleting it deletes them.
    const holdsData = (namespace: unknown) => context.objects.of(STATEFUL_KINDS)
      .some((o) => !isGroupKind(o, KINDS.Namespace) && !isGroupKind(o, KINDS.PersistentVolume) && Boolean(o.metadata.namespace) && o.metadata.namespace === namespace);
    if (isGroupKind(object, KINDS.Namespace) && !holdsData(object.metadata.name)) return [];
    // A StatefulSet's claims outlive it unless its retention policy deletes them with it
    // (kubernetes.io/docs/concepts/workloads/controllers/statefulset/#persistentvolumeclaim-retention).
    if (isGroupKind(object, KINDS.StatefulSet) && record(record(object.spec).persistentVolumeClaimRetentionPolicy).whenDeleted !== 'Delete') return [];
    const holds = isGroupKind(object, KINDS.Namespace) ? 'a Namespace holds claims or databases' : `a ${object.kind} holds data`;
    return deliveryEngineOf(context.environment) === 'flux' ? fluxProtectionProblems(object, holds) : argocdProtectionProblems(object, holds);
  },
};

/** What leaves an object that holds data unprotected from ArgoCD. */
function argocdProtectionProblems(object: KubeObject, holds: string): RuleProblem[] {
  const value = annotationsOf(object)[ARGOCD_SYNC_OPTIONS];
  const options = typeof value === 'string' ? value.split(',').map((o) => o.trim()) : [];
  const problems: RuleProblem[] = [];
  const recreating = recreatingSyncOptions(options);
  if (recreating.length > 0) {
    problems.push({
      message: `${holds}, but its ${ARGOCD_SYNC_OPTIONS} annotation has ${recreating.join(' and ')}, with which a sync may delete and recreate it, and its data with it`,
      fix: `remove ${recreating.join(' and ')} from ${ARGOCD_SYNC_OPTIONS}; change an immutable field by migrating to a new object instead`,
    });
  }
  const missing = ['Prune=false', 'Delete=false'].filter((o) => !options.includes(o));
  if (missing.length > 0) problems.push({ message: `${holds}, but its ${ARGOCD_SYNC_OPTIONS} annotation lacks ${missing.join(' and ')} (found ${typeof value === 'string' ? `"${value}"` : 'none'})` });
  return problems;
}

/**
 * What leaves an object that holds data unprotected from Flux: the prune policy is read from a
 * label or an annotation, and so is force (kustomizations.md: "by either labelling or annotating").
 */
function fluxProtectionProblems(object: KubeObject, holds: string): RuleProblem[] {
  const policy = (key: string) => annotationsOf(object)[key] ?? record(object.metadata.labels)[key];
  const problems: RuleProblem[] = [];
  if (String(policy(FLUX_FORCE)).toLowerCase() === FLUX_FORCE_ENABLED) {
    problems.push({
      message: `${holds}, but it carries ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED}, with which Flux deletes and recreates it on an immutable change, and its data with it`,
      fix: `remove ${FLUX_FORCE}; change an immutable field by migrating to a new object instead`,
    });
  }
  const prune = policy(FLUX_PRUNE);
  if (String(prune).toLowerCase() !== FLUX_PRUNE_DISABLED) {
    problems.push({ message: `${holds}, but it lacks ${FLUX_PRUNE}: ${FLUX_PRUNE_DISABLED} (found ${prune === undefined ? 'none' : `"${String(prune)}"`}): Flux would delete it when it leaves dist/ or when its Kustomization is deleted` });
  }
  return problems;
}

/**
 * The sync options that make ArgoCD delete and recreate an object (`Force=true`, `Replace=true`,
 * ArgoCD sync-options docs): on an object that holds data, a recreation loses it. Option names
 * and values are matched as ArgoCD parses them, case-sensitively, `key=value` split at commas.
 */
export function recreatingSyncOptions(options: readonly string[]): string[] {
  return ['Force=true', 'Replace=true'].filter((o) => options.includes(o));
}

/**
 * Labels the CloudNativePG operator puts on every instance pod of a Cluster (docs
 * labels_annotations.md), besides `spec.inheritedMetadata.labels`. Labels whose value differs
 * from pod to pod (role, instance name) cannot select all of them.
 */
const VARYING_POD_LABELS = ['cnpg.io/instanceName', 'cnpg.io/instanceRole', 'role'];

function clusterPodLabels(cluster: KubeObject): Record<string, string> {
  const inherited = record(record(record(cluster.spec).inheritedMetadata).labels);
  return {
    ...Object.fromEntries(Object.entries(inherited).map(([k, v]) => [k, String(v)])),
    'cnpg.io/cluster': String(cluster.metadata.name),
    'cnpg.io/podRole': 'instance',
  };
}

/** Whether a LabelSelector selects every pod carrying exactly `labels` (plus per-pod varying ones). */
export function selectsAll(selector: Json, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(record(selector.matchLabels))) {
    if (!Object.hasOwn(labels, key) || labels[key] !== String(value)) return false;
  }
  for (const expression of list(selector.matchExpressions)) {
    const key = String(expression.key);
    if (VARYING_POD_LABELS.includes(key)) return false;
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = Object.hasOwn(labels, key);
    switch (expression.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** An ingress policy (policyTypes absent means Ingress: NetworkPolicy API reference). */
function governsIngress(policy: Json): boolean {
  const types = record(policy.spec).policyTypes;
  return !Array.isArray(types) || types.includes('Ingress');
}

/** Some ingress rule admits every source: no `from`, or an empty one. */
function admitsEveryone(policy: Json): boolean {
  return list(record(policy.spec).ingress).some((rule) => !Array.isArray(rule.from) || rule.from.length === 0);
}

/** `database-namespace-guarded`: every CNPG Cluster's pods are behind an ingress NetworkPolicy. */
export const databaseNamespaceGuarded: RuleDeclaration = {
  name: 'database-namespace-guarded',
  summary: 'every CloudNativePG Cluster has, in its namespace, an ingress NetworkPolicy whose podSelector selects all its instance pods (cnpg.io/cluster: <name>), and none of those policies has an ingress rule without from (which would admit every source)',
  scope: [KINDS.CnpgCluster],
  sources: [
    'https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation (a pod no policy selects accepts every connection)',
    'https://cloudnative-pg.io/documentation/current/security/#network-policies and labels_annotations/ (cnpg.io/cluster on every instance pod)',
  ],
  fix: 'emit an ingress NetworkPolicy in the Cluster\'s namespace with podSelector cnpg.io/cluster: <name> and a from list (CnpgDatabase emits one; its allowFrom and connections.allowFrom add clients)',
  check(cluster, context) {
    const namespace = cluster.metadata.namespace;
    const labels = clusterPodLabels(cluster);
    const selecting = context.objects.of(KINDS.NetworkPolicy)
      .filter((p) => p.metadata.namespace === namespace && governsIngress(p) && selectsAll(record(record(p.spec).podSelector), labels));
    const fix = `emit an ingress NetworkPolicy in namespace ${namespace ?? '(none)'} with podSelector cnpg.io/cluster: ${String(cluster.metadata.name)} and a from list (CnpgDatabase emits one; its allowFrom and connections.allowFrom add clients)`;
    if (selecting.length === 0) {
      return [{ message: `no ingress NetworkPolicy in namespace ${namespace ?? '(none)'} selects the Cluster's pods (cnpg.io/cluster=${String(cluster.metadata.name)}), so every pod of the cluster network reaches its 5432`, fix }];
    }
    if (selecting.some(admitsEveryone)) {
      // Policies add up: one rule that admits everyone opens the pods to everyone.
      return [{ message: `NetworkPolicy ${selecting.filter(admitsEveryone).map((p) => p.metadata.name).join(', ')} selects the Cluster's pods but admits every source (an ingress rule without from)`, fix }];
    }
    return [];
  },
};
