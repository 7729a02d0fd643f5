import { Construct } from 'constructs';
import { AppChart } from '../core/app';
import type { PodPeer } from '../core/network-peer';
import { checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { k8s } from '../core/k8s';
import { checkServicePort, findServicePort, type IServiceRef } from '../core/service-ref';

/**
 * Rules below cite the Tailscale Kubernetes operator (tailscale/tailscale, cmd/k8s-operator;
 * pinned CRDs v1.102.3) and its documentation
 * (https://tailscale.com/docs/kubernetes-operator/reference/limitations).
 */

/** The IngressClass the operator installs and watches (`shouldExpose` in ingress.go). */
export const TAILSCALE_INGRESS_CLASS = 'tailscale';

/** Annotations the operator reads on an Ingress. */
export const TAILSCALE_ANNOTATION = {
  /** `"true"`: public through Funnel. */
  funnel: 'tailscale.com/funnel',
  /** Comma-separated ACL tags of the proxy device. */
  tags: 'tailscale.com/tags',
  /** The ingress ProxyGroup that serves the Ingress (high availability). */
  proxyGroup: 'tailscale.com/proxy-group',
  /** `"true"`: also answer on port 80 with a redirect to HTTPS. */
  httpRedirect: 'tailscale.com/http-redirect',
} as const;
/** The label that selects a ProxyClass for the proxy pod. */
export const TAILSCALE_PROXY_CLASS_LABEL = 'tailscale.com/proxy-class';

/** Properties for `TailscaleFunnel`. */
export interface TailscaleFunnelProps {
  /**
   * The Service to expose. It must live in the funnel's namespace: the operator looks backends
   * up in the Ingress's own namespace. Use `ServiceRef.fromName` for a Service this repo does not emit.
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

/**
 * Exposes a Service through the Tailscale Kubernetes operator's Ingress: on the tailnet only,
 * or to the internet through Funnel. Emits one Ingress; the backend Service is referenced.
 */
export class TailscaleFunnel extends Construct {
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
   * The operator's proxy pods for this Ingress, as a NetworkPolicy peer: they run in the
   * operator's namespace, labelled with the Ingress they serve (cmd/k8s-operator sts.go:
   * LabelParentType, LabelParentName, LabelParentNamespace). Admit it where the backend has an
   * ingress NetworkPolicy; without one, nothing needs admitting.
   */
  public readonly proxyPeer: PodPeer;

  constructor(scope: Construct, id: string, props: TailscaleFunnelProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    const tailnet = chart.environment.tailscale?.tailnetDomain;
    this.hostname = tailnet && props.hostname.endsWith(`.${tailnet}`) ? props.hostname.slice(0, -(tailnet.length + 1)) : props.hostname;
    this.fqdn = `${this.hostname}.${tailnet ?? 'ts.net'}`;
    this.url = `https://${this.fqdn}`;
    this.ingressName = props.name ?? `${this.hostname}-funnel`;
    this.proxyPeer = {
      namespace: TAILSCALE_OPERATOR_NAMESPACE,
      podLabels: { 'tailscale.com/parent-resource-type': 'ingress', 'tailscale.com/parent-resource': this.ingressName, 'tailscale.com/parent-resource-ns': AppChart.of(this).namespace! },
    };
    this.namespace = chart.namespace!;
    const paths = props.paths ?? ['/'];
    const funnel = props.funnel ?? false;

    this.node.addValidation({ validate: () => validateFunnel(props, this, tailnet, chart.environment.tailscale?.reservedHostnames ?? [], chart.environment.name) });
    chart.claim(this, 'tailnet hostname', this.hostname);

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
    new k8s.KubeIngress(this, 'Resource', {
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
  }
}

function validateFunnel(props: TailscaleFunnelProps, funnel: TailscaleFunnel, tailnet: string | undefined, reserved: readonly string[], environment: string): string[] {
  const errors: string[] = [];
  if (!tailnet) {
    errors.push(`environment ${environment} has no tailscale.tailnetDomain; add it to its environment.yaml (e.g. "tail5b443a.ts.net")`);
  }
  if (funnel.hostname.includes('.')) {
    const first = funnel.hostname.split('.')[0];
    errors.push(
      `hostname "${props.hostname}" has more than one DNS label; the Tailscale operator keeps only the first label of the TLS host ` +
      `(hostnameForIngress in cmd/k8s-operator/ingress.go), so it would be served as "${first}.${tailnet ?? '<tailnet>'}", not as written. ` +
      `Use a single label such as "${funnel.hostname.split('.').join('-')}"`,
    );
  } else {
    const problem = checkDnsLabel(funnel.hostname);
    if (problem) errors.push(`hostname "${funnel.hostname}" ${problem} (it becomes a MagicDNS label)`);
  }
  if (reserved.includes(funnel.hostname)) {
    errors.push(`hostname "${funnel.hostname}" is listed in tailscale.reservedHostnames of environment ${environment}: another device already uses it, and Tailscale would rename this one`);
  }
  const nameProblem = checkDnsSubdomain(funnel.ingressName);
  if (nameProblem) errors.push(`Ingress name "${funnel.ingressName}" ${nameProblem}`);

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

  const paths = props.paths ?? ['/'];
  if (paths.length === 0) errors.push('paths is empty; omit it to route everything ("/")');
  const seen = new Set<string>();
  for (const path of paths) {
    if (!path.startsWith('/')) errors.push(`path "${path}" must start with "/"`);
    if (seen.has(path)) errors.push(`path "${path}" is listed twice; the operator keeps only the last backend for a path`);
    seen.add(path);
  }
  for (const tag of props.tags ?? []) {
    // tailcfg.CheckTag; the operator splits the annotation on "," without trimming.
    if (!/^tag:[a-zA-Z][a-zA-Z0-9-]*$/.test(tag)) errors.push(`tag "${tag}" is not a Tailscale tag; tags look like "tag:k8s" (letters, digits and "-", starting with a letter)`);
  }
  if (props.proxyClass) {
    const problem = checkDnsSubdomain(props.proxyClass);
    if (problem) errors.push(`proxyClass "${props.proxyClass}" ${problem}`);
  }
  if (props.proxyGroup) {
    const problem = checkDnsSubdomain(props.proxyGroup);
    if (problem) errors.push(`proxyGroup "${props.proxyGroup}" ${problem}`);
    if (props.funnel) {
      errors.push('funnel and proxyGroup cannot be combined: the ProxyGroup ingress reconciler (ingress-for-pg.go) does not configure Funnel, so the Ingress would stay tailnet-only; drop proxyGroup for a public funnel');
    }
  }
  return errors;
}
