import { join } from 'node:path';
import { parse } from 'yaml';
import { apps } from '../../apps';
import { synthesize } from '../../lib/core/synth';
import { ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays') });
const file = (path: string) => parse(result.files.get(path)!);

describe('ArgoCD delivery per environment', () => {
  test('every environment gets an AppProject, one Application per app and a root app, applied with one kustomization', () => {
    for (const env of result.environments) {
      const envApps = result.apps.filter((a) => a.environment === env).map((a) => a.app.name).sort();
      const kustomization = file(`${env.name}/argocd/kustomization.yaml`);
      expect([...kustomization.resources].sort()).toEqual([
        `appproject-${env.name}.yaml`,
        `application-${env.name}-root.yaml`,
        ...envApps.map((a) => `application-${env.name}-${a}.yaml`),
      ].sort());
    }
  });

  test('an Application syncs its dist/ directory to the app namespace, automated with prune and self-heal', () => {
    const app = file('railiance01-prod/argocd/application-railiance01-prod-state-hub.yaml');
    expect(app.spec.source).toEqual({ repoURL: 'https://github.com/example/deployments.git', targetRevision: 'main', path: 'dist/railiance01-prod/state-hub' });
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'railiance-apps' });
    expect(app.spec.project).toBe('railiance01-prod');
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('ArgoCD creates the namespace (restricted) only where the app does not own it', () => {
    const hub = file('railiance01-prod/argocd/application-railiance01-prod-state-hub.yaml').spec.syncPolicy;
    expect(hub.syncOptions).toContain('CreateNamespace=true');
    expect(hub.managedNamespaceMetadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const cfp = file('cfp-sandbox/argocd/application-cfp-sandbox-codeforphilly.yaml').spec.syncPolicy;
    expect(cfp.syncOptions).not.toContain('CreateNamespace=true');
    expect(cfp.managedNamespaceMetadata).toBeUndefined();
  });

  test('the platform layer syncs before the apps that use it', () => {
    const wave = (path: string) => Number(file(path).metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml')).toBeLessThan(wave('railiance01-prod/argocd/application-railiance01-prod-state-hub.yaml'));
    expect(wave('railiance01-prod/argocd/appproject-railiance01-prod.yaml')).toBeLessThan(wave('railiance01-prod/argocd/application-railiance01-prod-railiance-platform.yaml'));
  });

  test('the project admits exactly the app namespaces and the kinds the apps emit', () => {
    const project = file('railiance01-prod/argocd/appproject-railiance01-prod.yaml');
    expect(project.spec.destinations.map((d: { namespace: string }) => d.namespace)).toEqual(['databases', 'railiance-apps']);
    const kinds = project.spec.namespaceResourceWhitelist.map((k: { kind: string }) => k.kind);
    const emitted = result.apps.filter((a) => a.environment.name === 'railiance01-prod').flatMap((a) => a.objects).filter((o) => o.metadata.namespace !== undefined).map((o) => o.kind);
    expect(kinds.sort()).toEqual([...new Set(emitted)].sort());
    expect(kinds).not.toContain('Secret');
    expect(kinds).not.toContain('Ingress');
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
    expect(readme).toContain('Service_railiance_apps_state_hub --> Deployment_railiance_apps_state_hub');
    expect(readme).toContain('Deployment_railiance_apps_state_hub --> Cluster_databases_state_hub_db');
    expect(readme).toContain('Job_railiance_apps_state_hub_migrate -->|migrates| Cluster_databases_state_hub_db');
    expect(readme).toContain('Cluster_databases_state_hub_db -->|WAL + backups| ObjectStore_databases_state_hub_backups');
  });
  test('lists public and tailnet entry points', () => {
    expect(result.files.get('pal-e-prod/README.md')).toMatch(/\| https:\/\/pal-e-docs-api\.tail5b443a\.ts\.net \| public \(Funnel\) \|/);
    expect(result.files.get('cfp-sandbox/README.md')).toMatch(/\| https:\/\/next-v2\.codeforphilly\.org \| public \(Envoy Gateway\) \|/);
    expect(readme).toMatch(/None: every Service is ClusterIP/);
  });
});
