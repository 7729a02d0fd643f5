import { Type } from '@sinclair/typebox';
import { App } from 'cdk8s';
import { Application, AppProject } from '../../../imports/argoproj.io';
import { AppChart, defineApp } from '../../core/app';
import { ARGOCD_SYNC_WAVE } from '../../core/argocd-sync';
import { checkDnsLabel } from '../../core/dns';
import type { Environment } from '../../core/environment';
import { UserError } from '../../core/errors';
import type { KubeObject } from '../checks/schema-validation';
import { compareStrings } from '../../core/order';
import { groupKindOf, type GroupKind } from '../../core/kinds';
import type { SynthesizedApp } from '../checks/rendered';

/**
 * ArgoCD delivery of one environment: an AppProject, one Application per app and a root
 * Application over them (app of apps), rendered into `dist/<env>/argocd/`. Bootstrapping a
 * cluster is `kubectl apply -k dist/<env>/argocd`: the root Application then manages the
 * project, the apps and itself from git.
 *
 * Facts cite the ArgoCD documentation (argo-cd docs/user-guide/sync-options.md,
 * auto_sync.md, sync-waves.md; docs/operator-manual/declarative-setup.md and
 * cluster-bootstrapping.md).
 */

/** The directory under `dist/<env>/` holding the ArgoCD objects; no app may take this name. */
export const DELIVERY_DIRECTORY = 'argocd';

/** The pseudo-app the ArgoCD objects are labelled with. */
const delivery = defineApp({
  name: 'argocd-apps',
  description: 'ArgoCD project and applications of one environment',
  values: Type.Object({}),
  build: () => undefined,
});

/** The Application name of `app` in `environment`: unique across environments sharing one ArgoCD. */
export function applicationName(environment: Environment, app: string): string {
  return `${environment.name}-${app}`;
}

/**
 * Retries of a failed sync. Without them automated sync gives up on a commit after its default
 * attempts (auto_sync.md; sync-options.md "Retry"), so a first-sync race (a database Secret not
 * yet written, a migration that fails once while the database starts) waits for the next commit.
 */
const SYNC_RETRY = { limit: 10, backoff: { duration: '15s', factor: 2, maxDuration: '10m' } };

/**
 * Objects larger than this are applied server-side: client-side apply stores the whole object in
 * the `last-applied-configuration` annotation, and annotations are limited to 256 KiB in total
 * (sync-options.md, "Server-Side Apply": "resource is too big to fit in 262144 bytes").
 */
const SERVER_SIDE_APPLY_THRESHOLD = 128 * 1024;

/**
 * The chart of one environment's ArgoCD objects (the engine renders it like every app's chart), and the context its
 * messages carry after a construct path.
 */
export function deliveryChart(environment: Environment, apps: readonly SynthesizedApp[]): { readonly chart: AppChart; readonly context: string } {
  const argocd = environment.argocd;
  // The engine reads environment.yaml once and calls the emitter of the engine it names (deliveryProblem).
  if (!argocd) throw new Error(`${environment.file}: ArgoCD delivery of an environment without argocd`);
  const argocdNamespace = argocd.namespace ?? 'argocd';
  const project = argocd.project ?? environment.name;
  const repoURL = argocd.repoURL;
  const targetRevision = argocd.targetRevision ?? 'main';
  const server = argocd.server;
  const chart = new AppChart(new App({ outdir: '.build/unused' }), { environment, app: delivery, namespace: argocdNamespace, overlayFile: environment.file });
  const labels = chart.labelsFor('delivery');

  const problems = apps
    .map((a) => ({ app: a.app.name, name: applicationName(environment, a.app.name) }))
    .flatMap(({ app, name }) => {
      const problem = app === DELIVERY_DIRECTORY ? `is reserved for the ArgoCD objects (dist/<env>/${DELIVERY_DIRECTORY}/)` : checkDnsLabel(name) && `gives the Application name "${name}", which ${checkDnsLabel(name)}`;
      return problem ? [{ where: `apps/${app}.ts`, message: `app name "${app}" ${problem} (environment ${environment.name})`, hint: 'choose a shorter or different app name' }] : [];
    });
  if (problems.length > 0) throw new UserError(problems);

  // One AppProject per layer, each admitting exactly what its apps emit (least privilege): the
  // platform/apps boundary is then a rule ArgoCD enforces, not a convention (an application
  // whose project does not admit postgresql.cnpg.io/Cluster cannot create one).
  const projects = new Map<string, SynthesizedApp[]>();
  for (const synthesized of apps) {
    const name = projectName(project, synthesized.app.layer ?? 'application');
    projects.set(name, [...(projects.get(name) ?? []), synthesized]);
  }
  for (const [name, members] of [...projects.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const objects = members.flatMap((a) => a.objects);
    // Every namespace the apps write into: their own, and any other an object names (a
    // ReferenceGrant in a backend's namespace, credentials copied into a consumer's): ArgoCD
    // refuses the sync otherwise ("namespace ... is not permitted in project").
    const namespaces = [...new Set([...members.map((a) => namespaceOf(a)), ...objects.flatMap((o) => (typeof o.metadata.namespace === 'string' ? [o.metadata.namespace] : []))])].sort(compareStrings);
    const layer = members[0].app.layer ?? 'application';
    new AppProject(chart, `Project-${layer}`, {
      metadata: { name, labels, annotations: { [ARGOCD_SYNC_WAVE]: '-2' } },
      spec: {
        description: `${environment.description ?? environment.name}: the ${layer} layer (generated by npm run synth)`,
        sourceRepos: [repoURL],
        destinations: namespaces.map((namespace) => ({ server, namespace })),
        // Cluster-scoped kinds only where an app emits one (its own Namespace); none otherwise.
        clusterResourceWhitelist: uniqueKinds(objects.filter((o) => o.metadata.namespace === undefined)),
        namespaceResourceWhitelist: uniqueKinds(objects.filter((o) => o.metadata.namespace !== undefined)),
        orphanedResources: { warn: true },
      },
    });
  }

  for (const synthesized of apps) {
    const namespace = namespaceOf(synthesized);
    const large = synthesized.objects.some((o) => JSON.stringify(o).length > SERVER_SIDE_APPLY_THRESHOLD);
    // No CreateNamespace and no managedNamespaceMetadata: with CreateNamespace, ArgoCD applies
    // that metadata to a namespace that already exists (sync-options.md, "Namespace
    // Auto-Creation"), relabelling what this repo did not create. Every namespace is emitted by
    // the app that owns it or declared under existing.namespaces (lib/pipeline/checks/references.ts).
    const syncOptions = [
      // Prune only after every wave is applied and healthy, so nothing disappears mid-rollout.
      'PruneLast=true',
      // Refuse to take over an object another Application already manages.
      'FailOnSharedResource=true',
      ...(large ? ['ServerSideApply=true'] : []),
    ];
    new Application(chart, `App-${synthesized.app.name}`, {
      metadata: {
        name: applicationName(environment, synthesized.app.name),
        labels,
        // The platform layer (databases) syncs before the apps that use it (sync-waves.md; the
        // root Application waits for each wave's Applications to be healthy).
        ...(synthesized.app.layer === 'platform' ? { annotations: { [ARGOCD_SYNC_WAVE]: '-1' } } : {}),
      },
      spec: {
        project: projectName(project, synthesized.app.layer ?? 'application'),
        source: { repoUrl: repoURL, targetRevision, path: `dist/${environment.name}/${synthesized.app.name}` },
        destination: { server, namespace },
        syncPolicy: {
          // Prune is on: objects removed from dist/ go away, except stateful ones, which carry
          // Prune=false,Delete=false themselves (lib/core/argocd-sync.ts).
          automated: { prune: true, selfHeal: true },
          syncOptions,
          retry: SYNC_RETRY,
        },
        revisionHistoryLimit: 10,
      },
    });
  }

  // The root Application manages this directory, itself included (cluster-bootstrapping.md,
  // "app of apps"). It lives in the `default` project: a project cannot usefully hold the
  // Application that defines it.
  new Application(chart, 'Root', {
    metadata: { name: applicationName(environment, 'root'), labels },
    spec: {
      project: 'default',
      source: { repoUrl: repoURL, targetRevision, path: `dist/${environment.name}/${DELIVERY_DIRECTORY}` },
      destination: { server: 'https://kubernetes.default.svc', namespace: argocdNamespace },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['PruneLast=true'], retry: SYNC_RETRY },
      revisionHistoryLimit: 10,
    },
  });

  return { chart, context: ` (ArgoCD objects of environment ${environment.name}, from ${environment.file})` };
}

/** The project of a layer: the environment's project for applications, `<project>-platform` for the platform. */
function projectName(project: string, layer: 'platform' | 'application'): string {
  return layer === 'platform' ? `${project}-platform` : project;
}

function namespaceOf(app: SynthesizedApp): string {
  return app.namespace;
}

function uniqueKinds(objects: readonly KubeObject[]): GroupKind[] {
  const seen = new Map<string, GroupKind>();
  for (const o of objects) {
    const { group, kind } = groupKindOf(o);
    seen.set(`${group}/${kind}`, { group, kind });
  }
  return [...seen.values()].sort((a, b) => compareStrings(`${a.group}/${a.kind}`, `${b.group}/${b.kind}`));
}
