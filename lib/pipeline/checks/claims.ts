import { SINGLE_WRITER_FIX, singleWriterProblem } from '../../core/volume-claim';
import { list, podTemplatesOf, record } from './objects';
import type { Finding, PolicyRule } from './types';
import { isGroupKind, KINDS, LONG_RUNNING_KINDS } from '../../core/kinds';

/**
 * `single-writer`: a workload that mounts a ReadWriteOnce or ReadWriteOncePod claim of the app
 * runs one pod at a time (so never as a DaemonSet), and a Deployment replaces it with the
 * Recreate strategy. The check is
 * `singleWriterProblem` (lib/core/volume-claim.ts), the one `WebService` runs on its props.
 */
export const singleWriter: PolicyRule = {
  name: 'single-writer',
  summary: 'a Deployment, StatefulSet, ReplicaSet or ReplicationController mounting a ReadWriteOnce or ReadWriteOncePod claim of the app runs one replica, and a Deployment uses the Recreate strategy',
  sources: [
    'https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes (ReadWriteOnce: one node; pods on it share the volume)',
    'https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#strategy (RollingUpdate starts new pods before old ones stop)',
  ],
  check(objects) {
    const findings: Finding[] = [];
    const claims = new Map<string, string[]>();
    for (const o of objects) {
      const modes = record(o.spec).accessModes;
      if (isGroupKind(o, KINDS.PersistentVolumeClaim)) claims.set(`${o.metadata.namespace ?? ''}/${String(o.metadata.name)}`, Array.isArray(modes) ? modes.map(String) : []);
    }
    for (const object of objects) {
      if (!LONG_RUNNING_KINDS.has(object)) continue;
      const spec = record(object.spec);
      const writer = {
        kind: object.kind,
        replicas: isGroupKind(object, KINDS.DaemonSet) ? 'per-node' as const : typeof spec.replicas === 'number' ? spec.replicas : 1,
        strategy: typeof record(spec.strategy).type === 'string' ? String(record(spec.strategy).type) : undefined,
      };
      for (const template of podTemplatesOf(object)) {
        for (const volume of list(template.spec.volumes)) {
          const claimName = record(volume.persistentVolumeClaim).claimName;
          if (typeof claimName !== 'string') continue;
          const accessModes = claims.get(`${object.metadata.namespace ?? ''}/${claimName}`);
          // A claim the app does not emit: its access modes are not known here.
          if (!accessModes) continue;
          const problem = singleWriterProblem(claimName, accessModes, writer);
          if (problem) findings.push({ object, message: `volume "${String(volume.name)}" ${problem}`, fix: SINGLE_WRITER_FIX });
        }
      }
    }
    return findings;
  },
};
