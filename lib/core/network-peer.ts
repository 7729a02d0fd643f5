import { k8s } from './k8s';

/** Pods a NetworkPolicy admits: a namespace and the labels of its pods. */
export interface PodPeer {
  /**
   * The pods' namespace.
   * @default the namespace of the policy
   */
  readonly namespace?: string;
  /** Labels the pods carry; at least one, so that no namespace is admitted wholesale. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * A NetworkPolicy peer for `peer`. Namespace and pod selector sit in one peer, so both must match
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors);
 * the namespace is selected by the `kubernetes.io/metadata.name` label every namespace carries.
 */
export function networkPolicyPeer(peer: PodPeer, defaultNamespace: string): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace ?? defaultNamespace } },
    podSelector: { matchLabels: { ...peer.podLabels } },
  };
}

/** A TCP port entry of a NetworkPolicy rule. */
export function tcpPort(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}
