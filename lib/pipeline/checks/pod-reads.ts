import type { KubeObject } from './schema-validation';
import { containersOf, list, objectKeyOf, podTemplatesOf, record, type Json, type ObjectKey } from './objects';
import { KINDS, type GroupKind } from '../../core/kinds';

/**
 * What a pod reads: the one walker of the objects a pod spec names, used by the reference check
 * (`references.ts`), the sync order (`sync-order.ts`), the review's restart notes and the image
 * contract. It is a table, `POD_READ_FIELDS`: which field names what, how the pods consume it
 * and who resolves it, so a new field is one row and every reader sees it.
 *
 * Each read is in the pod's own namespace: none of these fields can name another namespace
 * (core/v1 types.go: SecretKeySelector, SecretVolumeSource, LocalObjectReference...).
 */

/** Who looks the named object up, and so where a missing one shows. */
export type PodReadResolver = 'kubelet' | 'admission' | 'scheduler' | 'controller';

/** How the pods consume what they read. */
export type PodReadUse = 'environment variables' | 'mounted files' | 'volume' | 'image pull credentials' | 'identity';

/** One reference found at a table row's field, relative to the container, volume or pod spec. */
export interface PodReadMatch {
  /** The name of the object read. */
  readonly name: string;
  /** The key read, where the field names one. */
  readonly key?: string;
  /** `optional: true` on the source: the pod starts without it. */
  readonly optional: boolean;
  /** The path below the container, volume or pod spec, e.g. `env[2].valueFrom.secretKeyRef`. */
  readonly path: string;
  /** envFrom: every key becomes a variable, under this prefix ("" for none). */
  readonly envPrefix?: string;
}

/** A row of the table: a field of a pod spec that names another object. */
export interface PodReadField {
  /** The field, as documentation names it: `env[].valueFrom.secretKeyRef`, `volumes[].projected.sources[].secret`. */
  readonly field: string;
  /** Where the field sits: in each container, in each volume, or on the pod spec. */
  readonly scope: 'container' | 'volume' | 'pod';
  /** The kind of the object it names. */
  readonly reads: GroupKind;
  /** How the pods consume it. */
  readonly use: PodReadUse;
  /** Who resolves the name. */
  readonly resolvedBy: PodReadResolver;
  /** What happens when a required one is missing, and the upstream source that says so. */
  readonly whenMissing: string;
  /** The references at this field of one container, volume or pod spec. */
  readonly find: (at: Json) => readonly PodReadMatch[];
}

/** One thing a pod of an object reads. */
export interface PodRead {
  /** The object whose pods read it (a Deployment, a CronJob, a Pod...). */
  readonly object: KubeObject;
  /** The kind read. */
  readonly kind: GroupKind;
  /** The object read: the pod's namespace and the name the field gives. */
  readonly target: ObjectKey;
  /** The key read, where the field names one (env `key`, a volume's `items[].key`). */
  readonly key?: string;
  /** `optional: true` on the source: the pod starts without it. */
  readonly optional: boolean;
  /** The full field path, e.g. `spec.template.spec.volumes[2].projected.sources[0].secret`. */
  readonly path: string;
  /** The containers concerned: those reading it, mounting the volume, or every container for pod-wide reads. */
  readonly containers: readonly string[];
  /** envFrom: every key becomes a variable, under this prefix ("" for none). */
  readonly envPrefix?: string;
  /** The table row that found it. */
  readonly field: PodReadField;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A named source with `items[].key` (Secret and ConfigMap volumes, projected sources): one match per item, or one for the whole object. */
function itemsOf(source: Json, nameField: string, path: string): PodReadMatch[] {
  const name = text(source[nameField]);
  if (name === undefined) return [];
  const optional = source.optional === true;
  const items = list(source.items);
  if (items.length === 0) return [{ name, optional, path }];
  return items.map((item, i) => ({ name, key: String(item.key), optional, path: `${path}.items[${i}]` }));
}

/** `env[].valueFrom.<selector>`: one match per variable. */
function envSelector(selector: 'secretKeyRef' | 'configMapKeyRef') {
  return (container: Json): PodReadMatch[] => list(container.env).flatMap((env, i) => {
    const selected = record(env.valueFrom)[selector];
    if (selected === undefined) return [];
    // A reference without a name is kept (named ""): it names nothing, and the reference check says so.
    const ref = record(selected);
    return [{ name: text(ref.name) ?? '', key: String(ref.key), optional: ref.optional === true, path: `env[${i}].valueFrom.${selector}` }];
  });
}

/** `envFrom[].<ref>`: one match per source. */
function envFromRef(ref: 'secretRef' | 'configMapRef') {
  return (container: Json): PodReadMatch[] => list(container.envFrom).flatMap((from, i) => {
    if (from[ref] === undefined) return [];
    const source = record(from[ref]);
    return [{ name: text(source.name) ?? '', optional: source.optional === true, path: `envFrom[${i}].${ref}`, envPrefix: text(from.prefix) ?? '' }];
  });
}

/** `projected.sources[].<source>`: serviceAccountToken, downwardAPI and clusterTrustBundle name nothing the environment emits. */
function projected(source: 'secret' | 'configMap') {
  return (volume: Json): PodReadMatch[] => list(record(volume.projected).sources)
    .flatMap((s, i) => (s[source] === undefined ? [] : itemsOf(record(s[source]), 'name', `projected.sources[${i}].${source}`)));
}

// The kubelet resolves environment variables when it starts a container; a missing required
// Secret, ConfigMap or key stops that container with CreateContainerConfigError
// (kubernetes pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables).
const ENV_MISSING = 'the container does not start (CreateContainerConfigError; kubernetes pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables)';
// The kubelet mounts every volume of the pod, mounted by a container or not, before any container
// starts; a missing required source fails the mount and the pod stays in ContainerCreating
// (kubernetes pkg/volume/secret/secret.go, pkg/volume/configmap/configmap.go, pkg/volume/projected/projected.go).
const MOUNT_MISSING = 'the volume does not mount and no container of the pod starts (FailedMount; kubernetes pkg/volume/{secret,configmap,projected})';

/**
 * The table of what a pod reads. Order is the order reads are reported in: containers' env and
 * envFrom, then volumes, then the pod-wide fields.
 */
export const POD_READ_FIELDS: readonly PodReadField[] = [
  { field: 'env[].valueFrom.secretKeyRef', scope: 'container', reads: KINDS.Secret, use: 'environment variables', resolvedBy: 'kubelet', whenMissing: ENV_MISSING, find: envSelector('secretKeyRef') },
  { field: 'env[].valueFrom.configMapKeyRef', scope: 'container', reads: KINDS.ConfigMap, use: 'environment variables', resolvedBy: 'kubelet', whenMissing: ENV_MISSING, find: envSelector('configMapKeyRef') },
  { field: 'envFrom[].secretRef', scope: 'container', reads: KINDS.Secret, use: 'environment variables', resolvedBy: 'kubelet', whenMissing: ENV_MISSING, find: envFromRef('secretRef') },
  { field: 'envFrom[].configMapRef', scope: 'container', reads: KINDS.ConfigMap, use: 'environment variables', resolvedBy: 'kubelet', whenMissing: ENV_MISSING, find: envFromRef('configMapRef') },
  { field: 'volumes[].secret', scope: 'volume', reads: KINDS.Secret, use: 'mounted files', resolvedBy: 'kubelet', whenMissing: MOUNT_MISSING, find: (v) => (v.secret === undefined ? [] : itemsOf(record(v.secret), 'secretName', 'secret')) },
  { field: 'volumes[].configMap', scope: 'volume', reads: KINDS.ConfigMap, use: 'mounted files', resolvedBy: 'kubelet', whenMissing: MOUNT_MISSING, find: (v) => (v.configMap === undefined ? [] : itemsOf(record(v.configMap), 'name', 'configMap')) },
  { field: 'volumes[].projected.sources[].secret', scope: 'volume', reads: KINDS.Secret, use: 'mounted files', resolvedBy: 'kubelet', whenMissing: MOUNT_MISSING, find: projected('secret') },
  { field: 'volumes[].projected.sources[].configMap', scope: 'volume', reads: KINDS.ConfigMap, use: 'mounted files', resolvedBy: 'kubelet', whenMissing: MOUNT_MISSING, find: projected('configMap') },
  {
    field: 'volumes[].persistentVolumeClaim', scope: 'volume', reads: KINDS.PersistentVolumeClaim, use: 'volume', resolvedBy: 'scheduler',
    whenMissing: 'the pod is not scheduled: it stays Pending on `persistentvolumeclaim not found` (kubernetes pkg/scheduler/framework/plugins/volumebinding)',
    find: (v) => {
      const name = text(record(v.persistentVolumeClaim).claimName);
      return name === undefined ? [] : [{ name, optional: false, path: 'persistentVolumeClaim' }];
    },
  },
  {
    // A generic ephemeral volume names no existing claim: the ephemeral volume controller creates
    // `<pod>-<volume>` from the template (kubernetes pkg/controller/volume/ephemeral). What it
    // names is the StorageClass the claim is provisioned from; without one, the cluster's default.
    field: 'volumes[].ephemeral.volumeClaimTemplate.spec.storageClassName', scope: 'volume', reads: KINDS.StorageClass, use: 'volume', resolvedBy: 'controller',
    whenMissing: 'the claim is not provisioned and the pod stays Pending (kubernetes pkg/controller/volume/persistentvolume)',
    find: (v) => {
      const name = text(record(record(record(v.ephemeral).volumeClaimTemplate).spec).storageClassName);
      return name === undefined ? [] : [{ name, optional: false, path: 'ephemeral.volumeClaimTemplate.spec.storageClassName' }];
    },
  },
  {
    field: 'imagePullSecrets[]', scope: 'pod', reads: KINDS.Secret, use: 'image pull credentials', resolvedBy: 'kubelet',
    whenMissing: 'the kubelet pulls without it ("Unable to retrieve pull secret, the image pull may not succeed", kubernetes pkg/kubelet/kubelet_pods.go, getPullSecretsForPod): a private image fails with ImagePullBackOff',
    find: (spec) => list(spec.imagePullSecrets).flatMap((ref, i) => {
      const name = text(ref.name);
      return name === undefined ? [] : [{ name, optional: false, path: `imagePullSecrets[${i}]` }];
    }),
  },
  {
    // serviceAccount is the deprecated alias; serviceAccountName wins when both are set (core/v1 PodSpec).
    field: 'serviceAccountName', scope: 'pod', reads: KINDS.ServiceAccount, use: 'identity', resolvedBy: 'admission',
    whenMissing: 'the ServiceAccount admission plugin refuses the pod ("error looking up service account"; kubernetes plugin/pkg/admission/serviceaccount/admission.go), so its controller creates none (FailedCreate)',
    find: (spec) => {
      const name = text(spec.serviceAccountName) ?? text(spec.serviceAccount);
      return name === undefined ? [] : [{ name, optional: false, path: text(spec.serviceAccountName) ? 'serviceAccountName' : 'serviceAccount' }];
    },
  },
];

/**
 * Everything the pods of `object` read, for any kind of POD_TEMPLATE_KINDS (none for other kinds),
 * in the order of the table, containers first (init, regular, ephemeral), then volumes, then the
 * pod-wide fields.
 */
export function podReadsOf(object: KubeObject, fields: readonly PodReadField[] = POD_READ_FIELDS): readonly PodRead[] {
  if (fields !== POD_READ_FIELDS) return readsOf(object, fields);
  let reads = READS.get(object);
  if (reads === undefined) READS.set(object, (reads = readsOf(object, fields)));
  return reads;
}

/**
 * podReadsOf's answer with the whole table, by object: the reference check, the sync order, the
 * image contracts and the environment picture all ask it of the same rendered objects, which
 * nothing changes once rendered (a policy exception's annotation makes a new object).
 */
const READS = new WeakMap<KubeObject, readonly PodRead[]>();

function readsOf(object: KubeObject, fields: readonly PodReadField[]): PodRead[] {
  const namespace = objectKeyOf(object).namespace;
  const reads: PodRead[] = [];
  const push = (field: PodReadField, match: PodReadMatch, path: string, containers: readonly string[]) => reads.push({
    object,
    kind: field.reads,
    target: { namespace, name: match.name },
    ...(match.key === undefined ? {} : { key: match.key }),
    optional: match.optional,
    path,
    containers,
    ...(match.envPrefix === undefined ? {} : { envPrefix: match.envPrefix }),
    field,
  });
  for (const template of podTemplatesOf(object)) {
    const containers = containersOf(template.spec);
    for (const field of fields.filter((f) => f.scope === 'container')) {
      for (const c of containers) {
        for (const match of field.find(c.container)) push(field, match, `${template.path}.${c.field}[${c.index}].${match.path}`, [c.name]);
      }
    }
    const volumes = list(template.spec.volumes);
    for (const field of fields.filter((f) => f.scope === 'volume')) {
      volumes.forEach((volume, i) => {
        const mounting = containers.filter((c) => list(c.container.volumeMounts).some((m) => m.name === volume.name)).map((c) => c.name);
        for (const match of field.find(volume)) push(field, match, `${template.path}.volumes[${i}].${match.path}`, mounting);
      });
    }
    for (const field of fields.filter((f) => f.scope === 'pod')) {
      for (const match of field.find(template.spec)) push(field, match, `${template.path}.${match.path}`, containers.map((c) => c.name));
    }
  }
  return reads;
}
