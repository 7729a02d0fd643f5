import { parseAllDocuments } from 'yaml';
import { apiGroupOf, dataLostOnDelete, groupKindKey, groupKindOf, isGroupKind, KINDS, type GroupKind } from '../../core/kinds';
import { ARGOCD_SYNC_OPTIONS } from '../../core/argocd-sync';
import { FLUX_PRUNE, FLUX_PRUNE_DISABLED } from '../../core/delivery';
import { UserError, type Problem } from '../../core/errors';
import type { FileTree } from '../engine/output';
import { compareQuantities, parseExactQuantity } from '../../core/quantity';
import { type Segment, formatPath, asArray, getIn, deleteIn, diffValues, type FieldChange } from './value-diff';
import { isRecord } from '../../core/manifest';

export { diffValues, type FieldChange } from './value-diff';

// Compares two generated trees (the committed dist/ and a fresh synth) object by object and
// flags the changes a sync cannot apply or that lose data. Pure: trees in, a report out; the
// CLI (diff-cli.ts) reads the trees and prints the report.

/** Who an object is and where it was generated. */
export interface ObjectRef {
  /** First directory of the tree: `dist/<environment>/<app>/<file>`. */
  readonly environment: string;
  /** Second directory of the tree (empty for a file that is not in an app directory). */
  readonly app: string;
  /** The file, relative to the tree's root. */
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

/** One parsed object of a tree. */
export interface Manifest {
  readonly ref: ObjectRef;
  readonly object: Readonly<Record<string, unknown>>;
}


/**
 * What happened to one object. Objects are identified by environment, API group, kind,
 * namespace and name; the API version is not part of the identity, so `v1beta1` → `v1` is a
 * change of the `apiVersion` field. `moved`: same environment, group, kind and name, another
 * namespace; `fields` then lists the changes besides `metadata.namespace`.
 */
export type ObjectChange =
  | { readonly type: 'added'; readonly after: ObjectRef }
  | { readonly type: 'removed'; readonly before: ObjectRef }
  | { readonly type: 'changed'; readonly before: ObjectRef; readonly after: ObjectRef; readonly fields: readonly FieldChange[] }
  | { readonly type: 'moved'; readonly before: ObjectRef; readonly after: ObjectRef; readonly fields: readonly FieldChange[] };

/** The kinds of risk a change can carry; see docs/reviewing-changes.md. */
export type RiskRule = 'immutable-field' | 'volume-shrink' | 'stateful-removal' | 'likely-rename' | 'namespace-move';

/**
 * The two classes of risk. `sync-fails`: the API server or an operator's webhook will refuse the
 * change, so the sync fails whatever a reviewer says; it cannot be accepted, only fixed.
 * `data-or-availability`: the sync succeeds and loses data or availability (a removal, a rename, a
 * move); a reviewer who has handled the consequences may accept it.
 */
export type RiskClass = 'sync-fails' | 'data-or-availability';

/** The class of each risk rule (docs/reviewing-changes.md). */
export const RISK_CLASS: Readonly<Record<RiskRule, RiskClass>> = {
  // The API server refuses updates of immutable fields ("field is immutable"), and the
  // CloudNativePG webhook refuses its own (validateClusterChanges): the sync fails.
  'immutable-field': 'sync-fails',
  // ValidatePersistentVolumeClaimUpdate refuses a smaller request.
  'volume-shrink': 'sync-fails',
  'stateful-removal': 'data-or-availability',
  'likely-rename': 'data-or-availability',
  'namespace-move': 'data-or-availability',
};

/** A change a sync cannot apply, or that loses data. */
export interface Risk {
  readonly rule: RiskRule;
  /** The object at risk: the existing one (`before`) for removals, renames and moves. */
  readonly object: ObjectRef;
  /** What goes wrong, in one sentence. */
  readonly message: string;
  /** The fields that carry the risk (empty for removals, renames and moves). */
  readonly fields: readonly FieldChange[];
  /** How to get the intended result safely. */
  readonly hint: string;
  /** Where the rule comes from (API docs, upstream source). */
  readonly source: string;
}

/** Everything that differs between two trees, and what of it is risky. */
export interface ManifestDiff {
  /** Sorted by environment, app, kind, namespace and name. */
  readonly changes: readonly ObjectChange[];
  readonly risks: readonly Risk[];
}

/** Options for `diffManifestTrees`. */
export interface DiffTreesOptions {
  /** How to name the trees' roots in parse errors. @default "before" and "after" */
  readonly beforeDisplay?: string;
  readonly afterDisplay?: string;
}

/** Parses both trees (see `parseManifestTree`) and diffs them (see `diffManifests`). */
export function diffManifestTrees(before: FileTree, after: FileTree, options: DiffTreesOptions = {}): ManifestDiff {
  const parsed = parseManifestTrees(before, after, options);
  return diffManifests(parsed.before, parsed.after);
}

/** Parses both trees (see `parseManifestTree`), reporting the problems of both in one UserError. */
export function parseManifestTrees(before: FileTree, after: FileTree, options: DiffTreesOptions = {}): { readonly before: Manifest[]; readonly after: Manifest[] } {
  const problems: Problem[] = [];
  const parse = (tree: FileTree, display: string): Manifest[] => {
    try {
      return parseManifestTree(tree, display);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(...error.problems);
      return [];
    }
  };
  const old = parse(before, options.beforeDisplay ?? 'before');
  const next = parse(after, options.afterDisplay ?? 'after');
  if (problems.length > 0) throw new UserError(problems);
  return { before: old, after: next };
}

/**
 * The objects of a generated tree (`<environment>/<app>/<file>.yaml`). `kustomization.yaml` and
 * files that are not YAML (a README) are skipped; a file may hold several documents. Throws a
 * UserError naming every file that is not valid YAML or holds something that is not a
 * Kubernetes object; `display` names the tree's root in those messages (e.g. "dist").
 */
export function parseManifestTree(tree: FileTree, display: string): Manifest[] {
  const manifests: Manifest[] = [];
  const problems: Problem[] = [];
  for (const file of [...tree.keys()].sort()) {
    const segments = file.split('/');
    const base = segments[segments.length - 1];
    if (base === 'kustomization.yaml' || !/\.ya?ml$/.test(base)) continue;
    const where = `${display}/${file}`;
    const fix = `regenerate it with \`npm run synth\`, or restore it with \`git checkout -- ${display}/${file}\``;
    for (const document of parseAllDocuments(tree.get(file)!)) {
      if (document.errors.length > 0) {
        const error = document.errors[0];
        const line = error.linePos?.[0].line;
        problems.push({ where: line ? `${where}:${line}` : where, message: `is not valid YAML: ${error.message.split('\n')[0]}`, hint: fix });
        break;
      }
      const value: unknown = document.toJS();
      if (value === null || value === undefined) continue;
      const ref = isRecord(value) ? refOf(value, file, segments) : undefined;
      if (!ref) {
        problems.push({ where, message: 'holds a document that is not a Kubernetes object', allowed: 'a mapping with apiVersion, kind and metadata.name', hint: fix });
        continue;
      }
      manifests.push({ ref, object: value as Record<string, unknown> });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return manifests;
}

/**
 * Pairs the objects of two trees and reports what changed and what of it is risky:
 * immutable fields, shrinking volumes, removed or renamed stateful objects, namespace moves.
 */
export function diffManifests(before: readonly Manifest[], after: readonly Manifest[]): ManifestDiff {
  const old = indexByIdentity(before);
  const next = indexByIdentity(after);
  const changes: ObjectChange[] = [];
  const risks: Risk[] = [];

  for (const [key, b] of old) {
    const a = next.get(key);
    if (!a) continue;
    const fields = diffValues(b.object, a.object);
    if (fields.length > 0 || b.ref.app !== a.ref.app) changes.push({ type: 'changed', before: b.ref, after: a.ref, fields });
    risks.push(...fieldRisks(b, a));
  }

  const removed = [...old].filter(([key]) => !next.has(key)).map(([, m]) => m);
  const added = [...next].filter(([key]) => !old.has(key)).map(([, m]) => m);

  // A namespaced object that disappears from one namespace and appears, same kind and name, in
  // another of the same environment is one object moving, not two unrelated changes.
  const moved = new Set<Manifest>();
  for (const b of removed) {
    if (b.ref.namespace === undefined) continue;
    const a = added.find((m) => !moved.has(m) && sameKind(m.ref, b.ref) && m.ref.environment === b.ref.environment && m.ref.name === b.ref.name && m.ref.namespace !== undefined);
    if (!a) continue;
    moved.add(a).add(b);
    const fields = diffValues(withoutNamespace(b.object), withoutNamespace(a.object));
    changes.push({ type: 'moved', before: b.ref, after: a.ref, fields });
    risks.push(moveRisk(b, a));
  }

  const stillAdded = added.filter((m) => !moved.has(m));
  for (const a of stillAdded) changes.push({ type: 'added', after: a.ref });
  for (const b of removed.filter((m) => !moved.has(m))) {
    changes.push({ type: 'removed', before: b.ref });
    const risk = removalRisk(b, stillAdded);
    if (risk) risks.push(risk);
  }

  changes.sort((x, y) => compareRefs(refOfChange(x), refOfChange(y)));
  risks.sort((x, y) => compareRefs(x.object, y.object));
  return { changes, risks };
}

/** The location an ObjectChange is listed under: where the object is after the change, if anywhere. */
export function refOfChange(change: ObjectChange): ObjectRef {
  return change.type === 'removed' ? change.before : change.after;
}

/**
 * The name a risk is accepted by (`npm run diff -- --accept <id>`, or a `Risk-Accepted: <id>`
 * commit trailer): `<rule>:<environment>/<Kind>[.<group>]/[<namespace>/]<name>`, e.g.
 * `volume-shrink:prod/PersistentVolumeClaim/hello/hello-data` or
 * `stateful-removal:prod/Cluster.postgresql.cnpg.io/hello/hello-db`. It names the rule and the
 * object, so accepting one risk accepts no other: not another rule on the same object, not the
 * same rule on another object or in another environment.
 */
export function riskId(risk: Pick<Risk, 'rule' | 'object'>): string {
  return `${risk.rule}:${risk.object.environment}/${objectPath(risk.object)}`;
}

/** `Kind[.group]/[namespace/]name`, as kubectl names a resource type (`Cluster.postgresql.cnpg.io`). */
export function objectPath(ref: Pick<ObjectRef, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = apiGroupOf(ref.apiVersion);
  return `${ref.kind}${group ? `.${group}` : ''}/${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}

/** `<group>/<kind>` of an object, with an empty group for the core API (`/PersistentVolumeClaim`). */
export function groupKind(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): string {
  return groupKindKey(groupKindOf(ref));
}

// ---------------------------------------------------------------------------------------------
// Immutable fields. Each rule cites the API documentation or the validation code that rejects
// the update; the versions are the ones this repo pins (README: Kubernetes 1.28, CNPG 1.30).

interface ImmutabilityRule {
  /** The kind the rule holds for. */
  readonly kind: GroupKind;
  /** Fields that cannot change once the object exists... */
  readonly fields?: readonly (readonly string[])[];
  /** ...or: `spec` cannot change except for these fields (relative to `spec`). */
  readonly specExcept?: readonly (readonly string[])[];
  /** Changes that the API server accepts although they touch `fields`. */
  readonly allows?: (change: FieldChange, before: Manifest, after: Manifest) => boolean;
  readonly hint: string;
  readonly source: string;
}

const IMMUTABILITY_RULES: readonly ImmutabilityRule[] = [
  {
    kind: KINDS.Deployment,
    // "In API version apps/v1, a Deployment's label selector is immutable after it gets created."
    fields: [['spec', 'selector']],
    hint: 'keep the old selector; if it must change, delete the Deployment and let the sync recreate it (its pods restart)',
    source: 'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates',
  },
  {
    kind: KINDS.DaemonSet,
    // "Once a DaemonSet is created, its .spec.selector can not be mutated."
    fields: [['spec', 'selector']],
    hint: 'keep the old selector; if it must change, delete the DaemonSet and let the sync recreate it',
    source: 'https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#pod-selector',
  },
  {
    kind: KINDS.StatefulSet,
    // Kubernetes 1.28 ValidateStatefulSetUpdate: "updates to statefulset spec for fields other
    // than 'replicas', 'ordinals', 'template', 'updateStrategy',
    // 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden". That covers
    // selector, serviceName, volumeClaimTemplates and podManagementPolicy.
    specExcept: [['replicas'], ['ordinals'], ['template'], ['updateStrategy'], ['persistentVolumeClaimRetentionPolicy'], ['minReadySeconds']],
    hint: 'keep the old values; if they must change, delete the StatefulSet with `kubectl delete statefulset <name> --cascade=orphan` (pods and claims stay) and let the sync recreate it; new volumeClaimTemplates only reach claims created afterwards',
    source: 'https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ and ValidateStatefulSetUpdate in kubernetes/kubernetes pkg/apis/apps/validation/validation.go (v1.28)',
  },
  {
    kind: KINDS.PersistentVolumeClaim,
    // Kubernetes 1.28 ValidatePersistentVolumeClaimUpdate: "spec is immutable after creation
    // except resources.requests for bound claims" (storageClassName, accessModes, volumeName,
    // volumeMode, selector, dataSource). Shrinking resources.requests is the volume-shrink rule.
    specExcept: [['resources', 'requests']],
    hint: 'keep the old value; another class, access mode or volume needs a new claim (a new name) and a copy of the data',
    source: 'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims and ValidatePersistentVolumeClaimUpdate in kubernetes/kubernetes pkg/apis/core/validation/validation.go (v1.28)',
  },
  {
    kind: KINDS.Service,
    // ServiceSpec.clusterIP(s): "This field may not be changed through updates unless the type
    // field is also changed to ExternalName (which requires this field to be blank) or the type
    // field is being changed from ExternalName". Dropping the field is accepted: the API server
    // keeps the allocated address when an update leaves it empty.
    fields: [['spec', 'clusterIP'], ['spec', 'clusterIPs']],
    allows: (change, before, after) => change.after === undefined || isExternalName(before) !== isExternalName(after),
    hint: 'leave clusterIP unset (the cluster keeps the address it assigned) or unchanged; a new address means deleting and recreating the Service, and clients holding the old one break',
    source: 'https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec',
  },
  {
    kind: KINDS.Job,
    // Kubernetes 1.28 ValidateJobSpecUpdate: selector, template and completionMode are
    // immutable (only the scheduling directives of a suspended Job that never ran may change).
    fields: [['spec', 'selector'], ['spec', 'template'], ['spec', 'completionMode']],
    hint: 'give the Job a new name so the sync creates a new one, or delete the finished Job before the sync',
    source: 'https://kubernetes.io/docs/concepts/workloads/controllers/job/#mutable-scheduling-directives and ValidateJobSpecUpdate in kubernetes/kubernetes pkg/apis/batch/validation/validation.go (v1.28)',
  },
];

const CNPG_WEBHOOK = 'CloudNativePG webhook, validateClusterChanges in cloudnative-pg/cloudnative-pg internal/webhook/v1/cluster_webhook.go (v1.30)';
const PVC_SHRINK = 'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims and ValidatePersistentVolumeClaimUpdate ("field can not be less than previous value")';

function fieldRisks(before: Manifest, after: Manifest): Risk[] {
  const risks: Risk[] = [];
  for (const rule of IMMUTABILITY_RULES.filter((r) => isGroupKind(after.ref, r.kind))) {
    const fields = immutableChanges(rule, before, after).filter((c) => !rule.allows?.(c, before, after));
    if (fields.length === 0) continue;
    risks.push({
      rule: 'immutable-field',
      object: after.ref,
      message: `${fields.map((f) => f.path).join(', ')} cannot change once the ${after.ref.kind} exists: the API server rejects the update, so the sync fails`,
      fields,
      hint: rule.hint,
      source: rule.source,
    });
  }
  if (isGroupKind(after.ref, KINDS.PersistentVolumeClaim)) {
    const path = ['spec', 'resources', 'requests', 'storage'];
    const risk = shrinkRisk(after.ref, path, getIn(before.object, path), getIn(after.object, path), 'Kubernetes refuses to shrink a claim', PVC_SHRINK);
    if (risk) risks.push(risk);
  }
  if (isGroupKind(after.ref, KINDS.CnpgCluster)) risks.push(...cnpgClusterRisks(before, after));
  return risks;
}

function immutableChanges(rule: ImmutabilityRule, before: Manifest, after: Manifest): FieldChange[] {
  if (rule.fields) return rule.fields.flatMap((path) => diffValues(getIn(before.object, path), getIn(after.object, path), path));
  const strip = (spec: unknown) => {
    if (!isRecord(spec)) return spec;
    const copy = structuredClone(spec) as Record<string, unknown>;
    for (const path of rule.specExcept ?? []) deleteIn(copy, path);
    return copy;
  };
  return diffValues(strip(before.object.spec), strip(after.object.spec), ['spec']);
}

/** CNPG refuses to shrink data, WAL or tablespace storage, to drop walStorage, or to drop a tablespace. */
function cnpgClusterRisks(before: Manifest, after: Manifest): Risk[] {
  const risks: Risk[] = [];
  const ref = after.ref;
  const shrink = (path: readonly Segment[], b: unknown, a: unknown) =>
    shrinkRisk(ref, path, b, a, 'the CloudNativePG webhook refuses to shrink a Cluster\'s storage ("can\'t shrink existing storage")', CNPG_WEBHOOK);
  const size = (storage: unknown) => getIn(storage, ['size']) ?? getIn(storage, ['pvcTemplate', 'resources', 'requests', 'storage']);

  for (const field of ['storage', 'walStorage']) {
    const b = getIn(before.object, ['spec', field]);
    const a = getIn(after.object, ['spec', field]);
    if (field === 'walStorage' && b !== undefined && a === undefined) {
      risks.push({
        rule: 'immutable-field',
        object: ref,
        message: 'spec.walStorage is removed: the CloudNativePG webhook refuses it ("walStorage cannot be disabled once configured"), so the sync fails',
        fields: [{ path: 'spec.walStorage', before: b, after: undefined }],
        hint: 'keep walStorage; moving WAL back onto the data volume needs a new Cluster (e.g. recovered from backup)',
        source: CNPG_WEBHOOK,
      });
      continue;
    }
    const risk = shrink(['spec', field, 'size'], size(b), size(a));
    if (risk) risks.push(risk);
  }

  const tablespaces = (m: Manifest) => new Map(asArray(getIn(m.object, ['spec', 'tablespaces'])).filter(isRecord).map((t) => [String(t.name), t]));
  const next = tablespaces(after);
  for (const [name, old] of tablespaces(before)) {
    const now = next.get(name);
    if (!now) {
      risks.push({
        rule: 'immutable-field',
        object: ref,
        message: `tablespace "${name}" is removed: the CloudNativePG webhook refuses it ("no tablespace can be deleted once created"), so the sync fails`,
        fields: [{ path: `spec.tablespaces[name=${name}]`, before: old, after: undefined }],
        hint: 'keep the tablespace in the Cluster',
        source: CNPG_WEBHOOK,
      });
      continue;
    }
    const risk = shrink(['spec', 'tablespaces', { name }, 'storage', 'size'], size(old.storage), size(now.storage));
    if (risk) risks.push(risk);
  }
  return risks;
}

/** A volume-shrink risk when the quantity at `path` goes from `b` down to `a`. */
function shrinkRisk(ref: ObjectRef, path: readonly Segment[], b: unknown, a: unknown, why: string, source: string): Risk | undefined {
  const old = parseExactQuantity(b);
  const next = parseExactQuantity(a);
  // An unreadable size is the schema validation's business, as it is for the CNPG webhook.
  if (!old || !next || compareQuantities(next, old) >= 0) return undefined;
  const field: FieldChange = { path: formatPath(path), before: b, after: a };
  return {
    rule: 'volume-shrink',
    object: ref,
    message: `${field.path} shrinks from ${String(b)} to ${String(a)}: ${why}, so the sync fails`,
    fields: [field],
    hint: `keep ${String(b)} or more; a smaller volume needs a new one (a new name) and a copy of the data`,
    source,
  };
}

// ---------------------------------------------------------------------------------------------
// Removals, renames and moves of objects that hold data.


function removalRisk(removed: Manifest, added: readonly Manifest[]): Risk | undefined {
  const loses = dataLostOnDelete(removed.ref);
  if (!loses) return undefined;
  const ref = removed.ref;
  const candidates = added.filter((m) => sameKind(m.ref, ref) && m.ref.environment === ref.environment && m.ref.namespace === ref.namespace);
  if (candidates.length > 0) {
    const names = candidates.map((m) => `"${m.ref.name}"`).join(', ');
    return {
      rule: 'likely-rename',
      object: ref,
      message: `${ref.kind} "${ref.name}" is removed and ${names} added ${where(ref)}: likely a rename. Kubernetes cannot rename an object: the sync creates the new one empty and ${fate(removed, 'the old one', loses)}`,
      fields: [],
      hint: `keep the old name (metadata.name is what identifies the object); to really replace it, create the new ${ref.kind}, move the data, then remove the old one in a later change`,
      source: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/names/',
    };
  }
  return {
    rule: 'stateful-removal',
    object: ref,
    message: `${ref.kind} "${ref.name}" is removed ${where(ref)}: the sync ${fate(removed, 'it', loses)}`,
    fields: [],
    hint: `if the data is still needed, keep the ${ref.kind}; otherwise back it up first, and accept the risk by its id (below)`,
    source: 'docs/reviewing-changes.md#what-is-flagged-and-why',
  };
}

function moveRisk(before: Manifest, after: Manifest): Risk {
  const loses = dataLostOnDelete(before.ref);
  const created = `creates a new one in ${after.ref.namespace}${loses ? ', without the old one\'s data,' : ''}`;
  return {
    rule: 'namespace-move',
    object: before.ref,
    message: `${before.ref.kind} "${before.ref.name}" moves from namespace ${before.ref.namespace} to ${after.ref.namespace}: Kubernetes cannot move an object, so the sync ${created} and ${fate(before, 'the old one', loses)}`,
    fields: [{ path: 'metadata.namespace', before: before.ref.namespace, after: after.ref.namespace }],
    hint: loses
      ? `keep the namespace, or create the ${before.ref.kind} in the new namespace, copy the data, and remove the old one in a later change`
      : 'expect a short gap while the new object is created and the old one deleted; references to it from the old namespace break',
    source: 'https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/',
  };
}

/**
 * What a sync does to an object that left the code: ArgoCD deletes it, unless the object
 * carries the sync option Prune=false (this repo's stateful objects do), which leaves it in the
 * cluster, unmanaged. https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/#no-prune-resources
 */
function fate(object: Manifest, it: string, loses: string | undefined): string {
  if (hasPruneFalse(object.object)) return `leaves ${it} in the cluster, unmanaged (sync option Prune=false)${loses ? `; whoever deletes it later loses what it holds (${loses})` : ''}`;
  return `deletes ${it}${loses ? `: ${loses}` : ''}`;
}

function where(ref: ObjectRef): string {
  return ref.namespace === undefined ? `in environment ${ref.environment}` : `in namespace ${ref.namespace} (environment ${ref.environment})`;
}

function hasPruneFalse(object: Readonly<Record<string, unknown>>): boolean {
  const options = getIn(object, ['metadata', 'annotations', ARGOCD_SYNC_OPTIONS]);
  // Flux's equivalent: kustomize.toolkit.fluxcd.io/prune: disabled (lib/core/delivery.ts).
  if (getIn(object, ['metadata', 'annotations', FLUX_PRUNE]) === FLUX_PRUNE_DISABLED) return true;
  return typeof options === 'string' && options.split(',').some((o) => o.trim() === 'Prune=false');
}

function isExternalName(m: Manifest): boolean {
  return getIn(m.object, ['spec', 'type']) === 'ExternalName';
}

// ---------------------------------------------------------------------------------------------
// Field-level diff.

function withoutNamespace(object: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(object) as Record<string, unknown>;
  deleteIn(copy, ['metadata', 'namespace']);
  return copy;
}

function refOf(object: Record<string, unknown>, file: string, segments: readonly string[]): ObjectRef | undefined {
  const metadata = object.metadata;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !isRecord(metadata) || typeof metadata.name !== 'string') return undefined;
  return {
    environment: segments.length > 1 ? segments[0] : '',
    app: segments.length > 2 ? segments[1] : '',
    file,
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    name: metadata.name,
  };
}

function sameKind(a: ObjectRef, b: ObjectRef): boolean {
  return groupKind(a) === groupKind(b);
}

/**
 * Objects by identity: environment, group, kind, namespace, name. Two files of one environment
 * describing the same object (two apps emitting it) stay apart, keyed by their files too.
 */
function indexByIdentity(manifests: readonly Manifest[]): Map<string, Manifest> {
  const index = new Map<string, Manifest>();
  for (const m of manifests) {
    const key = [m.ref.environment, groupKind(m.ref), m.ref.namespace ?? '', m.ref.name].join('\u0000');
    index.set(index.has(key) ? `${key}\u0000${m.ref.file}` : key, m);
  }
  return index;
}

function compareRefs(a: ObjectRef, b: ObjectRef): number {
  const fields = (r: ObjectRef) => [r.environment, r.app, r.kind, r.namespace ?? '', r.name];
  const x = fields(a);
  const y = fields(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
