import { SINGLE_WRITER_FIX, SINGLE_WRITER_JOB_FIX, singleWriterProblem, type ClaimWriter } from '../../core/volume-claim';
import type { KubeObject } from './schema-validation';
import { list, podTemplatesOf, record, type Json } from './objects';
import type { Finding, PolicyRule } from './types';
import { isGroupKind, KINDS, LONG_RUNNING_KINDS, POD_TEMPLATE_KINDS, RUN_TO_COMPLETION_KINDS } from '../../core/kinds';
import { autoscaledWorkloads } from './workloads';

/**
 * `single-writer`: a ReadWriteOnce or ReadWriteOncePod claim of the app is written by one pod at
 * a time. A workload mounting one runs one pod (so never as a DaemonSet, nor scaled by an
 * autoscaler beyond one), a Deployment replaces it with the Recreate strategy, a Job runs one pod
 * at a time and a CronJob forbids concurrent Jobs; and no two workloads mount the same claim.
 * The per-workload check is `singleWriterProblem` (lib/core/volume-claim.ts), the one
 * `WebService` and `ScheduledJob` run on their props.
 */
export const singleWriter: PolicyRule = {
  name: 'single-writer',
  summary: 'a ReadWriteOnce or ReadWriteOncePod claim of the app is mounted by one workload, which runs one pod at a time: one replica (also at an autoscaler\'s maximum) and the Recreate strategy for a Deployment, no DaemonSet, parallelism 1 for a Job, concurrencyPolicy Forbid for a CronJob',
  sources: [
    'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes (ReadWriteOnce: one node; pods on it share the volume)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy (RollingUpdate starts new pods before old ones stop)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#concurrency-policy (Allow runs Jobs concurrently)',
  ],
  check(objects) {
    const findings: Finding[] = [];
    const claims = new Map<string, string[]>();
    for (const o of objects) {
      const modes = record(o.spec).accessModes;
      if (isGroupKind(o, KINDS.PersistentVolumeClaim)) claims.set(`${o.metadata.namespace ?? ''}/${String(o.metadata.name)}`, Array.isArray(modes) ? modes.map(String) : []);
    }
    const maxReplicas = new Map(autoscaledWorkloads(objects).map(({ autoscaler, target }) => [target, record(autoscaler.spec).maxReplicas]));
    // Claim key -> the workloads that mount it, for the one-workload check.
    const mounters = new Map<string, KubeObject[]>();
    for (const object of objects) {
      const writer = writerOf(object, maxReplicas.get(object));
      if (!writer) continue;
      for (const template of podTemplatesOf(object)) {
        for (const volume of list(template.spec.volumes)) {
          const claimName = record(volume.persistentVolumeClaim).claimName;
          if (typeof claimName !== 'string') continue;
          const key = `${object.metadata.namespace ?? ''}/${claimName}`;
          const accessModes = claims.get(key);
          // A claim the app does not emit: its access modes are not known here.
          if (!accessModes) continue;
          const problem = singleWriterProblem(claimName, accessModes, writer);
          if (problem) findings.push({ object, message: `volume "${String(volume.name)}" ${problem}`, fix: RUN_TO_COMPLETION_KINDS.has(object) ? SINGLE_WRITER_JOB_FIX : SINGLE_WRITER_FIX });
          if (!accessModes.includes('ReadWriteMany') && accessModes.some((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod')) {
            mounters.set(key, [...(mounters.get(key) ?? []).filter((o) => o !== object), object]);
          }
        }
      }
    }
    for (const [key, workloads] of mounters) {
      if (workloads.length < 2) continue;
      const claim = key.slice(key.indexOf('/') + 1);
      for (const object of workloads) {
        const others = workloads.filter((o) => o !== object).map((o) => `${o.kind} ${String(o.metadata.name)}`);
        findings.push({
          object,
          message: `mounts ${claims.get(key)!.join(', ')} claim ${claim}, which ${others.join(' and ')} mount${others.length === 1 ? 's' : ''} too: a pod on another node waits forever for the volume (Multi-Attach error), and pods on one node write it at the same time`,
          fix: 'let one workload own the claim (run the other work in its pod), or give the claim a ReadWriteMany StorageClass that the environment lists',
        });
      }
    }
    return findings;
  },
};

/** `object` as a writer of its claims, or undefined when it runs no pods. */
function writerOf(object: KubeObject, autoscalerMax: unknown): ClaimWriter | undefined {
  if (!POD_TEMPLATE_KINDS.has(object) || isGroupKind(object, KINDS.PodTemplate)) return undefined;
  const spec = record(object.spec);
  const count = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  if (isGroupKind(object, KINDS.DaemonSet)) return { kind: object.kind, replicas: 'per-node' };
  if (isGroupKind(object, KINDS.Pod)) return { kind: object.kind, replicas: 1 };
  if (isGroupKind(object, KINDS.Job)) return { kind: object.kind, replicas: count(spec.parallelism, 1) };
  if (isGroupKind(object, KINDS.CronJob)) {
    const job: Json = record(record(spec.jobTemplate).spec);
    return { kind: object.kind, replicas: count(job.parallelism, 1), concurrencyPolicy: typeof spec.concurrencyPolicy === 'string' ? spec.concurrencyPolicy : undefined };
  }
  if (!LONG_RUNNING_KINDS.has(object)) return undefined;
  // An autoscaled workload runs as many pods as the autoscaler allows, whatever its manifest says.
  const replicas = Math.max(count(spec.replicas, 1), count(autoscalerMax, 1));
  return { kind: object.kind, replicas, strategy: typeof record(spec.strategy).type === 'string' ? String(record(spec.strategy).type) : undefined };
}
