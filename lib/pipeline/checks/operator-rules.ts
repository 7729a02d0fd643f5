import { checkCnpgCluster, isCnpgCluster } from '../../cnpg/cluster-rules';
import { checkVolumeClaims } from '../../core/volume-claim';
import { checkGateway, checkHttpRoute, isGateway, isHttpRoute } from '../../gateway/gateway-api-rules';
import { checkTailscaleIngress, isTailscaleIngress } from '../../tailscale/tailscale-ingress-rules';
import type { KubeObject } from './schema-validation';
import type { Finding, PolicyContext, PolicyRule } from './types';

/**
 * The operators' rules on every rendered object of the kinds the library's constructs emit,
 * however the object was built: a raw L1 object from imports/, a k8s ApiObject, a JSON patch.
 * Each rule runs the one check its integration owns (lib/<integration>/*-rules.ts), the same the
 * construct runs on its own object, so either route gives the same message.
 */

/** A rule that runs `check` on every object `applies` to, one finding per message. */
function perObject(
  name: PolicyRule['name'],
  summary: string,
  sources: readonly string[],
  applies: (object: KubeObject) => boolean,
  check: (object: KubeObject, context: PolicyContext) => string[],
  fix: string,
): PolicyRule {
  return {
    name,
    summary,
    sources,
    check(objects, context) {
      return objects.filter(applies).flatMap((object): Finding[] => check(object, context).map((message) => ({ object, message, fix })));
    },
  };
}

const manifest = (object: KubeObject) => object as unknown as Record<string, unknown>;

/** `tailscale-ingress`: an Ingress of class `tailscale` is one the operator serves as written. */
export const tailscaleIngress = perObject(
  'tailscale-ingress',
  'every Ingress of class tailscale meets the Tailscale operator\'s rules: one single-label device name, Service backends on host-less rules, each path once, valid tags, no Funnel on a ProxyGroup',
  ['tailscale/tailscale cmd/k8s-operator/ingress.go (hostnameForIngress, handlersForIngress) and ingress-for-pg.go'],
  (object) => isTailscaleIngress(manifest(object)),
  (object, context) => checkTailscaleIngress(manifest(object), {
    tailnetDomain: context.environment?.tailscale?.tailnetDomain,
    reservedHostnames: context.environment?.tailscale?.reservedHostnames,
    environment: context.environment?.name,
  }),
  'change the Ingress as the message says, or build it with TailscaleFunnel',
);

/** `gateway-api`: Gateways and HTTPRoutes meet the CRDs' CEL rules and cert-manager's. */
export const gatewayApi = perObject(
  'gateway-api',
  'every Gateway and HTTPRoute meets Gateway API\'s CEL rules (which schema validation does not evaluate) and cert-manager\'s rules for the listeners it issues for',
  ['kubernetes-sigs/gateway-api apis/v1 httproute_types.go, gateway_types.go (CEL validations)', 'cert-manager pkg/controller/certificate-shim'],
  (object) => isGateway(manifest(object)) || isHttpRoute(manifest(object)),
  (object) => (isGateway(manifest(object)) ? checkGateway(manifest(object)) : checkHttpRoute(manifest(object))),
  'change the object as the message says, or build it with Gateway and HttpRoute',
);

/** `cnpg-cluster`: a Cluster the CloudNativePG webhook would admit. */
export const cnpgCluster = perObject(
  'cnpg-cluster',
  'every CloudNativePG Cluster meets the operator\'s admission webhook rules: its name, a versioned image tag, no fixed parameters, valid managed roles, one bootstrap method',
  ['cloudnative-pg/cloudnative-pg v1.30.0 internal/webhook/v1/cluster_webhook.go'],
  (object) => isCnpgCluster(manifest(object)),
  (object) => checkCnpgCluster(manifest(object)),
  'change the Cluster as the message says, or build it with CnpgDatabase',
);

/** `volume-claim`: a claim Kubernetes would accept, with a positive size. */
export const volumeClaim = perObject(
  'volume-claim',
  'every PersistentVolumeClaim (and StatefulSet claim template) asks for a positive size and valid access modes',
  ['kubernetes pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimSpec'],
  (object) => object.kind === 'PersistentVolumeClaim' || object.kind === 'StatefulSet',
  (object) => checkVolumeClaims(manifest(object)),
  'change the claim as the message says',
);
