import { DATABASE_ALERT_CLUSTER_LABEL, DATABASE_ALERTS, type DatabaseAlertKind } from '../../cnpg/database-alerts';
import { list, record } from './objects';
import { selectsAll } from './stateful';
import type { RuleDeclaration, RuleProblem } from './types';
import { KINDS } from '../../core/kinds';

/**
 * Rules for production CloudNativePG databases, on every rendered Cluster however it was built:
 * Guaranteed resources, and metrics scraped with alerts on archiving, backups and replication.
 */

/** `database-guaranteed`: production instances have CPU and memory requests equal to limits. */
export const databaseGuaranteed: RuleDeclaration = {
  name: 'database-guaranteed',
  summary: 'every CNPG Cluster in production sets CPU and memory requests equal to their limits (Guaranteed QoS), so its instances are the last pods the kubelet evicts',
  scope: [KINDS.CnpgCluster],
  sources: [
    'https://cloudnative-pg.io/documentation/current/resource_management/ ("For a PostgreSQL workload it is recommended to set a \\"Guaranteed\\" QoS")',
    'https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/',
  ],
  fix: 'set resources.requests and resources.limits to the same cpu and memory (CnpgDatabase resources)',
  check(cluster, context) {
    if (!context.production) return [];
    const resources = record(record(cluster.spec).resources);
    const requests = record(resources.requests);
    const limits = record(resources.limits);
    const unequal = ['cpu', 'memory'].filter((r) => requests[r] === undefined || String(requests[r]) !== String(limits[r]));
    if (unequal.length === 0) return [];
    return [{ message: `a production database runs without Guaranteed resources: ${unequal.map((r) => `${r} request ${String(requests[r] ?? 'unset')}, limit ${String(limits[r] ?? 'unset')}`).join('; ')}` }];
  },
};

/** `database-watched`: production Clusters are scraped, with alerts on archiving, backups and replicas. */
export const databaseWatched: RuleDeclaration = {
  name: 'database-watched',
  summary: 'every CNPG Cluster in production has a PodMonitor selecting its instances and PrometheusRule alerts on failed WAL archiving, stale backups (when it backs up) and replication lag (with replicas), each labelled cnpg_cluster with the Cluster\'s name',
  scope: [KINDS.CnpgCluster],
  sources: [
    'https://cloudnative-pg.io/documentation/current/monitoring/ (PodMonitor on port "metrics"; enablePodMonitor is deprecated)',
    'https://cloudnative-pg.io/plugin-barman-cloud/docs/observability/ (barman_cloud_cloudnative_pg_io_* gauges)',
  ],
  fix: 'set monitoring: true on the CnpgDatabase (it emits a PodMonitor on port "metrics" and the alerts as a PrometheusRule)',
  check(cluster, context) {
    if (!context.production) return [];
    const monitors = context.objects.of(KINDS.PodMonitor);
    // Each alerting rule, by the cluster its label names (DatabaseAlerts sets it on every alert).
    const alerts = context.objects.of(KINDS.PrometheusRule)
      .flatMap((o) => list(record(o.spec).groups).flatMap((g) => list(g.rules)).filter((r) => typeof r.alert === 'string')
        .map((r) => ({ namespace: o.metadata.namespace, alert: String(r.alert), cluster: record(r.labels)[DATABASE_ALERT_CLUSTER_LABEL] })));
    const name = String(cluster.metadata.name);
    const spec = record(cluster.spec);
    const problems: RuleProblem[] = [];
    const podLabels = { 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' };
    const monitor = monitors.find((m) => m.metadata.namespace === cluster.metadata.namespace && selectsAll(record(record(m.spec).selector), podLabels));
    if (!monitor) problems.push({ message: 'a production database has no PodMonitor selecting its instances: nothing scrapes its metrics', fix: 'set monitoring: true on the CnpgDatabase (it emits a PodMonitor on port "metrics")' });
    if (monitor?.metadata.name === name) {
      problems.push({ message: `the PodMonitor is named like the Cluster (${name}), the name the operator reserves for its own deprecated enablePodMonitor and deletes when that is off`, fix: `name the PodMonitor differently, e.g. ${name}-metrics` });
    }
    const needed: DatabaseAlertKind[] = [
      'archiving',
      ...(list(spec.plugins).some((p) => p.isWALArchiver === true) ? ['backups' as const] : []),
      ...(Number(spec.instances ?? 1) > 1 ? ['replication' as const] : []),
    ];
    // An alert is this cluster's when it is in the cluster's namespace and its label names the cluster.
    const missing = needed.filter((what) => !alerts.some((a) => a.namespace === cluster.metadata.namespace && a.cluster === name && a.alert === DATABASE_ALERTS[what].alert));
    if (missing.length > 0) {
      problems.push({
        message: `a production database has no alert on ${missing.join(', ')} (a PrometheusRule alert ${missing.map((m) => DATABASE_ALERTS[m].alert).join(', ')} labelled ${DATABASE_ALERT_CLUSTER_LABEL}: ${name}, reading ${missing.map((m) => DATABASE_ALERTS[m].metric).join(', ')})`,
        fix: `set monitoring: true on the CnpgDatabase (it emits the alerts as a PrometheusRule), or label your own alerts of those names ${DATABASE_ALERT_CLUSTER_LABEL}: ${name}`,
      });
    }
    return problems;
  },
};
