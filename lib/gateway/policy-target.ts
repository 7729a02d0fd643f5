/**
 * An object Envoy Gateway policies can attach to (a Gateway or an HTTPRoute). Policies take the
 * construct, never a retyped name. Envoy Gateway policies attach only to targets in their own
 * namespace (`targetRefs` has no namespace field; api/v1alpha1/policy_helpers.go).
 */
export interface IPolicyTarget {
  /** The target's API group, always Gateway API's. */
  readonly group: 'gateway.networking.k8s.io';
  /** The target's kind. */
  readonly kind: 'Gateway' | 'HTTPRoute';
  /** The target's name. */
  readonly name: string;
  /** The target's namespace; a policy must be in the same one. */
  readonly namespace: string;
}

/** The error when a policy in `namespace` targets an object elsewhere, or undefined. */
export function checkPolicyTarget(target: IPolicyTarget, namespace: string): string | undefined {
  if (target.namespace === namespace) return undefined;
  return `target ${target.kind} ${target.namespace}/${target.name} is in another namespace; Envoy Gateway policies attach only to targets in their own namespace (${namespace})`;
}
