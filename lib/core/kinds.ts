/**
 * Kind identity, one encoding for the whole library: an object's kind is its API group and kind
 * (the version does not matter to any rule: the API server converts between versions of one
 * group/kind). Rules, the reference model, the diff and the environment picture name the kinds
 * they apply to through the named groups below, as kube-linter's checks name `DeploymentLike`
 * (stackrox/kube-linter pkg/objectkinds).
 */

/** A kind of an API group; `group` is "" for the core group (`apiVersion: v1`). */
export interface GroupKind {
  /** The API group: "" for the core group, `apps`, `postgresql.cnpg.io`, ... */
  readonly group: string;
  /** The kind within the group: `Deployment`, `Cluster`, ... */
  readonly kind: string;
}

/** Anything with an apiVersion and a kind: a rendered manifest, an object reference. */
export interface Typed {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
}

/** The API group of an apiVersion: "" for the core group (`v1`), else what stands before the "/". */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** The version of an apiVersion: `v1` for `apps/v1` and for `v1`. */
export function apiVersionOnly(apiVersion: string): string {
  return apiVersion.slice(apiVersion.indexOf('/') + 1);
}

/** The group/kind of an object (empty strings where it has no apiVersion or kind). */
export function groupKindOf(object: Typed): GroupKind {
  return {
    group: apiGroupOf(typeof object.apiVersion === 'string' ? object.apiVersion : ''),
    kind: typeof object.kind === 'string' ? object.kind : '',
  };
}

/** A group/kind as one string, for map keys and messages: `apps/Deployment`, `Secret` (core). */
export function groupKindKey(gk: GroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.group}/${gk.kind}`;
}

/** Whether two group/kinds are the same kind. */
export function sameGroupKind(a: GroupKind, b: GroupKind): boolean {
  return a.group === b.group && a.kind === b.kind;
}

/** Whether `object` is of `gk` (any version). */
export function isGroupKind(object: Typed, gk: GroupKind): boolean {
  return object.kind === gk.kind && apiGroupOf(typeof object.apiVersion === 'string' ? object.apiVersion : '') === gk.group;
}

/** Whether two group/kinds are the same kind. */
export function isSameKind(a: GroupKind, b: GroupKind): boolean {
  return a.group === b.group && a.kind === b.kind;
}

const gk = (group: string, kind: string): GroupKind => Object.freeze({ group, kind });

/** The kinds the library's rules and constructs name, each once. */
export const KINDS = {
  Pod: gk('', 'Pod'),
  PodTemplate: gk('', 'PodTemplate'),
  ReplicationController: gk('', 'ReplicationController'),
  Service: gk('', 'Service'),
  ServiceAccount: gk('', 'ServiceAccount'),
  Secret: gk('', 'Secret'),
  ConfigMap: gk('', 'ConfigMap'),
  Namespace: gk('', 'Namespace'),
  PersistentVolumeClaim: gk('', 'PersistentVolumeClaim'),
  PersistentVolume: gk('', 'PersistentVolume'),
  StorageClass: gk('storage.k8s.io', 'StorageClass'),
  PriorityClass: gk('scheduling.k8s.io', 'PriorityClass'),
  Deployment: gk('apps', 'Deployment'),
  StatefulSet: gk('apps', 'StatefulSet'),
  DaemonSet: gk('apps', 'DaemonSet'),
  ReplicaSet: gk('apps', 'ReplicaSet'),
  Job: gk('batch', 'Job'),
  CronJob: gk('batch', 'CronJob'),
  HorizontalPodAutoscaler: gk('autoscaling', 'HorizontalPodAutoscaler'),
  PodDisruptionBudget: gk('policy', 'PodDisruptionBudget'),
  NetworkPolicy: gk('networking.k8s.io', 'NetworkPolicy'),
  Ingress: gk('networking.k8s.io', 'Ingress'),
  Role: gk('rbac.authorization.k8s.io', 'Role'),
  ClusterRole: gk('rbac.authorization.k8s.io', 'ClusterRole'),
  RoleBinding: gk('rbac.authorization.k8s.io', 'RoleBinding'),
  ClusterRoleBinding: gk('rbac.authorization.k8s.io', 'ClusterRoleBinding'),
  Gateway: gk('gateway.networking.k8s.io', 'Gateway'),
  HTTPRoute: gk('gateway.networking.k8s.io', 'HTTPRoute'),
  ReferenceGrant: gk('gateway.networking.k8s.io', 'ReferenceGrant'),
  CnpgCluster: gk('postgresql.cnpg.io', 'Cluster'),
  CnpgScheduledBackup: gk('postgresql.cnpg.io', 'ScheduledBackup'),
  CnpgDatabase: gk('postgresql.cnpg.io', 'Database'),
  ImageCatalog: gk('postgresql.cnpg.io', 'ImageCatalog'),
  ClusterImageCatalog: gk('postgresql.cnpg.io', 'ClusterImageCatalog'),
  BarmanObjectStore: gk('barmancloud.cnpg.io', 'ObjectStore'),
  ExternalSecret: gk('external-secrets.io', 'ExternalSecret'),
  SecretStore: gk('external-secrets.io', 'SecretStore'),
  ClusterSecretStore: gk('external-secrets.io', 'ClusterSecretStore'),
  Certificate: gk('cert-manager.io', 'Certificate'),
  Issuer: gk('cert-manager.io', 'Issuer'),
  ClusterIssuer: gk('cert-manager.io', 'ClusterIssuer'),
  SealedSecret: gk('bitnami.com', 'SealedSecret'),
  PodMonitor: gk('monitoring.coreos.com', 'PodMonitor'),
  ServiceMonitor: gk('monitoring.coreos.com', 'ServiceMonitor'),
  PrometheusRule: gk('monitoring.coreos.com', 'PrometheusRule'),
  ArgoApplication: gk('argoproj.io', 'Application'),
  ArgoAppProject: gk('argoproj.io', 'AppProject'),
  FluxGitRepository: gk('source.toolkit.fluxcd.io', 'GitRepository'),
  FluxKustomization: gk('kustomize.toolkit.fluxcd.io', 'Kustomization'),
} as const;

/** A named set of kinds a rule or a reader applies to. */
export class KindGroup {
  /**
   * The group of every kind, whatever its API group (kube-linter's `Any`): for rules that read
   * every object, such as a search for secret-looking strings.
   */
  static any(name: string, description: string): KindGroup {
    return new KindGroup(name, description, [], true);
  }

  private readonly keys: ReadonlySet<string>;

  /**
   * @param name the group's name in docs and messages (e.g. `pod-template`)
   * @param description what the members have in common, one sentence
   * @param members the kinds in the group
   * @param everyKind the group holds every kind (`KindGroup.any`); `members` is then empty
   */
  constructor(readonly name: string, readonly description: string, readonly members: readonly GroupKind[], readonly everyKind = false) {
    this.keys = new Set(members.map(groupKindKey));
  }

  /** Whether `object` is of one of the group's kinds. */
  has(object: Typed): boolean {
    return this.everyKind || this.keys.has(groupKindKey(groupKindOf(object)));
  }

  /** The members as `group/Kind` keys, for docs. */
  get memberKeys(): string[] {
    return this.members.map(groupKindKey);
  }
}

/**
 * The kinds something applies to (a rule's scope): named groups and single kinds. A scope lists a
 * single kind where no named group means what the rule means.
 */
export type KindScope = ReadonlyArray<KindGroup | GroupKind>;

/** Whether `object` is of a kind in `scope`. */
export function inScope(object: Typed, scope: KindScope): boolean {
  return scope.some((entry) => (entry instanceof KindGroup ? entry.has(object) : isGroupKind(object, entry)));
}

/** How a scope entry is named in docs and messages: the group's name, or `group/Kind`. */
export function scopeEntryName(entry: KindGroup | GroupKind): string {
  return entry instanceof KindGroup ? entry.name : groupKindKey(entry);
}

/** Kinds that carry a pod spec: a Pod's own, a controller's or Job's template, a CronJob's job template's, a PodTemplate's. */
export const POD_TEMPLATE_KINDS = new KindGroup('pod-template', 'objects that carry a pod spec, whose pods the cluster runs', [
  KINDS.Pod, KINDS.PodTemplate, KINDS.Deployment, KINDS.StatefulSet, KINDS.DaemonSet, KINDS.ReplicaSet,
  KINDS.ReplicationController, KINDS.Job, KINDS.CronJob,
]);

/** Controllers that keep a number of pods running (`spec.replicas`, the scale subresource). */
export const REPLICATED_KINDS = new KindGroup('replicated', 'controllers that keep spec.replicas pods running', [
  KINDS.Deployment, KINDS.StatefulSet, KINDS.ReplicaSet, KINDS.ReplicationController,
]);

/** Controllers whose pods run until stopped: the replicated kinds and DaemonSets. */
export const LONG_RUNNING_KINDS = new KindGroup('long-running', 'controllers whose pods run until stopped (they need probes and stable selectors)', [
  ...REPLICATED_KINDS.members, KINDS.DaemonSet,
]);

/** Controllers that replace their pods when the pod template changes (a rollout). */
export const ROLLING_KINDS = new KindGroup('rolling', 'controllers that roll their pods out again when the pod template changes', [
  KINDS.Deployment, KINDS.StatefulSet, KINDS.DaemonSet,
]);

/**
 * Controllers whose `spec.selector` is immutable (apps/v1 validation: "field is immutable"; a
 * Job's too, kubernetes pkg/apis/batch/validation `ValidateJobSpecUpdate`): a changed selector
 * fails the sync. A CronJob has none: the API server generates each Job's (`ValidateJobTemplateSpec`).
 */
export const IMMUTABLE_SELECTOR_KINDS = new KindGroup('immutable-selector', 'controllers whose spec.selector cannot change after creation', [
  KINDS.Deployment, KINDS.StatefulSet, KINDS.DaemonSet, KINDS.ReplicaSet, KINDS.Job,
]);

/** Every kind: what a rule that reads every object applies to. */
export const ANY_KIND = KindGroup.any('any', 'every object, whatever its kind and API group');

/** Pods that run to completion. */
export const RUN_TO_COMPLETION_KINDS = new KindGroup('run-to-completion', 'Jobs and CronJobs: pods that run to completion', [KINDS.Job, KINDS.CronJob]);

/**
 * Objects that name container images: the containers of pod templates, a CloudNativePG Cluster's
 * `spec.imageName`, the images of an image catalog (cloudnative-pg api/v1 cluster_types.go
 * `ImageName`, imagecatalog_types.go `CatalogImage.Image`).
 */
export const IMAGE_REFERENCING_KINDS = new KindGroup('image-referencing', 'objects that name container images: pod templates, CloudNativePG Clusters and image catalogs', [
  ...POD_TEMPLATE_KINDS.members, KINDS.CnpgCluster, KINDS.ImageCatalog, KINDS.ClusterImageCatalog,
]);

/**
 * Objects that carry a PersistentVolumeClaim spec: a claim, and a StatefulSet's
 * `volumeClaimTemplates` (kubernetes pkg/apis/apps/types.go), whose claims the controller creates.
 */
export const VOLUME_CLAIM_KINDS = new KindGroup('volume-claim', 'objects that carry a PersistentVolumeClaim spec: claims and StatefulSets (their claim templates)', [
  KINDS.PersistentVolumeClaim, KINDS.StatefulSet,
]);

/**
 * Kinds whose deletion deletes data or stops what protects it, with what a deletion loses. The
 * sync protection (`stateful-protected`) and the review's removal risks read this one table.
 */
export const DATA_LOSS_ON_DELETE: ReadonlyArray<{ readonly kind: GroupKind; readonly loses: string }> = [
  // Dynamically provisioned volumes inherit the StorageClass reclaim policy, which defaults to
  // Delete: https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming
  { kind: KINDS.PersistentVolumeClaim, loses: 'deleting a claim deletes its volume and data unless the StorageClass reclaim policy is Retain' },
  { kind: KINDS.PersistentVolume, loses: 'deleting a PersistentVolume with reclaim policy Delete deletes the storage behind it' },
  // https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
  { kind: KINDS.Namespace, loses: 'deleting a Namespace deletes every object in it, its PersistentVolumeClaims included' },
  // Claims are named <template>-<statefulset>-<ordinal> and kept by default:
  // https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage
  { kind: KINDS.StatefulSet, loses: 'deleting a StatefulSet stops its pods; its claims are named after it, so a StatefulSet under another name or in another namespace starts on new, empty volumes' },
  // The operator owns the Cluster's PVCs; deleting the Cluster garbage-collects them
  // (cloudnative-pg docs/src/storage.md).
  { kind: KINDS.CnpgCluster, loses: 'deleting a Cluster deletes its PersistentVolumeClaims, that is the database' },
  { kind: KINDS.CnpgScheduledBackup, loses: 'deleting it stops the backups it schedules' },
  { kind: KINDS.BarmanObjectStore, loses: 'deleting it stops WAL archiving and backups of every Cluster that uses it, and recovery from it' },
];

/** The kinds of DATA_LOSS_ON_DELETE. */
export const STATEFUL_KINDS = new KindGroup('stateful', 'objects whose deletion deletes data or stops backups', DATA_LOSS_ON_DELETE.map((e) => e.kind));

/** What deleting an object of `object`'s kind loses, or undefined when it holds no data. */
export function dataLostOnDelete(object: Typed): string | undefined {
  const key = groupKindKey(groupKindOf(object));
  return DATA_LOSS_ON_DELETE.find((e) => groupKindKey(e.kind) === key)?.loses;
}

/**
 * Kinds that live in no namespace (their objects have no metadata.namespace): two objects of one
 * of these kinds and one name are the same object, whatever app emits them (kubernetes
 * `kubectl api-resources --namespaced=false`; the operators' CRDs, scope: Cluster).
 */
export const CLUSTER_SCOPED_KINDS = new KindGroup('cluster-scoped', 'kinds whose objects live in no namespace', [
  KINDS.Namespace, KINDS.PersistentVolume, KINDS.StorageClass, KINDS.PriorityClass, KINDS.ClusterRole, KINDS.ClusterRoleBinding,
  KINDS.ClusterImageCatalog, KINDS.ClusterSecretStore, KINDS.ClusterIssuer,
]);

/** Kinds whose names are DNS labels: a Namespace (ValidateNamespaceName = NameIsDNSLabel, k8s.io/apimachinery pkg/api/validation/generic.go). */
export const DNS_LABEL_NAME_KINDS = new KindGroup('dns-label-name', 'kinds whose names must be DNS labels (RFC 1123, at most 63 characters)', [KINDS.Namespace]);

/** Kinds whose names are RFC 1035 labels: a Service (ValidateServiceName = NameIsDNS1035Label, kubernetes pkg/apis/core/validation/validation.go). */
export const DNS1035_NAME_KINDS = new KindGroup('dns1035-name', 'kinds whose names must be RFC 1035 labels (starting with a letter, at most 63 characters)', [KINDS.Service]);

/** Kinds whose names are path segments: RBAC roles and bindings (ValidateRBACName = path.IsValidPathSegmentName, kubernetes pkg/apis/rbac/validation/validation.go). */
export const PATH_SEGMENT_NAME_KINDS = new KindGroup('path-segment-name', 'kinds whose names may be any path segment (no "/" or "%", not "." or "..")', [
  KINDS.Role, KINDS.ClusterRole, KINDS.RoleBinding, KINDS.ClusterRoleBinding,
]);

/**
 * The name format the API server holds an object of `object`'s kind to: the groups above, and a
 * DNS subdomain for every other kind, built-in (ValidatePodName, ValidateSecretName, ... =
 * NameIsDNSSubdomain) or custom (apiextensions-apiserver pkg/registry/customresource/validator.go
 * validates custom resources' names with NameIsDNSSubdomain).
 */
export function nameFormatOf(object: Typed): 'dns-label' | 'dns1035-label' | 'path-segment' | 'dns-subdomain' {
  if (DNS_LABEL_NAME_KINDS.has(object)) return 'dns-label';
  if (DNS1035_NAME_KINDS.has(object)) return 'dns1035-label';
  if (PATH_SEGMENT_NAME_KINDS.has(object)) return 'path-segment';
  return 'dns-subdomain';
}

/** Every named group, for docs generated from the registry. */
export const KIND_GROUPS: readonly KindGroup[] = [
  ANY_KIND, POD_TEMPLATE_KINDS, REPLICATED_KINDS, LONG_RUNNING_KINDS, ROLLING_KINDS, IMMUTABLE_SELECTOR_KINDS, RUN_TO_COMPLETION_KINDS,
  IMAGE_REFERENCING_KINDS, VOLUME_CLAIM_KINDS, STATEFUL_KINDS, CLUSTER_SCOPED_KINDS,
  DNS_LABEL_NAME_KINDS, DNS1035_NAME_KINDS, PATH_SEGMENT_NAME_KINDS,
];
