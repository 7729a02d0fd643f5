import type { ApiObject, ApiObjectMetadataDefinition } from 'cdk8s';
import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, SERVICE_REF_SHAPE, stringList } from '../core/prop-shape';
import { AppChart } from '../core/app';
import { Connections, type IConnectable, type PodPeer } from '../core/network-peer';
import { k8s } from '../core/k8s';
import { checkServicePort, findServicePort, type IServiceRef } from '../core/service-ref';
import { checkTailscaleIngress, TAILSCALE_ANNOTATION, TAILSCALE_INGRESS_CLASS, TAILSCALE_PROXY_CLASS_LABEL } from './tailscale-ingress-rules';

/**
 * Rules below cite the Tailscale Kubernetes operator (tailscale/tailscale, cmd/k8s-operator;
 * pinned CRDs v1.102.3) and its documentation
 * (https://tailscale.com/docs/kubernetes-operator/reference/limitations). The rules that can be
 * read off the Ingress itself live in tailscale-ingress-rules.ts, shared with the output policy;
 * the construct checks its rendered Ingress with them, and here only what the Ingress cannot
 * show (the backend Service's namespace, type and ports, the protocol the props expect).
 */

export { TAILSCALE_ANNOTATION, TAILSCALE_INGRESS_CLASS, TAILSCALE_PROXY_CLASS_LABEL };

/** Properties for `TailscaleFunnel`. */
export interface TailscaleFunnelProps {
  /**
   * The Service to expose. It must live in the funnel's namespace: the operator looks backends
   * up in the Ingress's own namespace. Use `ServiceRef.fromServiceAttributes` for a Service this repo does not emit.
   */
  readonly backend: IServiceRef;
  /** The backend Service's port, by number or name (the Service port, not the targetPort). */
  readonly port: number | string;
  /**
   * The device's name on the tailnet: one DNS label, served as `<hostname>.<tailnet domain>`.
   * `<hostname>.<tailnet domain>` is accepted too. The operator keeps only the first label of the
   * TLS host, so a name with more labels is refused rather than silently shortened.
   */
  readonly hostname: string;
  /**
   * Publicly reachable through Tailscale Funnel; false keeps it tailnet-only.
   * @default false
   */
  readonly funnel?: boolean;
  /**
   * The Ingress's name.
   * @default `${hostname}-funnel`
   */
  readonly name?: string;
  /**
   * Tailscale ACL tags for the proxy device, each `tag:<name>`, owned by the operator's tag.
   * @default the operator's default, `tag:k8s`
   */
  readonly tags?: readonly string[];
  /**
   * A ProxyClass (cluster-scoped) that customizes the proxy pod.
   * @default none
   */
  readonly proxyClass?: string;
  /**
   * An ingress ProxyGroup to serve this Ingress in high-availability mode instead of a
   * dedicated proxy pod. Funnel is not available there.
   * @default none: a standalone proxy
   */
  readonly proxyGroup?: string;
  /**
   * Also listen on port 80 and redirect to HTTPS (operator 1.92 and later).
   * @default false
   */
  readonly httpRedirect?: boolean;
  /**
   * Path prefixes routed to the backend. The operator supports only prefix matching.
   * @default ["/"]: everything
   */
  readonly paths?: readonly string[];
  /**
   * The protocol the proxy speaks to the backend. The operator decides it from the port: TLS
   * (without verification) for port 443 or a port named "https", plain HTTP otherwise; this
   * prop states the expectation, and a mismatch is refused.
   * @default "http"
   */
  readonly backendProtocol?: 'http' | 'https';
  /**
   * The `app.kubernetes.io/component` label.
   * @default "funnel"
   */
  readonly component?: string;
}

/** Where the Tailscale operator runs its proxy pods: its manifest's namespace (cmd/k8s-operator/deploy). */
export const TAILSCALE_OPERATOR_NAMESPACE = 'tailscale';

/** The shape of `TailscaleFunnelProps`, checked at run time (lib/core/prop-shape.ts). */
export const TAILSCALE_FUNNEL_PROPS_SHAPE = propsShape<TailscaleFunnelProps>('the props of a TailscaleFunnel', {
  backend: SERVICE_REF_SHAPE,
  port: Type.Union([Type.Number(), Type.String()], { description: 'the Service port, by number or name' }),
  hostname: Type.String(),
  funnel: Type.Optional(Type.Boolean()),
  name: Type.Optional(Type.String()),
  tags: Type.Optional(stringList('a list of tags "tag:<name>"')),
  proxyClass: Type.Optional(Type.String()),
  proxyGroup: Type.Optional(Type.String()),
  httpRedirect: Type.Optional(Type.Boolean()),
  paths: Type.Optional(stringList('a list of path prefixes')),
  backendProtocol: Type.Optional(oneOf(['http', 'https'])),
  component: Type.Optional(Type.String()),
});

/**
 * Exposes a Service through the Tailscale Kubernetes operator's Ingress: on the tailnet only,
 * or to the internet through Funnel. Emits one Ingress; the backend Service is referenced.
 */
export class TailscaleFunnel extends Construct implements IConnectable {
  /** The device name on the tailnet (a single DNS label). */
  public readonly hostname: string;
  /** The name it is served under, `<hostname>.<tailnet domain>`. */
  public readonly fqdn: string;
  /** `https://<fqdn>`. */
  public readonly url: string;
  /** The Ingress's name. */
  public readonly ingressName: string;
  /** The Ingress's namespace. */
  public readonly namespace: string;
  /**
   * The operator's proxy pods for this Ingress, as a peer (`connections.peer`): they run in the
   * operator's namespace, labelled with the Ingress they serve (tailscale/tailscale
   * cmd/k8s-operator sts.go: LabelParentType, LabelParentName, LabelParentNamespace). Admit them
   * where the backend has an ingress NetworkPolicy (`backend.connections.allowFrom(funnel)`);
   * without one, nothing needs admitting. The funnel admits nothing itself: who reaches the proxy
   * is the tailnet's ACLs' business.
   */
  public readonly connections: Connections;
  /** The Ingress's metadata, to add labels or annotations (the object itself stays wrapped). */
  public readonly metadata: ApiObjectMetadataDefinition;

  /** @deprecated since 0.2: use `connections.peer`, or pass the funnel itself to `connections.allowFrom`. */
  public get proxyPeer(): PodPeer {
    return this.connections.peer;
  }

  constructor(scope: Construct, id: string, props: TailscaleFunnelProps) {
    super(scope, id);
    checkProps(this, TAILSCALE_FUNNEL_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const tailnet = chart.environment.tailscale?.tailnetDomain;
    this.hostname = tailnet && props.hostname.endsWith(`.${tailnet}`) ? props.hostname.slice(0, -(tailnet.length + 1)) : props.hostname;
    this.fqdn = `${this.hostname}.${tailnet ?? 'ts.net'}`;
    this.url = `https://${this.fqdn}`;
    this.ingressName = props.name ?? `${this.hostname}-funnel`;
    this.connections = new Connections({
      peer: {
        namespace: TAILSCALE_OPERATOR_NAMESPACE,
        podLabels: { 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': this.ingressName, 'tailscale.com/parent-resource-ns': chart.namespace! },
      },
      where: this.node.path,
      refusal: {
        message: `is a Tailscale Ingress: its proxy runs in ${TAILSCALE_OPERATOR_NAMESPACE} and receives tailnet traffic, which the tailnet's ACLs govern, not a NetworkPolicy of this app`,
        hint: 'admit the funnel where its traffic arrives instead: backend.connections.allowFrom(funnel)',
      },
    });
    this.namespace = chart.namespace!;
    const paths = props.paths ?? ['/'];
    const funnel = props.funnel ?? false;

    const tailnetFacts = { tailnetDomain: tailnet, reservedHostnames: chart.environment.tailscale?.reservedHostnames, environment: chart.environment.name };
    // The device name is claimed by synth from the rendered Ingress (tailscaleDeviceName), so a raw
    // Ingress of class tailscale in another app cannot take it either.

    const annotations: Record<string, string> = {};
    if (funnel) annotations[TAILSCALE_ANNOTATION.funnel] = 'true';
    if (props.tags?.length) annotations[TAILSCALE_ANNOTATION.tags] = props.tags.join(',');
    if (props.proxyGroup) annotations[TAILSCALE_ANNOTATION.proxyGroup] = props.proxyGroup;
    if (props.httpRedirect) annotations[TAILSCALE_ANNOTATION.httpRedirect] = 'true';
    const labels = chart.labelsFor(props.component ?? 'funnel');
    if (props.proxyClass) labels[TAILSCALE_PROXY_CLASS_LABEL] = props.proxyClass;

    const port = typeof props.port === 'number' ? { number: props.port } : { name: props.port };
    const service = { name: props.backend.name, port };
    const everything = paths.length === 1 && paths[0] === '/';
    const ingress: ApiObject = new k8s.KubeIngress(this, 'Resource', {
      metadata: {
        name: this.ingressName,
        labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      spec: {
        ingressClassName: TAILSCALE_INGRESS_CLASS,
        // Rules carry no host: the operator ignores a rule whose host is not the TLS host
        // ("rule with host %q ignored, unsupported", handlersForIngress), and with a ProxyGroup
        // that TLS host is the full MagicDNS name, so an empty host is the one that always applies.
        ...(everything
          ? { defaultBackend: { service } }
          : { rules: [{ http: { paths: paths.map((path) => ({ path, pathType: 'Prefix', backend: { service } })) } }] }),
        // One TLS entry with one host: the device name. hostnameForIngress takes the first label
        // of tls[0].hosts[0]; a ProxyGroup rejects more entries or hosts.
        tls: [{ hosts: [this.hostname] }],
      },
    });
    this.metadata = ingress.metadata;
    this.node.addValidation({
      validate: () => [...validateFunnel(props, this, tailnet, chart.environment.name), ...checkTailscaleIngress(ingress.toJson() as Record<string, unknown>, tailnetFacts)],
    });
  }
}

function validateFunnel(props: TailscaleFunnelProps, funnel: TailscaleFunnel, tailnet: string | undefined, environment: string): string[] {
  const errors: string[] = [];
  if (!tailnet) {
    errors.push(`environment ${environment} has no tailscale.tailnetDomain; add it to its environment.yaml (e.g. "tail5b443a.ts.net")`);
  }
  const backend = props.backend;
  if (backend.namespace !== funnel.namespace) {
    errors.push(`backend Service ${backend.namespace}/${backend.name} is in another namespace than the Ingress (${funnel.namespace}); the operator only looks up backends in the Ingress's namespace`);
  }
  if (backend.type === 'ExternalName' || backend.headless) {
    errors.push(`backend Service ${backend.name} has no cluster IP (${backend.headless ? 'headless' : 'ExternalName'}); the operator proxies only to a Service's cluster IP`);
  }
  const portProblem = checkServicePort(backend, props.port);
  if (portProblem) errors.push(portProblem);
  const known = findServicePort(backend, props.port);
  const speaksTls = props.port === 443 || props.port === 'https' || known?.port === 443 || known?.name === 'https';
  const expected = props.backendProtocol ?? 'http';
  if (speaksTls && expected !== 'https') {
    errors.push(`backend port ${props.port} is 443 or named "https", so the operator connects to it with TLS (https+insecure); set backendProtocol: "https" if the backend speaks TLS, or use its plain HTTP port`);
  }
  if (!speaksTls && expected === 'https') {
    errors.push(`backendProtocol is "https" but the operator uses TLS only for port 443 or a port named "https"; port ${props.port} would be spoken to in plain HTTP`);
  }
  if ((props.paths ?? ['/']).length === 0) errors.push('paths is empty; omit it to route everything ("/")');
  return errors;
}
