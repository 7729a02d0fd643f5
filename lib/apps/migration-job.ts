import { Type } from '@sinclair/typebox';
import { Construct } from 'constructs';
import { AppChart } from '../core/app';
import { preDeployJobAnnotations } from '../core/delivery';
import { checkDnsLabel } from '../core/dns';
import { k8s } from '../core/k8s';
import { Connections, type IConnectable } from '../core/network-peer';
import { checkProps, propsShape, referenceShape, stringList } from '../core/prop-shape';
import type { WebService } from './web-service';

/** Alembic's upgrade to the newest revision: the migration command of a Python (SQLAlchemy) image. */
export const ALEMBIC_UPGRADE: readonly string[] = ['alembic', 'upgrade', 'head'];

/** Properties for `MigrationJob`. */
export interface MigrationJobProps {
  /** The service whose image, env, secrets and ServiceAccount the Job runs with. */
  readonly service: WebService;
  /**
   * The migration command, replacing the image's entrypoint: whatever the image migrates with,
   * e.g. `["/usr/bin/miniflux", "-migrate"]`, `["bundle", "exec", "rails", "db:migrate"]`,
   * `["./manage.py", "migrate", "--noinput"]`, or `ALEMBIC_UPGRADE`.
   * @default ALEMBIC_UPGRADE (["alembic", "upgrade", "head"]), for the library's first users; give it for any other image
   */
  readonly command?: readonly string[];
  /** Arguments to the command. @default none */
  readonly args?: readonly string[];
  /** The Job's name. @default `<service>-migrate` */
  readonly name?: string;
  /** Seconds the migration may run before it is stopped and the sync fails. @default 600 */
  readonly timeoutSeconds?: number;
  /** Retries after a failed run. Migrations are not always idempotent halfway through. @default 0 */
  readonly retries?: number;
}

/** The shape of `MigrationJobProps`, checked at run time (lib/core/prop-shape.ts). */
export const MIGRATION_JOB_PROPS_SHAPE = propsShape<MigrationJobProps>('the props of a MigrationJob', {
  service: referenceShape('a WebService (the service whose image the migration runs with)', { name: Type.String(), taskPodSpec: Type.Function([], Type.Unknown()) }),
  command: Type.Optional(stringList('a command: a list of strings, e.g. ["/usr/bin/miniflux", "-migrate"]')),
  args: Type.Optional(stringList('a list of arguments')),
  name: Type.Optional(Type.String()),
  timeoutSeconds: Type.Optional(Type.Number()),
  retries: Type.Optional(Type.Number()),
});

/**
 * A schema migration that runs before a new version serves traffic: a Job with the service's own
 * image and environment, run by ArgoCD as a `Sync` hook in the migration sync wave. ArgoCD
 * applies a sync in phases and, within a phase, wave by wave, waiting for each wave to be healthy
 * (a hook Job: completed) before the next (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/).
 * So the Job runs after the namespace's secrets, config and databases exist and before the
 * Deployment is updated; a failed migration fails the sync and the old version keeps serving.
 *
 * A `Sync` hook in a wave rather than a `PreSync` hook: PreSync runs before anything of the sync
 * is applied, so on a first sync the Job's ServiceAccount, ConfigMap and credentials would not
 * exist yet. The delete policy `BeforeHookCreation` replaces the previous Job at the next sync
 * (so Jobs never pile up and the fixed name is reusable: hooks are recreated, never patched, so
 * the Job template's immutability is no obstacle) and keeps the last one, successful or failed,
 * for its logs (https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/#hook-deletion-policies).
 *
 * In a Flux environment there are no hooks: the Job is applied by its app's pre-deploy
 * Kustomization, which the app's Kustomization depends on, and is recreated when its template
 * (its image) changes (`kustomize.toolkit.fluxcd.io/force: enabled`; lib/core/delivery.ts).
 */
export class MigrationJob extends Construct implements IConnectable {
  /** The Job's name. */
  public readonly name: string;
  /**
   * The Job's pods as a peer, to admit them where the migration connects:
   * `db.connections.allowFrom(migration)`. The Job admits nothing itself (it serves no port).
   */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    checkProps(this, MIGRATION_JOB_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name ?? `${props.service.name}-migrate`;
    const timeout = props.timeoutSeconds ?? 600;
    const retries = props.retries ?? 0;
    const command = props.command ?? ALEMBIC_UPGRADE;
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const problem = checkDnsLabel(this.name);
        if (problem) errors.push(`Job name "${this.name}" ${problem}`);
        if (command.length === 0) errors.push('the migration command is empty');
        if (!Number.isInteger(timeout) || timeout < 1) errors.push(`timeoutSeconds ${timeout} must be a positive number of seconds`);
        if (!Number.isInteger(retries) || retries < 0) errors.push(`retries ${retries} must be 0 or more`);
        return errors;
      },
    });
    const labels = chart.labelsFor('migration');
    this.connections = jobConnections(chart.namespace!, chart.selectorFor('migration'), this.node.path);
    new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.name,
        labels,
        // Run before the new version serves, as the environment's engine does it (lib/core/delivery.ts).
        annotations: preDeployJobAnnotations(chart.environment),
      },
      spec: {
        backoffLimit: retries,
        activeDeadlineSeconds: timeout,
        template: {
          metadata: { labels },
          spec: props.service.taskPodSpec(command, 'migrate', props.args),
        },
      },
    });
  }
}

/** The connections of a Job's pods (a migration, a scheduled run): a peer to admit elsewhere, admitting nothing. */
export function jobConnections(namespace: string, podLabels: Readonly<Record<string, string>>, where: string): Connections {
  return new Connections({
    peer: { namespace, podLabels },
    where,
    refusal: {
      message: 'runs to completion and serves no port, so it has no NetworkPolicy to admit a peer through',
      hint: 'admit the Job where it connects instead, e.g. db.connections.allowFrom(job)',
    },
  });
}
