import type { Construct } from 'constructs';
import { k8s } from '../core/k8s';

/**
 * How many pods a `WebService` runs beyond a fixed count: a HorizontalPodAutoscaler (autoscaling/v2)
 * and a PodDisruptionBudget (policy/v1). Kept apart from the service's constructor: these are
 * options over its Deployment, not part of what it is.
 */

/** A HorizontalPodAutoscaler for the service's Deployment (autoscaling/v2). */
export interface WebServiceAutoscaling {
  /** The fewest pods. @default 2, so one pod can be drained or restarted while another serves */
  readonly minReplicas?: number;
  /** The most pods. */
  readonly maxReplicas: number;
  /**
   * Target average cpu use, in percent of the cpu request.
   * @default 80 when memoryUtilization is not given either (the API's default metric), else none
   */
  readonly cpuUtilization?: number;
  /** Target average memory use, in percent of the memory request. @default none */
  readonly memoryUtilization?: number;
}

/** A PodDisruptionBudget for the service's pods: how many a voluntary disruption (a node drain) may take at once. Give one of the two. */
export interface WebServiceDisruptionBudget {
  /** Pods that may be unavailable at once: a number, or a percentage such as "25%". @default 1 */
  readonly maxUnavailable?: number | string;
  /** Pods that must stay available: a number, or a percentage such as "50%". @default none (maxUnavailable applies) */
  readonly minAvailable?: number | string;
}

/** What the scaling options need of the service. */
export interface ScalingProps {
  readonly replicas?: number;
  readonly autoscaling?: WebServiceAutoscaling;
  readonly disruptionBudget?: WebServiceDisruptionBudget | false;
}

/** The most pods the Deployment runs: the autoscaler's maximum, else its replicas. */
export function maxPods(props: ScalingProps): number {
  return props.autoscaling ? props.autoscaling.maxReplicas : props.replicas ?? 1;
}

/**
 * The budget a service gets: the one given; none when it is `false`, or when the service never
 * runs more than one pod (a budget of one pod only blocks or allows every drain); else
 * `maxUnavailable: 1`, so a drain takes one pod at a time.
 */
export function disruptionBudgetOf(props: ScalingProps): WebServiceDisruptionBudget | undefined {
  if (props.disruptionBudget === false) return undefined;
  if (props.disruptionBudget) return props.disruptionBudget;
  return maxPods(props) > 1 ? { maxUnavailable: 1 } : undefined;
}

/** Every way the scaling options are wrong, one message each. */
export function scalingProblems(props: ScalingProps): string[] {
  const errors: string[] = [];
  const count = (field: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) errors.push(`${field} ${value} must be a whole number, ${min} or more`);
  };
  count('replicas', props.replicas, 0);
  const scaling = props.autoscaling;
  if (scaling) {
    // ArgoCD would reset the autoscaler's count on every sync (argo-cd docs/user-guide/best_practices.md).
    if (props.replicas !== undefined) errors.push('replicas and autoscaling are both set: the autoscaler owns the count, and a manifest with spec.replicas resets it on every ArgoCD sync; remove replicas (autoscaling.minReplicas is the floor)');
    const min = scaling.minReplicas ?? 2;
    count('autoscaling.minReplicas', scaling.minReplicas, 1);
    count('autoscaling.maxReplicas', scaling.maxReplicas, 1);
    // kubernetes pkg/apis/autoscaling/validation: maxReplicas must be >= minReplicas.
    if (Number.isInteger(scaling.maxReplicas) && scaling.maxReplicas < min) errors.push(`autoscaling.maxReplicas ${scaling.maxReplicas} is below minReplicas ${min}${scaling.minReplicas === undefined ? ' (the default)' : ''}`);
    for (const field of ['cpuUtilization', 'memoryUtilization'] as const) count(`autoscaling.${field}`, scaling[field], 1);
  }
  const budget = props.disruptionBudget;
  if (budget) {
    const given = (['maxUnavailable', 'minAvailable'] as const).filter((f) => budget[f] !== undefined);
    if (given.length !== 1) errors.push(`disruptionBudget needs exactly one of maxUnavailable and minAvailable (policy/v1 allows one), not ${given.length === 0 ? 'neither' : 'both'}`);
    for (const field of given) {
      const value = budget[field]!;
      if (typeof value === 'number' ? !Number.isInteger(value) || value < 0 : !/^(100|[1-9]?\d)%$/.test(value)) errors.push(`disruptionBudget.${field} ${JSON.stringify(value)} must be a whole number or a percentage such as "25%"`);
    }
    // https://kubernetes.io/docs/tasks/run-application/configure-pdb/#think-about-how-your-application-reacts-to-disruptions:
    // a budget that allows no disruption blocks every node drain.
    const pods = props.autoscaling ? props.autoscaling.minReplicas ?? 2 : props.replicas ?? 1;
    if (budget.maxUnavailable === 0 || budget.maxUnavailable === '0%' || budget.minAvailable === '100%' || (typeof budget.minAvailable === 'number' && budget.minAvailable >= pods)) {
      errors.push(`disruptionBudget ${JSON.stringify(budget)} allows no pod of ${pods} to be disrupted: every node drain would wait forever; allow one (maxUnavailable: 1), or set disruptionBudget: false`);
    }
  }
  return errors;
}

/** `intstr`: a number, or a percentage string. */
function intOrString(value: number | string): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}

/** The autoscaler of `deployment`, named like it, when `autoscaling` is given. */
export function addAutoscaler(scope: Construct, deployment: string, labels: Readonly<Record<string, string>>, autoscaling: WebServiceAutoscaling | undefined): void {
  if (!autoscaling) return;
  const utilization = (name: string, averageUtilization: number): k8s.MetricSpecV2 => ({ type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } });
  const cpu = autoscaling.cpuUtilization ?? (autoscaling.memoryUtilization === undefined ? 80 : undefined);
  new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
    metadata: { name: deployment, labels: { ...labels } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
      minReplicas: autoscaling.minReplicas ?? 2,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        ...(cpu !== undefined ? [utilization('cpu', cpu)] : []),
        ...(autoscaling.memoryUtilization !== undefined ? [utilization('memory', autoscaling.memoryUtilization)] : []),
      ],
    },
  });
}

/** The PodDisruptionBudget of the pods `selector` selects, when `budget` is given. */
export function addDisruptionBudget(scope: Construct, name: string, labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>, budget: WebServiceDisruptionBudget | undefined): void {
  if (!budget) return;
  new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: { name, labels: { ...labels } },
    spec: {
      selector: { matchLabels: { ...selector } },
      ...(budget.maxUnavailable !== undefined ? { maxUnavailable: intOrString(budget.maxUnavailable) } : {}),
      ...(budget.minAvailable !== undefined ? { minAvailable: intOrString(budget.minAvailable) } : {}),
    },
  });
}
