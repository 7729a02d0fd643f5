import { SINGLE_WRITER_FIX, singleWriterProblem } from '../../core/volume-claim';
import { list, podTemplatesOf, record } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { groupKindOf, isGroupKind, KINDS, LONG_RUNNING_KINDS } from '../../core/kinds';

/**
 * `single-writer`: a workload that mounts a ReadWriteOnce or ReadWriteOncePod claim of the app
 * runs one pod at a time (so never as a DaemonSet), and a Deployment replaces it with the
 * Recreate strategy. The check is
 * `singleWriterProblem` (lib/core/volume-claim.ts), the one `WebService` runs on its props.
 */
export const singleWriter: RuleDeclaration = {
  name: 'single-writer',
  summary: 'no DaemonSet mounts a ReadWriteOnce or ReadWriteOncePod claim of the app (one pod per node); a Deployment, StatefulSet, ReplicaSet or ReplicationController mounting one runs one replica, and a Deployment uses the Recreate strategy (RollingUpdate, the API default, starts the new pod before the old one stops). A claim that also allows ReadWriteMany is exempt; a claim the app does not emit is not looked into',
  scope: [LONG_RUNNING_KINDS],
  sources: [
    'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes (ReadWriteOnce: one node; pods on it share the volume)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy (RollingUpdate starts new pods before old ones stop)',
  ],
  fix: SINGLE_WRITER_FIX,
  check(object, context) {
    const spec = record(object.spec);
    const writer = {
      kind: groupKindOf(object),
      replicas: isGroupKind(object, KINDS.DaemonSet) ? 'per-node' as const : typeof spec.replicas === 'number' ? spec.replicas : 1,
      strategy: typeof record(spec.strategy).type === 'string' ? String(record(spec.strategy).type) : undefined,
    };
    const claims = context.objects.of(KINDS.PersistentVolumeClaim).filter((c) => (c.metadata.namespace ?? '') === (object.metadata.namespace ?? ''));
    return podTemplatesOf(object).flatMap((template) => list(template.spec.volumes).flatMap((volume): RuleProblem[] => {
      const claimName = record(volume.persistentVolumeClaim).claimName;
      if (typeof claimName !== 'string') return [];
      const claim = claims.find((c) => c.metadata.name === claimName);
      // A claim the app does not emit: its access modes are not known here.
      if (!claim) return [];
      const modes = record(claim.spec).accessModes;
      const problem = singleWriterProblem(claimName, Array.isArray(modes) ? modes.map(String) : [], writer);
      return problem ? [{ message: `volume "${String(volume.name)}" ${problem}` }] : [];
    }));
  },
};
