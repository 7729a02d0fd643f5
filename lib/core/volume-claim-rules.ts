import { checkDnsSubdomain } from './dns';
import { isManifestKind, list, record, text, type Manifest } from './manifest';
import { checkSize, parseQuantity } from './quantity';

/**
 * Kubernetes' rules for a PersistentVolumeClaim, on the claim as rendered, for every claim
 * however it was built (a raw L1 object, a StatefulSet's volumeClaimTemplates): the output policy
 * (`volume-claim`) runs them, and a construct that emits a claim can run them on its own.
 * Source: kubernetes pkg/apis/core/validation/validation.go `ValidatePersistentVolumeClaimSpec`
 * (storage request required and positive, at least one access mode, ReadWriteOncePod alone, a
 * storage limit not below the request). Whether the environment's StorageClass provides the
 * access mode and size is the reference check's (lib/pipeline/policy/references.ts).
 */

const ACCESS_MODES = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** The claim specs `manifest` carries: a PVC's own, a StatefulSet's volumeClaimTemplates. */
export function claimSpecsOf(manifest: Manifest): Array<{ readonly field: string; readonly spec: Manifest }> {
  if (isManifestKind(manifest, '', 'PersistentVolumeClaim')) return [{ field: 'spec', spec: record(manifest.spec) }];
  if (isManifestKind(manifest, 'apps', 'StatefulSet')) {
    return list(record(manifest.spec).volumeClaimTemplates).map((t, i) => ({ field: `spec.volumeClaimTemplates[${i}] (${text(record(t.metadata).name) ?? '?'})`, spec: record(t.spec) }));
  }
  return [];
}

/** Every way a claim spec breaks the rules, one message each, prefixed with `field` when given. */
export function checkVolumeClaimSpec(spec: Manifest, field = 'spec'): string[] {
  const errors: string[] = [];
  const resources = record(spec.resources);
  const request = record(resources.requests).storage;
  if (request === undefined) {
    errors.push(`${field}.resources.requests.storage is missing; a claim must ask for a size, e.g. "10Gi"`);
  } else {
    errors.push(...checkSize(`${field}.resources.requests.storage`, String(request)));
  }
  const limit = record(resources.limits).storage;
  if (limit !== undefined && request !== undefined) {
    const [l, r] = [parseQuantity(String(limit)), parseQuantity(String(request))];
    if (l !== undefined && r !== undefined && l < r) errors.push(`${field}.resources.limits.storage "${String(limit)}" is below the request "${String(request)}"; Kubernetes refuses the claim`);
  }
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes.map(String) : [];
  if (modes.length === 0) errors.push(`${field}.accessModes is empty; a claim needs at least one (ReadWriteOnce for one node's pods)`);
  for (const mode of modes) {
    if (!ACCESS_MODES.includes(mode)) errors.push(`${field}.accessModes "${mode}" is not an access mode; use ${ACCESS_MODES.join(', ')}`);
  }
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errors.push(`${field}.accessModes: ReadWriteOncePod cannot be combined with other access modes`);
  const storageClass = text(spec.storageClassName);
  if (storageClass) {
    const problem = checkDnsSubdomain(storageClass);
    if (problem) errors.push(`${field}.storageClassName "${storageClass}" ${problem}`);
  }
  return errors;
}

/** Every way `manifest`'s claims (a PVC, a StatefulSet's templates) break the rules. */
export function checkVolumeClaims(manifest: Manifest): string[] {
  return claimSpecsOf(manifest).flatMap(({ field, spec }) => checkVolumeClaimSpec(spec, field));
}
