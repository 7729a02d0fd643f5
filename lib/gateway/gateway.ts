import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, stringList, valueShape } from '../core/prop-shape';
import * as gwapi from '../../imports/gateway.networking.k8s.io';
import { AppChart } from '../core/app';
import { Connections, type IConnectable, type PodPeer } from '../core/network-peer';
import { checkDnsSubdomain } from '../core/dns';
import { clusterRedirectsHttp } from '../core/gateway-topology';
import { checkGateway } from './gateway-api-rules';
import type { IPolicyTarget } from './policy-target';

/** Which namespaces may attach routes to a listener (`allowedRoutes.namespaces`). */
export type AllowedRoutes =
  | {
    /** Only routes in the Gateway's namespace. */
    readonly from: 'Same';
  }
  | {
    /** Routes in every namespace. */
    readonly from: 'All';
  }
  | {
    /** Routes in the namespaces listed. */
    readonly from: 'Namespaces';
    /** The namespaces, selected by their immutable `kubernetes.io/metadata.name` label. */
    readonly namespaces: readonly string[];
  };

/** One listener of a Gateway, as routes need to know it. */
export interface GatewayListener {
  /** The listener name: a route's `parentRefs[].sectionName`. */
  readonly name: string;
  /** `HTTPS` (TLS terminated at the Gateway) or `HTTP`. */
  readonly protocol: 'HTTP' | 'HTTPS';
  /** The port, e.g. 443 or 80. */
  readonly port: number;
  /** The hostname the listener serves. @default undefined: the listener accepts every hostname */
  readonly hostname?: string;
  /** Which namespaces may attach routes to the listener. */
  readonly allowedRoutes: AllowedRoutes;
}

/**
 * A Gateway that routes attach to: one this app emits (`Gateway`), or one that exists and is
 * referenced (`Gateway.fromGatewayAttributes`). Its `connections.peer` is the Envoy proxies that
 * serve it, for admitting them to a route's backend.
 */
export interface IGateway extends IPolicyTarget, IConnectable {
  /** Always `Gateway`. */
  readonly kind: 'Gateway';
  /** Its listeners; routes attach to the HTTPS listeners serving their hostnames. */
  readonly listeners: readonly GatewayListener[];
}

/** Attributes of an existing Gateway (for example a shared platform Gateway in another namespace). */
export interface GatewayAttributes {
  /** The Gateway's name. */
  readonly name: string;
  /** The Gateway's namespace. */
  readonly namespace: string;
  /** Its listeners, as declared on the cluster; routes are checked against them. */
  readonly listeners: readonly GatewayListener[];
}

/** Properties for `Gateway`. */
export interface GatewayProps {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The hostnames it serves. Each gets an HTTPS listener (port 443, TLS terminated with the
   * certificate cert-manager issues) and, with `httpListeners`, an HTTP listener on port 80.
   */
  readonly hostnames: readonly string[];
  /**
   * The Secret, in the Gateway's namespace, that cert-manager writes the certificate to. All HTTPS
   * listeners share it, so cert-manager issues one Certificate listing every hostname.
   * @default `${name}-tls`
   */
  readonly tlsSecretName?: string;
  /**
   * The GatewayClass.
   * @default the environment's `gateway.className`
   */
  readonly gatewayClassName?: string;
  /**
   * The cert-manager issuer that signs the certificate.
   * @default the environment's `certManager` issuer
   */
  readonly issuer?: {
    /** The issuer's name. */
    readonly name: string;
    /** `ClusterIssuer` or `Issuer` (in the Gateway's namespace). @default "ClusterIssuer" */
    readonly kind?: 'ClusterIssuer' | 'Issuer';
  };
  /**
   * Which namespaces may attach routes.
   * @default { from: 'Same' }: only routes in the Gateway's namespace
   */
  readonly allowedRoutes?: AllowedRoutes;
  /**
   * Add port-80 listeners, for the HTTP-to-HTTPS redirect routes (and ACME HTTP-01 challenges,
   * whose exact-path routes take precedence over the redirect's prefix match). Where the
   * environment's `gateway.httpsRedirect` names a Gateway of the cluster that answers port 80 for
   * every hostname, that Gateway redirects and solves, and a port-80 listener of this Gateway
   * would only compete with it (on a merged gateway the `merged-gateway-listeners` rule refuses
   * one beside the ACME HTTP-01 solver's).
   * @default true, or false where the environment's gateway.httpsRedirect is set
   */
  readonly httpListeners?: boolean;
  /** The `app.kubernetes.io/component` label. @default "gateway" */
  readonly component?: string;
}

/** The shape of `GatewayProps`, checked at run time (lib/core/prop-shape.ts). */
export const GATEWAY_PROPS_SHAPE = propsShape<GatewayProps>('the props of a Gateway', {
  name: Type.String(),
  hostnames: stringList('a list of hostnames'),
  tlsSecretName: Type.Optional(Type.String()),
  gatewayClassName: Type.Optional(Type.String()),
  issuer: Type.Optional(valueShape<NonNullable<GatewayProps['issuer']>>('{ name, kind?: "ClusterIssuer" | "Issuer" }', { name: Type.String(), kind: Type.Optional(oneOf(['ClusterIssuer', 'Issuer'])) })),
  allowedRoutes: Type.Optional(Type.Union([
    Type.Object({ from: Type.Literal('Same') }, { additionalProperties: false }),
    Type.Object({ from: Type.Literal('All') }, { additionalProperties: false }),
    Type.Object({ from: Type.Literal('Namespaces'), namespaces: stringList() }, { additionalProperties: false }),
  ], { description: '{ from: "Same" }, { from: "All" } or { from: "Namespaces", namespaces: [...] }' })),
  httpListeners: Type.Optional(Type.Boolean()),
  component: Type.Optional(Type.String()),
});

/**
 * A Gateway API Gateway on Envoy Gateway with TLS from cert-manager's Gateway API support: the
 * issuer annotation on the Gateway makes cert-manager issue a Certificate into the listeners'
 * Secret (cert-manager pkg/controller/certificate-shim).
 */
export class Gateway extends Construct implements IGateway {
  /**
   * References a Gateway this app does not emit, e.g. a shared platform Gateway: a reference value
   * (the library's convention for existing objects, docs/constructs.md), nothing is emitted.
   */
  public static fromGatewayAttributes(attributes: GatewayAttributes): IGateway {
    const gateway = { group: 'gateway.networking.k8s.io', kind: 'Gateway', ...attributes } as const;
    return { ...gateway, connections: proxyConnections(gateway, `Gateway ${attributes.namespace}/${attributes.name}`) };
  }

  /** @deprecated since 0.2: use `Gateway.fromGatewayAttributes`, the same reference under the library's one naming convention. */
  public static fromAttributes(attributes: GatewayAttributes): IGateway {
    return Gateway.fromGatewayAttributes(attributes);
  }

  /** Gateway API's group, for policy target references. */
  public readonly group = 'gateway.networking.k8s.io' as const;
  /** Always `Gateway`. */
  public readonly kind = 'Gateway' as const;
  /** The Gateway's name. */
  public readonly name: string;
  /** The Gateway's namespace: the app's. */
  public readonly namespace: string;
  /** Its listeners: an HTTPS one per hostname and, with `httpListeners`, an HTTP one per hostname. */
  public readonly listeners: readonly GatewayListener[];
  /** The Secret cert-manager writes the certificate to. */
  public readonly tlsSecretName: string;
  /** Its Envoy proxies as a peer (`connections.peer`), to admit where a route's backend has an ingress NetworkPolicy. */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    checkProps(this, GATEWAY_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.namespace = chart.namespace!;
    this.tlsSecretName = props.tlsSecretName ?? `${props.name}-tls`;
    this.connections = proxyConnections(this, this.node.path);
    const allowedRoutes = props.allowedRoutes ?? { from: 'Same' };
    const className = props.gatewayClassName ?? chart.environment.gateway?.className;
    const issuer = props.issuer ?? (chart.environment.certManager
      ? { name: chart.environment.certManager.issuer, kind: chart.environment.certManager.issuerKind ?? 'ClusterIssuer' }
      : undefined);

    const listeners: GatewayListener[] = [];
    for (const hostname of props.hostnames) {
      listeners.push({ name: listenerName('https', hostname), protocol: 'HTTPS', port: 443, hostname, allowedRoutes });
      if (props.httpListeners ?? !clusterRedirectsHttp(chart.environment)) listeners.push({ name: listenerName('http', hostname), protocol: 'HTTP', port: 80, hostname, allowedRoutes });
    }
    this.listeners = listeners;

    this.node.addValidation({
      validate: () => validateGateway(props, this, className, issuer, chart.environment.name),
    });

    const resource = new gwapi.Gateway(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: chart.labelsFor(props.component ?? 'gateway'),
        // cert-manager reads exactly one of these; both set is a BadConfig (issuerForIngressLike).
        ...(issuer ? { annotations: { [issuer.kind === 'Issuer' ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer']: issuer.name } } : {}),
      },
      spec: {
        gatewayClassName: className ?? '',
        listeners: listeners.map((l) => ({
          name: l.name,
          protocol: l.protocol,
          port: l.port,
          hostname: l.hostname,
          allowedRoutes: { namespaces: renderAllowedRoutes(l.allowedRoutes) },
          // cert-manager issues only for Terminate listeners with a same-namespace Secret ref,
          // so the mode is explicit and the ref has no namespace (validateGatewayListenerBlock).
          ...(l.protocol === 'HTTPS'
            ? { tls: { mode: gwapi.GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: this.tlsSecretName }] } }
            : {}),
        })),
      },
    });
    this.node.addValidation({ validate: () => checkGateway(resource.toJson() as Record<string, unknown>) });
  }

  /** The HTTPS listener that serves `hostname`, if any. */
  public httpsListenerFor(hostname: string): GatewayListener | undefined {
    return this.listeners.find((l) => l.protocol === 'HTTPS' && l.hostname === hostname);
  }
}

/** A readable, stable listener name: the protocol and the hostname ("https-example.org"). */
function listenerName(protocol: string, hostname: string): string {
  return `${protocol}-${hostname.replace(/^\*\./, 'wildcard.')}`;
}

function renderAllowedRoutes(allowed: AllowedRoutes): gwapi.GatewaySpecListenersAllowedRoutesNamespaces {
  if (allowed.from === 'Namespaces') {
    return {
      from: gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
      // kubernetes.io/metadata.name is set on every namespace by the API server (immutable label).
      selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...allowed.namespaces].sort() }] },
    };
  }
  return { from: allowed.from === 'All' ? gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL : gwapi.GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME };
}

/** Whether a listener admits routes from `namespace`. */
export function listenerAdmits(listener: GatewayListener, gatewayNamespace: string, namespace: string): boolean {
  switch (listener.allowedRoutes.from) {
    case 'All': return true;
    case 'Same': return namespace === gatewayNamespace;
    case 'Namespaces': return listener.allowedRoutes.namespaces.includes(namespace);
  }
}

function validateGateway(
  props: GatewayProps,
  gateway: Gateway,
  className: string | undefined,
  issuer: GatewayProps['issuer'],
  environment: string,
): string[] {
  const errors: string[] = [];
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`Gateway name "${props.name}" ${nameProblem}`);
  if (!className) errors.push(`no GatewayClass: set gateway.className in environment ${environment}'s environment.yaml (e.g. "eg" for Envoy Gateway), or gatewayClassName`);
  if (!issuer) {
    errors.push(`no cert-manager issuer: set certManager.issuer in environment ${environment}'s environment.yaml, or issuer; without it no certificate is issued and the HTTPS listeners stay unprogrammed`);
  }
  if (props.hostnames.length === 0) {
    // cert-manager skips listeners without a hostname (BadConfig event), so TLS needs at least one.
    errors.push('hostnames is empty; cert-manager can only issue certificates for listeners that have a hostname');
  }
  // The hostnames' and listeners' own rules are checkGateway's, on the rendered Gateway.
  const secretProblem = checkDnsSubdomain(gateway.tlsSecretName);
  if (secretProblem) errors.push(`tlsSecretName "${gateway.tlsSecretName}" ${secretProblem}`);
  const allowed = props.allowedRoutes;
  if (allowed?.from === 'Namespaces') {
    if (allowed.namespaces.length === 0) errors.push('allowedRoutes lists no namespaces; use { from: "Same" } to admit only this namespace');
  }
  return errors;
}

/** Where Envoy Gateway runs its proxies in its default deployment mode. */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';

/**
 * The Envoy proxy pods that serve `gateway`, as a NetworkPolicy peer: in the default deployment
 * mode they run in Envoy Gateway's namespace, labelled with the Gateway they serve
 * (envoyproxy/gateway internal/infrastructure/kubernetes/proxy: the owning-gateway labels).
 * Admit it where a route's backend has an ingress NetworkPolicy; without one, nothing needs admitting.
 */
function envoyProxyPeer(gateway: { readonly name: string; readonly namespace: string }): PodPeer {
  return {
    namespace: ENVOY_GATEWAY_NAMESPACE,
    podLabels: { 'gateway.envoyproxy.io/owning-gateway-name': gateway.name, 'gateway.envoyproxy.io/owning-gateway-namespace': gateway.namespace },
  };
}

/** A Gateway's connections: its Envoy proxies as a peer; it admits nothing itself (the proxies are Envoy Gateway's, not this app's). */
function proxyConnections(gateway: { readonly name: string; readonly namespace: string }, where: string): Connections {
  return new Connections({
    peer: envoyProxyPeer(gateway),
    where,
    refusal: {
      message: `is a Gateway: its Envoy proxies run in ${ENVOY_GATEWAY_NAMESPACE}, which this app does not manage, so it has no NetworkPolicy to admit peers through`,
      hint: 'admit the peer where the traffic arrives (the backend\'s connections.allowFrom), or admit the Gateway there: backend.connections.allowFrom(gateway)',
    },
  });
}

/** @deprecated since 0.2: use `gateway.connections.peer`, or pass the Gateway itself to `connections.allowFrom`. */
export function gatewayProxyPeer(gateway: IGateway): PodPeer {
  return envoyProxyPeer(gateway);
}
