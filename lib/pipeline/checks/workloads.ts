import { checkBackupSchedule } from '../../cnpg/backup-schedule';
import { cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from '../../core/cron-schedule';
import { apiGroupOf, groupKindKey, groupKindOf, isGroupKind, KINDS, REPLICATED_KINDS } from '../../core/kinds';
import type { KubeObject } from './schema-validation';
import { containersOf, list, podTemplatesOf, record } from './objects';
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
 * The resources an autoscaler scales `container` on by utilization (a percentage of the request):
 * `Resource` metrics for every container, `ContainerResource` metrics for the one named. An
 * autoscaling/v2 HPA without metrics scales on 80% cpu utilization (HorizontalPodAutoscalerSpec
 * `metrics`: "If not set, the default metric will be set to 80% average CPU utilization").
 */
export function utilizationResources(autoscaler: KubeObject, container: string): string[] {
  const metrics = list(record(autoscaler.spec).metrics);
  if (metrics.length === 0) return ['cpu'];
  const out = new Set<string>();
  for (const metric of metrics) {
    const source = metric.type === 'Resource' ? record(metric.resource) : metric.type === 'ContainerResource' ? record(metric.containerResource) : undefined;
    if (!source || record(source.target).type !== 'Utilization') continue;
    if (metric.type === 'ContainerResource' && source.container !== container) continue;
    if (typeof source.name === 'string') out.add(source.name);
  }
  return [...out].sort();
}

/**
 * `autoscaling`: a workload an autoscaler scales is left to it. ArgoCD re-applies `spec.replicas`
 * on every sync, undoing the autoscaler (argo-cd docs/user-guide/best_practices.md, "Leaving room
 * for imperativeness": leave replicas out of the manifest); and utilization is a share of the
 * request, so a container without one leaves the autoscaler blind
 * (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#how-does-a-horizontalpodautoscaler-work).
 */
export const autoscaling: PolicyRule = {
  name: 'autoscaling',
  summary: 'a Deployment or StatefulSet (any replicated kind) that a HorizontalPodAutoscaler of the app scales leaves spec.replicas out, and each of its containers requests every resource the autoscaler scales on by utilization',
  sources: [
    'https://argo-cd.readthedocs.io/en/stable/user-guide/best_practices/#leaving-room-for-imperativeness',
    'https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#how-does-a-horizontalpodautoscaler-work (a container without the request leaves utilization undefined: the autoscaler takes no action)',
  ],
  check(objects) {
    const findings: Finding[] = [];
    for (const { autoscaler, target } of autoscaledWorkloads(objects)) {
      const by = `HorizontalPodAutoscaler ${String(autoscaler.metadata.name)}`;
      if (REPLICATED_KINDS.has(target) && record(target.spec).replicas !== undefined) {
        findings.push({
          object: target,
          message: `${by} scales it, but its manifest sets spec.replicas (${String(record(target.spec).replicas)}): every ArgoCD sync resets the count the autoscaler chose`,
          fix: 'leave spec.replicas out of the manifest (WebService: autoscaling instead of replicas); the autoscaler\'s minReplicas is the floor',
        });
      }
      for (const template of podTemplatesOf(target)) {
        for (const ref of containersOf(template.spec, ['containers'])) {
          const requests = record(record(ref.container.resources).requests);
          const missing = utilizationResources(autoscaler, ref.name).filter((r) => requests[r] === undefined);
          if (missing.length > 0) {
            findings.push({
              object: target,
              message: `${by} scales it on ${missing.join(' and ')} utilization, but ${ref.label} requests no ${missing.join(' or ')}: utilization is a share of the request, so the autoscaler takes no action`,
              fix: `give ${ref.label} a ${missing.join(' and ')} request`,
            });
          }
        }
      }
    }
    return findings;
  },
};
