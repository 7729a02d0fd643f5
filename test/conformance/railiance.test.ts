import { conformance, mainContainer } from './record';

/**
 * The Railiance platform layer and State Hub on railiance01, as their operators recorded them (no
 * public repository: their record is docs/reference-records.md), and the operators' own rules
 * (CloudNativePG 1.30, plugin-barman-cloud 0.14, ArgoCD 3.5).
 */
const PLATFORM = { record: 'Railiance platform layer' };
const STATE_HUB = { record: 'State Hub' };
const cnpg = (...files: string[]) => ({ repository: 'cloudnative-pg/cloudnative-pg', commit: 'v1.30.0', files });
const barman = (...files: string[]) => ({ repository: 'cloudnative-pg/plugin-barman-cloud', commit: 'v0.14.0', files });

conformance('Railiance platform layer', [['railiance01-prod', 'railiance-platform']], [
  {
    source: PLATFORM,
    says: 'the platform owns the database servers, in namespace databases; apps never manage one',
    holds: (m) => {
      expect(m.one('Cluster', 'state-hub-db').metadata.namespace).toBe('databases');
      const apps = m.delivery.find((o) => o.kind === 'AppProject' && o.metadata.name === 'railiance01-prod')!;
      const platform = m.delivery.find((o) => o.kind === 'AppProject' && o.metadata.name === 'railiance01-prod-platform')!;
      expect(apps.spec.namespaceResourceWhitelist).not.toContainEqual({ group: 'postgresql.cnpg.io', kind: 'Cluster' });
      expect(platform.spec.namespaceResourceWhitelist).toContainEqual({ group: 'postgresql.cnpg.io', kind: 'Cluster' });
      expect(apps.spec.destinations.map((d: any) => d.namespace)).toEqual(['railiance-apps']);
    },
  },
  {
    source: [PLATFORM, barman('web/docs/usage.md')],
    says: 'backups are mandatory: WAL archived through the plugin, a scheduled base backup, neither pruned',
    holds: (m) => {
      const cluster = m.one('Cluster', 'state-hub-db');
      expect(cluster.spec.plugins).toEqual([{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'state-hub-backups' } }]);
      expect(m.one('ScheduledBackup').spec.cluster).toEqual({ name: 'state-hub-db' });
      for (const o of [cluster, m.one('ScheduledBackup'), m.one('ObjectStore')]) expect(o.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    },
  },
  {
    source: [cnpg('releases/cnpg-1.30.0.yaml'), { repository: 'cloudnative-pg/artifacts', commit: '0b1123d', files: ['image-catalogs/catalog-minimal-trixie.yaml'] }],
    says: 'the operator installs no image catalog; the official catalog pins each major by digest',
    holds: (m) => {
      const cluster = m.one('Cluster', 'state-hub-db');
      expect(cluster.spec.imageCatalogRef).toBeUndefined();
      expect(cluster.spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.11-202608310816-minimal-trixie@sha256:c3c572b1cae6404fb508516456b0288d1c35feda39d4ef59857af2c9abe9282d');
    },
  },
  {
    source: cnpg('docs/src/resource_management.md'),
    says: '"For a PostgreSQL workload it is recommended to set a Guaranteed QoS" (requests = limits)',
    holds: (m) => {
      const { requests, limits } = m.one('Cluster', 'state-hub-db').spec.resources;
      expect(requests).toEqual(limits);
      expect(Object.keys(requests).sort()).toEqual(['cpu', 'memory']);
    },
  },
  {
    source: [PLATFORM, cnpg('docs/src/monitoring.md "Creating a PodMonitor"'), barman('web/docs/observability.md')],
    says: 'backups are mandatory, so their success is watched: a PodMonitor of our own on port metrics, alerts on archiving and backup age',
    holds: (m) => {
      expect(m.one('PodMonitor').spec).toEqual({ selector: { matchLabels: { 'cnpg.io/cluster': 'state-hub-db' } }, podMetricsEndpoints: [{ port: 'metrics' }] });
      expect(m.one('PodMonitor').metadata.name).not.toBe('state-hub-db');
      const alerts = m.one('PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert);
      expect(alerts).toEqual(expect.arrayContaining(['CnpgWalArchivingFailing', 'CnpgBackupStale']));
    },
  },
]);

conformance('State Hub', [['railiance01-prod', 'state-hub']], [
  {
    source: STATE_HUB,
    says: 'port 8000; DATABASE_URL; probes GET /state/health, which reports the database',
    holds: (m) => {
      const { container } = mainContainer(m);
      expect(container.ports).toEqual([{ containerPort: 8000, name: 'http', protocol: 'TCP' }]);
      expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'state-hub-db-app', key: 'uri' } } }]);
      expect(container.readinessProbe.httpGet.path).toBe('/state/health');
      // It reports the database: liveness there would restart State Hub whenever CNPG fails over.
      expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
    },
  },
  {
    source: STATE_HUB,
    says: 'migrations by Alembic, shipped in the same image, before the new version serves',
    holds: (m) => {
      const job = m.one('Job');
      expect(job.spec.template.spec.containers[0].command).toEqual(['alembic', 'upgrade', 'head']);
      expect(job.spec.template.spec.containers[0].image).toBe(mainContainer(m).container.image);
    },
  },
  {
    source: STATE_HUB,
    says: 'never public; reached over a private tunnel to a ClusterIP Service',
    holds: (m) => {
      expect(m.one('Service').spec.type).toBe('ClusterIP');
      expect(m.all('Ingress')).toEqual([]);
      expect(m.all('HTTPRoute')).toEqual([]);
      const from = m.one('NetworkPolicy').spec.ingress[0].from;
      expect(from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'railiance-apps' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ops-bridge' } } }]);
    },
  },
  {
    source: PLATFORM,
    says: 'the credentials are copied from the platform\'s Secret, not created here',
    holds: (m) => {
      const copy = m.one('ExternalSecret', 'state-hub-db-app');
      expect(copy.spec.data.map((d: any) => d.remoteRef.key)).toEqual(expect.arrayContaining(['state-hub-db-app']));
      expect(m.all('Cluster')).toEqual([]);
    },
  },
]);
