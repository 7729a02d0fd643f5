import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers';
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
const containerd = (...files: string[]) => ({ repository: 'containerd/containerd', commit: '092d8de', files });
const kubePrometheusStack = { repository: 'prometheus-community/helm-charts', commit: '0027117', files: ['charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml podMonitorSelector, ruleSelector'] };
/** What railiance01-prod's environment.yaml declares of its cluster. */
const environment = parse(readFileSync(join(ROOT, 'overlays/railiance01-prod/environment.yaml'), 'utf8')) as Record<string, any>;

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
  {
    source: barman('web/docs/installation.mdx "cert-manager"', 'web/docs/intro.md "Requirements"'),
    says: 'the plugin requires cert-manager ("Both checks are required before proceeding with the installation") and CloudNativePG 1.26 or newer: the environment declares both beside it',
    holds: () => {
      const operators = environment.existing.operators;
      expect(operators['barman-cloud']).toBeDefined();
      expect(operators['cert-manager']).toBeDefined();
      expect(Number(String(operators['cloudnative-pg']).split('.')[1])).toBeGreaterThanOrEqual(26);
    },
  },
  {
    source: cnpg('docs/src/networking.md', 'config/default/kustomization.yaml namespace', 'config/manager/manager.yaml labels'),
    says: 'the operator reaches every instance on 8000 and 5432; where it runs (the manifest: cnpg-system, app.kubernetes.io/name: cloudnative-pg) is what environment.yaml declares, not assumed',
    holds: (m) => {
      const { operatorNamespace, operatorPodLabels } = environment.cloudnativePg;
      expect(m.one('NetworkPolicy', 'state-hub-db-ingress').spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': operatorNamespace } }, podSelector: { matchLabels: operatorPodLabels } }],
        ports: [{ port: 8000, protocol: 'TCP' }, { port: 5432, protocol: 'TCP' }],
      });
    },
  },
  {
    source: kubePrometheusStack,
    says: 'kube-prometheus-stack selects PodMonitors and PrometheusRules by release: <release name> unless told otherwise: both carry the labels environment.yaml says its Prometheus selects',
    holds: (m) => {
      const selected = environment.prometheus.selectorLabels;
      expect(Object.keys(selected).length).toBeGreaterThan(0);
      for (const o of [m.one('PodMonitor'), m.one('PrometheusRule')]) expect(o.metadata.labels).toMatchObject(selected);
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
    source: [STATE_HUB, containerd('internal/cri/server/sandbox_portforward_linux.go portForward, dialLocalhost'), { repository: 'k3s-io/k3s', commit: '0589157', files: ['pkg/agent/netpol/netpol.go Run'] }],
    says: 'never public; reached over a private tunnel to a ClusterIP Service: kubectl port-forward, which the runtime serves by dialing localhost inside the pod\'s network namespace, so no pod-network client (no ops-bridge pod) is admitted and k3s\'s kube-router policy never sees it',
    holds: (m) => {
      expect(m.one('Service').spec.type).toBe('ClusterIP');
      expect(m.all('Ingress')).toEqual([]);
      expect(m.all('HTTPRoute')).toEqual([]);
      const policy = m.one('NetworkPolicy', 'state-hub-ingress');
      expect(policy.spec.policyTypes).toContain('Ingress');
      expect(policy.spec.ingress ?? []).toEqual([]);
      expect(JSON.stringify(m.objects)).not.toContain('ops-bridge');
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
