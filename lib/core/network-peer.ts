import { UserError } from './errors';
import { k8s } from './k8s';

/**
 * Network admission, one vocabulary for every construct (modelled on the AWS CDK's
 * `connections.allowFrom(peer, port)`): a construct that has pods, or fronts pods, exposes
 * `connections`; `x.connections.allowFrom(peer)` admits `peer` to the port(s) `x` serves, and
 * `x.connections.peer` is `x`'s own pods, for admitting them elsewhere. A peer is a
 * `NetworkPeer`: pods by labels (`PodPeer`), or a construct standing for its pods (`IConnectable`):
 *
 * ```ts
 * db.connections.allowFrom(web);          // the web pods reach 5432
 * web.connections.allowFrom(funnel);      // the Tailscale proxy of that Ingress reaches the web port
 * web.connections.allowFrom(gateway);     // so do the Envoy proxies of that Gateway
 * web.connections.allowFrom(declaredClient(env, 'catalyst-api', where));
 * ```
 *
 * Unlike the AWS CDK there is no port argument: each construct serves a fixed port (a web
 * service its HTTP port, a database 5432), and its other ports have their own props (a
 * database's `metricsScrapers`). Admission is ingress only: the constructs emit ingress
 * NetworkPolicies, never egress ones.
 */

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

/** A construct (or reference) that stands for pods: its `connections.peer` is what gets admitted. */
export interface IConnectable {
  /** Its network admission: its own pods as a peer, and `allowFrom` for the peers it admits. */
  readonly connections: Connections;
}

/** What `connections.allowFrom` (and each construct's `allowFrom` prop) accepts: pods by labels, or a construct standing for its pods. */
export type NetworkPeer = PodPeer | IConnectable;

/** The pods `peer` stands for. */
export function podPeerOf(peer: NetworkPeer): PodPeer {
  return 'connections' in peer ? peer.connections.peer : peer;
}

/** Properties for `Connections`. */
export interface ConnectionsProps {
  /** The owner's pods (or the proxies that front it), as other constructs admit them. */
  readonly peer: PodPeer;
  /** The owner, for messages: a construct path or a reference such as "Gateway shared/public". */
  readonly where: string;
  /**
   * Peers admitted from the start (the owner's `allowFrom` prop).
   * @default none
   */
  readonly allowFrom?: readonly NetworkPeer[];
  /**
   * Why the owner admits no peers, when it does not: it emits no ingress NetworkPolicy (a web
   * service without `allowFrom`) or its pods are not this app's (a Gateway's Envoy proxies).
   * `allowFrom` then fails with this reason and `hint`.
   * @default undefined: the owner admits peers
   */
  readonly refusal?: {
    /** What is wrong, after the owner's path: why it has nothing to admit a peer through. */
    readonly message: string;
    /** How to fix it: where to admit the peer instead. */
    readonly hint: string;
  };
}

/**
 * The network admission of one construct: its own pods as a peer (`peer`), and the peers admitted
 * to it (`allowed`), which its ingress NetworkPolicy renders lazily, so peers added after
 * construction count.
 */
export class Connections implements IConnectable {
  /** The owner's pods, as other constructs admit them. */
  public readonly peer: PodPeer;
  private readonly where: string;
  private readonly refusal?: ConnectionsProps['refusal'];
  private readonly admitted: PodPeer[] = [];

  constructor(props: ConnectionsProps) {
    this.peer = props.peer;
    this.where = props.where;
    this.refusal = props.refusal;
    for (const peer of props.allowFrom ?? []) this.allowFrom(peer);
  }

  /** Itself, so that a `Connections` is accepted wherever a peer is. */
  public get connections(): Connections {
    return this;
  }

  /** Whether this owner admits peers (has an ingress NetworkPolicy of its own). */
  public get admits(): boolean {
    return this.refusal === undefined;
  }

  /** The pods admitted so far, in the order they were admitted. */
  public get allowed(): readonly PodPeer[] {
    return this.admitted;
  }

  /**
   * Admits `peer`'s pods to the port the owner serves. Fails, naming the owner, when the owner
   * has no ingress NetworkPolicy to admit them through.
   */
  public allowFrom(peer: NetworkPeer): void {
    if (this.refusal) throw new UserError({ where: this.where, message: this.refusal.message, hint: this.refusal.hint });
    this.admitted.push(podPeerOf(peer));
  }
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
