import { Type } from '@sinclair/typebox';
import { App, JsonPatch } from 'cdk8s';
import { Kustomization } from '../../../imports/kustomize.toolkit.fluxcd.io';
import { GitRepository } from '../../../imports/source.toolkit.fluxcd.io';
import { AppChart, defineApp } from '../../core/app';
import { checkDnsLabel } from '../../core/dns';
import type { Environment } from '../../core/environment';
import { UserError } from '../../core/errors';
import { k8s } from '../../core/k8s';
import { groupKindOf, isGroupKind, KINDS } from '../../core/kinds';
import { compareStrings } from '../../core/order';
import type { SynthesizedApp } from '../checks/rendered';
import type { KubeObject } from '../checks/schema-validation';
import { fluxPreDeployObjects } from '../checks/sync-order';

/**
 * Flux delivery of one environment, for clusters that run Flux rather than ArgoCD (openova's:
 * openova-io/openova@585b046 clusters/_template/bootstrap-kit/03-flux.yaml). Rendered into
 * `dist/<env>/flux/`: a GitRepository over this repository, one Kustomization per app (two where
 * the app has a Job to run before it serves), a ServiceAccount and RBAC per layer that the
 * Kustomizations impersonate, and a root Kustomization over the directory itself. Bootstrapping
 * is `kubectl apply -k dist/<env>/flux` on a cluster where Flux's controllers run.
 *
 * Layout as openova's own: everything in `flux-system`; the GitRepository polled every minute and
 * the root Kustomization every 5 minutes, with prune and wait (the GitRepository and Kustomization
 * its cloud-init writes, infra/hetzner/cloudinit-control-plane.tftpl); a component's
 * Kustomization every 10 minutes with prune and wait (platform/flux/README.md "Kustomization"),
 * retried every minute on failure (clusters/contabo-mkt/tenants/bakkal/apps-sync.yaml). Facts of
 * Flux itself: fluxcd/kustomize-controller v1.4.0 docs/spec/v1/kustomizations.md.
 *
 * The guarantees of the ArgoCD delivery (argocd-delivery.ts), in Flux's terms:
 * - ordering: `dependsOn` instead of sync waves. Application-layer apps depend on the platform
 *   layer's Kustomizations; an app with a Job that must complete first is split (the Job and what
 *   the ArgoCD waves put before it go into `<app>.pre-deploy`, which the app depends on; Flux's
 *   "Running pre and post-deployment jobs");
 * - health: `wait: true` health-checks every object a Kustomization applies, so a dependent waits
 *   for a Ready database and a completed migration;
 * - prune with stateful objects protected: `prune: true`, and every object that holds data
 *   carries `kustomize.toolkit.fluxcd.io/prune: disabled` (lib/core/delivery.ts, rule
 *   stateful-protected);
 * - touches nothing it does not own: Flux prunes only what its inventory says it applied, and an
 *   app emits nothing declared under `existing` (lib/pipeline/checks/references.ts); no
 *   `targetNamespace` (it would rewrite the namespace of every object, those an app writes into
 *   another namespace too) and no namespace creation (Flux creates none);
 * - a layer boundary: each layer's Kustomizations impersonate the layer's ServiceAccount
 *   (`serviceAccountName`, kustomizations.md "Role-based access control"), whose roles admit
 *   exactly the kinds its apps emit, in exactly the namespaces they write into, as the ArgoCD
 *   AppProjects do: an application's Kustomization cannot create a postgresql.cnpg.io Cluster.
 */

/** The directory under `dist/<env>/` holding the Flux objects; no app may take this name. */
export const FLUX_DIRECTORY = 'flux';

/** What a pre-deploy directory and Kustomization add to their app's name (a dot: no app name has one). */
export const PRE_DEPLOY_SUFFIX = '.pre-deploy';

/** The pseudo-app the Flux objects are labelled with. */
const delivery = defineApp({
  name: 'flux-delivery',
  description: 'Flux source, kustomizations and reconciler accounts of one environment',
  values: Type.Object({}),
  build: () => undefined,
});

/** The Kustomization name of `app` in `environment`: unique across environments sharing one Flux. */
export function kustomizationName(environment: Environment, app: string): string {
  return `${environment.name}-${app}`;
}

/** Intervals, as openova sets them (see the module comment). */
const SOURCE_INTERVAL = '1m';
const ROOT_INTERVAL = '5m';
const APP_INTERVAL = '10m';
const RETRY_INTERVAL = '1m';

/**
 * The verbs a Kustomization's account needs on what it applies: server-side apply (get, create,
 * patch), drift correction and health checks (list, watch), garbage collection (delete).
 */
const RECONCILER_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * One app's objects as Flux applies them: `main` by the app's Kustomization, `preDeploy` by the
 * pre-deploy one it depends on (empty unless the app has a Job to run before it serves;
 * lib/pipeline/checks/sync-order.ts `fluxPreDeployObjects`).
 */
export function fluxStages(objects: readonly KubeObject[]): { readonly main: KubeObject[]; readonly preDeploy: KubeObject[] } {
  const early = fluxPreDeployObjects(objects);
  return { main: objects.filter((o) => !early.has(o)), preDeploy: objects.filter((o) => early.has(o)) };
}

/**
 * The chart of one environment's Flux objects (the engine renders it like every app's chart), and
 * the context its messages carry after a construct path.
 */
export function fluxDeliveryChart(environment: Environment, apps: readonly SynthesizedApp[]): { readonly chart: AppChart; readonly context: string } {
  const flux = environment.flux;
  // The engine reads environment.yaml once and calls the emitter of the engine it names (deliveryProblem).
  if (!flux) throw new Error(`${environment.file}: Flux delivery of an environment without flux`);
  const namespace = flux.namespace ?? 'flux-system';
  const chart = new AppChart(new App({ outdir: '.build/unused' }), { environment, app: delivery, namespace, overlayFile: environment.file });
  const labels = chart.labelsFor('delivery');

  const problems = apps.flatMap(({ app }) => {
    const name = kustomizationName(environment, app.name);
    const problem = app.name === FLUX_DIRECTORY ? `is reserved for the Flux objects (dist/<env>/${FLUX_DIRECTORY}/)` : checkDnsLabel(name) && `gives the Kustomization name "${name}", which ${checkDnsLabel(name)}`;
    return problem ? [{ where: `apps/${app.name}.ts`, message: `app name "${app.name}" ${problem} (environment ${environment.name})`, hint: 'choose a shorter or different app name' }] : [];
  });
  if (problems.length > 0) throw new UserError(problems);

  // The source: this repository, only this environment's directory of it (openova's GitRepository
  // `ignore`s every cluster but its own the same way).
  const source = environment.name;
  new GitRepository(chart, 'Source', {
    metadata: { name: source, labels },
    spec: {
      interval: SOURCE_INTERVAL,
      url: flux.url,
      ref: { branch: flux.branch ?? 'main' },
      ...(flux.secretName ? { secretRef: { name: flux.secretName } } : {}),
      ignore: `/*\n!/dist/${environment.name}/\n`,
    },
  });

  // One reconciler account per layer, admitting exactly what its apps emit where they write it.
  const layers = new Map<'platform' | 'application', SynthesizedApp[]>();
  for (const synthesized of apps) {
    const layer = synthesized.app.layer ?? 'application';
    layers.set(layer, [...(layers.get(layer) ?? []), synthesized]);
  }
  const accounts = new Map<string, string>();
  for (const [layer, members] of [...layers.entries()].sort(([a], [b]) => compareStrings(a, b))) {
    const account = `${environment.name}-${layer === 'platform' ? 'platform' : 'apps'}-reconciler`;
    accounts.set(layer, account);
    reconcilerAccount(chart, layer, account, namespace, members, labels);
  }

  // The platform layer first: each application-layer app depends on every platform Kustomization.
  const platform = apps.filter((a) => a.app.layer === 'platform').map((a) => kustomizationName(environment, a.app.name)).sort(compareStrings);
  for (const synthesized of apps) {
    const layer = synthesized.app.layer ?? 'application';
    const name = kustomizationName(environment, synthesized.app.name);
    const { preDeploy } = fluxStages(synthesized.objects);
    const kustomization = (id: string, kname: string, directory: string, dependsOn: readonly string[]) => new Kustomization(chart, id, {
      metadata: { name: kname, labels },
      spec: {
        interval: APP_INTERVAL,
        retryInterval: RETRY_INTERVAL,
        path: `./dist/${environment.name}/${directory}`,
        sourceRef: { kind: 'GitRepository' as never, name: source },
        serviceAccountName: accounts.get(layer),
        // Prune is on: objects removed from dist/ go away, except stateful ones, which carry
        // kustomize.toolkit.fluxcd.io/prune: disabled themselves (lib/core/delivery.ts).
        prune: true,
        // Health-check everything applied: what depends on this waits until it is Ready.
        wait: true,
        ...(dependsOn.length > 0 ? { dependsOn: dependsOn.map((d) => ({ name: d })) } : {}),
      },
    });
    const before = layer === 'platform' ? [] : platform;
    if (preDeploy.length > 0) {
      kustomization(`Kustomization-${synthesized.app.name}${PRE_DEPLOY_SUFFIX}`, `${name}${PRE_DEPLOY_SUFFIX}`, `${synthesized.app.name}${PRE_DEPLOY_SUFFIX}`, before);
      kustomization(`Kustomization-${synthesized.app.name}`, name, synthesized.app.name, [`${name}${PRE_DEPLOY_SUFFIX}`]);
    } else {
      kustomization(`Kustomization-${synthesized.app.name}`, name, synthesized.app.name, before);
    }
  }

  // The root Kustomization manages this directory, itself included, under Flux's own account
  // (it creates the reconcilers' RBAC); as openova's catalyst-bootstrap: prune, wait.
  new Kustomization(chart, 'Root', {
    metadata: { name: kustomizationName(environment, 'root'), labels },
    spec: {
      interval: ROOT_INTERVAL,
      retryInterval: RETRY_INTERVAL,
      path: `./dist/${environment.name}/${FLUX_DIRECTORY}`,
      sourceRef: { kind: 'GitRepository' as never, name: source },
      prune: true,
      wait: true,
    },
  });

  return { chart, context: ` (Flux objects of environment ${environment.name}, from ${environment.file})` };
}

/**
 * A layer's reconciler: a ServiceAccount in Flux's namespace, a ClusterRole of the namespaced kinds
 * its apps emit, bound by a RoleBinding in each namespace they write into, and, where they emit
 * cluster-scoped objects (their own Namespace), a ClusterRole of exactly those kinds bound
 * cluster-wide. A namespace the layer itself creates gets its RoleBinding from the root
 * Kustomization once it exists: Flux retries both until they converge.
 */
function reconcilerAccount(chart: AppChart, layer: string, account: string, namespace: string, members: readonly SynthesizedApp[], labels: Record<string, string>): void {
  const objects = members.flatMap((a) => a.objects);
  const namespaced = objects.filter((o) => o.metadata.namespace !== undefined);
  const clusterScoped = objects.filter((o) => o.metadata.namespace === undefined);
  const namespaces = [...new Set([...members.map((a) => a.namespace), ...namespaced.map((o) => String(o.metadata.namespace))])].sort(compareStrings);
  const subjects = [{ kind: 'ServiceAccount', name: account, namespace }];
  new k8s.KubeServiceAccount(chart, `Account-${layer}`, {
    metadata: { name: account, labels },
    // Impersonated by kustomize-controller, never mounted into a pod.
    automountServiceAccountToken: false,
  });
  new k8s.KubeClusterRole(chart, `Role-${layer}`, {
    metadata: { name: account, labels },
    rules: rulesFor(namespaced),
  }).addJsonPatch(CLUSTER_SCOPED);
  for (const target of namespaces) {
    new k8s.KubeRoleBinding(chart, `Binding-${layer}-${target}`, {
      metadata: { name: account, namespace: target, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: account },
      subjects,
    });
  }
  if (clusterScoped.length > 0) {
    new k8s.KubeClusterRole(chart, `ClusterRole-${layer}`, {
      metadata: { name: `${account}-cluster`, labels },
      rules: rulesFor(clusterScoped),
    }).addJsonPatch(CLUSTER_SCOPED);
    new k8s.KubeClusterRoleBinding(chart, `ClusterBinding-${layer}`, {
      metadata: { name: `${account}-cluster`, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${account}-cluster` },
      subjects,
    }).addJsonPatch(CLUSTER_SCOPED);
  }
}

/** The chart gives every object its namespace; a cluster-scoped one has none. */
const CLUSTER_SCOPED = JsonPatch.remove('/metadata/namespace');

/**
 * RBAC rules for exactly the kinds of `objects`, one rule per API group, and the rules of the
 * roles among them: the API server lets an account create a Role only with permissions it holds
 * itself (kubernetes.io/docs/reference/access-authn-authz/rbac/, "Privilege escalation
 * prevention"), so the reconciler of a layer that grants a consumer `get` on a database Secret
 * holds exactly that grant, where its RoleBinding puts it, and no `escalate` or `bind`.
 */
function rulesFor(objects: readonly KubeObject[]): k8s.PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const o of objects) {
    const { group, kind } = groupKindOf(o);
    byGroup.set(group, (byGroup.get(group) ?? new Set()).add(resourceOf(kind)));
  }
  const delegated = objects.filter((o) => isGroupKind(o, KINDS.Role) || isGroupKind(o, KINDS.ClusterRole))
    .flatMap((o) => (Array.isArray(o.rules) ? (o.rules as k8s.PolicyRule[]) : []));
  const own = [...byGroup.entries()].sort(([a], [b]) => compareStrings(a, b))
    .map(([group, resources]) => ({ apiGroups: [group], resources: [...resources].sort(compareStrings), verbs: RECONCILER_VERBS }));
  const seen = new Set(own.map((r) => JSON.stringify(r)));
  return [...own, ...delegated.filter((r) => !seen.has(JSON.stringify(r)) && seen.add(JSON.stringify(r)))];
}

/**
 * The resource (plural) of a kind, for RBAC rules: the kind in lower case, plus "es" after an "s",
 * "ies" for a "y" after a consonant, else "s". Kubernetes' own guess
 * (k8s.io/apimachinery pkg/api/meta/restmapper.go `UnsafeGuessKindToResource`) turns every final
 * "y" into "ies", which names Gateways "gatewaies"; the CRDs name them as English does
 * (test/pipeline/emit/flux-delivery.test.ts holds this to every vendored CRD's spec.names.plural).
 */
export function resourceOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}
