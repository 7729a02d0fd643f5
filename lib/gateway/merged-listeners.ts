import { list, record, text, type Manifest } from '../core/manifest';
import { declaredGateway, gatewayId, type ExistingGateway, type GatewayFacts } from '../core/gateway-topology';
import { hostnamesIntersect } from './hostname';

/**
 * The listeners of Gateways that share one Envoy: where the GatewayClass's EnvoyProxy sets
 * `mergeGateways: true`, Envoy Gateway translates every Gateway of the class into one proxy, and
 *
 * - a port, protocol and hostname may be claimed by one listener across all of them: the others
 *   are marked Conflicted (HostnameConflict) and serve nothing, and which one keeps it depends on
 *   the Gateways' creation times, the oldest first (envoyproxy/gateway v1.9.0
 *   internal/gatewayapi/validate.go validateConflictedMergedListeners, run by listener.go
 *   ProcessListeners when MergeGateways; internal/gatewayapi/resource/resource.go Sort);
 * - the plain-HTTP listeners of one port share one filter chain and one route table
 *   (internal/xds/translator/translator.go, "xdsListenerOnSameAddressPortExists && !tlsEnabled"),
 *   and each Gateway listener's routes make their own virtual host per hostname
 *   (addRouteToRouteConfig keeps its vHosts map per listener; helpers.go computeHosts drops a
 *   route hostname only for another listener of the same Gateway). cert-manager's HTTP-01 solver
 *   attaches, for each challenge, an HTTPRoute with the certificate's hostname to the Gateway the
 *   issuer names (cert-manager v1.21.1 pkg/issuer/acme/http/httproute.go generateHTTPRouteSpec:
 *   ParentRefs from the solver, Hostnames [dnsName]). A Gateway of the same class with its own
 *   port-80 listener for that hostname, and a route on it, puts a second virtual host with the
 *   same domain in the shared route table: Envoy refuses the whole table ("Only unique values
 *   for domains are permitted. Duplicate entry of domain ...", envoyproxy/envoy
 *   source/common/router/config_impl.cc), so the challenge is never served and port-80 updates
 *   stop for every Gateway of the class while it is pending.
 *
 * One check, `mergedListenerProblems`, over rendered Gateways and the Gateways an environment
 * declares (`existing.gateways`); the `merged-gateway-listeners` rule runs it on every Gateway of
 * the output, whatever built it.
 */

/** A listener as the check compares it. */
interface Listener {
  readonly name: string;
  readonly protocol: string;
  readonly port: number;
  readonly hostname?: string;
}

/** A Gateway as the check compares it: its identity, class, listeners and who owns it (for messages). */
export interface MergedGateway {
  readonly namespace: string;
  readonly name: string;
  readonly className: string | undefined;
  readonly listeners: readonly Listener[];
  /** Who owns it, e.g. `declared in overlays/x/environment.yaml existing.gateways` or `emitted by app web`. */
  readonly owner: string;
}

/** A rendered Gateway as the check reads it. */
export function renderedGateway(manifest: Manifest, owner: string): MergedGateway {
  const metadata = record(manifest.metadata);
  const spec = record(manifest.spec);
  return {
    namespace: text(metadata.namespace) ?? '',
    name: text(metadata.name) ?? '',
    className: text(spec.gatewayClassName),
    listeners: list(spec.listeners).map((l) => ({
      name: text(l.name) ?? '',
      protocol: text(l.protocol) ?? '',
      port: typeof l.port === 'number' ? l.port : Number(l.port),
      ...(text(l.hostname) !== undefined ? { hostname: text(l.hostname) } : {}),
    })),
    owner,
  };
}

/** A Gateway declared under `existing.gateways`, as the check reads it. */
export function declaredMergedGateway(gateway: ExistingGateway, environment: GatewayFacts, file: string): MergedGateway {
  return {
    namespace: gateway.namespace,
    name: gateway.name,
    className: gateway.className ?? environment.gateway?.className,
    listeners: gateway.listeners,
    owner: `declared in ${file} existing.gateways${gateway.source ? `, from ${gateway.source}` : ''}`,
  };
}

const describe = (l: Listener) => `${l.protocol} port ${l.port} ${l.hostname === undefined ? 'for every hostname' : `hostname ${l.hostname}`}`;

/**
 * Every way `gateway` breaks the rules of a merged gateway, given the other Gateways of the
 * environment (rendered by this app or another, or declared), one message each. Nothing when the
 * environment does not merge its Gateways, or `gateway` is of another class.
 */
export function mergedListenerProblems(gateway: MergedGateway, others: readonly MergedGateway[], environment: GatewayFacts & { readonly file?: string }): Array<{ readonly message: string; readonly fix: string }> {
  const topology = environment.gateway;
  if (!topology?.mergeGateways || gateway.className !== topology.className) return [];
  const self = gatewayId(gateway);
  const merged = others.filter((o) => o.className === topology.className && !(o.namespace === gateway.namespace && o.name === gateway.name));
  const problems: Array<{ message: string; fix: string }> = [];
  if (declaredGateway(environment, self)) {
    problems.push({
      message: `is declared under existing.gateways in ${environment.file ?? 'environment.yaml'} as a Gateway others run, and emitted here too: two owners overwrite each other`,
      fix: 'emit it and remove it from existing.gateways (taking it over), or stop emitting it',
    });
  }
  for (const listener of gateway.listeners) {
    for (const other of merged) {
      const same = other.listeners.find((l) => l.protocol === listener.protocol && l.port === listener.port && (l.hostname ?? '') === (listener.hostname ?? ''));
      if (!same) continue;
      problems.push({
        message: `listener "${listener.name}" (${describe(listener)}) claims what listener "${same.name}" of Gateway ${gatewayId(other)} (${other.owner}) claims `
          + `on the merged gateway of class ${topology.className}: port, protocol and hostname must be unique across merged Gateways, and Envoy Gateway marks all `
          + 'but the oldest Gateway\'s listener Conflicted (HostnameConflict), which then serves nothing (envoyproxy/gateway v1.9.0 internal/gatewayapi/validate.go validateConflictedMergedListeners)',
        fix: `serve a hostname no other Gateway of class ${topology.className} serves, or route through Gateway ${gatewayId(other)} instead of claiming its listener`,
      });
    }
  }
  const solverId = topology.acmeHttp01;
  if (solverId !== undefined && solverId !== self) {
    const solver = merged.find((o) => gatewayId(o) === solverId);
    for (const listener of gateway.listeners.filter((l) => l.protocol === 'HTTP')) {
      const shared = solver?.listeners.find((s) => s.protocol === 'HTTP' && s.port === listener.port && (listener.hostname === undefined || hostnamesIntersect(s.hostname, listener.hostname)));
      if (!shared) continue;
      const port = String(listener.port);
      problems.push({
        message: `listener "${listener.name}" (${describe(listener)}) shares port ${port} with listener "${shared.name}" of Gateway ${solverId}, where the cert-manager issuer solves `
          + `ACME HTTP-01 (gateway.acmeHttp01): a route on this listener for a hostname being validated adds a second virtual host with the same domain to the merged port-${port} `
          + `route table; Envoy refuses the table, the challenge is never served and port-${port} updates stop for every Gateway of the class (envoyproxy/gateway v1.9.0 `
          + 'internal/xds/translator/translator.go addRouteToRouteConfig, internal/gatewayapi/helpers.go computeHosts; cert-manager v1.21.1 pkg/issuer/acme/http/httproute.go)',
        fix: `remove the port-${port} listener: ${topology.httpsRedirect ? `Gateway ${topology.httpsRedirect} answers port 80 for every hostname` : `Gateway ${solverId} serves the port`} `
          + '(the Gateway construct adds none where gateway.httpsRedirect is set: leave httpListeners unset)',
      });
    }
  }
  return problems;
}
