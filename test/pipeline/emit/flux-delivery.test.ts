import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { apps } from '../../../apps';
import { deliveryProblem } from '../../../lib/core/delivery';
import { resourceOf } from '../../../lib/pipeline/emit/flux-delivery';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { ROOT, testEnvironment } from '../../helpers';

/**
 * Flux delivery, on railiance01-prod switched to Flux in a copy of the overlays: it has both
 * layers (railiance-platform, state-hub) and a migration Job, so every part of the layout shows.
 */
const overlays = mkdtempSync(join(tmpdir(), 'flux-delivery-'));
afterAll(() => rmSync(overlays, { recursive: true, force: true }));
cpSync(join(ROOT, 'overlays'), overlays, { recursive: true });
const environmentFile = join(overlays, 'railiance01-prod', 'environment.yaml');
writeFileSync(environmentFile, readFileSync(environmentFile, 'utf8').replace(/^argocd:\n(  .*\n)+/m, 'flux:\n  url: https://git.example.org/deployments.git\n'));
const result = synthesize({ apps, overlaysDir: overlays, environments: ['railiance01-prod'] });
const file = (path: string) => parse(result.files.get(path)!);
const fluxObjects = () => [...result.files.entries()].filter(([p]) => p.startsWith('railiance01-prod/flux/') && !p.endsWith('kustomization.yaml')).map(([, text]) => parse(text));
const kustomization = (name: string) => fluxObjects().find((o) => o.kind === 'Kustomization' && o.metadata.name === name);

describe('Flux delivery per environment', () => {
  test('an environment states one delivery engine: both or neither is refused', () => {
    const { argocd } = testEnvironment();
    expect(deliveryProblem({ file: 'e.yaml', argocd, flux: { url: 'https://g/x.git' } })?.problems[0].message).toBe('has both argocd and flux: an environment is delivered by one engine');
    expect(deliveryProblem({ file: 'e.yaml' })?.problems[0].message).toBe('says neither argocd nor flux: how this environment is delivered is not stated');
    expect(deliveryProblem({ file: 'e.yaml', argocd })).toBeUndefined();
    expect(deliveryProblem({ file: 'e.yaml', flux: { url: 'https://g/x.git' } })).toBeUndefined();
  });

  test('writes dist/<env>/flux/ instead of argocd/: a GitRepository, a Kustomization per app (two for an app with a migration), reconcilers per layer, a root', () => {
    expect([...result.files.keys()].some((p) => p.startsWith('railiance01-prod/argocd/'))).toBe(false);
    expect(file('railiance01-prod/flux/kustomization.yaml').resources).toMatchSnapshot();
    expect(fluxObjects()).toMatchSnapshot();
  });

  test('the GitRepository reads only this environment\'s directory, every minute, as openova\'s does', () => {
    const source = fluxObjects().find((o) => o.kind === 'GitRepository');
    expect(source.metadata).toMatchObject({ name: 'railiance01-prod', namespace: 'flux-system' });
    expect(source.spec).toEqual({ interval: '1m', url: 'https://git.example.org/deployments.git', ref: { branch: 'main' }, ignore: '/*\n!/dist/railiance01-prod/\n' });
  });

  test('ordering by dependsOn: the migration Job and what it needs before State Hub\'s workloads, the platform layer before both', () => {
    const pre = kustomization('railiance01-prod-state-hub.pre-deploy');
    const app = kustomization('railiance01-prod-state-hub');
    const platform = kustomization('railiance01-prod-railiance-platform');
    expect(platform.spec.dependsOn).toBeUndefined();
    expect(pre.spec.dependsOn).toEqual([{ name: 'railiance01-prod-railiance-platform' }]);
    expect(app.spec.dependsOn).toEqual([{ name: 'railiance01-prod-state-hub.pre-deploy' }]);
    expect(pre.spec.path).toBe('./dist/railiance01-prod/state-hub.pre-deploy');
    // The Job and what it reads are applied first; the Deployment and its Service after.
    const kinds = (dir: string) => readdirOf(dir).map((f) => parse(result.files.get(`railiance01-prod/${dir}/${f}`)!).kind).sort();
    expect(kinds('state-hub.pre-deploy')).toEqual(['ExternalSecret', 'Job', 'NetworkPolicy', 'SecretStore', 'ServiceAccount', 'ServiceAccount']);
    expect(kinds('state-hub')).toEqual(['Deployment', 'Service']);
  });

  test('every Kustomization prunes, health-checks all it applies and retries; none rewrites namespaces', () => {
    for (const k of fluxObjects().filter((o) => o.kind === 'Kustomization')) {
      expect({ name: k.metadata.name, prune: k.spec.prune, wait: k.spec.wait, retryInterval: k.spec.retryInterval, targetNamespace: k.spec.targetNamespace })
        .toEqual({ name: k.metadata.name, prune: true, wait: true, retryInterval: '1m', targetNamespace: undefined });
    }
  });

  test('the layer boundary: each layer impersonates its own account, which may write only its kinds, only in its namespaces', () => {
    expect(kustomization('railiance01-prod-railiance-platform').spec.serviceAccountName).toBe('railiance01-prod-platform-reconciler');
    expect(kustomization('railiance01-prod-state-hub').spec.serviceAccountName).toBe('railiance01-prod-apps-reconciler');
    expect(kustomization('railiance01-prod-root').spec.serviceAccountName).toBeUndefined();
    const role = (name: string) => fluxObjects().find((o) => o.kind === 'ClusterRole' && o.metadata.name === name);
    const groups = (name: string) => role(name).rules.map((r: { apiGroups: string[] }) => r.apiGroups[0]);
    expect(groups('railiance01-prod-platform-reconciler')).toContain('postgresql.cnpg.io');
    expect(groups('railiance01-prod-apps-reconciler')).not.toContain('postgresql.cnpg.io');
    expect(role('railiance01-prod-apps-reconciler').metadata.namespace).toBeUndefined();
    // It may create the consumer's credentials Role only holding that grant itself (RBAC escalation prevention).
    expect(role('railiance01-prod-platform-reconciler').rules).toContainEqual({ apiGroups: [''], resourceNames: ['state-hub-db-app'], resources: ['secrets'], verbs: ['get'] });
    expect(JSON.stringify(role('railiance01-prod-platform-reconciler').rules)).not.toMatch(/escalate|bind"/);
    const bindings = (name: string) => fluxObjects().filter((o) => o.kind === 'RoleBinding' && o.roleRef.name === name).map((b) => b.metadata.namespace).sort();
    expect(bindings('railiance01-prod-apps-reconciler')).toEqual(['railiance-apps']);
    expect(bindings('railiance01-prod-platform-reconciler')).toEqual(['databases']);
  });

  test('no object of a Flux environment carries an ArgoCD annotation; stateful ones carry prune: disabled, the Job force: enabled', () => {
    const objects = [...result.files.entries()].filter(([p]) => p.endsWith('.yaml') && !p.endsWith('kustomization.yaml'))
      .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJS()));
    expect(objects.flatMap((o) => Object.keys(o.metadata.annotations ?? {})).filter((k) => k.startsWith('argocd.argoproj.io/'))).toEqual([]);
    const annotations = (kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.annotations);
    for (const kind of ['Cluster', 'ScheduledBackup', 'ObjectStore']) expect(annotations(kind)).toEqual([expect.objectContaining({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' })]);
    expect(annotations('Job')).toEqual([{ 'kustomize.toolkit.fluxcd.io/force': 'enabled' }]);
  });

  test('the RBAC resource of every vendored CRD kind is its CRD\'s plural', () => {
    const dir = join(ROOT, 'imports', 'crds');
    const crds = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => readdirSync(join(dir, d.name)).map((f) => parse(readFileSync(join(dir, d.name, f), 'utf8'))));
    expect(crds.length).toBeGreaterThan(40);
    for (const crd of crds) expect({ kind: crd.spec.names.kind, resource: resourceOf(crd.spec.names.kind) }).toEqual({ kind: crd.spec.names.kind, resource: crd.spec.names.plural });
  });
});

function readdirOf(dir: string): string[] {
  return [...result.files.keys()].filter((p) => p.startsWith(`railiance01-prod/${dir}/`) && !p.endsWith('kustomization.yaml')).map((p) => p.slice(`railiance01-prod/${dir}/`.length));
}
