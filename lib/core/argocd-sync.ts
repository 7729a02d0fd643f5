import type { ApiObject } from 'cdk8s';

/** ArgoCD's per-object sync options annotation (argo-cd docs/user-guide/sync-options.md). */
export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

/** The annotation value `protectFromPrune` sets, for checks and tests. */
export const PROTECTED_SYNC_OPTIONS = 'Prune=false,Delete=false';

/**
 * Marks a stateful object (a volume, a database, a backup store) so that no ArgoCD sync removes
 * it: `Prune=false` keeps it when it disappears from dist/ (the app then shows OutOfSync, and a
 * human deletes it deliberately); `Delete=false` keeps it when the Application itself is deleted.
 */
export function protectFromPrune(object: ApiObject): void {
  object.metadata.addAnnotation(ARGOCD_SYNC_OPTIONS, PROTECTED_SYNC_OPTIONS);
}
