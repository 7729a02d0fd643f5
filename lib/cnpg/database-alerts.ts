import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, propsShape, stringMap } from '../core/prop-shape';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { AppChart } from '../core/app';

/**
 * The alerts a production database needs, by what each watches: the alert's name and the metric
 * its expression reads. The archiver series come from the instance's exporter
 * (docs/src/monitoring.md, pg_stat_archiver); backup age from plugin-barman-cloud's own gauge
 * (its docs, "Observability"), because the operator's `cnpg_collector_*backup*` gauges are not
 * updated for plugin backups. The `database-watched` rule finds a cluster's alerts by these names
 * and by `DATABASE_ALERT_CLUSTER_LABEL`, not by reading the expressions.
 */
export const DATABASE_ALERTS = {
  archiving: { alert: 'CnpgWalArchivingFailing', metric: 'cnpg_pg_stat_archiver_last_failed_time' },
  backups: { alert: 'CnpgBackupStale', metric: 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp' },
  replication: { alert: 'CnpgReplicationLagging', metric: 'cnpg_pg_replication_lag' },
} as const;

/** What a production database is watched for: a key of `DATABASE_ALERTS`. */
export type DatabaseAlertKind = keyof typeof DATABASE_ALERTS;

/**
 * The label each alerting rule of `DatabaseAlerts` carries with its Cluster's name (the Cluster of
 * the rule's namespace): Alertmanager routes on it, and the `database-watched` rule reads it to
 * know which cluster an alert watches.
 */
export const DATABASE_ALERT_CLUSTER_LABEL = 'cnpg_cluster';

/** Properties for `DatabaseAlerts`. */
export interface DatabaseAlertsProps {
  /** The Cluster's name: the alerts select its instance pods, `<name>-<n>`. */
  readonly clusterName: string;
  /** It archives WAL and takes base backups through the Barman Cloud plugin: alert on backup age. */
  readonly backups: boolean;
  /** Its instances: with replicas, alert on replication lag. */
  readonly instances: number;
  /** Labels a Prometheus selects rules by, besides the recommended ones. @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Hours after which the newest base backup is stale. @default 26 (a daily schedule and its run time) */
  readonly backupMaxAgeHours?: number;
  /** Seconds of replication lag that page. @default 300 */
  readonly replicationLagSeconds?: number;
}

/** The shape of `DatabaseAlertsProps`, checked at run time (lib/core/prop-shape.ts). */
export const DATABASE_ALERTS_PROPS_SHAPE = propsShape<DatabaseAlertsProps>('the props of a DatabaseAlerts', {
  clusterName: Type.String(),
  backups: Type.Boolean(),
  instances: Type.Number(),
  labels: Type.Optional(stringMap('a map of label names to values')),
  backupMaxAgeHours: Type.Optional(Type.Number()),
  replicationLagSeconds: Type.Optional(Type.Number()),
});

/**
 * Prometheus alerts for one CloudNativePG cluster: WAL archiving failing, the newest base backup
 * older than a day and a bit, replicas lagging. Expressions read the metrics the instances and
 * the Barman Cloud plugin export (scraped by the database's PodMonitor) and select the cluster's
 * pods by name, so one rule file per cluster coexists with others in the namespace.
 */
export class DatabaseAlerts extends Construct {
  /** The PrometheusRule's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: DatabaseAlertsProps) {
    super(scope, id);
    checkProps(this, DATABASE_ALERTS_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const pods = `namespace="${chart.namespace}",pod=~"${props.clusterName}-[0-9]+"`;
    const subject = `CloudNativePG cluster ${chart.namespace}/${props.clusterName}`;
    const alert = (name: string, expr: string, duration: string, summary: string, severity = 'critical') => ({
      alert: `${name}`,
      expr: PrometheusRuleSpecGroupsRulesExpr.fromString(expr),
      for: duration,
      labels: { severity, [DATABASE_ALERT_CLUSTER_LABEL]: props.clusterName },
      annotations: { summary: `${subject}: ${summary}` },
    });
    this.name = `${props.clusterName}-alerts`;
    new PrometheusRule(this, 'Resource', {
      metadata: { name: this.name, labels: { ...chart.labelsFor('database'), ...props.labels } },
      spec: {
        groups: [{
          name: `${props.clusterName}.rules`,
          rules: [
            // docs/src/samples/monitoring/prometheusrule.yaml: the last archiving attempt failed.
            alert(DATABASE_ALERTS.archiving.alert, `max(${DATABASE_ALERTS.archiving.metric}{${pods}} - cnpg_pg_stat_archiver_last_archived_time{${pods}}) > 1`, '5m',
              'WAL archiving is failing: backups stop being recoverable and pg_wal fills the volume'),
            ...(props.backups
              ? [alert(DATABASE_ALERTS.backups.alert, `time() - max(${DATABASE_ALERTS.backups.metric}{${pods}}) > ${(props.backupMaxAgeHours ?? 26) * 3600}`, '15m',
                `the newest base backup is older than ${props.backupMaxAgeHours ?? 26} hours (the plugin reports 0 before the first one)`)]
              : []),
            ...(props.instances > 1
              ? [alert(DATABASE_ALERTS.replication.alert, `max(${DATABASE_ALERTS.replication.metric}{${pods}}) > ${props.replicationLagSeconds ?? 300}`, '10m',
                `a replica is more than ${props.replicationLagSeconds ?? 300} seconds behind the primary`, 'warning')]
              : []),
            alert('CnpgExporterDown', `min(cnpg_collector_up{${pods}}) < 1 or absent(cnpg_collector_up{${pods}})`, '10m',
              'an instance\'s metrics exporter is down or not scraped', 'warning'),
          ],
        }],
      },
    });
  }
}
