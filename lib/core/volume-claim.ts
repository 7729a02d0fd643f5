import { checkDnsSubdomain } from './dns';
import type { Environment } from './environment';
import { list, record, text, type Manifest } from './manifest';
import { checkSize, parseQuantity } from './quantity';
import { isGroupKind, isSameKind, KINDS, type GroupKind } from './kinds';
import { ownValue } from './user-keys';

/**
 * The rules every PersistentVolumeClaim is held to, as pure functions over its facts, so that a
 * construct can check its props early and the policy can check every rendered claim with the
 * same code (`PersistentClaim` in lib/apps/, and lib/pipeline/checks/references.ts and claims.ts).
 */

/** A PersistentVolumeClaim access mode (core/v1 PersistentVolumeAccessMode). */
export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

/** Every access mode, as the API spells it. */
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/**
 * What a claim asks of its StorageClass: the class (undefined: the cluster's default), its access
 * modes and size, as written in the claim.
 */
export interface ClaimRequest {
  /** The StorageClass. @default the cluster's default StorageClass */
  readonly storageClass?: string;
  /** The access modes it asks for. */
  readonly accessModes: readonly string[];
  /** The storage it requests, a quantity such as "10Gi". @default unknown */
  readonly size?: string;
}

/** One thing wrong with a claim: what, what is allowed, how to fix it. */
export interface ClaimProblem {
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What is allowed instead. @default none */
  readonly allowed?: string;
  /** How to fix it. @default none */
  readonly hint?: string;
}

/**
 * The problems of a claim against what the environment says its StorageClasses provide
 * (`existing.storageClasses` in environment.yaml): a class it does not list, an access mode the
 * class cannot provide (the claim would stay Pending), a size larger than it provisions. None when
 * the environment lists no classes.
 */
export function storageClassProblems(environment: Pick<Environment, 'file' | 'existing'>, claim: ClaimRequest): ClaimProblem[] {
  const classes = environment.existing?.storageClasses;
  if (!classes) return [];
  const capabilities = claim.storageClass === undefined ? undefined : ownValue(classes, claim.storageClass);
  if (!capabilities) {
    return [{
      message: `asks StorageClass ${claim.storageClass === undefined ? '(the cluster default)' : `"${claim.storageClass}"`}, which ${environment.file} does not list under existing.storageClasses`,
      allowed: Object.keys(classes).sort().join(', '),
      hint: 'name one of the listed classes, or list the class with its access modes',
    }];
  }
  const problems: ClaimProblem[] = [];
  const unsupported = claim.accessModes.filter((m) => !capabilities.accessModes.includes(m as never));
  if (unsupported.length > 0) {
    problems.push({
      message: `asks ${unsupported.join(', ')} of StorageClass "${claim.storageClass}", which provides ${capabilities.accessModes.join(', ')} only: the claim would stay Pending`,
      hint: 'use an access mode the class provides (one pod at a time for ReadWriteOnce), or another class',
    });
  }
  const max = capabilities.maxSize === undefined ? undefined : parseQuantity(capabilities.maxSize);
  const size = claim.size === undefined ? undefined : parseQuantity(claim.size);
  if (max !== undefined && size !== undefined && size > max) {
    problems.push({ message: `asks ${claim.size} of StorageClass "${claim.storageClass}", larger than the ${capabilities.maxSize} it provisions` });
  }
  return problems;
}

/** The workload that mounts a claim, as far as the single-writer rule needs it. */
export interface ClaimWriter {
  /** Its kind, e.g. `{ group: 'apps', kind: 'Deployment' }` (`KINDS.Deployment` in lib/core/kinds.ts). */
  readonly kind: GroupKind;
  /** Its replicas (1 when unset, the API's default); `'per-node'` for a DaemonSet, one pod on every node. */
  readonly replicas: number | 'per-node';
  /** A Deployment's `spec.strategy.type`; unset is the API's default, RollingUpdate. @default "RollingUpdate" */
  readonly strategy?: string;
  /** A CronJob's `spec.concurrencyPolicy`; unset is the API's default, Allow. @default "Allow" */
  readonly concurrencyPolicy?: string;
}

/**
 * Why `writer` must not mount claim `claim` with `accessModes`, or undefined when it may.
 *
 * ReadWriteOnce is a volume one node mounts read-write, and pods on that node share it; access
 * modes "do not enforce write protection once the storage has been mounted", and ReadWriteOncePod
 * is one pod in the whole cluster (kubernetes/website@585f95c
 * content/en/docs/concepts/storage/persistent-volumes.md, "Access Modes"). So a workload writing
 * such a claim must run one pod at a time: more than one replica either waits forever for the
 * volume on another node (Multi-Attach error) or writes it from two pods on one node. A
 * Deployment must also use the Recreate strategy: RollingUpdate, the default, starts the new pod
 * before the old one stops (maxSurge 25% rounds up to one pod, maxUnavailable 25% rounds down to
 * none: content/en/docs/concepts/workloads/controllers/deployment.md, "Strategy"), so every
 * rollout has two writers, or a new pod stuck on another node.
 */
export function singleWriterProblem(claim: string, accessModes: readonly string[], writer: ClaimWriter): string | undefined {
  // A claim that may also be ReadWriteMany binds a volume many nodes can write.
  if (accessModes.includes('ReadWriteMany')) return undefined;
  const mode = accessModes.find((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod');
  if (!mode) return undefined;
  const scope = mode === 'ReadWriteOnce' ? 'one node' : 'one pod';
  if (writer.replicas === 'per-node') {
    return `mounts ${mode} claim ${claim} (${scope} at a time) from a pod on every node: all but one wait forever for the volume (Multi-Attach error)`;
  }
  if (writer.replicas > 1) {
    const pods = isSameKind(writer.kind, KINDS.Job) || isSameKind(writer.kind, KINDS.CronJob) ? `parallelism ${writer.replicas}` : `${writer.replicas} replicas`;
    return `mounts ${mode} claim ${claim} (${scope} at a time) with ${pods}: the others wait forever for the volume on another node, or write it at the same time on the same node`;
  }
  // Allow starts the next Job while the last one runs; Replace deletes the running Job and starts
  // the next at once, so its pod may still be writing (kubernetes/website
  // content/en/docs/concepts/workloads/controllers/cron-jobs.md, "Concurrency policy").
  if (isSameKind(writer.kind, KINDS.CronJob) && (writer.concurrencyPolicy ?? 'Allow') !== 'Forbid') {
    return `mounts ${mode} claim ${claim} (${scope} at a time) with concurrencyPolicy ${writer.concurrencyPolicy ?? 'Allow'}${writer.concurrencyPolicy ? '' : ' (the default)'}, which runs a Job while the previous one may still run: two writers, or a pod stuck waiting for the volume on another node`;
  }
  if (isSameKind(writer.kind, KINDS.Deployment) && (writer.strategy ?? 'RollingUpdate') !== 'Recreate') {
    return `mounts ${mode} claim ${claim} (${scope} at a time) with the ${writer.strategy ?? 'RollingUpdate'} strategy${writer.strategy ? '' : ' (the default)'}, which starts the new pod before the old one stops: every rollout has two writers, or a new pod stuck waiting for the volume on another node`;
  }
  return undefined;
}

/** How to satisfy the single-writer rule, for messages. */
export const SINGLE_WRITER_FIX = 'run one replica with strategy Recreate, or give the claim a ReadWriteMany StorageClass that the environment lists';

/** How a Job or CronJob satisfies the single-writer rule, for messages. */
export const SINGLE_WRITER_JOB_FIX = 'run one pod at a time (parallelism 1; a CronJob with concurrencyPolicy Forbid), or give the claim a ReadWriteMany StorageClass that the environment lists';

// Kubernetes' own rules for a claim, on the claim as rendered.

/*
 * Kubernetes' rules for a PersistentVolumeClaim, on the claim as rendered, for every claim
 * however it was built (a raw L1 object, a StatefulSet's volumeClaimTemplates): the output policy
 * (`volume-claim`) runs them, and a construct that emits a claim can run them on its own.
 * Source: kubernetes pkg/apis/core/validation/validation.go `ValidatePersistentVolumeClaimSpec`
 * (storage request required and positive, at least one access mode, ReadWriteOncePod alone, a
 * storage limit not below the request). Whether the environment's StorageClass provides the
 * access mode and size is the reference check's (lib/pipeline/checks/references.ts).
 */

/** The claim specs `manifest` carries: a PVC's own, a StatefulSet's volumeClaimTemplates. */
export function claimSpecsOf(manifest: Manifest): Array<{ readonly field: string; readonly spec: Manifest }> {
  if (isGroupKind(manifest, KINDS.PersistentVolumeClaim)) return [{ field: 'spec', spec: record(manifest.spec) }];
  if (isGroupKind(manifest, KINDS.StatefulSet)) {
    return list(record(manifest.spec).volumeClaimTemplates).map((t, i) => ({ field: `spec.volumeClaimTemplates[${i}] (${text(record(t.metadata).name) ?? '?'})`, spec: record(t.spec) }));
  }
  return [];
}

/** Every way a claim spec breaks the rules, one message each, prefixed with `field` when given. */
export function checkVolumeClaimSpec(spec: Manifest, field = 'spec'): string[] {
  const errors: string[] = [];
  const resources = record(spec.resources);
  const request = record(resources.requests).storage;
  if (request === undefined) {
    errors.push(`${field}.resources.requests.storage is missing; a claim must ask for a size, e.g. "10Gi"`);
  } else {
    errors.push(...checkSize(`${field}.resources.requests.storage`, String(request)));
  }
  const limit = record(resources.limits).storage;
  if (limit !== undefined && request !== undefined) {
    const [l, r] = [parseQuantity(String(limit)), parseQuantity(String(request))];
    if (l !== undefined && r !== undefined && l < r) errors.push(`${field}.resources.limits.storage "${String(limit)}" is below the request "${String(request)}"; Kubernetes refuses the claim`);
  }
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(String) : [];
  if (modes.length === 0) errors.push(`${field}.accessModes is empty; a claim needs at least one (ReadWriteOnce for one node's pods)`);
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode as AccessMode)) errors.push(`${field}.accessModes "${mode}" is not an access mode; use ${ACCESS_MODES.join(', ')}`);
  }
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errors.push(`${field}.accessModes: ReadWriteOncePod cannot be combined with other access modes`);
  const storageClass = text(spec.storageClassName);
  if (storageClass) {
    const problem = checkDnsSubdomain(storageClass);
    if (problem) errors.push(`${field}.storageClassName "${storageClass}" ${problem}`);
  }
  return errors;
}

/** Every way `manifest`'s claims (a PVC, a StatefulSet's templates) break the rules. */
export function checkVolumeClaims(manifest: Manifest): string[] {
  return claimSpecsOf(manifest).flatMap(({ field, spec }) => checkVolumeClaimSpec(spec, field));
}
