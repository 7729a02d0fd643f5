import { checkCnpgCluster } from '../../cnpg/cluster-rules';
import { checkVolumeClaims } from '../../core/volume-claim';
import { checkGateway, checkHttpRoute } from '../../gateway/gateway-api-rules';
import { declaredMergedGateway, mergedListenerProblems, renderedGateway, type MergedGateway } from '../../gateway/merged-listeners';
import { gatewayId } from '../../core/gateway-topology';
import { checkTailscaleIngress, isTailscaleIngress } from '../../tailscale/tailscale-ingress-rules';
import type { KubeObject } from './schema-validation';
import type { Neighbour, Neighbours } from './objects';
import type { RuleDeclaration, RuleProblem } from './types';
import { isGroupKind, KINDS, VOLUME_CLAIM_KINDS } from '../../core/kinds';

/**
 * The operators' rules on every rendered object of the kinds the library's constructs emit,
 * however the object was built: a raw L1 object from imports/, a k8s ApiObject, a JSON patch.
 * Each rule runs the one check its integration owns (lib/<integration>/*-rules.ts), the same the
 * construct runs on its own object, so either route gives the same message.
 */

const manifest = (object: KubeObject) => object as unknown as Record<string, unknown>;
const problems = (messages: readonly string[]): RuleProblem[] => messages.map((message) => ({ message }));

/** `tailscale-ingress`: an Ingress of class `tailscale` is one the operator serves as written. */
export const tailscaleIngress: RuleDeclaration = {
  name: 'tailscale-ingress',
  summary: 'every Ingress of class tailscale is served as written: one TLS host whose first label is the device name (a host with more labels, other than <name>.<tailnet domain>, is cut to its first label), a valid DNS label not among the environment\'s tailscale.reservedHostnames; no rule with a host other than the TLS host (the operator ignores it); every path a Service backend, each path once, pathType not Exact (routed as Prefix); tailscale.com/funnel and http-redirect "true" or "false"; tags tag:<name> without spaces; valid ProxyClass and ProxyGroup names; no Funnel on a ProxyGroup',
  // An Ingress of another class is not the Tailscale operator's: the check reads the class.
  scope: [KINDS.Ingress],
  sources: ['tailscale/tailscale cmd/k8s-operator/ingress.go (hostnameForIngress, handlersForIngress) and ingress-for-pg.go'],
  fix: 'change the Ingress as the message says, or build it with TailscaleFunnel',
  check(object, context) {
    if (!isTailscaleIngress(manifest(object))) return [];
    return problems(checkTailscaleIngress(manifest(object), {
      tailnetDomain: context.environment?.tailscale?.tailnetDomain,
      reservedHostnames: context.environment?.tailscale?.reservedHostnames,
      environment: context.environment?.name,
    }));
  },
};

/** `gateway-api`: Gateways and HTTPRoutes meet the CRDs' CEL rules and cert-manager's. */
export const gatewayApi: RuleDeclaration = {
  name: 'gateway-api',
  summary: 'every Gateway and HTTPRoute meets Gateway API\'s CEL rules (which schema validation does not evaluate) and cert-manager\'s rules for the listeners it issues for: unique listeners and names, valid hostnames, an HTTPS listener with a hostname, Terminate mode and a certificate Secret in the Gateway\'s namespace when cert-manager issues; paths, redirects, rewrites, weights, header actions and timeouts the CRD accepts',
  scope: [KINDS.Gateway, KINDS.HTTPRoute],
  sources: ['kubernetes-sigs/gateway-api apis/v1 httproute_types.go, gateway_types.go (CEL validations)', 'cert-manager pkg/controller/certificate-shim'],
  fix: 'change the object as the message says, or build it with Gateway and HttpRoute',
  check(object) {
    return problems(isGroupKind(object, KINDS.Gateway) ? checkGateway(manifest(object)) : checkHttpRoute(manifest(object)));
  },
};

/**
 * `merged-gateway-listeners`: on an environment whose Gateways share one Envoy, no Gateway claims
 * a listener another claims, nor a port-80 listener beside the ACME HTTP-01 solver's. The others
 * are the app's own Gateways, the other apps' (`context.neighbours`) and the declared ones
 * (`existing.gateways`); the check is lib/gateway/merged-listeners.ts.
 */
export const mergedGatewayListeners: RuleDeclaration = {
  name: 'merged-gateway-listeners',
  summary: 'where the environment\'s GatewayClass merges its Gateways into one Envoy (gateway.mergeGateways), no Gateway of the class claims a port, protocol and hostname that another Gateway of the environment, or one declared under existing.gateways, claims (Envoy Gateway serves only the oldest); and none has a plain-HTTP listener on the port where the cluster solves ACME HTTP-01 (gateway.acmeHttp01) for a hostname that solver serves (a second virtual host for the domain makes Envoy refuse the shared route table)',
  scope: [KINDS.Gateway],
  sources: [
    'envoyproxy/gateway v1.9.0 internal/gatewayapi/validate.go validateConflictedMergedListeners; internal/gatewayapi/listener.go ProcessListeners; internal/gatewayapi/resource/resource.go Sort (the oldest Gateway first)',
    'envoyproxy/gateway v1.9.0 internal/xds/translator/translator.go addRouteToRouteConfig; internal/gatewayapi/helpers.go computeHosts',
    'envoyproxy/envoy source/common/router/config_impl.cc ("Only unique values for domains are permitted")',
    'cert-manager/cert-manager v1.21.1 pkg/issuer/acme/http/httproute.go generateHTTPRouteSpec',
  ],
  fix: 'give the listener a hostname no other Gateway of the class serves, or leave the port to the Gateway that has it (on an environment whose gateway.httpsRedirect answers port 80, a Gateway needs no port-80 listener: leave the Gateway construct\'s httpListeners unset)',
  check(object, context) {
    const environment = context.environment;
    if (!environment?.gateway?.mergeGateways) return [];
    const gateway = renderedGateway(manifest(object), 'this app');
    const others = [
      ...context.objects.of(KINDS.Gateway).filter((o) => o !== object).map((o) => renderedGateway(manifest(o), 'emitted by this app')),
      ...neighbourGatewaysMeeting(gateway, context.neighbours, environment.gateway.acmeHttp01),
      ...(environment.existing?.gateways ?? []).map((g) => declaredMergedGateway(g, environment, environment.file)),
    ];
    return mergedListenerProblems(gateway, others, environment);
  },
};

/** Another app's Gateway as the merged-listener check reads it, read once: every Gateway of the environment after it compares with it. */
function neighbourGateway(neighbour: Neighbour): MergedGateway {
  let gateway = NEIGHBOUR_GATEWAYS.get(neighbour.object);
  if (gateway === undefined) NEIGHBOUR_GATEWAYS.set(neighbour.object, (gateway = renderedGateway(manifest(neighbour.object), `emitted by app ${neighbour.app}`)));
  return gateway;
}
const NEIGHBOUR_GATEWAYS = new WeakMap<KubeObject, MergedGateway>();

/**
 * The other apps' Gateways `gateway` can meet on the merged Envoy, in the order synth built them:
 * those with a listener of the same protocol, port and hostname (what mergedListenerProblems
 * compares), and the ACME HTTP-01 solver's Gateway. The other apps' listeners are indexed once per
 * environment, as apps are added, so that the rule stays linear in the environment's Gateways
 * instead of comparing each with every one before it.
 */
function neighbourGatewaysMeeting(gateway: MergedGateway, neighbours: Neighbours | undefined, solver: string | undefined): MergedGateway[] {
  const all = neighbours?.of(KINDS.Gateway) ?? [];
  let index = LISTENER_INDEXES.get(all);
  if (index === undefined) LISTENER_INDEXES.set(all, (index = { indexed: 0, byListener: new Map(), byId: new Map() }));
  for (; index.indexed < all.length; index.indexed++) {
    const other = neighbourGateway(all[index.indexed]);
    append(index.byId, gatewayId(other), index.indexed);
    for (const listener of other.listeners) append(index.byListener, listenerKey(listener), index.indexed);
  }
  const found = new Set<number>([...gateway.listeners.flatMap((l) => index.byListener.get(listenerKey(l)) ?? []), ...(solver === undefined ? [] : index.byId.get(solver) ?? [])]);
  return [...found].sort((a, b) => a - b).map((i) => neighbourGateway(all[i]));
}
const append = (map: Map<string, number[]>, key: string, position: number) => {
  const at = map.get(key);
  if (at) at.push(position);
  else map.set(key, [position]);
};
const listenerKey = (l: MergedGateway['listeners'][number]) => `${l.protocol}\u0000${l.port}\u0000${l.hostname ?? ''}`;
/** Per list of the other apps' Gateways (Neighbours.of), the positions of each listener and Gateway id in it. */
const LISTENER_INDEXES = new WeakMap<readonly Neighbour[], { indexed: number; readonly byListener: Map<string, number[]>; readonly byId: Map<string, number[]> }>();

/** `cnpg-cluster`: a Cluster the CloudNativePG webhook would admit. */
export const cnpgCluster: RuleDeclaration = {
  name: 'cnpg-cluster',
  summary: 'every CloudNativePG Cluster meets the operator\'s admission webhook rules: a DNS-1035 name of at most 50 characters, an imageName whose tag is a PostgreSQL version (not together with imageCatalogRef), no parameter the operator fixes, valid managed roles, one bootstrap method, a valid recovery target',
  scope: [KINDS.CnpgCluster],
  sources: ['cloudnative-pg/cloudnative-pg v1.30.0 internal/webhook/v1/cluster_webhook.go'],
  fix: 'change the Cluster as the message says, or build it with CnpgDatabase',
  check(object) {
    return problems(checkCnpgCluster(manifest(object)));
  },
};

/** `volume-claim`: a claim Kubernetes would accept, with a positive size. */
export const volumeClaim: RuleDeclaration = {
  name: 'volume-claim',
  summary: 'every PersistentVolumeClaim and StatefulSet claim template asks for a storage size larger than zero (a limit not below it) and at least one valid access mode (ReadWriteOncePod alone)',
  scope: [VOLUME_CLAIM_KINDS],
  sources: ['kubernetes pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimSpec'],
  fix: 'change the claim as the message says',
  check(object) {
    return problems(checkVolumeClaims(manifest(object)));
  },
};
