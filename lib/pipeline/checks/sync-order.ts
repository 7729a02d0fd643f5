import { ARGOCD_HOOK, ARGOCD_SYNC_WAVE, SYNC_WAVE, syncWaveOf } from '../../core/argocd-sync';
import { deliveryEngineOf } from '../../core/delivery';
import { groupKindOf, isGroupKind, KINDS } from '../../core/kinds';
import type { KubeObject } from './schema-validation';
import { annotationsOf, objectKeyId, objectKeyOf } from './objects';
import { podReadsOf } from './pod-reads';
import { producedIndexOf, type ProducedLookup } from './producers';
import { REFERENCE_FIELDS, referencesOf } from './reference-model';
import type { Finding, PolicyRule } from './types';

/** An object's sync wave: its annotation, written by hand or derived from its kind. */
function waveOf(object: KubeObject): number {
  const explicit = annotationsOf(object)[ARGOCD_SYNC_WAVE];
  return explicit === undefined ? syncWaveOf(object.kind) : Number(explicit);
}

/**
 * ArgoCD's sync phases, in order: PreSync hooks, then the Sync phase (every object that is not a
 * hook, and the Sync hooks), then PostSync hooks (argo-cd docs/user-guide/resource_hooks.md).
 * `Skip` and the failure hooks do not run in a successful sync's order and are left out.
 */
const PHASES = ['PreSync', 'Sync', 'PostSync'] as const;
type Phase = (typeof PHASES)[number];

/** The phase an object is applied in, or undefined for a hook outside the three phases. */
function phaseOf(object: KubeObject): Phase | undefined {
  const hook = annotationsOf(object)[ARGOCD_HOOK];
  if (hook === undefined) return 'Sync';
  // A hook may carry several comma-separated types; the earliest phase is when it first runs.
  const types = String(hook).split(',').map((t) => t.trim());
  return PHASES.find((p) => types.includes(p));
}

/**
 * What an object needs to exist before it, among the app's own objects: its Namespace; what
 * produces (producers.ts) something its pods read (pod-reads.ts); and the objects the reference
 * model (reference-model.ts) finds it naming, ServiceAccounts, stores, issuers, Gateways,
 * Services. Each with `strict`: the pods' reads must be in an earlier wave (a controller writes
 * a SealedSecret's Secret only after the wave is applied); the others may share its wave (ArgoCD
 * applies a wave's objects in its kind order, namespaces and configuration first).
 */
function needs(object: KubeObject, own: ReadonlyMap<string, KubeObject>, produced: ProducedLookup): Array<{ readonly needed: KubeObject; readonly strict: boolean }> {
  const found = new Map<KubeObject, boolean>();
  const add = (needed: KubeObject | undefined, strict: boolean) => {
    if (needed && needed !== object) found.set(needed, (found.get(needed) ?? false) || strict);
  };
  const namespace = objectKeyOf(object).namespace;
  if (namespace !== '') add(own.get(objectKeyId(KINDS.Namespace, { namespace: '', name: namespace })), false);
  const reads = podReadsOf(object);
  for (const read of reads) for (const p of produced.all(read.kind, read.target)) add(p.source, true);
  for (const ref of referencesOf(object, REFERENCE_FIELDS, reads)) {
    if (ref.target.to !== 'object') continue;
    add(own.get(objectKeyId(ref.target.kind, ref.target.key)), false);
    for (const p of produced.all(ref.target.kind, ref.target.key)) add(p.source, false);
  }
  return [...found].map(([needed, strict]) => ({ needed, strict }));
}

/**
 * `sync-order`: no object is applied before what it needs. ArgoCD applies a wave only once the
 * waves before it are healthy, and within a wave creates objects together (sync-waves.md), so a
 * sync-wave annotation written by hand that puts an object in an earlier wave than its own
 * Namespace or than what it names, or a workload in the same or an earlier wave than the Secret,
 * ConfigMap, claim or database it reads, starts it before those exist (a Secret from a
 * SealedSecret or ExternalSecret is written by its controller, later). A hook reads what its
 * phase finds: a PreSync hook runs before any object of the Sync phase exists, a Sync hook in
 * its wave among them (resource_hooks.md).
 */
export const syncOrder: PolicyRule = {
  name: 'sync-order',
  summary: `ArgoCD: no object is in an earlier ${ARGOCD_SYNC_WAVE} than its own Namespace or what it names, no pod template in the same or an earlier wave than what its pods read (ConfigMaps, Secrets and what writes them, claims, its ServiceAccount), and no hook runs in a phase before what it reads exists, whether the wave was derived or written by hand; Flux: nothing an app applies in its pre-deploy Kustomization (what comes before its migration Jobs, and the Jobs) names or reads an object of the Kustomization that waits for it`,
  sources: ['https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/', 'https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/', 'lib/core/argocd-sync.ts (the waves by kind)', 'https://fluxcd.io/flux/use-cases/running-jobs/ and fluxcd/kustomize-controller v1.4.0 docs/spec/v1/kustomizations.md "Dependencies" (dependsOn waits for the other Kustomization to be Ready)'],
  check(objects, context) {
    const findings: Finding[] = [];
    const produced = producedIndexOf(objects);
    const own = new Map(objects.map((o) => [objectKeyId(groupKindOf(o), objectKeyOf(o)), o]));
    if (deliveryEngineOf(context.environment) === 'flux') return fluxStageFindings(objects, own, produced);
    for (const object of objects) {
      const phase = phaseOf(object);
      if (phase === undefined) continue;
      const wave = waveOf(object);
      const hook = annotationsOf(object)[ARGOCD_HOOK] !== undefined;
      for (const { needed, strict } of needs(object, own, produced)) {
        const neededPhase = phaseOf(needed);
        const neededWave = waveOf(needed);
        const name = `${needed.kind} ${String(needed.metadata.name)}`;
        if (neededPhase === undefined || PHASES.indexOf(neededPhase) > PHASES.indexOf(phase)) {
          findings.push({
            object,
            message: `it is ${hook ? `a ${phase} hook` : 'applied in the Sync phase'} and ${isNamespaceOf(needed, object) ? 'is in' : strict ? 'reads' : 'names'} ${name}, which ${neededPhase === undefined ? 'is a hook that runs in no phase before it' : `the same sync creates only later, ${neededPhase === 'Sync' ? 'in the Sync phase' : `as a ${neededPhase} hook`}`}: ArgoCD would run it before that exists`,
            fix: `make it a hook of a later phase (${ARGOCD_HOOK}: ${neededPhase === 'PostSync' ? 'PostSync' : 'Sync'}, in a wave after ${neededWave}), or create ${name} in an earlier phase`,
          });
          continue;
        }
        if (neededPhase !== phase) continue;
        if (neededWave < wave || (!strict && neededWave === wave)) continue;
        findings.push({
          object,
          message: `it is in sync wave ${wave}, ${strict ? 'not after' : 'before'} ${name} (wave ${neededWave}), which it ${strict ? 'reads' : isNamespaceOf(needed, object) ? 'is in' : 'names'}: ArgoCD would ${strict ? 'start its pods' : 'apply it'} before that exists`,
          fix: `remove the hand-written ${ARGOCD_SYNC_WAVE} annotation (the wave of a kind is derived: lib/core/argocd-sync.ts), or give it a wave after ${neededWave}${strict ? '' : ` (or ${neededWave} itself)`}`,
        });
      }
    }
    return findings;
  },
};

/** Whether `namespace` is the Namespace object `object` lives in. */
function isNamespaceOf(namespace: KubeObject, object: KubeObject): boolean {
  return isGroupKind(namespace, KINDS.Namespace) && objectKeyOf(object).namespace === objectKeyOf(namespace).name;
}

/**
 * The objects of one app that a Flux environment applies in the app's pre-deploy Kustomization:
 * where the app has a Job to run before its new version serves (every Job is in the migration
 * wave, lib/core/argocd-sync.ts), what the ArgoCD waves put before the workloads (namespaces,
 * configuration, secrets, volumes, policies, databases) and the Jobs; none otherwise. The app's
 * own Kustomization depends on it, as Flux runs pre-deployment Jobs
 * (https://fluxcd.io/flux/use-cases/running-jobs/): the waves become dependsOn.
 */
export function fluxPreDeployObjects(objects: readonly KubeObject[]): ReadonlySet<KubeObject> {
  if (!objects.some((o) => isGroupKind(o, KINDS.Job))) return new Set();
  return new Set(objects.filter((o) => syncWaveOf(o.kind) < SYNC_WAVE.workloads));
}

/**
 * Flux applies an app's pre-deploy Kustomization and waits for it to be Ready before the app's
 * own: a pre-deploy object that names or reads an object of the later one would wait for it
 * forever (a Job never completes, the Kustomization never gets Ready).
 */
function fluxStageFindings(objects: readonly KubeObject[], own: ReadonlyMap<string, KubeObject>, produced: ProducedLookup): Finding[] {
  const early = fluxPreDeployObjects(objects);
  const findings: Finding[] = [];
  for (const object of early) {
    for (const { needed, strict } of needs(object, own, produced)) {
      if (early.has(needed)) continue;
      findings.push({
        object,
        message: `Flux applies it in the app's pre-deploy Kustomization, which must be Ready before the app's Kustomization applies ${needed.kind} ${String(needed.metadata.name)}, which it ${strict ? 'reads' : 'names'}: it would wait for it forever`,
        fix: `make ${needed.kind} ${String(needed.metadata.name)} something that exists before the app's Jobs run (a kind of an earlier ArgoCD wave), or stop ${object.kind} ${String(object.metadata.name)} from naming it`,
      });
    }
  }
  return findings;
}
