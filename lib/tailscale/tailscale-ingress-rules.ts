import { checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { list, record, text, type Manifest } from '../core/manifest';
import { isGroupKind, KINDS } from '../core/kinds';

/**
 * The Tailscale Kubernetes operator's rules for an Ingress of class `tailscale`, on the Ingress
 * as rendered: `TailscaleFunnel` checks its own Ingress with them, and the output policy
 * (`tailscale-ingress`) checks every such Ingress however it was built. Sources:
 * tailscale/tailscale cmd/k8s-operator/ingress.go (read at commit 0327cfd7abd4; pinned CRDs
 * v1.102.3) — `shouldExpose`, `handlersForIngress`, `hostnameForIngress` — and
 * ingress-for-pg.go for the ProxyGroup reconciler.
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

/** What the environment says about its tailnet, for the checks that need it. */
export interface TailnetFacts {
  /** The tailnet's MagicDNS domain, e.g. "tail5b443a.ts.net". @default unknown */
  readonly tailnetDomain?: string;
  /** Device names other devices already use. @default none */
  readonly reservedHostnames?: readonly string[];
  /** The environment's name, for messages. @default "this environment" */
  readonly environment?: string;
}

/** Whether `manifest` is an Ingress the Tailscale operator serves (class `tailscale`). */
export function isTailscaleIngress(manifest: Manifest): boolean {
  return isGroupKind(manifest, KINDS.Ingress) && record(manifest.spec).ingressClassName === TAILSCALE_INGRESS_CLASS;
}

/**
 * The device name the operator gives an Ingress (`hostnameForIngress` in ingress.go): the first
 * DNS label of `tls[0].hosts[0]`, or `<namespace>-<name>-ingress` without a TLS host. Two Ingresses
 * of one environment with one device name fight over it: Tailscale renames the second device.
 */
export function tailscaleDeviceName(ingress: Manifest): string {
  const hosts = list(record(ingress.spec).tls)[0]?.hosts;
  const host = Array.isArray(hosts) ? text(hosts[0]) : undefined;
  const metadata = record(ingress.metadata);
  return host === undefined ? `${text(metadata.namespace) ?? ''}-${text(metadata.name) ?? ''}-ingress` : host.split('.')[0];
}

/** The MagicDNS domain a host names, `<tailnet>.ts.net`, or undefined when it is not under one. */
function magicDnsDomainOf(host: string): string | undefined {
  return /\.([a-z0-9-]+\.ts\.net)$/.exec(host)?.[1];
}

/**
 * The host the operator serves an Ingress at: its device name (`tailscaleDeviceName`) under the
 * tailnet's MagicDNS domain, `tailnetDomain` where the environment says it, else the domain of a
 * TLS host under `<tailnet>.ts.net`; the device name alone when neither says the tailnet.
 */
export function tailscaleServedHost(ingress: Manifest, tailnetDomain?: string): string {
  const device = tailscaleDeviceName(ingress);
  const hosts = list(record(ingress.spec).tls)[0]?.hosts;
  const tlsHost = Array.isArray(hosts) ? text(hosts[0]) : undefined;
  const domain = tailnetDomain ?? (tlsHost === undefined ? undefined : magicDnsDomainOf(tlsHost));
  return domain === undefined ? device : `${device}.${domain}`;
}

/**
 * Every way `ingress` (an Ingress of class `tailscale`, as rendered) breaks the operator's rules,
 * one message each: what is wrong, why, and what is allowed.
 */
export function checkTailscaleIngress(ingress: Manifest, facts: TailnetFacts = {}): string[] {
  const errors: string[] = [];
  const metadata = record(ingress.metadata);
  const spec = record(ingress.spec);
  const annotations = record(metadata.annotations);
  const labels = record(metadata.labels);
  const tailnet = facts.tailnetDomain;

  const name = text(metadata.name) ?? '';
  const nameProblem = checkDnsSubdomain(name);
  if (nameProblem) errors.push(`Ingress name "${name}" ${nameProblem}`);

  // The device name: hostnameForIngress keeps the first label of tls[0].hosts[0].
  const tls = list(spec.tls);
  const hosts = tls.flatMap((t) => (Array.isArray(t.hosts) ? t.hosts : []));
  const firstHosts = tls[0]?.hosts;
  const tlsHost = Array.isArray(firstHosts) ? text(firstHosts[0]) : undefined;
  if (hosts.length > 1) {
    errors.push(`tls lists ${hosts.length} hosts (${hosts.join(', ')}); the operator serves one device name, the first label of tls[0].hosts[0], and a ProxyGroup refuses more: keep one TLS entry with one host`);
  }
  if (tlsHost === undefined) {
    // Without a TLS host the operator derives the device name from the Ingress's.
    const derived = tailscaleDeviceName(ingress);
    const problem = checkDnsLabel(derived);
    if (problem) errors.push(`has no TLS host, so the operator names the device "${derived}" (hostnameForIngress in cmd/k8s-operator/ingress.go), which ${problem}; set tls: [{ hosts: [<device name>] }]`);
  } else {
    // Where the environment does not say its tailnet, a host under a MagicDNS domain
    // (<tailnet>.ts.net) is the device name followed by that domain, as the operator serves it.
    const domain = tailnet ?? magicDnsDomainOf(tlsHost);
    const hostname = domain && tlsHost.endsWith(`.${domain}`) ? tlsHost.slice(0, -(domain.length + 1)) : tlsHost;
    if (hostname.includes('.')) {
      const first = hostname.split('.')[0];
      errors.push(
        `hostname "${hostname}" has more than one DNS label; the Tailscale operator keeps only the first label of the TLS host ` +
        `(hostnameForIngress in cmd/k8s-operator/ingress.go), so it would be served as "${first}.${tailnet ?? '<tailnet>'}", not as written. ` +
        `Use a single label such as "${hostname.split('.').join('-')}"`,
      );
    } else {
      const problem = checkDnsLabel(hostname);
      if (problem) errors.push(`hostname "${hostname}" ${problem} (it becomes a MagicDNS label)`);
      if (facts.reservedHostnames?.includes(hostname)) {
        errors.push(`hostname "${hostname}" is listed in tailscale.reservedHostnames of environment ${facts.environment ?? '(this environment)'}: another device already uses it, and Tailscale would rename this one`);
      }
    }
  }

  // Backends (handlersForIngress): every path a Service backend, each path once, host-less rules.
  const seen = new Set<string>();
  const backend = (b: Manifest, path: string) => {
    if (seen.has(path)) errors.push(`path "${path}" is listed twice; the operator keeps only the last backend for a path`);
    seen.add(path);
    if (!path.startsWith('/')) errors.push(`path "${path}" must start with "/"`);
    if (text(record(b.service).name) === undefined) errors.push(`the backend for path "${path}" is not a Service; the operator proxies only to Services ("backend for path is missing service") and ignores it`);
  };
  if (spec.defaultBackend !== undefined) backend(record(spec.defaultBackend), '/');
  for (const rule of list(spec.rules)) {
    const host = text(rule.host);
    if (host && host !== tlsHost) {
      errors.push(`a rule has host "${host}", which is not the TLS host${tlsHost ? ` "${tlsHost}"` : ''}; the operator ignores it ("rule with host ignored, unsupported"): leave the rule's host empty`);
      continue;
    }
    for (const p of list(record(rule.http).paths)) {
      if (p.pathType === 'Exact') errors.push(`path "${String(p.path)}" has pathType Exact, which the operator routes as Prefix; write pathType: Prefix so the manifest says what is served`);
      backend(record(p.backend), text(p.path) || '/');
    }
  }

  // Annotations and the ProxyClass label.
  for (const key of [TAILSCALE_ANNOTATION.funnel, TAILSCALE_ANNOTATION.httpRedirect]) {
    const value = annotations[key];
    if (value !== undefined && value !== 'true' && value !== 'false') errors.push(`annotation ${key} is "${String(value)}"; the operator reads "true" or "false" only`);
  }
  const tags = text(annotations[TAILSCALE_ANNOTATION.tags]);
  if (tags !== undefined) {
    for (const tag of tags.split(',')) {
      // tailcfg.CheckTag; the operator splits the annotation on "," without trimming.
      if (!/^tag:[a-zA-Z][a-zA-Z0-9-]*$/.test(tag)) errors.push(`tag "${tag}" is not a Tailscale tag; tags look like "tag:k8s" (letters, digits and "-", starting with a letter), separated by "," without spaces`);
    }
  }
  const proxyClass = text(labels[TAILSCALE_PROXY_CLASS_LABEL]);
  if (proxyClass !== undefined) {
    const problem = checkDnsSubdomain(proxyClass);
    if (problem) errors.push(`proxyClass "${proxyClass}" (label ${TAILSCALE_PROXY_CLASS_LABEL}) ${problem}`);
  }
  const proxyGroup = text(annotations[TAILSCALE_ANNOTATION.proxyGroup]);
  if (proxyGroup !== undefined) {
    const problem = checkDnsSubdomain(proxyGroup);
    if (problem) errors.push(`proxyGroup "${proxyGroup}" (annotation ${TAILSCALE_ANNOTATION.proxyGroup}) ${problem}`);
    if (annotations[TAILSCALE_ANNOTATION.funnel] === 'true') {
      errors.push('funnel and proxyGroup cannot be combined: the ProxyGroup ingress reconciler (ingress-for-pg.go) does not configure Funnel, so the Ingress would stay tailnet-only; drop proxyGroup for a public funnel');
    }
  }
  return errors;
}
