import { ARGOCD_HOOK, ARGOCD_SYNC_WAVE, syncWaveOf } from '../../core/argocd-sync';
import type { KubeObject } from './schema-validation';
import { annotationsOf, containersOf, list, podTemplatesOf, record } from './objects';
import type { Finding, PolicyRule } from './types';
import { isGroupKind, KINDS } from '../../core/kinds';

/** An object's sync wave: its annotation, written by hand or derived from its kind. */
function waveOf(object: KubeObject): number {
  const explicit = annotationsOf(object)[ARGOCD_SYNC_WAVE];
  return explicit === undefined ? syncWaveOf(object.kind) : Number(explicit);
}

/**
 * What a pod template needs to exist before it starts, among the app's own objects: the
 * ConfigMaps, Secrets (and the SealedSecrets, ExternalSecrets and databases that write them),
 * claims and ServiceAccount it names.
 */
function prerequisites(spec: Record<string, unknown>, objects: readonly KubeObject[]): KubeObject[] {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  for (const { container } of containersOf(spec)) {
    for (const from of list(container.envFrom)) {
      if (typeof record(from.configMapRef).name === 'string') configMaps.add(String(record(from.configMapRef).name));
      if (typeof record(from.secretRef).name === 'string') secrets.add(String(record(from.secretRef).name));
    }
    for (const env of list(container.env)) {
      const valueFrom = record(env.valueFrom);
      if (typeof record(valueFrom.configMapKeyRef).name === 'string') configMaps.add(String(record(valueFrom.configMapKeyRef).name));
      if (typeof record(valueFrom.secretKeyRef).name === 'string') secrets.add(String(record(valueFrom.secretKeyRef).name));
    }
  }
  for (const volume of list(spec.volumes)) {
    if (typeof record(volume.configMap).name === 'string') configMaps.add(String(record(volume.configMap).name));
    if (typeof record(volume.secret).secretName === 'string') secrets.add(String(record(volume.secret).secretName));
    if (typeof record(volume.persistentVolumeClaim).claimName === 'string') claims.add(String(record(volume.persistentVolumeClaim).claimName));
  }
  const account = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : undefined;
  const writesSecret = (o: KubeObject) => {
    const target = String(record(record(o.spec).target).name ?? record(record(record(o.spec).template).metadata).name ?? o.metadata.name);
    if (isGroupKind(o, KINDS.SealedSecret) || isGroupKind(o, KINDS.ExternalSecret)) return secrets.has(target) || secrets.has(String(o.metadata.name));
    if (isGroupKind(o, KINDS.CnpgCluster)) return secrets.has(`${String(o.metadata.name)}-app`);
    return isGroupKind(o, KINDS.Secret) && secrets.has(String(o.metadata.name));
  };
  return objects.filter((o) => (isGroupKind(o, KINDS.ConfigMap) && configMaps.has(String(o.metadata.name)))
    || (isGroupKind(o, KINDS.PersistentVolumeClaim) && claims.has(String(o.metadata.name)))
    || (isGroupKind(o, KINDS.ServiceAccount) && o.metadata.name === account)
    || writesSecret(o));
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
    for (const object of objects) {
      if (annotationsOf(object)[ARGOCD_HOOK] !== undefined) continue;
      const wave = waveOf(object);
      for (const template of podTemplatesOf(object)) {
        for (const needed of prerequisites(template.spec, objects)) {
          if (waveOf(needed) < wave) continue;
          findings.push({
            object,
            message: `it is in sync wave ${wave}, not after ${needed.kind} ${String(needed.metadata.name)} (wave ${waveOf(needed)}), which it reads: ArgoCD would start its pods before that exists`,
            fix: `remove the hand-written ${ARGOCD_SYNC_WAVE} annotation (the wave of a kind is derived: lib/core/argocd-sync.ts), or give it a wave after ${waveOf(needed)}`,
          });
        }
      }
    }
    return findings;
  },
};
