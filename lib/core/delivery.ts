import type { ApiObject } from 'cdk8s';
import { AppChart } from './app';
import { ARGOCD_HOOK, ARGOCD_HOOK_DELETE_POLICY, ARGOCD_SYNC_OPTIONS, ARGOCD_SYNC_WAVE, PROTECTED_SYNC_OPTIONS, SYNC_WAVE } from './argocd-sync';
import type { Environment } from './environment';
import { UserError } from './errors';

/**
 * The delivery engine of an environment, and the per-object annotations each understands. An
 * environment is delivered by ArgoCD or by Flux (environment.yaml `argocd` or `flux`); an object
 * carries only its own engine's annotations, as another engine's mean nothing there (policy rule
 * `delivery-annotations`, lib/pipeline/checks/delivery-annotations.ts).
 */

/** The engines an environment may be delivered by. */
export type DeliveryEngine = 'argocd' | 'flux';

/** The annotation prefix each engine reads on the objects it applies. */
export const DELIVERY_ANNOTATION_PREFIX: Readonly<Record<DeliveryEngine, string>> = {
  argocd: 'argocd.argoproj.io/',
  flux: 'kustomize.toolkit.fluxcd.io/',
};

/**
 * Flux's per-object prune policy: `disabled` keeps the object when it leaves the source and when
 * its Kustomization is deleted (garbage collection covers both; fluxcd/kustomize-controller v1.4.0
 * docs/spec/v1/kustomizations.md, "Prune" and "kustomize.toolkit.fluxcd.io/prune": "to protect
 * sensitive resources such as Namespaces, PVCs and PVs").
 */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';
/** The value of `FLUX_PRUNE` that protects an object. */
export const FLUX_PRUNE_DISABLED = 'disabled';
/**
 * Flux's per-object force policy: `enabled` recreates the object when an immutable field changes
 * (kustomizations.md, "Force" and "kustomize.toolkit.fluxcd.io/force": "can be used for
 * Kubernetes Jobs to rerun them when their container image changes"; "Using this policy for
 * StatefulSets may result in potential data loss").
 */
export const FLUX_FORCE = 'kustomize.toolkit.fluxcd.io/force';
/** The value of `FLUX_FORCE` that recreates an object. */
export const FLUX_FORCE_ENABLED = 'enabled';

/** The engine `environment` is delivered by: Flux when it has a `flux` block, ArgoCD otherwise. */
export function deliveryEngineOf(environment: Pick<Environment, 'flux'> | undefined): DeliveryEngine {
  return environment?.flux ? 'flux' : 'argocd';
}

/**
 * The problem with an environment's delivery: it names exactly one engine. Checked when
 * environment.yaml is read (lib/pipeline/engine/overlay.ts).
 */
export function deliveryProblem(environment: Pick<Environment, 'argocd' | 'flux' | 'file'>): UserError | undefined {
  const both = environment.argocd !== undefined && environment.flux !== undefined;
  if (!both && (environment.argocd !== undefined || environment.flux !== undefined)) return undefined;
  return new UserError({
    where: environment.file,
    message: both ? 'has both argocd and flux: an environment is delivered by one engine' : 'says neither argocd nor flux: how this environment is delivered is not stated',
    allowed: 'one of argocd: { server, repoURL } or flux: { url }',
    hint: 'keep the block of the engine the cluster runs (kubectl get crd applications.argoproj.io kustomizations.kustomize.toolkit.fluxcd.io)',
  });
}

/**
 * Marks a stateful object (a volume, a database, a backup store) so that its environment's
 * delivery never removes it. ArgoCD: `Prune=false` keeps it when it disappears from dist/ (the app
 * then shows OutOfSync, and a human deletes it deliberately), `Delete=false` when the Application
 * itself is deleted. Flux: `kustomize.toolkit.fluxcd.io/prune: disabled`, which covers both.
 */
export function protectFromPrune(object: ApiObject): void {
  if (deliveryEngineOf(AppChart.of(object).environment) === 'flux') object.metadata.addAnnotation(FLUX_PRUNE, FLUX_PRUNE_DISABLED);
  else object.metadata.addAnnotation(ARGOCD_SYNC_OPTIONS, PROTECTED_SYNC_OPTIONS);
}

/**
 * The annotations of a Job that must complete before the new version of its app serves (a schema
 * migration), for `environment`'s engine.
 *
 * ArgoCD: a `Sync` hook in the migration wave, replaced before each sync (`BeforeHookCreation`;
 * argo-cd docs/user-guide/resource_hooks.md). Flux has no hooks: the Job goes into its app's
 * pre-deploy Kustomization, which the app's Kustomization depends on (Flux's "Running pre and
 * post-deployment jobs", https://fluxcd.io/flux/use-cases/running-jobs/; the delivery emitter
 * splits the app), and `force: enabled` recreates it when its immutable template changes, that
 * is when the image changes, so each new version migrates once.
 */
export function preDeployJobAnnotations(environment: Pick<Environment, 'flux'>): Record<string, string> {
  if (deliveryEngineOf(environment) === 'flux') return { [FLUX_FORCE]: FLUX_FORCE_ENABLED };
  return {
    [ARGOCD_HOOK]: 'Sync',
    [ARGOCD_HOOK_DELETE_POLICY]: 'BeforeHookCreation',
    [ARGOCD_SYNC_WAVE]: String(SYNC_WAVE.migrations),
  };
}
