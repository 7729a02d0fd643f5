import { SINGLE_WRITER_FIX, SINGLE_WRITER_JOB_FIX, singleWriterProblem, type ClaimWriter } from '../../core/volume-claim';
import { list, podTemplatesOf, record, type ObjectIndex } from './objects';
import type { KubeObject } from './schema-validation';
import type { RuleDeclaration, RuleProblem } from './types';
import { groupKindOf, isGroupKind, KINDS, LONG_RUNNING_KINDS, POD_TEMPLATE_KINDS, RUN_TO_COMPLETION_KINDS } from '../../core/kinds';
import { autoscalersOf } from './workloads';

/**
 * `single-writer`: a ReadWriteOnce or ReadWriteOncePod claim of the app is written by one pod at
 * a time. A workload mounting one runs one pod (so never as a DaemonSet, nor scaled by an
 * autoscaler beyond one), a Deployment replaces it with the Recreate strategy, a Job runs one pod
 * at a time and a CronJob forbids concurrent Jobs; and no two workloads mount the same claim.
 * The per-workload check is `singleWriterProblem` (lib/core/volume-claim.ts), the one
 * `WebService` runs on its props.
 */
export const singleWriter: RuleDeclaration = {
  name: 'single-writer',
  summary: 'a ReadWriteOnce or ReadWriteOncePod claim of the app is mounted by one workload, which runs one pod at a time: no DaemonSet (one pod per node); one replica for a Deployment, StatefulSet, ReplicaSet or ReplicationController, also at the maxReplicas of a HorizontalPodAutoscaler scaling it, and the Recreate strategy for a Deployment (RollingUpdate, the API default, starts the new pod before the old one stops); parallelism 1 for a Job; concurrencyPolicy Forbid for a CronJob (Allow, the default, and Replace can run two Jobs at once). A claim that also allows ReadWriteMany is exempt; a claim the app does not emit is not looked into',
  scope: [POD_TEMPLATE_KINDS],
  sources: [
    'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes (ReadWriteOnce: one node; pods on it share the volume)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy (RollingUpdate starts new pods before old ones stop)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy (Allow runs Jobs concurrently)',
  ],
  fix: SINGLE_WRITER_FIX,
  check(object, context) {
    const writer = writerOf(object, context.objects);
    if (!writer) return [];
    const fix = RUN_TO_COMPLETION_KINDS.has(object) ? SINGLE_WRITER_JOB_FIX : SINGLE_WRITER_FIX;
    const problems: RuleProblem[] = [];
    for (const { volume, claimName, modes } of singleWriterClaims(object, context.objects)) {
      const problem = singleWriterProblem(claimName, modes, writer);
      if (problem) problems.push({ message: `volume "${volume}" ${problem}`, fix });
      const others = context.objects.of(POD_TEMPLATE_KINDS)
        .filter((o) => o !== object && writerOf(o, context.objects) && singleWriterClaims(o, context.objects).some((c) => c.claimName === claimName))
        .map((o) => `${o.kind} ${String(o.metadata.name)}`);
      if (others.length > 0) {
        problems.push({
          message: `mounts ${modes.join(', ')} claim ${claimName}, which ${others.join(' and ')} mount${others.length === 1 ? 's' : ''} too: a pod on another node waits forever for the volume (Multi-Attach error), and pods on one node write it at the same time`,
          fix: 'let one workload own the claim (run the other work in its pod), or give the claim a ReadWriteMany StorageClass that the environment lists',
        });
      }
    }
    return problems;
  },
};

/** The claims of the app, in `object`'s namespace, that `object`'s pods mount and that admit one writer. */
function singleWriterClaims(object: KubeObject, objects: ObjectIndex): Array<{ volume: string; claimName: string; modes: string[] }> {
  const claims = objects.of(KINDS.PersistentVolumeClaim).filter((c) => (c.metadata.namespace ?? '') === (object.metadata.namespace ?? ''));
  return podTemplatesOf(object).flatMap((template) => list(template.spec.volumes).flatMap((volume) => {
    const claimName = record(volume.persistentVolumeClaim).claimName;
    if (typeof claimName !== 'string') return [];
    const claim = claims.find((c) => c.metadata.name === claimName);
    // A claim the app does not emit: its access modes are not known here.
    if (!claim) return [];
    const value = record(claim.spec).accessModes;
    const modes = Array.isArray(value) ? value.map(String) : [];
    if (modes.includes('ReadWriteMany') || !modes.some((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod')) return [];
    return [{ volume: String(volume.name), claimName, modes }];
  }));
}

/** `object` as a writer of its claims, or undefined when it runs no pods. */
function writerOf(object: KubeObject, objects: ObjectIndex): ClaimWriter | undefined {
  if (!POD_TEMPLATE_KINDS.has(object) || isGroupKind(object, KINDS.PodTemplate)) return undefined;
  const kind = groupKindOf(object);
  const spec = record(object.spec);
  const count = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  if (isGroupKind(object, KINDS.DaemonSet)) return { kind, replicas: 'per-node' };
  if (isGroupKind(object, KINDS.Pod)) return { kind, replicas: 1 };
  if (isGroupKind(object, KINDS.Job)) return { kind, replicas: count(spec.parallelism, 1) };
  if (isGroupKind(object, KINDS.CronJob)) {
    const job = record(record(spec.jobTemplate).spec);
    return { kind, replicas: count(job.parallelism, 1), concurrencyPolicy: typeof spec.concurrencyPolicy === 'string' ? spec.concurrencyPolicy : undefined };
  }
  if (!LONG_RUNNING_KINDS.has(object)) return undefined;
  // An autoscaled workload runs as many pods as its autoscaler allows, whatever its manifest says.
  const replicas = Math.max(count(spec.replicas, 1), ...autoscalersOf(object, objects).map((a) => count(record(a.spec).maxReplicas, 1)));
  return { kind, replicas, strategy: typeof record(spec.strategy).type === 'string' ? String(record(spec.strategy).type) : undefined };
}
