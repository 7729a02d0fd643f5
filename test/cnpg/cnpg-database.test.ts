import { BarmanObjectStore } from '../../lib/cnpg/barman-object-store';
import { SecretSource } from '../../lib/core/secret-source';
import { checkBackupSchedule } from '../../lib/cnpg/backup-schedule';
import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { WebService } from '../../lib/apps/web-service';
import type { CnpgDatabaseProps } from '../../lib/cnpg/database-props';
import type { AppChart } from '../../lib/core/app';
import type { Environment } from '../../lib/core/environment';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

const IMAGE = 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const base: CnpgDatabaseProps = { name: 'state-hub-db', postgresVersion: 17, imageName: IMAGE, storageSize: '10Gi' };

function store(chart: AppChart, name = 'backups') {
  return new BarmanObjectStore(chart, `store-${name}`, { name, destinationPath: 's3://backups/databases', s3Credentials: { secret: SecretSource.fromSecretName('backup-s3') } });
}

/** Who scrapes the metrics where monitoring is on: a database with monitoring must name them. */
const SCRAPERS = [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }];

/**
 * A chart in namespace `databases` with one database; `extra` may add a backup store. Where
 * monitoring is on (production, or `monitoring: true`) and `extra` names no scrapers, SCRAPERS
 * scrape it.
 */
function database(props: Partial<CnpgDatabaseProps> | ((chart: AppChart) => Partial<CnpgDatabaseProps>) = {}, environment: Environment = testEnvironment()) {
  const chart = testChart({ environment, namespace: 'databases', app: 'railiance-platform' });
  const extra = typeof props === 'function' ? props(chart) : props;
  const monitored = (extra.monitoring ?? environment.production) && !('metricsScrapers' in extra);
  const db = new CnpgDatabase(chart, 'db', { ...base, ...(monitored ? { metricsScrapers: SCRAPERS } : {}), ...extra });
  return { chart, db };
}

function objectsOf(props: Parameters<typeof database>[0] = {}, environment?: Environment) {
  return render(database(props, environment).chart);
}

function clusterOf(props: Parameters<typeof database>[0] = {}, environment?: Environment) {
  return only(objectsOf(props, environment), 'Cluster');
}

function errorsOf(props: Parameters<typeof database>[0], environment?: Environment): string {
  return problemsOf(() => render(database(props, environment).chart)).join('\n');
}

const production = testEnvironment({ name: 'railiance01-prod', production: true, stage: 'prod' });
/** Production images need a digest (lib/core/image.ts). */
const pinned = { imageName: `${IMAGE}@${DIGEST}` };

describe('CnpgDatabase', () => {
  describe('Cluster', () => {
    test('pins the image, sizes storage from the environment\'s StorageClass and bootstraps the application database', () => {
      const cluster = clusterOf({ database: 'statehub' });
      expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
      expect(cluster.metadata).toMatchObject({ name: 'state-hub-db', namespace: 'databases' });
      expect(cluster.spec).toMatchObject({
        instances: 1,
        imageName: IMAGE,
        storage: { size: '10Gi', storageClass: 'standard' },
        bootstrap: { initdb: { database: 'statehub', owner: 'statehub' } },
      });
      expect(cluster.spec.imageCatalogRef).toBeUndefined();
    });

    test('takes an explicit StorageClass over the environment\'s, for data and WAL volumes', () => {
      const cluster = clusterOf({ storageClass: 'fast', walStorageSize: '2Gi' });
      expect(cluster.spec.storage).toEqual({ size: '10Gi', storageClass: 'fast' });
      expect(cluster.spec.walStorage).toEqual({ size: '2Gi', storageClass: 'fast' });
    });

    test('defaults the database to "app" owned by a user of the same name, as the operator does', () => {
      expect(clusterOf().spec.bootstrap).toEqual({ initdb: { database: 'app', owner: 'app' } });
    });

    test('uses an existing basic-auth Secret for the owner when given', () => {
      const { db, chart } = database({ existingSecret: SecretSource.fromSecretName('state-hub-owner') });
      expect(only(render(chart), 'Cluster').spec.bootstrap.initdb.secret).toEqual({ name: 'state-hub-owner' });
      expect(db.connection.secretName).toBe('state-hub-owner');
      expect(db.connection.secretIsGenerated).toBe(false);
    });

    test('selects the image from a catalog by major version', () => {
      const cluster = clusterOf({ imageName: undefined, imageCatalog: { kind: 'ClusterImageCatalog', name: 'postgresql' } });
      expect(cluster.spec.imageCatalogRef).toEqual({ apiGroup: 'postgresql.cnpg.io', kind: 'ClusterImageCatalog', name: 'postgresql', major: 17 });
      expect(cluster.spec.imageName).toBeUndefined();
    });

    test('carries resources, parameters and managed roles', () => {
      const cluster = clusterOf({
        resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
        parameters: { max_connections: '200', shared_buffers: '128MB' },
        roles: [{ name: 'reporting', login: true, connectionLimit: 5, inRoles: ['pg_read_all_data'], passwordSecret: SecretSource.fromSecretName('reporting-password') }],
      });
      expect(cluster.spec.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
      expect(cluster.spec.postgresql).toEqual({ parameters: { max_connections: '200', shared_buffers: '128MB' } });
      expect(cluster.spec.managed.roles).toEqual([{ name: 'reporting', login: true, connectionLimit: 5, inRoles: ['pg_read_all_data'], passwordSecret: { name: 'reporting-password' } }]);
    });

    test('is protected from ArgoCD pruning and deletion', () => {
      expect(clusterOf().metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '-2' });
    });

    test('keeps the app\'s labels off the pods, PVCs and Services the operator creates', () => {
      const cluster = clusterOf();
      expect(cluster.metadata.labels['app.kubernetes.io/component']).toBe('database');
      expect(cluster.spec.inheritedMetadata).toBeUndefined();
    });

    test('turns the PodDisruptionBudget off for one instance (its primary PDB would block every drain) and on for more', () => {
      expect(clusterOf().spec.enablePDB).toBe(false);
      expect(clusterOf({ instances: 3 }).spec.enablePDB).toBe(true);
      expect(clusterOf({ podDisruptionBudget: true }).spec.enablePDB).toBe(true);
    });

    test('spreads two or more instances across nodes, preferred unless required', () => {
      expect(clusterOf().spec.affinity).toBeUndefined();
      expect(clusterOf({ instances: 2 }).spec.affinity).toEqual({ enablePodAntiAffinity: true, podAntiAffinityType: 'preferred', topologyKey: 'kubernetes.io/hostname' });
      expect(clusterOf({ instances: 2, podAntiAffinity: 'required' }).spec.affinity.podAntiAffinityType).toBe('required');
    });

    test('never uses the deprecated in-Cluster PodMonitor switch', () => {
      expect(clusterOf({ monitoring: true }).spec.monitoring).toBeUndefined();
    });
  });

  describe('connection', () => {
    test('names the Services and the application Secret as the operator does', () => {
      const { db } = database({ database: 'statehub' });
      expect(db.connection).toEqual({
        clusterName: 'state-hub-db',
        namespace: 'databases',
        host: 'state-hub-db-rw',
        hostFqdn: 'state-hub-db-rw.databases.svc.cluster.local',
        readOnlyHost: 'state-hub-db-ro',
        readOnlyHostFqdn: 'state-hub-db-ro.databases.svc.cluster.local',
        anyHost: 'state-hub-db-r',
        anyHostFqdn: 'state-hub-db-r.databases.svc.cluster.local',
        port: 5432,
        database: 'statehub',
        user: 'statehub',
        secretName: 'state-hub-db-app',
        secretKeys: {
          username: 'username', user: 'user', password: 'password', dbname: 'dbname', host: 'host', port: 'port',
          pgpass: 'pgpass', uri: 'uri', jdbcUri: 'jdbc-uri', fqdnUri: 'fqdn-uri', fqdnJdbcUri: 'fqdn-jdbc-uri',
        },
        secretIsGenerated: true,
        secret: { name: 'state-hub-db-app', keys: ['username', 'user', 'password', 'dbname', 'host', 'port', 'pgpass', 'uri', 'jdbc-uri', 'fqdn-uri', 'fqdn-jdbc-uri'] },
      });
    });

    test('fromDatabaseAttributes gives another app the same facts from the name and namespace alone', () => {
      const { db } = database({ database: 'statehub' });
      const reference = CnpgDatabase.fromDatabaseAttributes({ name: 'state-hub-db', namespace: 'databases', database: 'statehub' });
      expect(reference).toEqual({ name: 'state-hub-db', namespace: 'databases', connection: db.connection });
    });

    test('fromDatabaseAttributes follows an existing Secret and owner as the construct does', () => {
      const owner = SecretSource.fromSecretName('state-hub-owner');
      const { db } = database({ database: 'statehub', owner: 'hub', existingSecret: owner });
      expect(CnpgDatabase.fromDatabaseAttributes({ name: 'state-hub-db', namespace: 'databases', database: 'statehub', owner: 'hub', existingSecret: owner }).connection).toEqual(db.connection);
    });

    test('follows a custom cluster domain in the fully qualified names', () => {
      expect(database({ clusterDomain: 'k8s.internal' }).db.connection.hostFqdn).toBe('state-hub-db-rw.databases.svc.k8s.internal');
    });
  });

  describe('backups', () => {
    const withBackup = (extra: Partial<NonNullable<CnpgDatabaseProps['backup']>> = {}) => (chart: AppChart) => ({ backup: { objectStore: store(chart), ...extra } });

    test('archives WAL through the Barman Cloud plugin and never through the in-tree barmanObjectStore', () => {
      const cluster = clusterOf(withBackup());
      expect(cluster.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'backups' } }]);
      expect(cluster.spec.backup).toBeUndefined();
      expect(JSON.stringify(cluster)).not.toContain('barmanObjectStore');
    });

    test('passes a serverName to the plugin only when one is chosen', () => {
      expect(clusterOf(withBackup({ serverName: 'state-hub-db-2' })).spec.plugins[0].parameters).toEqual({ barmanObjectName: 'backups', serverName: 'state-hub-db-2' });
    });

    test('schedules a daily plugin base backup, taken at once, owned by the ScheduledBackup and protected from pruning', () => {
      const scheduled = only(objectsOf(withBackup()), 'ScheduledBackup');
      expect(scheduled.metadata.name).toBe('state-hub-db-backup');
      expect(scheduled.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '-2' });
      expect(scheduled.spec).toEqual({
        cluster: { name: 'state-hub-db' },
        schedule: '0 0 0 * * *',
        method: 'plugin',
        pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
        immediate: true,
        backupOwnerReference: 'self',
      });
    });

    test('takes volume snapshots for base backups when asked, with WAL still archived by the plugin', () => {
      const objects = objectsOf(withBackup({ method: 'volumeSnapshot', volumeSnapshotClass: 'csi-snapclass', schedule: '0 30 1 * * *' }));
      const cluster = only(objects, 'Cluster');
      expect(cluster.spec.backup).toEqual({ volumeSnapshot: { className: 'csi-snapclass' } });
      expect(cluster.spec.plugins[0].isWALArchiver).toBe(true);
      const scheduled = only(objects, 'ScheduledBackup');
      expect(scheduled.spec.method).toBe('volumeSnapshot');
      expect(scheduled.spec.pluginConfiguration).toBeUndefined();
      expect(scheduled.spec.schedule).toBe('0 30 1 * * *');
    });

    test('emits no ScheduledBackup without backups', () => {
      expect(objectsOf().filter((o) => o.kind === 'ScheduledBackup')).toEqual([]);
    });
  });

  describe('bootstrap', () => {
    test('recovers from an ObjectStore through the plugin, to a point in time', () => {
      const cluster = clusterOf((chart) => ({
        database: 'statehub',
        recovery: { objectStore: store(chart), serverName: 'state-hub-db-old', target: { time: '2026-05-01T12:00:00Z' } },
      }));
      expect(cluster.spec.bootstrap).toEqual({
        recovery: { source: 'recovery-origin', database: 'statehub', owner: 'statehub', recoveryTarget: { targetTime: '2026-05-01T12:00:00Z' } },
      });
      expect(cluster.spec.externalClusters).toEqual([{
        name: 'recovery-origin',
        plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: { barmanObjectName: 'backups', serverName: 'state-hub-db-old' } },
      }]);
    });

    test('recovers the origin of the same name by default, and archives elsewhere', () => {
      const cluster = clusterOf((chart) => {
        const objectStore = store(chart);
        return { recovery: { objectStore }, backup: { objectStore, serverName: 'state-hub-db-2' } };
      });
      expect(cluster.spec.externalClusters[0].plugin.parameters.serverName).toBe('state-hub-db');
      expect(cluster.spec.plugins[0].parameters.serverName).toBe('state-hub-db-2');
    });

    test('imports one database from an external PostgreSQL as a microservice', () => {
      const cluster = clusterOf({
        database: 'statehub',
        importFrom: { host: 'workstation.tail0000.ts.net', user: 'statehub', database: 'state_hub', passwordSecret: { secret: SecretSource.fromSecretName('state-hub-source'), key: 'password' }, sslMode: 'require' },
      });
      expect(cluster.spec.bootstrap).toEqual({
        initdb: {
          database: 'statehub',
          owner: 'statehub',
          import: { type: 'microservice', databases: ['state_hub'], source: { externalCluster: 'import-source' } },
        },
      });
      expect(cluster.spec.externalClusters).toEqual([{
        name: 'import-source',
        connectionParameters: { host: 'workstation.tail0000.ts.net', port: '5432', user: 'statehub', dbname: 'state_hub', sslmode: 'require' },
        password: { name: 'state-hub-source', key: 'password' },
      }]);
    });
  });

  describe('monitoring', () => {
    test('emits a PodMonitor on the metrics port selecting the Cluster\'s pods, not named like the operator\'s own', () => {
      const monitor = only(objectsOf({ monitoring: true }), 'PodMonitor');
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.metadata).toMatchObject({ name: 'state-hub-db-metrics', namespace: 'databases' });
      expect(monitor.spec).toEqual({ selector: { matchLabels: { 'cnpg.io/cluster': 'state-hub-db' } }, podMetricsEndpoints: [{ port: 'metrics' }] });
    });

    test('emits alert rules for WAL archiving, backup age and replication, selecting the Cluster\'s pods', () => {
      const rule = only(objectsOf((chart) => ({ monitoring: true, instances: 2, backup: { objectStore: store(chart) } })), 'PrometheusRule');
      expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(rule.metadata).toMatchObject({ name: 'state-hub-db-alerts', namespace: 'databases' });
      const rules = rule.spec.groups[0].rules;
      expect(rules.map((r: { alert: string }) => r.alert)).toEqual(['CnpgWalArchivingFailing', 'CnpgBackupStale', 'CnpgReplicationLagging', 'CnpgExporterDown']);
      for (const r of rules) expect(r.expr).toContain('pod=~"state-hub-db-[0-9]+"');
      // No backups and one instance: nothing to say about backup age or replicas.
      const single = only(objectsOf({ monitoring: true }), 'PrometheusRule').spec.groups[0].rules.map((r: { alert: string }) => r.alert);
      expect(single).toEqual(['CnpgWalArchivingFailing', 'CnpgExporterDown']);
    });

    test('carries extra labels for a Prometheus that selects monitors by label', () => {
      const objects = objectsOf({ monitoring: true, podMonitorLabels: { release: 'kube-prometheus-stack' } });
      expect(only(objects, 'PodMonitor').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/component': 'database' });
      expect(only(objects, 'PrometheusRule').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/component': 'database' });
    });

    test('is on by default in production, off by default elsewhere, and can be turned off', () => {
      const watched = (props: Parameters<typeof database>[0], environment?: Environment) => objectsOf(props, environment).filter((o) => o.kind === 'PodMonitor' || o.kind === 'PrometheusRule').map((o) => o.kind);
      const valid = (chart: AppChart) => ({ ...pinned, instances: 2, backup: { objectStore: store(chart) } });
      expect(watched(valid, production)).toEqual(['PodMonitor', 'PrometheusRule']);
      expect(watched({})).toEqual([]);
      expect(watched((chart) => ({ ...valid(chart), monitoring: false }), production)).toEqual([]);
    });
  });

  describe('NetworkPolicy', () => {
    const policyOf = (props: Parameters<typeof database>[0] = {}) => only(objectsOf(props), 'NetworkPolicy');
    const tcp = (port: number) => ({ port, protocol: 'TCP' });

    test('admits only the Cluster\'s own pods and the operator when no client is declared', () => {
      const policy = policyOf();
      expect(policy.metadata.name).toBe('state-hub-db-ingress');
      expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'state-hub-db' } });
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      expect(policy.spec.ingress).toEqual([
        { from: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'state-hub-db' } } }], ports: [tcp(5432), tcp(8000)] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } } }],
          ports: [tcp(8000), tcp(5432)],
        },
      ]);
    });

    test('admits the operator where environment.yaml says it runs, and refuses to guess where it does not say', () => {
      const elsewhere = testEnvironment({ cloudnativePg: { operatorNamespace: 'databases-system', operatorPodLabels: { 'app.kubernetes.io/name': 'cnpg' } } });
      expect(only(objectsOf({}, elsewhere), 'NetworkPolicy').spec.ingress[1].from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases-system' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cnpg' } } },
      ]);
      const undeclared = testEnvironment({ cloudnativePg: undefined });
      expect(problemsOf(() => objectsOf({}, undeclared))).toEqual([
        expect.stringContaining('the NetworkPolicy must admit the CloudNativePG operator, but overlays/test-sandbox/environment.yaml does not say where it runs: declare cloudnativePg'),
      ]);
      // Without a NetworkPolicy there is nothing to admit the operator to.
      expect(objectsOf({ networkPolicy: false }, undeclared).map((o) => o.kind)).not.toContain('NetworkPolicy');
    });

    test('the PodMonitor and alert rules carry the labels the environment\'s Prometheus selects, with podMonitorLabels added', () => {
      const selecting = testEnvironment({ production: true, prometheus: { selectorLabels: { release: 'kube-prometheus-stack' } } });
      const objects = objectsOf((chart) => ({ ...base, imageName: `${IMAGE}@${DIGEST}`, instances: 2, backup: { objectStore: store(chart) }, podMonitorLabels: { team: 'platform' } }), selecting);
      for (const kind of ['PodMonitor', 'PrometheusRule']) expect(only(objects, kind).metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', team: 'platform' });
    });

    test('admits declared clients to 5432, from allowFrom and from connections.allowFrom, each by namespace and pod labels', () => {
      const { chart, db } = database({ allowFrom: [{ podLabels: { app: 'migrations' } }] });
      db.connections.allowFrom({ namespace: 'railiance-apps', podLabels: { 'app.kubernetes.io/name': 'state-hub' } });
      const policy = only(render(chart), 'NetworkPolicy');
      expect(policy.spec.ingress[2]).toEqual({
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } }, podSelector: { matchLabels: { app: 'migrations' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'railiance-apps' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'state-hub' } } },
        ],
        ports: [tcp(5432)],
      });
    });

    test('opens the metrics port only with monitoring, to the declared scrapers', () => {
      expect(policyOf().spec.ingress.some((r: any) => r.ports.some((p: any) => p.port === 9187))).toBe(false);
      const scraped = policyOf({ monitoring: true, metricsScrapers: SCRAPERS });
      expect(scraped.spec.ingress.at(-1).from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }]);
    });

    test('refuses monitoring that names no scrapers: the metrics port would be open to every pod', () => {
      expect(errorsOf({ monitoring: true, metricsScrapers: [] })).toMatch(/monitoring is on but no metricsScrapers say who may scrape port 9187: name the scraper \(e\.g\. Prometheus, declared under existing\.clients in environment\.yaml\), or set monitoring: false/);
      expect(errorsOf({ ...pinned, metricsScrapers: [] }, production)).toMatch(/monitoring is on \(the default in production\) but no metricsScrapers/);
      // Without the database's NetworkPolicy there is no rule to open, so nothing to name.
      expect(only(objectsOf({ monitoring: true, metricsScrapers: [], networkPolicy: false }), 'PodMonitor').metadata.name).toBe('state-hub-db-metrics');
    });

    test('follows a non-default operator namespace', () => {
      expect(policyOf({ operatorNamespace: 'cnpg' }).spec.ingress[1].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'cnpg' });
    });

    test('can be left out', () => {
      expect(objectsOf({ networkPolicy: false }).filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    });

    test('left out, it refuses to admit a peer, which would admit nothing', () => {
      const { db } = database({ networkPolicy: false });
      expect(() => db.connections.allowFrom({ podLabels: { app: 'api' } })).toThrow(/has networkPolicy: false, so there is no NetworkPolicy to admit a peer through/);
      expect(() => database({ networkPolicy: true }).db.connections.allowFrom({ podLabels: { app: 'api' } })).not.toThrow();
    });

    test('admits a WebService of the app by the labels that select its pods', () => {
      const { chart, db } = database();
      const web = new WebService(chart, 'web', { name: 'api', image: 'registry.example/api:1', port: 8000, healthPath: '/health' });
      db.connections.allowFrom(web);
      expect(only(render(chart), 'NetworkPolicy').spec.ingress[2].from).toEqual([
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } }, podSelector: { matchLabels: web.selector } },
      ]);
    });
  });

  describe('credentials for consumers in another namespace', () => {
    test('grants get on the application Secret only, by name, to the consumer\'s ServiceAccount', () => {
      const { chart, db } = database();
      db.grantCredentialsTo({ namespace: 'railiance-apps' });
      db.grantCredentialsTo({ namespace: 'railiance-apps' });
      const objects = render(chart);
      const role = only(objects, 'Role');
      expect(role.metadata).toMatchObject({ name: 'state-hub-db-credentials-railiance-apps', namespace: 'databases' });
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['state-hub-db-app'], verbs: ['get'] }]);
      const binding = only(objects, 'RoleBinding');
      expect(binding.metadata.namespace).toBe('databases');
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'state-hub-db-credentials-railiance-apps' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'state-hub-db-credentials', namespace: 'railiance-apps' }]);
    });

    test('credentialsFor emits both halves in one app and returns the Secret to mount', () => {
      const { chart, db } = database();
      const credentials = db.credentialsFor(chart, { namespace: 'railiance-apps' });
      expect(credentials.secretName).toBe('state-hub-db-app');
      expect(credentials.namespace).toBe('railiance-apps');
      const objects = render(chart);
      expect(only(objects, 'ExternalSecret').metadata.namespace).toBe('railiance-apps');
      expect(only(objects, 'Role').metadata.namespace).toBe('databases');
    });
  });

  describe('production', () => {
    test('a single instance with a reason records the reason on the Cluster', () => {
      const cluster = clusterOf((chart) => ({ ...pinned, singleInstanceReason: 'railiance01 is a single node', backup: { objectStore: store(chart) } }), production);
      expect(cluster.metadata.annotations['platform.internal/single-instance-reason']).toBe('railiance01 is a single node');
      expect(cluster.spec.instances).toBe(1);
    });

    test('two instances with backups need no reason', () => {
      expect(clusterOf((chart) => ({ ...pinned, instances: 2, backup: { objectStore: store(chart) } }), production).metadata.annotations['platform.internal/single-instance-reason']).toBeUndefined();
    });
  });

  describe('refuses', () => {
    test('a production database without backups, even with a single-instance reason', () => {
      expect(errorsOf({ instances: 2 }, production)).toMatch(/production database must have backups/);
      expect(errorsOf({ singleInstanceReason: 'one node' }, production)).toMatch(/singleInstanceReason does not waive this/);
    });

    test('a single-instance production database without a reason', () => {
      expect(errorsOf((chart) => ({ backup: { objectStore: store(chart) } }), production)).toMatch(/needs at least 2 instances; set instances: 2 or more, or give singleInstanceReason/);
    });

    test('a single-instance reason on a database that is not single-instance, or an empty one', () => {
      expect(errorsOf({ instances: 2, singleInstanceReason: 'x' })).toMatch(/singleInstanceReason is set but instances is 2/);
      expect(errorsOf({ singleInstanceReason: ' ' })).toMatch(/singleInstanceReason is empty/);
    });

    test('instances below one', () => {
      expect(errorsOf({ instances: 0 })).toMatch(/instances 0 must be a whole number of at least 1/);
    });

    test('Cluster names that are not DNS-1035 labels or longer than 50 characters', () => {
      expect(errorsOf({ name: '1db' })).toMatch(/Cluster name "1db" must consist of .* start with a letter.*validateName/);
      expect(errorsOf({ name: 'State_Hub' })).toMatch(/Cluster name "State_Hub"/);
      expect(errorsOf({ name: 'a'.repeat(51) })).toMatch(/is 51 characters long; CNPG allows at most 50/);
    });

    test('an image that is not pinned, or does not match the major version', () => {
      expect(errorsOf({ imageName: undefined })).toMatch(/the PostgreSQL image is not pinned/);
      expect(errorsOf({ imageName: 'ghcr.io/cloudnative-pg/postgresql:latest' })).toMatch(/uses the "latest" tag/);
      expect(errorsOf({ imageName: 'ghcr.io/cloudnative-pg/postgresql' })).toMatch(/has no tag/);
      expect(errorsOf({ imageName: `ghcr.io/cloudnative-pg/postgresql@${DIGEST}` })).toMatch(/has no tag/);
      expect(errorsOf({ imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6@sha256:abc' })).toMatch(/is not a valid image reference/);
      expect(errorsOf({ imageName: 'ghcr.io/cloudnative-pg/postgresql:bookworm' })).toMatch(/tag "bookworm", which is not a PostgreSQL version/);
      expect(errorsOf({ imageName: 'ghcr.io/cloudnative-pg/postgresql:16.4' })).toMatch(/is PostgreSQL 16 but postgresVersion is 17/);
    });

    test('an image without a digest in production', () => {
      expect(errorsOf((chart) => ({ instances: 2, backup: { objectStore: store(chart) } }), production)).toMatch(/has no digest; production requires <repository>:<version>@sha256:<digest>/);
    });

    test('a major version below 12', () => {
      expect(errorsOf({ postgresVersion: 11, imageName: 'ghcr.io/cloudnative-pg/postgresql:11.22' })).toMatch(/postgresVersion 11 is not a supported PostgreSQL major version/);
    });

    test('an image name together with a catalog', () => {
      expect(errorsOf({ imageCatalog: { kind: 'ImageCatalog', name: 'pg' } })).toMatch(/imageName and imageCatalog are exclusive/);
    });

    test('no StorageClass anywhere', () => {
      expect(errorsOf({}, testEnvironment({ storageClass: undefined }))).toMatch(/no StorageClass: set storageClass, or storageClass in environment test-sandbox's environment.yaml/);
    });

    test('sizes and resources that are not quantities, and a request above its limit', () => {
      expect(errorsOf({ storageSize: '10 GB' })).toMatch(/storageSize "10 GB" is not a Kubernetes quantity/);
      expect(errorsOf({ storageSize: '0' })).toMatch(/storageSize "0" must be larger than zero/);
      expect(errorsOf({ walStorageSize: '1GiB' })).toMatch(/walStorageSize "1GiB" is not a Kubernetes quantity/);
      expect(errorsOf({ resources: { requests: { cpu: 'two' } } })).toMatch(/resources.requests.cpu "two" is not a Kubernetes quantity/);
      expect(errorsOf({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } })).toMatch(/resources.requests.memory \(2Gi\) exceeds resources.limits.memory \(1Gi\)/);
    });

    test('parameters the operator owns', () => {
      expect(errorsOf({ parameters: { port: '5433' } })).toMatch(/parameter "port" is managed by the operator.*Can't set fixed configuration parameter/);
      expect(errorsOf({ parameters: { recovery_target_time: 'x' } })).toMatch(/parameter "recovery_target_time" is managed by the operator/);
      expect(errorsOf({ parameters: { shared_preload_libraries: 'pg_stat_statements' } })).toMatch(/postgresql.sharedPreloadLibraries instead/);
    });

    test('WAL settings that break replication or archiving', () => {
      expect(errorsOf({ instances: 2, parameters: { wal_level: 'minimal' } })).toMatch(/wal_level "minimal" cannot stream to replicas/);
      expect(errorsOf({ instances: 2, parameters: { wal_log_hints: 'off' } })).toMatch(/wal_log_hints must stay on/);
    });

    test('database and owner names that are not plain identifiers, or reserved', () => {
      expect(errorsOf({ database: 'State-Hub' })).toMatch(/database "State-Hub" must be a plain PostgreSQL identifier/);
      expect(errorsOf({ database: 'postgres' })).toMatch(/database "postgres" is a PostgreSQL system database/);
      expect(errorsOf({ owner: 'streaming_replica' })).toMatch(/owner "streaming_replica" is a role the operator reserves/);
    });

    test('managed roles the webhook would reject', () => {
      expect(errorsOf({ roles: [{ name: 'a' }, { name: 'a' }] })).toMatch(/role "a" is declared twice/);
      expect(errorsOf({ roles: [{ name: 'postgres' }] })).toMatch(/role "postgres" is reserved by the operator/);
      expect(errorsOf({ roles: [{ name: 'a', connectionLimit: -2 }] })).toMatch(/connectionLimit -2 must be a whole number, -1 \(no limit\) or more/);
      expect(errorsOf({ roles: [{ name: 'a', disablePassword: true, passwordSecret: SecretSource.fromSecretName('s') }] })).toMatch(/disablePassword and passwordSecret are exclusive/);
      expect(errorsOf({ roles: [{ name: 'a', passwordSecret: SecretSource.fromSecretAttributes({ name: 's', keys: ['password'] }) }] }))
        .toMatch(/role "a": passwordSecret \(a basic-auth Secret\) reads key "username" of Secret s, which Secret s \(not emitted by this app\) writes without that key \(it has password\)/);
      expect(errorsOf({ existingSecret: SecretSource.fromSecretAttributes({ name: 'owner', keys: ['user', 'password'] }) }))
        .toMatch(/existingSecret \(the owner's basic-auth Secret\) reads key "username" of Secret owner/);
    });

    test('a backup schedule that is not six-field cron', () => {
      const errors = (schedule: string) => errorsOf((chart) => ({ backup: { objectStore: store(chart), schedule } }));
      expect(errors('0 2 * * *')).toMatch(/has 5 fields; CNPG schedules have six, seconds first.*prepend the seconds: "0 0 2 \* \* \*"/);
      expect(errors('0 0 25 * * *')).toMatch(/invalid hour field "25": 25 is outside 0-23/);
    });

    test('a volume-snapshot backup without a VolumeSnapshotClass, and a class without the method', () => {
      expect(errorsOf((chart) => ({ backup: { objectStore: store(chart), method: 'volumeSnapshot' } }))).toMatch(/no volumeSnapshotClass is given/);
      expect(errorsOf((chart) => ({ backup: { objectStore: store(chart), volumeSnapshotClass: 'csi' } }))).toMatch(/volumeSnapshotClass is set but method is not "volumeSnapshot"/);
    });

    test('an ObjectStore in another namespace', () => {
      const objectStore = BarmanObjectStore.fromObjectStoreAttributes({ name: 'backups', namespace: 'elsewhere' });
      expect(errorsOf({ backup: { objectStore } })).toMatch(/backup.objectStore elsewhere\/backups is in another namespace than the Cluster \(databases\)/);
      expect(errorsOf({ recovery: { objectStore } })).toMatch(/recovery.objectStore elsewhere\/backups is in another namespace/);
    });

    test('recovery and import together', () => {
      const errors = errorsOf((chart) => ({
        recovery: { objectStore: store(chart) },
        importFrom: { host: 'db.example', user: 'u', database: 'd', passwordSecret: { secret: SecretSource.fromSecretName('s'), key: 'password' } },
      }));
      expect(errors).toMatch(/recovery and importFrom are both set.*Too many bootstrap types specified/);
    });

    test('archiving into the folder the cluster recovers from', () => {
      const errors = errorsOf((chart) => {
        const objectStore = store(chart);
        return { recovery: { objectStore }, backup: { objectStore } };
      });
      expect(errors).toMatch(/backup and recovery use the same ObjectStore "backups" and serverName "state-hub-db".*Set backup.serverName to a new folder \(e.g. "state-hub-db-2"\)/);
    });

    test('recovery targets the webhook would reject', () => {
      const errors = (target: NonNullable<NonNullable<CnpgDatabaseProps['recovery']>['target']>) => errorsOf((chart) => ({ recovery: { objectStore: store(chart), target } }));
      expect(errors({ time: '2026-05-01T12:00:00Z', lsn: '0/3000060' })).toMatch(/recoveryTarget sets targetTime and targetLSN; the recovery targets are mutually exclusive/);
      expect(errors({ name: 'before-migration' })).toMatch(/recoveryTarget.targetName needs backupID/);
      expect(errors({ immediate: true })).toMatch(/recoveryTarget.targetImmediate needs backupID/);
      expect(errors({ time: 'yesterday' })).toMatch(/recoveryTarget.targetTime "yesterday" is not a timestamp/);
      expect(errors({ lsn: '3000060' })).toMatch(/recoveryTarget.targetLSN "3000060" is not an LSN/);
      expect(errors({ xid: 'abc', backupId: 'b' })).toMatch(/recoveryTarget.targetXID "abc" is not a transaction id/);
      expect(errors({ timeline: 'current' })).toMatch(/recoveryTarget.targetTLI "current" must be "latest" or a positive whole number/);
    });

    test('accepts a PostgreSQL-format recovery time', () => {
      expect(clusterOf((chart) => ({ recovery: { objectStore: store(chart), target: { time: '2026-05-01 12:00:00+02' } } })).spec.bootstrap.recovery.recoveryTarget).toEqual({ targetTime: '2026-05-01 12:00:00+02' });
    });

    test('an import that is not one named database from a reachable host', () => {
      const importOf = (extra: object) => ({ importFrom: { host: 'db.example', user: 'u', database: 'd', passwordSecret: { secret: SecretSource.fromSecretName('s'), key: 'password' }, ...extra } });
      expect(errorsOf(importOf({ database: '*' }))).toMatch(/import database "\*" is not allowed: a microservice import takes exactly one named database/);
      expect(errorsOf(importOf({ host: 'postgres://db' }))).toMatch(/importFrom.host "postgres:\/\/db" is not a host name/);
      expect(errorsOf(importOf({ port: 0 }))).toMatch(/importFrom.port 0 is not a port number/);
      expect(errorsOf(importOf({ passwordSecret: { secret: SecretSource.fromSecretName('s'), key: '' } }))).toMatch(/importFrom.passwordSecret.key is empty/);
      expect(errorsOf(importOf({ passwordSecret: { secret: SecretSource.fromSecretAttributes({ name: 's', keys: ['pass'] }), key: 'password' } })))
        .toMatch(/importFrom.passwordSecret.key reads key "password" of Secret s, which Secret s \(not emitted by this app\) writes without that key \(it has pass\)/);
    });

    test('clients without pod labels, or with invalid ones', () => {
      expect(errorsOf({ allowFrom: [{ namespace: 'railiance-apps', podLabels: {} }] })).toMatch(/client 1 has no podLabels; .* not every pod of railiance-apps is admitted/);
      expect(errorsOf({ allowFrom: [{ podLabels: { app: 'not valid!' } }] })).toMatch(/label value "not valid!" of app is not a valid label value/);
      expect(errorsOf({ allowFrom: [{ namespace: 'Apps', podLabels: { app: 'x' } }] })).toMatch(/client 1: namespace "Apps"/);
    });

    test('metrics scrapers or PodMonitor labels with monitoring turned off', () => {
      expect(errorsOf({ monitoring: false, metricsScrapers: [{ namespace: 'monitoring', podLabels: { app: 'prometheus' } }] })).toMatch(/metricsScrapers is set but monitoring is off/);
      expect(errorsOf({ monitoring: false, podMonitorLabels: { release: 'prom' } })).toMatch(/podMonitorLabels is set but monitoring is off/);
      // Production watches by default: scrapers given there without `monitoring` are used.
      const scraped = objectsOf((chart) => ({ ...pinned, instances: 2, backup: { objectStore: store(chart) }, metricsScrapers: [{ namespace: 'monitoring', podLabels: { app: 'prometheus' } }] }), production);
      expect(only(scraped, 'NetworkPolicy').spec.ingress.at(-1).from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { app: 'prometheus' } } }]);
    });

    test('a credentials grant to the database\'s own namespace', () => {
      const { chart, db } = database();
      db.grantCredentialsTo({ namespace: 'databases' });
      expect(problemsOf(() => render(chart)).join('\n')).toMatch(/is the database's own namespace; mount connection.secretName there directly/);
    });

    test('and names every problem at once, with the construct path', () => {
      const problems = problemsOf(() => render(database({ name: 'Bad', storageSize: 'x', instances: 0 }).chart));
      expect(problems.length).toBeGreaterThanOrEqual(3);
      expect(problems.every((p) => p.startsWith('railiance-platform/db: '))).toBe(true);
    });
  });

  describe('checkBackupSchedule', () => {
    test.each([
      '0 0 0 * * *', '0 30 2 * * MON-FRI', '*/30 * * * * *', '0 0 3 1,15 * ?', '0 0 0 1 JAN *', '@daily', '@every 6h',
    ])('accepts %s', (schedule) => {
      expect(checkBackupSchedule(schedule)).toBeUndefined();
    });

    test.each([
      ['0 0 * * *', /has 5 fields/],
      ['0 0 0 * * * *', /has 7 fields/],
      ['60 0 0 * * *', /second field "60": 60 is outside 0-59/],
      ['0 0 0 0 * *', /day of month field "0"/],
      ['0 0 0 * 13 *', /month field "13"/],
      ['0 0 0 * * 7', /day of week field "7"/],
      ['0 0 5-2 * * *', /range 5-2 runs backwards/],
      ['0 */0 * * * *', /step "0" must be a positive number/],
      ['0 0 0 * * FUNDAY', /is not a number or name/],
      ['@fortnightly', /not a cron descriptor/],
    ])('refuses %s', (schedule, message) => {
      expect(checkBackupSchedule(schedule)).toMatch(message);
    });
  });

  describe('snapshots', () => {
    test('a minimal database', () => {
      expect(objectsOf()).toMatchSnapshot();
    });

    test('a full-featured production database', () => {
      const chart = testChart({ environment: production, namespace: 'databases', app: 'railiance-platform' });
      const objectStore = new BarmanObjectStore(chart, 'backups', {
        name: 'state-hub-backups',
        destinationPath: 's3://railiance-backups/databases',
        endpointUrl: 'https://minio.storage.svc:9000',
        endpointCa: { secret: SecretSource.fromSecretName('minio-ca'), key: 'ca.crt' },
        s3Credentials: { secret: SecretSource.fromSecretName('state-hub-backup-s3'), regionKey: 'REGION' },
        retentionPolicy: '14d',
        walCompression: 'zstd',
        encryption: 'AES256',
        walMaxParallel: 4,
      });
      const db = new CnpgDatabase(chart, 'state-hub-db', {
        name: 'state-hub-db',
        instances: 3,
        postgresVersion: 17,
        imageName: `${IMAGE}@${DIGEST}`,
        storageSize: '20Gi',
        storageClass: 'local-path',
        walStorageSize: '5Gi',
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
        parameters: { max_connections: '200', shared_buffers: '256MB' },
        database: 'statehub',
        owner: 'statehub',
        roles: [{ name: 'reporting', login: true, inRoles: ['pg_read_all_data'], passwordSecret: SecretSource.fromSecretName('state-hub-reporting') }],
        podAntiAffinity: 'required',
        monitoring: true,
        metricsScrapers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
        backup: { objectStore, schedule: '0 0 2 * * *', serverName: 'state-hub-db-2', target: 'prefer-standby' },
        recovery: { objectStore, serverName: 'state-hub-db', target: { time: '2026-05-01T12:00:00Z' } },
        allowFrom: [{ namespace: 'railiance-apps', podLabels: { 'app.kubernetes.io/name': 'state-hub' } }],
      });
      db.grantCredentialsTo({ namespace: 'railiance-apps' });
      expect(render(chart)).toMatchSnapshot();
    });
  });
});
