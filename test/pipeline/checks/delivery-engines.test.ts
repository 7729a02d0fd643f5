import { JsonPatch } from 'cdk8s';
import { MigrationJob } from '../../../lib/apps/migration-job';
import { PersistentClaim } from '../../../lib/apps/persistent-claim';
import { WebService } from '../../../lib/apps/web-service';
import type { Environment } from '../../../lib/core/environment';
import { k8s } from '../../../lib/core/k8s';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { fluxPreDeployObjects } from '../../../lib/pipeline/checks/sync-order';
import { only, render, testChart, testEnvironment } from '../../helpers';

/** The rules that read delivery annotations, per engine: stateful-protected, delivery-annotations, sync-order. */
const flux = testEnvironment({ argocd: undefined, flux: { url: 'https://git.example.org/deployments.git' } });
const argocd = testEnvironment();
const violations = (objects: readonly KubeObject[], environment: Environment, rule: string) =>
  findViolations(objects, { production: false, environment }).filter((v) => v.rule === rule).map((v) => `${v.object.kind} ${String(v.object.metadata.name)}: ${v.message}`);

function appWithMigration(environment: Environment): KubeObject[] {
  const chart = testChart({ environment });
  const web = new WebService(chart, 'web', { name: 'api', image: `registry.example/api:1.2.3@sha256:${'a'.repeat(64)}`, port: 8000, healthPath: '/health' });
  new MigrationJob(chart, 'migrate', { service: web });
  new PersistentClaim(chart, 'data', { name: 'data', size: '1Gi' });
  return render(chart);
}

describe('delivery annotations follow the environment\'s engine', () => {
  test('in a Flux environment the constructs write Flux\'s policies and no ArgoCD annotation (no waves, no hooks)', () => {
    const objects = appWithMigration(flux);
    expect(objects.flatMap((o) => Object.keys(o.metadata.annotations ?? {})).filter((k) => k.startsWith('argocd.argoproj.io/'))).toEqual([]);
    expect(only(objects, 'Job').metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
    expect(only(objects, 'PersistentVolumeClaim').metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
    expect(findViolations(objects, { production: false, environment: flux })).toEqual([]);
    // The ArgoCD twin: a Sync hook in wave -1, Prune=false,Delete=false, waves derived.
    const twin = appWithMigration(argocd);
    expect(only(twin, 'Job').metadata.annotations).toEqual({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation', 'argocd.argoproj.io/sync-wave': '-1' });
    expect(only(twin, 'PersistentVolumeClaim').metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(only(twin, 'ServiceAccount').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-3' });
  });

  test('delivery-annotations: another engine\'s annotation is refused, and a Job in a Flux environment needs force: enabled', () => {
    const chart = testChart({ environment: flux });
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'settings', annotations: { 'argocd.argoproj.io/sync-wave': '-3' } }, data: { a: 'b' } });
    const job = new k8s.KubeJob(chart, 'job', {
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', image: `registry.example/x:1@sha256:${'c'.repeat(64)}`, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, resources: { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') } } }] } } },
    });
    expect(violations(render(chart), flux, 'delivery-annotations')).toEqual([
      expect.stringMatching(/^ConfigMap settings: it carries argocd\.argoproj\.io\/sync-wave, which ArgoCD reads, but this environment is delivered by Flux/),
      expect.stringMatching(/^Job once: a Job's template is immutable, and it lacks kustomize\.toolkit\.fluxcd\.io\/force: enabled/),
    ]);
    // The corrected twin.
    chart.node.tryRemoveChild('cm');
    job.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/force', 'enabled');
    expect(violations(render(chart), flux, 'delivery-annotations')).toEqual([]);
    // And the other way round: Flux's policy means nothing to ArgoCD.
    const argo = testChart({ environment: argocd });
    new k8s.KubeConfigMap(argo, 'cm', { metadata: { name: 'settings', annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } }, data: { a: 'b' } });
    expect(violations(render(argo), argocd, 'delivery-annotations')).toEqual([expect.stringContaining('it carries kustomize.toolkit.fluxcd.io/prune, which Flux reads, but this environment is delivered by ArgoCD')]);
  });

  test('stateful-protected in Flux: a claim needs prune: disabled, and force: enabled on it is refused', () => {
    const build = (annotations: Record<string, string>) => {
      const chart = testChart({ environment: flux });
      new k8s.KubePersistentVolumeClaim(chart, 'pvc', { metadata: { name: 'data', annotations }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });
      return render(chart);
    };
    expect(violations(build({}), flux, 'stateful-protected')).toEqual([expect.stringContaining('lacks kustomize.toolkit.fluxcd.io/prune: disabled (found none): Flux would delete it when it leaves dist/ or when its Kustomization is deleted')]);
    // ArgoCD's protection does not protect it from Flux.
    expect(violations(build({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' }), flux, 'stateful-protected')).toHaveLength(1);
    expect(violations(build({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'kustomize.toolkit.fluxcd.io/force': 'enabled' }), flux, 'stateful-protected'))
      .toEqual([expect.stringContaining('it carries kustomize.toolkit.fluxcd.io/force: enabled, with which Flux deletes and recreates it')]);
    // The corrected twin.
    expect(violations(build({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }), flux, 'stateful-protected')).toEqual([]);
  });

  test('sync-order in Flux: the pre-deploy stage (what comes before a Job, and the Job) must not need the stage that waits for it', () => {
    const build = (readsLateSecret: boolean) => {
      const chart = testChart({ environment: flux });
      const web = new WebService(chart, 'web', { name: 'api', image: `registry.example/api:1.2.3@sha256:${'a'.repeat(64)}`, port: 8000, healthPath: '/health' });
      const migrate = new MigrationJob(chart, 'migrate', { service: web });
      if (readsLateSecret) {
        // A Secret is of no earlier ArgoCD wave, so Flux applies it with the workloads, after the Job.
        new k8s.KubeSecret(chart, 'late', { metadata: { name: 'late' }, type: 'Opaque' });
        (migrate.node.findChild('Resource') as k8s.KubeJob).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/envFrom', [{ secretRef: { name: 'late' } }]));
      }
      return render(chart);
    };
    expect(violations(build(true), flux, 'sync-order')).toEqual([
      expect.stringMatching(/^Job api-migrate: Flux applies it in the app's pre-deploy Kustomization, which must be Ready before the app's Kustomization applies Secret late, which it reads: it would wait for it forever/),
    ]);
    // The corrected twin, and what the stages hold.
    const objects = build(false);
    expect(violations(objects, flux, 'sync-order')).toEqual([]);
    expect([...fluxPreDeployObjects(objects)].map((o) => o.kind).sort()).toEqual(['Job', 'ServiceAccount']);
    expect(objects.filter((o) => !fluxPreDeployObjects(objects).has(o)).map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
    // Without a Job there is one stage.
    const chart = testChart({ environment: flux });
    new WebService(chart, 'web', { name: 'api', image: `registry.example/api:1.2.3@sha256:${'a'.repeat(64)}`, port: 8000, healthPath: '/health' });
    expect(fluxPreDeployObjects(render(chart)).size).toBe(0);
  });
});
