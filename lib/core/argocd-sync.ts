/** ArgoCD's per-object sync options annotation (argo-cd docs/user-guide/sync-options.md). */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** The annotation value `protectFromPrune` (lib/core/delivery.ts) sets in an ArgoCD environment, for checks and tests. */
export const PROTECTED_SYNC_OPTIONS = 'Prune=false,Delete=false';

/** ArgoCD's resource hook annotation, e.g. `Sync` for a migration Job (docs/user-guide/resource_hooks.md). */
export const ARGOCD_HOOK = 'argocd.argoproj.io/hook';
/** When ArgoCD deletes a hook's objects, e.g. `BeforeHookCreation` (docs/user-guide/resource_hooks.md). */
export const ARGOCD_HOOK_DELETE_POLICY = 'argocd.argoproj.io/hook-delete-policy';
/** The sync wave of an object: lower waves are applied, and healthy, first (docs/user-guide/sync-waves.md). */
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/**
 * The order in which one app's objects are applied. ArgoCD applies lower waves first and waits
 * until every object of a wave is healthy before the next (sync-waves.md): namespaces, then what
 * pods need to start (identities, config, secrets, volumes, network policies), then databases,
 * then migrations, then workloads, then the routes that send them traffic.
 */
export const SYNC_WAVE = {
  /** -4: Namespaces. */
  namespaces: -4,
  /** -3: what pods need to start: ServiceAccounts, RBAC, ConfigMaps, secrets, volumes, NetworkPolicies. */
  prerequisites: -3,
  /** -2: databases and their backup objects. */
  databases: -2,
  /** -1: migration Jobs. */
  migrations: -1,
  /** 0, ArgoCD's default: workloads, and every kind not listed. */
  workloads: 0,
  /** 1: Gateways, routes, Ingresses and traffic policies, once their backends are healthy. */
  routes: 1,
} as const;

const WAVE_BY_KIND: Readonly<Record<string, number>> = {
  Namespace: SYNC_WAVE.namespaces,
  ServiceAccount: SYNC_WAVE.prerequisites,
  Role: SYNC_WAVE.prerequisites,
  RoleBinding: SYNC_WAVE.prerequisites,
  ConfigMap: SYNC_WAVE.prerequisites,
  SealedSecret: SYNC_WAVE.prerequisites,
  ExternalSecret: SYNC_WAVE.prerequisites,
  SecretStore: SYNC_WAVE.prerequisites,
  PersistentVolumeClaim: SYNC_WAVE.prerequisites,
  NetworkPolicy: SYNC_WAVE.prerequisites,
  Cluster: SYNC_WAVE.databases,
  ObjectStore: SYNC_WAVE.databases,
  ScheduledBackup: SYNC_WAVE.databases,
  PodMonitor: SYNC_WAVE.databases,
  Job: SYNC_WAVE.migrations,
  Gateway: SYNC_WAVE.routes,
  HTTPRoute: SYNC_WAVE.routes,
  ReferenceGrant: SYNC_WAVE.routes,
  Ingress: SYNC_WAVE.routes,
  SecurityPolicy: SYNC_WAVE.routes,
  BackendTrafficPolicy: SYNC_WAVE.routes,
};

/** The sync wave of an object of `kind`: workloads (wave 0) unless the kind is listed above. */
export function syncWaveOf(kind: string): number {
  return Object.hasOwn(WAVE_BY_KIND, kind) ? WAVE_BY_KIND[kind] : SYNC_WAVE.workloads;
}

/**
 * The rendered object with the sync-wave annotation of its kind, unless it has one already (an
 * explicit wave, such as a migration hook's, wins). Wave 0 is ArgoCD's default: left implicit.
 */
export function withSyncWave<T extends { readonly kind: string; readonly metadata: object }>(object: T): T {
  const wave = syncWaveOf(object.kind);
  const { annotations, ...rest } = object.metadata as { annotations?: Record<string, string> };
  if (wave === 0 || annotations?.[ARGOCD_SYNC_WAVE] !== undefined) return object;
  // Annotations first, where cdk8s puts them, so every file reads alike.
  return { ...object, metadata: { annotations: { ...annotations, [ARGOCD_SYNC_WAVE]: String(wave) }, ...rest } };
}
