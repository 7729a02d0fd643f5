import { Cluster, ClusterSpecResourcesLimits, ClusterSpecResourcesRequests } from '../../../imports/postgresql.cnpg.io';
import { SecretSource } from '../../../lib/core/secret-source';
import { BarmanObjectStore } from '../../../lib/cnpg/barman-object-store';
import { CnpgDatabase } from '../../../lib/cnpg/cnpg-database';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import { only, render, testChart, testEnvironment } from '../../helpers';

const production = testEnvironment({ name: 'railiance01-prod', production: true, stage: 'prod' });
const violations = (objects: ReturnType<typeof render>, rule: string, isProduction = true) =>
  findViolations(objects, { production: isProduction }).filter((v) => v.rule === rule).map((v) => v.message);

describe('production databases are Guaranteed and watched, however the Cluster was built', () => {
  test('a raw production Cluster without equal requests and limits, PodMonitor or alerts is refused; outside production it is not', () => {
    const chart = testChart({ environment: production, namespace: 'databases' });
    new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 2, storage: { size: '1Gi' }, resources: { requests: { cpu: ClusterSpecResourcesRequests.fromString('500m'), memory: ClusterSpecResourcesRequests.fromString('1Gi') }, limits: { memory: ClusterSpecResourcesLimits.fromString('1Gi') } } } as never });
    const objects = render(chart);
    expect(violations(objects, 'database-guaranteed')).toEqual(['a production database runs without Guaranteed resources: cpu request 500m, limit unset']);
    expect(violations(objects, 'database-watched')).toEqual([
      'a production database has no PodMonitor selecting its instances: nothing scrapes its metrics',
      'a production database has no alert on archiving, replication (a PrometheusRule alert CnpgWalArchivingFailing, CnpgReplicationLagging labelled cnpg_cluster: db, reading cnpg_pg_stat_archiver_last_failed_time, cnpg_pg_replication_lag)',
    ]);
    expect(violations(objects, 'database-guaranteed', false)).toEqual([]);
    expect(violations(objects, 'database-watched', false)).toEqual([]);
  });

  test('CnpgDatabase in production emits the PodMonitor (not named like the Cluster) and alerts that satisfy the rule', () => {
    const chart = testChart({ environment: production, namespace: 'databases' });
    new CnpgDatabase(chart, 'db', {
      name: 'state-hub-db', postgresVersion: 17, imageName: `ghcr.io/cloudnative-pg/postgresql:17.11@sha256:${'ab'.repeat(32)}`, storageSize: '10Gi', instances: 2,
      backup: { objectStore: new BarmanObjectStore(chart, 'store', { name: 'backups', destinationPath: 's3://backups/databases', s3Credentials: { secret: SecretSource.fromSecretName('backup-s3') } }) },
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { cpu: '1', memory: '2Gi' } },
      metricsScrapers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
    });
    const objects = render(chart);
    expect(objects.find((o) => o.kind === 'PodMonitor')!.metadata.name).toBe('state-hub-db-metrics');
    const rules = only(objects, 'PrometheusRule').spec.groups[0].rules.map((r: { alert: string }) => r.alert);
    expect(rules).toEqual(['CnpgWalArchivingFailing', 'CnpgBackupStale', 'CnpgReplicationLagging', 'CnpgExporterDown']);
    expect(violations(objects, 'database-watched')).toEqual([]);
    expect(violations(objects, 'database-guaranteed')).toEqual([]);
  });

  test('an alert is a cluster\'s by its cnpg_cluster label and name, not by what its expression mentions', () => {
    const chart = testChart({ environment: production, namespace: 'databases' });
    const objects = render(chart);
    const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 'databases' }, spec: { instances: 1 } };
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'db-metrics', namespace: 'databases' }, spec: { selector: { matchLabels: { 'cnpg.io/cluster': 'db' } } } };
    const rules = (labels: Record<string, string>) => ({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'db-alerts', namespace: 'databases' },
      spec: { groups: [{ name: 'db.rules', rules: [{ alert: 'CnpgWalArchivingFailing', expr: 'max(cnpg_pg_stat_archiver_last_failed_time{pod=~"db-[0-9]+"}) > 1', labels }] }] },
    });
    // The expression reads the metric for the cluster's pods, but nothing says whose alert it is.
    expect(violations([...objects, cluster, monitor, rules({ severity: 'critical' })] as never, 'database-watched')).toEqual([
      expect.stringContaining('a production database has no alert on archiving (a PrometheusRule alert CnpgWalArchivingFailing labelled cnpg_cluster: db'),
    ]);
    expect(violations([...objects, cluster, monitor, rules({ severity: 'critical', cnpg_cluster: 'other' })] as never, 'database-watched')).toHaveLength(1);
    expect(violations([...objects, cluster, monitor, rules({ severity: 'critical', cnpg_cluster: 'db' })] as never, 'database-watched')).toEqual([]);
  });
});
