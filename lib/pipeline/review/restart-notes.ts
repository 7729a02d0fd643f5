import { podReadsOf, type PodReadUse } from '../checks/pod-reads';
import { producedBy } from '../checks/producers';
import type { KubeObject } from '../checks/schema-validation';
import type { FieldChange, Manifest, ObjectChange, ObjectRef } from './manifest-diff';
import { KINDS, ROLLING_KINDS, sameGroupKind } from '../../core/kinds';

// A Deployment rolls its pods only when its pod template changes
// (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment:
// "a Deployment's rollout is triggered if and only if the Deployment's Pod template is changed").
// A changed Secret or ConfigMap does not change the template, and running pods do not see it:
// "ConfigMaps consumed as environment variables are not updated automatically and require a pod
// restart" (https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically),
// "If a container already consumes a Secret in an environment variable, a Secret update will not
// be seen by the container unless it is restarted"
// (https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables).
// Mounted files are updated in place by the kubelet, except under subPath, but a process that read
// them at start keeps what it read. The library's own env ConfigMaps put a checksum of their data
// on the pod template (WebService, platform.internal/config-checksum), so their template changes
// and no note is needed; a Secret's data is not in dist/ (sealed, or fetched by the External
// Secrets Operator), so a checksum of it cannot be taken at synth: the diff says so instead.
// A checksum of the SealedSecret's ciphertext on the pod template would roll the pods, but not
// safely: ArgoCD's health check for SealedSecret (argoproj/argo-cd
// resource_customizations/bitnami.com/SealedSecret/health.lua, commit 09762a2d) reports Healthy on
// any Synced=True condition without comparing status.observedGeneration with the new generation,
// so the next sync wave may start the new pods before the controller has rewritten the Secret,
// and they would read the old values with nothing left to roll them again. The External Secrets
// Operator rewrites its Secret asynchronously too. Rolling by hand after the Secret is updated is
// the one order that is right every time.

/** How a workload's pods read a Secret or ConfigMap. */
export type ReadBy = 'environment variables' | 'mounted files';

/** A Secret or ConfigMap that changes while the pods of a workload that reads it keep running. */
export interface RestartNote {
  /** What the pods read: `Secret hello/hello-db`, `ConfigMap hello/hello-config`. */
  readonly reads: { readonly kind: 'Secret' | 'ConfigMap'; readonly namespace: string; readonly name: string };
  /** The changed object of dist/ behind it: the ConfigMap or Secret itself, a SealedSecret, an ExternalSecret. */
  readonly source: ObjectRef;
  /** The source's changed content fields. */
  readonly fields: readonly FieldChange[];
  /** The workload (Deployment, StatefulSet, DaemonSet) whose pod template does not change. */
  readonly workload: ObjectRef;
  /** How its pods read it. */
  readonly how: readonly ReadBy[];
  /** Who writes the Secret after the sync, when it is not applied as it is (`the sealed-secrets controller`). */
  readonly writtenBy?: string;
  /** `kubectl rollout restart deployment/hello -n hello`. */
  readonly command: string;
}

interface Source {
  readonly reads: RestartNote['reads'];
  readonly content: readonly string[];
  readonly writtenBy?: string;
}

/** The uses of a Secret or ConfigMap whose changes running pods do not see or do not re-read (an image pull secret is read at the next pull). */
function isReadBy(use: PodReadUse): use is ReadBy {
  return use === 'environment variables' || use === 'mounted files';
}

/**
 * The workloads that will not restart for a changed Secret or ConfigMap they read: for each
 * changed ConfigMap (`data`, `binaryData`), Secret (`data`, `stringData`), SealedSecret or
 * ExternalSecret (`spec`), every Deployment, StatefulSet and DaemonSet of the same environment
 * and namespace that reads the resulting object (env `valueFrom`, `envFrom`, volumes, projected
 * volumes) and existed before, and whose pod template does not change in the same diff.
 * `changes` come from `diffManifests(before, after)`; `after` is its second argument.
 */
export function restartNotes(changes: readonly ObjectChange[], after: readonly Manifest[]): RestartNote[] {
  const manifestOf = new Map(after.map((m) => [m.ref, m]));
  const changeOf = new Map(changes.filter((c) => c.type !== 'removed').map((c) => [c.after, c]));
  const workloads = after.filter((m) => ROLLING_KINDS.has(kube(m)));
  const notes: RestartNote[] = [];
  for (const change of changes) {
    if (change.type !== 'changed') continue;
    const manifest = manifestOf.get(change.after);
    if (!manifest) continue;
    for (const source of sourcesOf(kube(manifest))) {
      const fields = change.fields.filter((f) => source.content.some((prefix) => under(f.path, prefix)));
      if (fields.length === 0) continue;
      for (const workload of workloads) {
        if (workload.ref.environment !== manifest.ref.environment) continue;
        const how = readsOf(kube(workload), source.reads);
        if (how.length === 0) continue;
        const own = changeOf.get(workload.ref);
        // A new or moved workload starts new pods; a changed template rolls them.
        if (own && (own.type !== 'changed' || own.fields.some((f) => under(f.path, 'spec.template')))) continue;
        notes.push({
          reads: source.reads,
          source: manifest.ref,
          fields,
          workload: workload.ref,
          how,
          ...(source.writtenBy ? { writtenBy: source.writtenBy } : {}),
          command: `kubectl rollout restart ${workload.ref.kind.toLowerCase()}/${workload.ref.name} -n ${workload.ref.namespace ?? 'default'}`,
        });
      }
    }
  }
  return notes;
}

/**
 * What a changed object makes pods read, and which of its fields are that content: the Secrets
 * and ConfigMaps it produces (producers.ts, the one model of who writes what) whose content is
 * in dist/.
 */
function sourcesOf(object: KubeObject): Source[] {
  return producedBy(object).flatMap((p): Source[] => {
    const kind = sameGroupKind(p.kind, KINDS.Secret) ? 'Secret' : sameGroupKind(p.kind, KINDS.ConfigMap) ? 'ConfigMap' : undefined;
    if (!kind || !p.producer.content) return [];
    return [{
      reads: { kind, namespace: p.key.namespace || 'default', name: p.key.name },
      content: p.producer.content,
      ...(p.producer.writtenBy ? { writtenBy: p.producer.writtenBy } : {}),
    }];
  });
}

/** How the pods of `workload` read `target` (none when they do not): pod-reads.ts, the one walker of what a pod reads. */
function readsOf(workload: KubeObject, target: RestartNote['reads']): ReadBy[] {
  const how = new Set<ReadBy>();
  for (const read of podReadsOf(workload)) {
    if (!sameGroupKind(read.kind, target.kind === 'Secret' ? KINDS.Secret : KINDS.ConfigMap)) continue;
    if ((read.target.namespace || 'default') !== target.namespace || read.target.name !== target.name) continue;
    if (isReadBy(read.field.use)) how.add(read.field.use);
  }
  return [...how].sort();
}

/** Whether a diff path is `prefix` or below it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

function kube(manifest: Manifest): KubeObject {
  return manifest.object as unknown as KubeObject;
}
