import { checkBackupSchedule } from '../../cnpg/backup-schedule';
import { cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from '../../core/cron-schedule';
import { apiGroupOf, groupKindKey, groupKindOf, isGroupKind, KINDS, REPLICATED_KINDS } from '../../core/kinds';
import type { KubeObject } from './schema-validation';
import { record } from './objects';
import type { Finding, PolicyRule } from './types';

/**
 * Rules on workloads that run on a schedule or are scaled by an autoscaler: what the API server
 * and the controllers would refuse or fight over, checked on every rendered object however it
 * was built. `ScheduledJob` and `WebService` run the same functions on their props.
 */

/** `cron-schedule`: schedules the API server and CloudNativePG's webhook accept, in the form each needs. */
export const cronSchedule: PolicyRule = {
  name: 'cron-schedule',
  summary: 'every CronJob has a five-field schedule (or an @-descriptor) the API server parses, no time zone inside it, a timeZone from the IANA database and a name of at most 52 characters; every CloudNativePG ScheduledBackup has a six-field schedule, seconds first',
  sources: [
    'kubernetes pkg/apis/batch/validation/validation.go (validateScheduleFormat, validateTimeZone, ValidateCronJobCreate)',
    'robfig/cron v3.0.1 parser.go ParseStandard (the API server\'s parser); cloudnative-pg ScheduledBackup webhook, robfig/cron v1 Parse',
    'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax',
  ],
  check(objects) {
    const findings: Finding[] = [];
    for (const object of objects) {
      const spec = record(object.spec);
      if (isGroupKind(object, KINDS.CronJob)) {
        const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
        const problem = cronJobScheduleProblem(schedule);
        if (problem) findings.push({ object, message: `spec.schedule "${schedule}" ${problem}`, fix: 'write the schedule in the CronJob form: five fields, minute first, e.g. "0 2 * * *"' });
        if (spec.timeZone !== undefined) {
          const zone = timeZoneProblem(String(spec.timeZone));
          if (zone) findings.push({ object, message: `spec.timeZone ${zone}`, fix: 'name an IANA zone, or leave timeZone out for the controller\'s (usually UTC)' });
        }
        const name = String(object.metadata.name ?? '');
        const long = cronJobNameProblem(name);
        if (long) findings.push({ object, message: `the name "${name}" ${long}`, fix: 'shorten the name' });
      }
      if (isGroupKind(object, KINDS.CnpgScheduledBackup) && typeof spec.schedule === 'string') {
        const problem = checkBackupSchedule(spec.schedule);
        if (problem) findings.push({ object, message: `spec.schedule "${spec.schedule}" ${problem}`, fix: 'write the schedule in CloudNativePG\'s form: six fields, seconds first, e.g. "0 0 2 * * *"' });
      }
    }
    return findings;
  },
};

/** One HorizontalPodAutoscaler of the app and the workload it scales, when the app renders it. */
export interface Autoscaled {
  /** The HorizontalPodAutoscaler. */
  readonly autoscaler: KubeObject;
  /** The object its `spec.scaleTargetRef` names (same namespace, kind, API group and name). */
  readonly target: KubeObject;
}

/** The app's autoscalers whose target the app renders, with that target. */
export function autoscaledWorkloads(objects: readonly KubeObject[]): Autoscaled[] {
  const out: Autoscaled[] = [];
  for (const autoscaler of objects.filter((o) => isGroupKind(o, KINDS.HorizontalPodAutoscaler))) {
    const ref = record(record(autoscaler.spec).scaleTargetRef);
    const key = groupKindKey({ group: apiGroupOf(typeof ref.apiVersion === 'string' ? ref.apiVersion : ''), kind: String(ref.kind ?? '') });
    const target = objects.find((o) => groupKindKey(groupKindOf(o)) === key
      && o.metadata.name === ref.name && (o.metadata.namespace ?? '') === (autoscaler.metadata.namespace ?? ''));
    if (target) out.push({ autoscaler, target });
  }
  return out;
}

/**
 * `autoscaling`: a workload an autoscaler scales is left to it. ArgoCD re-applies `spec.replicas`
 * on every sync, undoing the autoscaler (argo-cd docs/user-guide/best_practices.md, "Leaving room
 * for imperativeness": leave replicas out of the manifest). The requests its utilization is a
 * share of are probes-and-requests' to demand: every container of a replicated kind has them.
 */
export const autoscaling: PolicyRule = {
  name: 'autoscaling',
  summary: 'a Deployment, StatefulSet or other replicated workload that a HorizontalPodAutoscaler of the app scales leaves spec.replicas out of its manifest, so ArgoCD does not reset the count the autoscaler chose',
  sources: ['https://argo-cd.readthedocs.io/en/stable/user-guide/best_practices/#leaving-room-for-imperativeness'],
  check(objects) {
    const findings: Finding[] = [];
    for (const { autoscaler, target } of autoscaledWorkloads(objects)) {
      const replicas = record(target.spec).replicas;
      if (!REPLICATED_KINDS.has(target) || replicas === undefined) continue;
      findings.push({
        object: target,
        message: `HorizontalPodAutoscaler ${String(autoscaler.metadata.name)} scales it, but its manifest sets spec.replicas (${String(replicas)}): every ArgoCD sync resets the count the autoscaler chose`,
        fix: 'leave spec.replicas out of the manifest (WebService: autoscaling instead of replicas); the autoscaler\'s minReplicas is the floor',
      });
    }
    return findings;
  },
};
