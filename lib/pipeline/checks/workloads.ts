import { checkBackupSchedule } from '../../cnpg/backup-schedule';
import { cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from '../../core/cron-schedule';
import { apiGroupOf, groupKindKey, groupKindOf, isGroupKind, KINDS, REPLICATED_KINDS } from '../../core/kinds';
import { record, type ObjectIndex } from './objects';
import type { KubeObject } from './schema-validation';
import type { RuleDeclaration, RuleProblem } from './types';

/**
 * Rules on workloads that run on a schedule or are scaled by an autoscaler: what the API server
 * and the controllers would refuse or fight over, checked on every rendered object however it
 * was built. `ScheduledJob` and `WebService` run the same functions on their props.
 */

/** `cron-schedule`: schedules the API server and CloudNativePG's webhook accept, in the form each needs. */
export const cronSchedule: RuleDeclaration = {
  name: 'cron-schedule',
  summary: 'every CronJob has a five-field schedule (or an @-descriptor) the API server parses, no time zone inside it, a timeZone from the IANA database (not Local) and a name of at most 52 characters (its Jobs add 11); every CloudNativePG ScheduledBackup has a six-field schedule, seconds first; each message says which of the two forms the object needs',
  scope: [KINDS.CronJob, KINDS.CnpgScheduledBackup],
  sources: [
    'kubernetes pkg/apis/batch/validation/validation.go (validateScheduleFormat, validateTimeZone, ValidateCronJobCreate)',
    'robfig/cron v3.0.1 parser.go ParseStandard (the API server\'s parser); cloudnative-pg ScheduledBackup webhook, robfig/cron v1 Parse',
    'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax',
    'lib/core/cron-schedule.ts, lib/cnpg/backup-schedule.ts (ScheduledJob and CnpgDatabase run the same functions)',
  ],
  fix: 'write a CronJob\'s schedule as five fields, minute first ("0 2 * * *"), and a ScheduledBackup\'s as six, seconds first ("0 0 2 * * *")',
  check(object) {
    const spec = record(object.spec);
    const problems: RuleProblem[] = [];
    if (isGroupKind(object, KINDS.CnpgScheduledBackup)) {
      const problem = typeof spec.schedule === 'string' ? checkBackupSchedule(spec.schedule) : undefined;
      if (problem) problems.push({ message: `spec.schedule "${String(spec.schedule)}" ${problem}`, fix: 'write the schedule in CloudNativePG\'s form: six fields, seconds first, e.g. "0 0 2 * * *"' });
      return problems;
    }
    const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
    const problem = cronJobScheduleProblem(schedule);
    if (problem) problems.push({ message: `spec.schedule "${schedule}" ${problem}`, fix: 'write the schedule in the CronJob form: five fields, minute first, e.g. "0 2 * * *"' });
    if (spec.timeZone !== undefined) {
      const zone = timeZoneProblem(String(spec.timeZone));
      if (zone) problems.push({ message: `spec.timeZone ${zone}`, fix: 'name an IANA zone, or leave timeZone out for the controller\'s (usually UTC)' });
    }
    const name = String(object.metadata.name ?? '');
    const long = cronJobNameProblem(name);
    if (long) problems.push({ message: `the name "${name}" ${long}`, fix: 'shorten the name' });
    return problems;
  },
};

/**
 * The HorizontalPodAutoscalers of the app whose `spec.scaleTargetRef` names `target` (same
 * namespace, API group, kind and name).
 */
export function autoscalersOf(target: KubeObject, objects: ObjectIndex): KubeObject[] {
  const key = groupKindKey(groupKindOf(target));
  return objects.of(KINDS.HorizontalPodAutoscaler).filter((autoscaler) => {
    const ref = record(record(autoscaler.spec).scaleTargetRef);
    const refKey = groupKindKey({ group: apiGroupOf(typeof ref.apiVersion === 'string' ? ref.apiVersion : ''), kind: String(ref.kind ?? '') });
    return refKey === key && ref.name === target.metadata.name && (autoscaler.metadata.namespace ?? '') === (target.metadata.namespace ?? '');
  });
}

/**
 * `autoscaling`: a workload an autoscaler scales is left to it. ArgoCD re-applies `spec.replicas`
 * on every sync, undoing the autoscaler (argo-cd docs/user-guide/best_practices.md, "Leaving room
 * for imperativeness": leave replicas out of the manifest). The requests its utilization is a
 * share of are probes-and-requests' to demand: every container of a replicated kind has them.
 */
export const autoscaling: RuleDeclaration = {
  name: 'autoscaling',
  summary: 'a Deployment, StatefulSet or other replicated workload that a HorizontalPodAutoscaler of the app scales leaves spec.replicas out of its manifest, so ArgoCD does not reset the count the autoscaler chose',
  scope: [REPLICATED_KINDS],
  sources: ['https://argo-cd.readthedocs.io/en/stable/user-guide/best_practices/#leaving-room-for-imperativeness'],
  fix: 'leave spec.replicas out of the manifest (WebService: autoscaling instead of replicas); the autoscaler\'s minReplicas is the floor',
  check(object, context) {
    const replicas = record(object.spec).replicas;
    if (replicas === undefined) return [];
    return autoscalersOf(object, context.objects).map((autoscaler) => ({
      message: `HorizontalPodAutoscaler ${String(autoscaler.metadata.name)} scales it, but its manifest sets spec.replicas (${String(replicas)}): every ArgoCD sync resets the count the autoscaler chose`,
    }));
  },
};
