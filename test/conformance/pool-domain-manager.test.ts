import { conformance, mainContainer, type UpstreamSource } from './record';

/** pool-domain-manager as its authors run it: openova-io/openova at 585b046, core/pool-domain-manager/. */
const openova = (...files: string[]): UpstreamSource => ({ repository: 'openova-io/openova', commit: '585b046', files });
const pdm = (...files: string[]): UpstreamSource => ({ repository: 'openova-io/openova', commit: '585b046', files: files.map((f) => `core/pool-domain-manager/${f}`) });

conformance('pool-domain-manager', [['openova-prod', 'pool-domain-manager']], [
  {
    source: pdm('Containerfile'),
    says: 'USER 65534:65534',
    holds: (m) => expect(mainContainer(m).pod.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534 }),
  },
  {
    source: pdm('Containerfile', 'cmd/pdm/main.go'),
    says: 'EXPOSE 8080; listens on :$PORT (default 8080)',
    holds: (m) => {
      expect(mainContainer(m).container.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
      expect(m.one('ConfigMap', 'pool-domain-manager-env').data.PORT).toBe('8080');
    },
  },
  {
    source: pdm('cmd/pdm/main.go loadConfig'),
    says: 'exits 2 without PDM_DATABASE_URL, DYNADOT_API_KEY or DYNADOT_API_SECRET',
    holds: (m) => {
      const { container } = mainContainer(m);
      expect(container.env).toContainEqual({ name: 'PDM_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'pool-domain-manager-db-app', key: 'uri' } } });
      expect(container.env).toContainEqual({ name: 'DYNADOT_API_KEY', valueFrom: { secretKeyRef: { name: 'dynadot-api-credentials', key: 'api-key' } } });
      expect(container.env).toContainEqual({ name: 'DYNADOT_API_SECRET', valueFrom: { secretKeyRef: { name: 'dynadot-api-credentials', key: 'api-secret' } } });
    },
  },
  {
    source: pdm('cmd/pdm/main.go loadConfig'),
    says: 'PDM_RESERVATION_TTL defaults to "10m", PDM_SWEEPER_INTERVAL to "30s": optional, so nothing that fails whole without them is required',
    holds: (m) => {
      const data = m.one('ConfigMap', 'pool-domain-manager-env').data;
      expect(data.PDM_RESERVATION_TTL).toBeUndefined();
      expect(data.PDM_SWEEPER_INTERVAL).toBeUndefined();
      expect(m.all('ExternalSecret').map((o: any) => o.metadata.name)).not.toContain('pool-domain-manager-env');
    },
  },
  {
    source: [pdm('internal/dynadot/dynadot.go'), { repository: 'openova-io/openova', commit: '585b046', files: ['docs/SECRET-ROTATION.md'] }],
    says: 'the Dynadot credentials live in Secret dynadot-api-credentials in openova-system, keys api-key and api-secret; the managed domains in its key domains',
    holds: (m) => {
      const { container } = mainContainer(m);
      expect(container.env).toContainEqual({ name: 'DYNADOT_MANAGED_DOMAINS', valueFrom: { secretKeyRef: { name: 'dynadot-api-credentials', key: 'domains' } } });
      expect(m.one('Deployment').metadata.namespace).toBe('openova-system');
    },
  },
  {
    source: pdm('api/openapi.yaml /healthz', 'internal/handler Healthz'),
    says: '/healthz pings the database: 503 while CNPG is unreachable; no endpoint is free of the database',
    holds: (m) => {
      const { container } = mainContainer(m);
      expect(container.readinessProbe.httpGet.path).toBe('/healthz');
      expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
      expect(container.livenessProbe.httpGet).toBeUndefined();
    },
  },
  {
    source: pdm('cmd/pdm/main.go srv.Shutdown'),
    says: 'SIGTERM drains for up to 20 s',
    holds: (m) => expect(mainContainer(m).pod.terminationGracePeriodSeconds).toBeGreaterThan(20),
  },
  {
    source: [pdm('api/openapi.yaml servers', 'internal/dynadot/dynadot.go'), { repository: 'openova-io/openova', commit: '585b046', files: ['docs/DEMO-RUNBOOK.md'] }],
    says: 'its in-cluster caller is catalyst-api ("In-cluster catalyst-api → PDM call path"), which runs in namespace catalyst',
    holds: (m) => {
      const policy = m.one('NetworkPolicy', 'pool-domain-manager-ingress');
      expect(policy.spec.ingress).toEqual([{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalyst' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'catalyst-api' } } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      }]);
    },
  },
  {
    source: pdm('internal/store/migrations.sql', 'internal/store/store.go'),
    says: 'migrations run at every start (CREATE TABLE IF NOT EXISTS): the user must own the database',
    holds: (m) => expect(m.one('Cluster').spec.bootstrap.initdb).toMatchObject({ database: 'pdm', owner: 'pdm' }),
  },
  {
    source: [{ repository: 'cloudnative-pg/cloudnative-pg', commit: 'v1.30.0', files: ['releases/cnpg-1.30.0.yaml'] }, { repository: 'cloudnative-pg/artifacts', commit: '0b1123d', files: ['image-catalogs/catalog-minimal-trixie.yaml'] }],
    says: 'the operator installs no image catalog: a Cluster needs its image pinned or a catalog that exists',
    holds: (m) => {
      const cluster = m.one('Cluster');
      expect(cluster.spec.imageCatalogRef).toBeUndefined();
      expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:17\.[0-9]+-[0-9]+-minimal-trixie@sha256:[a-f0-9]{64}$/);
    },
  },
  {
    source: openova('clusters/_template/bootstrap-kit/03-flux.yaml', 'clusters/_template/kustomization.yaml'),
    says: 'openova\'s clusters are delivered by Flux (Flux installed by cloud-init, then bp-flux; no argoproj.io object in the repository): the environment is delivered by Flux, and no object carries an ArgoCD annotation',
    holds: (m) => {
      expect(m.delivery.map((o) => o.apiVersion.split('/')[0]).filter((g: string) => g === 'argoproj.io')).toEqual([]);
      expect(m.delivery.filter((o) => o.kind === 'Kustomization').map((o) => o.metadata.name).sort()).toEqual(['openova-prod-pool-domain-manager', 'openova-prod-root']);
      const annotations = m.objects.flatMap((o) => Object.keys(o.metadata.annotations ?? {}));
      expect(annotations.filter((a) => a.startsWith('argocd.argoproj.io/'))).toEqual([]);
    },
  },
  {
    source: openova('infra/hetzner/cloudinit-control-plane.tftpl flux-bootstrap.yaml', 'platform/flux/README.md "Kustomization"', 'clusters/contabo-mkt/tenants/bakkal/apps-sync.yaml'),
    says: 'Flux objects live in flux-system; the GitRepository is polled every minute; a Kustomization prunes, waits for health, every 10 minutes (a tenant\'s retried every minute), the root every 5 minutes',
    holds: (m) => {
      const source = m.delivery.find((o) => o.kind === 'GitRepository')!;
      expect(source.metadata.namespace).toBe('flux-system');
      expect(source.spec).toMatchObject({ interval: '1m', ref: { branch: 'main' } });
      const app = m.delivery.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'openova-prod-pool-domain-manager')!;
      expect(app.metadata.namespace).toBe('flux-system');
      expect(app.spec).toMatchObject({ interval: '10m', retryInterval: '1m', prune: true, wait: true, path: './dist/openova-prod/pool-domain-manager', sourceRef: { kind: 'GitRepository', name: source.metadata.name } });
      expect(app.spec.targetNamespace).toBeUndefined();
      const root = m.delivery.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'openova-prod-root')!;
      expect(root.spec).toMatchObject({ interval: '5m', prune: true, wait: true, path: './dist/openova-prod/flux' });
    },
  },
  {
    source: { repository: 'fluxcd/kustomize-controller', commit: 'v1.4.0', files: ['docs/spec/v1/kustomizations.md "Prune", "Role-based access control"'] },
    says: 'kustomize.toolkit.fluxcd.io/prune: disabled keeps an object through garbage collection; a Kustomization with serviceAccountName can change only what that account may',
    holds: (m) => {
      for (const kind of ['Cluster', 'ScheduledBackup', 'ObjectStore']) expect(m.one(kind).metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
      const app = m.delivery.find((o) => o.kind === 'Kustomization' && o.metadata.name === 'openova-prod-pool-domain-manager')!;
      const role = m.delivery.find((o) => o.kind === 'ClusterRole' && o.metadata.name === app.spec.serviceAccountName)!;
      expect(role.rules).toContainEqual(expect.objectContaining({ apiGroups: ['postgresql.cnpg.io'], resources: ['clusters', 'scheduledbackups'] }));
      const bindings = m.delivery.filter((o) => o.kind === 'RoleBinding' && o.roleRef.name === role.metadata.name);
      expect(bindings.map((b) => b.metadata.namespace)).toEqual(['openova-system']);
    },
  },
], [
  {
    upstream: 'the openova-private cluster manifests (not public)',
    why: 'the root filesystem is read-only: the Containerfile writes nothing at run time',
    stillRuns: (m) => expect(mainContainer(m).container.securityContext.readOnlyRootFilesystem).toBe(true),
  },
]);
