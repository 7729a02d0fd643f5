import { join } from 'node:path';
import { parse } from 'yaml';
import { apps } from '../../../apps';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { ROOT } from '../../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays') });
const file = (path: string) => parse(result.files.get(path)!);
/** The environments ArgoCD delivers (openova-prod is delivered by Flux: flux-delivery.test.ts). */
const argocdEnvironments = result.environments.filter((e) => e.argocd !== undefined);

/** The AppProject a layer's Applications belong to. */
const projectOf = (envName: string, layer: 'platform' | 'application') => (layer === 'platform' ? `${envName}-platform` : envName);
/** `group/kind` of an object, as the whitelists name it. */
const groupKind = (o: { apiVersion: string; kind: string }) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`;
const listed = (entries: Array<{ group: string; kind: string }>) => entries.map((e) => `${e.group}/${e.kind}`);

describe('ArgoCD delivery per environment', () => {
  test('every environment gets one AppProject per layer, one Application per app and a root app, applied with one kustomization', () => {
    for (const env of argocdEnvironments) {
      const envApps = result.apps.filter((a) => a.environment === env);
      const projects = [...new Set(envApps.map((a) => projectOf(env.name, a.app.layer ?? 'application')))];
      const kustomization = file(`${env.name}/argocd/kustomization.yaml`);
      expect([...kustomization.resources].sort()).toEqual([
        ...projects.map((p) => `appproject-${p}.yaml`),
        `application-${env.name}-root.yaml`,
        ...envApps.map((a) => `application-${env.name}-${a.app.name}.yaml`),
      ].sort());
      for (const a of envApps) {
        expect(file(`${env.name}/argocd/application-${env.name}-${a.app.name}.yaml`).spec.project).toBe(projectOf(env.name, a.app.layer ?? 'application'));
      }
    }
    // railiance01 has both layers: two projects.
    expect(file('railiance01-prod/argocd/kustomization.yaml').resources).toEqual(expect.arrayContaining(['appproject-railiance01-prod.yaml', 'appproject-railiance01-prod-platform.yaml']));
  });

  test('an Application syncs its dist/ directory to the app namespace, automated with prune and self-heal', () => {
    const app = file('railiance01-prod/argocd/application-railiance01-prod-state-hub.yaml');
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/example/deployments.git', targetRevision: 'main', path: 'dist/railiance01-prod/state-hub' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'railiance-apps' });
    expect(app.spec.project).toBe('railiance01-prod');
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(file('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml').spec.project).toBe('railiance01-prod-platform');
  });

  test('ArgoCD adopts no namespace: no CreateNamespace and no managedNamespaceMetadata anywhere', () => {
    const applications = [...result.files.entries()].filter(([path]) => /\/argocd\/application-.*\.yaml$/.test(path));
    expect(applications.length).toBeGreaterThan(argocdEnvironments.length);
    for (const [path, text] of applications) {
      const syncPolicy = parse(text).spec.syncPolicy;
      expect({ path, createNamespace: syncPolicy.syncOptions.some((o: string) => o.startsWith('CreateNamespace')) }).toEqual({ path, createNamespace: false });
      expect({ path, metadata: syncPolicy.managedNamespaceMetadata }).toEqual({ path, metadata: undefined });
      expect(text).not.toContain('CreateNamespace');
      expect(text).not.toContain('managedNamespaceMetadata');
    }
  });

  test('every Application, the root included, retries a failed sync with backoff', () => {
    const retry = { limit: 10, backoff: { duration: '15s', factor: 2, maxDuration: '10m' } };
    for (const env of argocdEnvironments) {
      const names = [...result.apps.filter((a) => a.environment === env).map((a) => a.app.name), 'root'];
      for (const name of names) {
        expect({ name, retry: file(`${env.name}/argocd/application-${env.name}-${name}.yaml`).spec.syncPolicy.retry }).toEqual({ name, retry });
      }
    }
  });

  test('the platform layer syncs before the apps that use it', () => {
    const wave = (path: string) => Number(file(path).metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml')).toBeLessThan(wave('railiance01-prod/argocd/application-railiance01-prod-state-hub.yaml'));
    expect(wave('railiance01-prod/argocd/appproject-railiance01-prod.yaml')).toBeLessThan(wave('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml'));
    expect(wave('railiance01-prod/argocd/appproject-railiance01-prod-platform.yaml')).toBeLessThan(wave('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml'));
  });

  test('each layer\'s project admits exactly the namespaces and kinds its apps emit: apps cannot own a database', () => {
    const apps = file('railiance01-prod/argocd/appproject-railiance01-prod.yaml');
    expect(apps.spec.destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['railiance-apps']);
    const appKinds = apps.spec.namespaceResourceWhitelist.map((k: { kind: string }) => k.kind);
    expect(appKinds).toEqual(expect.arrayContaining(['Deployment', 'Job', 'ExternalSecret']));
    expect(appKinds).not.toContain('Cluster');
    expect(appKinds).not.toContain('Secret');
    expect(appKinds).not.toContain('Ingress');
    expect(apps.spec.clusterResourceWhitelist).toEqual([]);

    const platform = file('railiance01-prod/argocd/appproject-railiance01-prod-platform.yaml');
    expect(platform.spec.destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['databases']);
    const platformKinds = listed(platform.spec.namespaceResourceWhitelist);
    expect(platformKinds).toEqual(expect.arrayContaining(['postgresql.cnpg.io/Cluster', 'postgresql.cnpg.io/ScheduledBackup']));
    expect(platformKinds).not.toContain('apps/Deployment');

    // Everywhere: the whitelists are exactly what the layer's apps emit, split by scope, and the
    // destinations every namespace one of their objects is in (its own or another it writes to).
    for (const env of argocdEnvironments) {
      const envApps = result.apps.filter((a) => a.environment === env);
      for (const layer of ['application', 'platform'] as const) {
        const members = envApps.filter((a) => (a.app.layer ?? 'application') === layer);
        if (members.length === 0) continue;
        const objects = members.flatMap((a) => a.objects);
        const spec = file(`${env.name}/argocd/appproject-${projectOf(env.name, layer)}.yaml`).spec;
        const where = `${env.name} ${layer}`;
        const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
        expect({ where, kinds: sorted(listed(spec.namespaceResourceWhitelist)) }).toEqual({ where, kinds: sorted(objects.filter((o) => o.metadata.namespace !== undefined).map(groupKind)) });
        expect({ where, kinds: sorted(listed(spec.clusterResourceWhitelist)) }).toEqual({ where, kinds: sorted(objects.filter((o) => o.metadata.namespace === undefined).map(groupKind)) });
        const namespaces = sorted([...members.map((a) => a.namespace), ...objects.flatMap((o) => (typeof o.metadata.namespace === 'string' ? [o.metadata.namespace] : []))]);
        expect({ where, namespaces: sorted(spec.destinations.map((d: { namespace: string }) => d.namespace)) }).toEqual({ where, namespaces });
      }
    }
  });

  test('an app that emits its own Namespace gets exactly that cluster-scoped kind', () => {
    expect(file('cfp-sandbox/argocd/appproject-cfp-sandbox.yaml').spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
  });

  test('the root app manages the argocd directory itself', () => {
    const root = file('pal-e-prod/argocd/application-pal-e-prod-root.yaml');
    expect(root.spec.source.path).toBe('dist/pal-e-prod/argocd');
    expect(root.spec.destination.namespace).toBe('argocd');
  });

  test('a run narrowed to one app leaves the environment files alone', () => {
    const narrowed = synthesize({ apps, overlaysDir: join(ROOT, 'overlays'), appNames: ['state-hub'] });
    expect([...narrowed.files.keys()].some((p) => p.includes('/argocd/') || p.endsWith('README.md'))).toBe(false);
  });
});

describe('the environment picture', () => {
  const readme = result.files.get('railiance01-prod/README.md')!;
  test('draws the service, its workload and migration, the database and its backup store', () => {
    expect(readme).toMatch(/```mermaid\nflowchart LR/);
    // No pod reaches State Hub: its NetworkPolicy admits no one (operators port-forward, which no
    // policy governs: docs/state-hub-migration.md), and the picture says so.
    expect(readme).toContain('Service_railiance_apps_state_hub -.->|"blocked: its NetworkPolicy admits no one"| Deployment_railiance_apps_state_hub');
    expect(readme).not.toContain('ops_bridge');
    expect(readme).toContain('Deployment_railiance_apps_state_hub --> Cluster_databases_state_hub_db');
    expect(readme).toContain('Job_railiance_apps_state_hub_migrate -->|"migrates"| Cluster_databases_state_hub_db');
    expect(readme).toContain('Cluster_databases_state_hub_db -->|"WAL + backups"| ObjectStore_databases_state_hub_backups');
  });
  test('lists public and tailnet entry points', () => {
    expect(result.files.get('pal-e-prod/README.md')).toMatch(/\| https:\/\/pal-e-docs-api\.tail5b443a\.ts\.net \| public \(Funnel\) \|/);
    expect(result.files.get('cfp-sandbox/README.md')).toMatch(/\| https:\/\/next-v2\.codeforphilly\.org \| public \(Envoy Gateway\) \|/);
    expect(readme).toMatch(/None: every Service is ClusterIP/);
  });
});
