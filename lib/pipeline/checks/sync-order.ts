import { ARGOCD_HOOK, ARGOCD_SYNC_WAVE, syncWaveOf } from '../../core/argocd-sync';
import type { KubeObject } from './schema-validation';
import { annotationsOf } from './objects';
import { podReadsOf } from './pod-reads';
import { ProducedIndex } from './producers';
import type { Finding, PolicyRule } from './types';

/** An object's sync wave: its annotation, written by hand or derived from its kind. */
function waveOf(object: KubeObject): number {
  const explicit = annotationsOf(object)[ARGOCD_SYNC_WAVE];
  return explicit === undefined ? syncWaveOf(object.kind) : Number(explicit);
}

/**
 * What an object's pods need to exist before they start, among the app's own objects: whatever
 * produces (producers.ts) something they read (pod-reads.ts): ConfigMaps, Secrets and the
 * SealedSecrets, ExternalSecrets and databases that write them, claims, the ServiceAccount. In
 * the order of `objects`.
 */
function prerequisites(object: KubeObject, objects: readonly KubeObject[], produced: ProducedIndex): KubeObject[] {
  const needed = new Set(podReadsOf(object).flatMap((read) => produced.all(read.kind, read.target).map((p) => p.source)));
  needed.delete(object);
  return objects.filter((o) => needed.has(o));
}

/**
 * `sync-order`: no object is applied before what it needs. ArgoCD applies a wave only once the
 * waves before it are healthy, and within a wave creates objects together (sync-waves.md), so a
 * sync-wave annotation written by hand that puts a workload in the same or an earlier wave than
 * the Secret, ConfigMap, claim or database it reads starts its pods before those exist (a Secret
 * from a SealedSecret or ExternalSecret is written by its controller, later). Hooks run in their
 * own phases and are left to theirs.
 */
export const syncOrder: PolicyRule = {
  name: 'sync-order',
  summary: `no pod template is in the same or an earlier ${ARGOCD_SYNC_WAVE} than the objects it reads (ConfigMaps, Secrets and what writes them, claims, its ServiceAccount), whether the wave was derived or written by hand`,
  sources: ['https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/', 'lib/core/argocd-sync.ts (the waves by kind)'],
  check(objects) {
    const findings: Finding[] = [];
    const produced = new ProducedIndex(objects);
    for (const object of objects) {
      if (annotationsOf(object)[ARGOCD_HOOK] !== undefined) continue;
      const wave = waveOf(object);
      for (const needed of prerequisites(object, objects, produced)) {
        if (waveOf(needed) < wave) continue;
        findings.push({
          object,
          message: `it is in sync wave ${wave}, not after ${needed.kind} ${String(needed.metadata.name)} (wave ${waveOf(needed)}), which it reads: ArgoCD would start its pods before that exists`,
          fix: `remove the hand-written ${ARGOCD_SYNC_WAVE} annotation (the wave of a kind is derived: lib/core/argocd-sync.ts), or give it a wave after ${waveOf(needed)}`,
        });
      }
    }
    return findings;
  },
};
