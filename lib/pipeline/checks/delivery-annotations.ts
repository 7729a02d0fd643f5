import { DELIVERY_ANNOTATION_PREFIX, deliveryEngineOf, FLUX_FORCE, FLUX_FORCE_ENABLED, type DeliveryEngine } from '../../core/delivery';
import { ANY_KIND, isGroupKind, KINDS } from '../../core/kinds';
import { annotationsOf, record } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';

const OTHER: Readonly<Record<DeliveryEngine, DeliveryEngine>> = { argocd: 'flux', flux: 'argocd' };

/**
 * `delivery-annotations`: an object carries only its environment's delivery engine's annotations
 * (lib/core/delivery.ts). ArgoCD's sync waves, hooks and sync options mean nothing to Flux (its
 * kustomize-controller reads only kustomize.toolkit.fluxcd.io/ policies), and Flux's mean nothing
 * to ArgoCD: an object relying on the other engine's is unprotected or unordered. In a Flux
 * environment a Job also carries force: enabled: its template is immutable, so without it the
 * next image fails every apply ("field is immutable"; Flux's "Running pre and post-deployment
 * jobs").
 */
export const deliveryAnnotations: RuleDeclaration = {
  name: 'delivery-annotations',
  summary: `objects carry only their environment's delivery engine's annotations (argocd.argoproj.io/ in an ArgoCD environment, kustomize.toolkit.fluxcd.io/ in a Flux one), and a Job in a Flux environment carries ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED}, since its template is immutable`,
  scope: [ANY_KIND],
  sources: [
    'fluxcd/kustomize-controller v1.4.0 docs/spec/v1/kustomizations.md (the kustomize.toolkit.fluxcd.io/ policies: ssa, force, prune)',
    'https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/ and resource_hooks/ (argocd.argoproj.io/ annotations)',
    'https://fluxcd.io/flux/use-cases/running-jobs/ (Jobs are immutable: recreate them with force)',
  ],
  fix: 'build the object with the library\'s constructs, which annotate for the environment\'s engine (protectFromPrune, MigrationJob), or write the engine\'s own annotation',
  check(object, context) {
    const engine = deliveryEngineOf(context.environment);
    const foreign = OTHER[engine];
    const problems: RuleProblem[] = [];
    const keys = [...Object.keys(annotationsOf(object)), ...Object.keys(record(object.metadata.labels))].filter((k) => k.startsWith(DELIVERY_ANNOTATION_PREFIX[foreign]));
    if (keys.length > 0) {
      problems.push({
        message: `it carries ${[...new Set(keys)].join(', ')}, which ${foreign === 'argocd' ? 'ArgoCD' : 'Flux'} reads, but this environment is delivered by ${engine === 'argocd' ? 'ArgoCD' : 'Flux'}, which ignores it`,
        fix: engine === 'flux'
          ? `remove it; Flux orders by Kustomization dependsOn, not waves (a Job that must run first goes into the app's pre-deploy Kustomization by itself), protects with ${DELIVERY_ANNOTATION_PREFIX.flux}prune: disabled (protectFromPrune) and recreates with ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED}`
          : 'remove it; ArgoCD reads argocd.argoproj.io/ annotations (protectFromPrune and MigrationJob write them for the environment\'s engine)',
      });
    }
    if (engine === 'flux' && isGroupKind(object, KINDS.Job) && String(annotationsOf(object)[FLUX_FORCE] ?? record(object.metadata.labels)[FLUX_FORCE]).toLowerCase() !== FLUX_FORCE_ENABLED) {
      problems.push({
        message: `a Job's template is immutable, and it lacks ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED}: Flux's next apply of a changed Job fails ("field is immutable") and blocks its Kustomization`,
        fix: `annotate it ${FLUX_FORCE}: ${FLUX_FORCE_ENABLED} (MigrationJob does), so Flux recreates it when it changes`,
      });
    }
    return problems;
  },
};
