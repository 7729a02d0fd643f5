import { Construct } from 'constructs';
import { AppChart } from '../core/app';
import { cronJobNameProblem, cronJobScheduleProblem, timeZoneProblem } from '../core/cron-schedule';
import { checkDnsLabel } from '../core/dns';
import { imagePolicy } from '../core/image';
import type { ImageContract } from '../core/image-contract';
import { k8s } from '../core/k8s';
import { checkResources, multiplyQuantity } from '../core/quantity';
import { Type } from '@sinclair/typebox';
import { checkProps, IMAGE_CONTRACT_SHAPE, oneOf, propsShape, stringList } from '../core/prop-shape';
import type { Connections, IConnectable } from '../core/network-peer';
import { jobConnections } from './migration-job';
import { CONTAINER_PROPS_SHAPE, restrictedContainer, scratchVolumes, sortedRecord, validateEnvironment, type ContainerProps } from './web-service';

/** What a CronJob does when a run is due while the previous one still runs (batch/v1 `ConcurrencyPolicy`). */
export type ConcurrencyPolicy = 'Forbid' | 'Replace' | 'Allow';

/** Properties for `ScheduledJob`. */
export interface ScheduledJobProps extends ContainerProps {
  /**
   * Name of the CronJob, its ServiceAccount and ConfigMap (`<name>-env`): a DNS label of at most
   * 52 characters (each run's Job is named `<name>-<11 characters>`).
   */
  readonly name: string;
  /** The image: a digest in production, a tag elsewhere (see `imagePolicy`). */
  readonly image: string;
  /**
   * What the image needs to start (`ImageContract`): its user, and emptyDirs at the paths it
   * writes; synth holds the pods to it (policy rule image-contract). Its ports and probes are a
   * server's and go unused here.
   * @default none
   */
  readonly contract?: ImageContract;
  /** The command, replacing the image's entrypoint. @default the image's entrypoint */
  readonly command?: readonly string[];
  /** Arguments to the command. @default the image's CMD */
  readonly args?: readonly string[];
  /**
   * When to run, as a Kubernetes CronJob schedule: five fields, minute first (`0 2 * * *` is
   * 02:00 daily), or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, `@every <duration>`.
   * Not the six-field form with seconds that a `CnpgDatabase` backup schedule takes.
   */
  readonly schedule: string;
  /**
   * The IANA time zone the schedule is read in, e.g. "Europe/Berlin".
   * @default "Etc/UTC", so the schedule does not depend on the controller's own zone
   */
  readonly timeZone?: string;
  /**
   * What happens when a run is due while the previous one still runs: `Forbid` skips it,
   * `Replace` stops the running one, `Allow` runs both.
   * @default "Forbid"
   */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /** Finished successful Jobs kept, with their pods and logs. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept, with their pods and logs. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Seconds after the scheduled time a run that could not start on time (controller down, a
   * `Forbid`-skipped run) may still start; later, it is skipped until the next schedule. At least
   * 10: the controller checks every 10 seconds.
   * @default 300
   */
  readonly startingDeadlineSeconds?: number;
  /** Retries after a failed pod, each in a new pod. @default 2 */
  readonly backoffLimit?: number;
  /** Seconds a run may take, retries included, before it is stopped and marked failed. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** Stop scheduling new runs (the running one goes on). @default false */
  readonly suspend?: boolean;
  /** Mount a service account token (only for jobs that call the Kubernetes API). @default false */
  readonly serviceAccountToken?: boolean;
  /** The `app.kubernetes.io/component` label. @default "job" */
  readonly component?: string;
}

/** The shape of `ScheduledJobProps`, checked at run time (lib/core/prop-shape.ts). */
export const SCHEDULED_JOB_PROPS_SHAPE = propsShape<ScheduledJobProps>('the props of a ScheduledJob', {
  ...CONTAINER_PROPS_SHAPE,
  name: Type.String(),
  image: Type.String(),
  contract: Type.Optional(IMAGE_CONTRACT_SHAPE),
  command: Type.Optional(stringList('a command: a list of strings, e.g. ["/app/report", "--daily"]')),
  args: Type.Optional(stringList('a list of arguments')),
  schedule: Type.String({ description: 'a CronJob schedule such as "0 2 * * *"' }),
  timeZone: Type.Optional(Type.String({ description: 'an IANA time zone such as "Europe/Berlin"' })),
  concurrencyPolicy: Type.Optional(oneOf(['Forbid', 'Replace', 'Allow'])),
  successfulJobsHistoryLimit: Type.Optional(Type.Number()),
  failedJobsHistoryLimit: Type.Optional(Type.Number()),
  startingDeadlineSeconds: Type.Optional(Type.Number()),
  backoffLimit: Type.Optional(Type.Number()),
  activeDeadlineSeconds: Type.Optional(Type.Number()),
  suspend: Type.Optional(Type.Boolean()),
  serviceAccountToken: Type.Optional(Type.Boolean()),
  component: Type.Optional(Type.String()),
});

/**
 * A command run on a schedule: ServiceAccount, ConfigMap of non-secret env and a CronJob whose
 * pods meet the Pod Security Standards "restricted" profile (non-root, no privilege escalation,
 * all capabilities dropped, RuntimeDefault seccomp, read-only root), as `WebService`'s do. By
 * default a run is skipped while the previous one runs (`Forbid`), the schedule is read in UTC,
 * and three finished Jobs of each outcome are kept for their logs.
 *
 * Pods run to completion (`restartPolicy: Never`: a failed pod stays for its logs and the retry
 * is a new pod), so they have requests but no probes (policy rule probes-and-requests).
 */
export class ScheduledJob extends Construct implements IConnectable {
  /** The CronJob's name (also its ServiceAccount's). */
  public readonly name: string;
  /** Labels of the pods of every run. */
  public readonly selector: Readonly<Record<string, string>>;
  /**
   * The runs' pods as a peer, to admit them where they connect: `db.connections.allowFrom(job)`.
   * A ScheduledJob admits nothing itself (it serves no port).
   */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    checkProps(this, SCHEDULED_JOB_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const component = props.component ?? 'job';
    const labels = chart.labelsFor(component);
    this.name = props.name;
    this.selector = chart.selectorFor(component);
    this.connections = jobConnections(chart.namespace!, this.selector, this.node.path);
    const contract = props.contract;
    if (contract) chart.declareImage(contract);
    const policy = imagePolicy(props.image, chart.environment.production);
    const uid = props.runAsUser ?? contract?.props.user ?? 1000;
    const gid = props.runAsGroup ?? uid;
    const cpu = props.resources?.cpu ?? '100m';
    const memory = props.resources?.memory ?? '128Mi';
    const memoryLimit = props.resources?.memoryLimit ?? multiplyQuantity(memory, 2) ?? memory;
    const timeZone = props.timeZone ?? 'Etc/UTC';
    const numbers = {
      successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
      backoffLimit: props.backoffLimit ?? 2,
      startingDeadlineSeconds: props.startingDeadlineSeconds ?? 300,
      activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
    };
    const env = props.env ?? {};

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const problem = checkDnsLabel(props.name) ?? cronJobNameProblem(props.name);
        if (problem) errors.push(`name "${props.name}" ${problem}`);
        // The same functions as the output rule cron-schedule, here with the construct's path.
        const schedule = cronJobScheduleProblem(props.schedule);
        if (schedule) errors.push(`schedule "${props.schedule}" ${schedule}`);
        const zone = timeZoneProblem(timeZone);
        if (zone) errors.push(`timeZone ${zone}`);
        if ('error' in policy) errors.push(policy.error);
        if (uid === 0 || gid === 0) errors.push('runAsUser and runAsGroup must not be 0: the restricted Pod Security Standard requires non-root');
        if (contract && !contract.matches(props.image)) errors.push(`image "${props.image}" is not of the contract's repository ${contract.repository}`);
        if (props.command?.length === 0) errors.push('command is empty; leave it out to run the image\'s entrypoint');
        for (const [field, value] of Object.entries(numbers)) {
          if (!Number.isInteger(value) || value < 0) errors.push(`${field} ${value} must be a whole number, 0 or more`);
        }
        // kubernetes/website content/en/docs/concepts/workloads/controllers/cron-jobs.md: "if
        // startingDeadlineSeconds is set to a value less than 10 seconds, the CronJob may not be
        // scheduled", as the controller checks every 10 seconds.
        if (Number.isInteger(numbers.startingDeadlineSeconds) && numbers.startingDeadlineSeconds < 10) errors.push(`startingDeadlineSeconds ${numbers.startingDeadlineSeconds} is below 10: the controller checks every 10 seconds, so the run may never start`);
        if (numbers.activeDeadlineSeconds === 0) errors.push('activeDeadlineSeconds 0 stops every run at once; give the seconds a run may take');
        errors.push(...checkResources({ requests: { cpu, memory }, limits: { memory: memoryLimit } }));
        // The same checks as WebService's: valid names, known Secret keys, each variable set once.
        errors.push(...validateEnvironment(props));
        return errors;
      },
    });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, labels },
      automountServiceAccountToken: props.serviceAccountToken ?? false,
    });
    if (Object.keys(env).length > 0) {
      new k8s.KubeConfigMap(this, 'Env', { metadata: { name: `${props.name}-env`, labels }, data: sortedRecord(env) });
    }

    // /tmp and what the contract says the image writes without keeping it: the root is read-only.
    const scratch = [{ name: 'tmp', mountPath: '/tmp' }, ...scratchVolumes(contract, []).map((v) => ({ name: v.name, mountPath: v.mountPath }))];
    const container = restrictedContainer({
      name: component,
      image: props.image,
      policy,
      command: props.command,
      args: props.args,
      envConfigMap: Object.keys(env).length > 0 ? `${props.name}-env` : undefined,
      envFromSecrets: props.envFromSecrets,
      secretEnv: props.secretEnv,
      resources: { cpu, memory, memoryLimit },
      writableRoot: contract?.props.writableRootReason !== undefined,
      scratch,
    });

    new k8s.KubeCronJob(this, 'CronJob', {
      metadata: { name: props.name, labels },
      spec: {
        schedule: props.schedule,
        timeZone,
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: numbers.startingDeadlineSeconds,
        successfulJobsHistoryLimit: numbers.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: numbers.failedJobsHistoryLimit,
        ...(props.suspend ? { suspend: true } : {}),
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: numbers.backoffLimit,
            activeDeadlineSeconds: numbers.activeDeadlineSeconds,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: props.name,
                automountServiceAccountToken: props.serviceAccountToken ?? false,
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: uid,
                  runAsGroup: gid,
                  fsGroup: gid,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [container],
                volumes: scratch.map((v) => ({ name: v.name, emptyDir: {} })),
              },
            },
          },
        },
      },
    });
  }
}
