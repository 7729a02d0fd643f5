import { Type, type Static } from '@sinclair/typebox';
import { dnsLabel, dnsSubdomain, patternRule } from './values';

/**
 * How the cluster's Envoy Gateway is laid out, as `environment.yaml` states it under `gateway`
 * (which GatewayClass, whether its Gateways share one Envoy, who answers port 80, where ACME
 * HTTP-01 is solved) and the Gateways others run, under `existing.gateways`. The Gateway
 * construct follows it (lib/gateway/gateway.ts) and the `merged-gateway-listeners` rule holds the
 * rendered Gateways to it (lib/gateway/merged-listeners.ts). Kept apart from environment.ts so the
 * environment schema names it in two lines.
 */

/** A Gateway of the cluster, written "namespace/name". */
const GATEWAY_ID = patternRule('^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', 'must be "<namespace>/<name>" of a Gateway, e.g. envoy-gateway-system/main-gateway');

/** A listener hostname as Gateway API takes it: a DNS name, optionally with a leading "*." wildcard. */
const LISTENER_HOSTNAME = patternRule('^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', 'must be a hostname, optionally starting with "*.", in lower case, e.g. example.org or *.example.org');

/** The `gateway` block of environment.yaml: the GatewayClass and the cluster's gateway topology. */
export const GatewayEnvironmentSchema = Type.Object({
  className: dnsSubdomain({ description: 'the GatewayClass of Envoy Gateway, e.g. "eg"' }),
  mergeGateways: Type.Optional(Type.Boolean({
    description: 'true when the GatewayClass\'s EnvoyProxy sets mergeGateways: every Gateway of the class shares one Envoy and one listener per port, so a port, protocol and hostname may be claimed once across all of them (envoyproxy/gateway internal/gatewayapi/validate.go validateConflictedMergedListeners); default false',
  })),
  httpsRedirect: Type.Optional(Type.String({
    ...GATEWAY_ID,
    description: 'the Gateway ("namespace/name", declared under existing.gateways) whose port-80 listener answers every hostname with a redirect to HTTPS; Gateway constructs then add no port-80 listener and routes no redirect of their own',
  })),
  acmeHttp01: Type.Optional(Type.String({
    ...GATEWAY_ID,
    description: 'the Gateway ("namespace/name", declared under existing.gateways) the cert-manager issuer\'s HTTP-01 solver attaches its challenge routes to (ClusterIssuer spec.acme.solvers[].http01.gatewayHTTPRoute.parentRefs)',
  })),
}, { additionalProperties: false, description: 'Envoy Gateway, for `Gateway` constructs: the GatewayClass they use and the cluster\'s gateway topology' });

/** One listener of a Gateway others run, as its manifest declares it. */
export const ExistingListenerSchema = Type.Object({
  name: dnsSubdomain({ description: 'the listener\'s name' }),
  protocol: Type.Union(['HTTP', 'HTTPS', 'TLS', 'TCP', 'UDP'].map((p) => Type.Literal(p)), { description: 'HTTP, HTTPS, TLS, TCP or UDP' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, description: 'the listener\'s port' }),
  hostname: Type.Optional(Type.String({ ...LISTENER_HOSTNAME, description: 'the listener\'s hostname; leave out when it has none (it then accepts every hostname)' })),
}, { additionalProperties: false });

/** A Gateway others run on the cluster, with its listeners: a declared fixture the rules check against. */
export const ExistingGatewaySchema = Type.Object({
  namespace: dnsLabel({ description: 'the Gateway\'s namespace' }),
  name: dnsSubdomain({ description: 'the Gateway\'s name' }),
  className: Type.Optional(dnsSubdomain({ description: 'its GatewayClass (default: gateway.className)' })),
  listeners: Type.Array(ExistingListenerSchema, { minItems: 1, description: 'its listeners, as its manifest declares them' }),
  source: Type.Optional(Type.String({ minLength: 1, description: 'where its manifest is written (repository, commit and file), for the reader' })),
}, { additionalProperties: false });

/** The `existing.gateways` list. */
export const ExistingGatewaysSchema = Type.Array(ExistingGatewaySchema, {
  description: 'Gateways others run on the cluster, with their listeners (a shared main gateway, other teams\' Gateways on a merged Envoy); nothing here is emitted, and no emitted Gateway may claim one of their listeners on a merged gateway',
});

/** The `gateway` block of environment.yaml. */
export type GatewayEnvironment = Static<typeof GatewayEnvironmentSchema>;
/** A Gateway declared under `existing.gateways`. */
export type ExistingGateway = Static<typeof ExistingGatewaySchema>;
/** One listener of a declared Gateway. */
export type ExistingListener = Static<typeof ExistingListenerSchema>;

/** What this file reads of an environment (structural, so it imports nothing above the schema). */
export interface GatewayFacts {
  /** The `gateway` block. @default none: no GatewayClass, nothing merged, nobody else answers port 80 */
  readonly gateway?: GatewayEnvironment;
  /** The `existing` block, of which only the Gateways are read. @default none declared */
  readonly existing?: {
    /** `existing.gateways`. @default none declared */
    readonly gateways?: readonly ExistingGateway[];
  };
}

/** `namespace/name` of a Gateway. */
export function gatewayId(gateway: { readonly namespace: string; readonly name: string }): string {
  return `${gateway.namespace}/${gateway.name}`;
}

/** The Gateway `id` ("namespace/name") declared under `existing.gateways`, if any. */
export function declaredGateway(environment: GatewayFacts, id: string): ExistingGateway | undefined {
  return environment.existing?.gateways?.find((g) => gatewayId(g) === id);
}

/**
 * Whether another Gateway of the cluster answers port 80 for every hostname with a redirect to
 * HTTPS (`gateway.httpsRedirect`): then a Gateway of this repository needs no port-80 listener,
 * nor a route a redirect of its own.
 */
export function clusterRedirectsHttp(environment: GatewayFacts): boolean {
  return environment.gateway?.httpsRedirect !== undefined;
}

/**
 * What is inconsistent in the `gateway` block and `existing.gateways`, each with its key path
 * (for the file's line): a redirect or solver Gateway that is not declared, or that has no HTTP
 * listener; a Gateway declared twice.
 */
export function gatewayTopologyProblems(environment: GatewayFacts): Array<{ readonly path: ReadonlyArray<string | number>; readonly message: string; readonly hint: string }> {
  const problems: Array<{ path: ReadonlyArray<string | number>; message: string; hint: string }> = [];
  const declared = environment.existing?.gateways ?? [];
  const seen = new Set<string>();
  declared.forEach((g, i) => {
    if (seen.has(gatewayId(g))) problems.push({ path: ['existing', 'gateways', i], message: `declares Gateway ${gatewayId(g)} a second time`, hint: 'declare each Gateway once, with all its listeners' });
    seen.add(gatewayId(g));
  });
  for (const key of ['httpsRedirect', 'acmeHttp01'] as const) {
    const id = environment.gateway?.[key];
    if (id === undefined) continue;
    const gateway = declaredGateway(environment, id);
    if (!gateway) {
      problems.push({
        path: ['gateway', key],
        message: `names Gateway ${id}, which existing.gateways does not declare`,
        hint: `declare it under existing.gateways with its listeners ({ namespace, name, listeners: [{ name, protocol, port, hostname }] }), as its manifest on the cluster has them`,
      });
    } else if (!gateway.listeners.some((l) => l.protocol === 'HTTP')) {
      problems.push({
        path: ['gateway', key],
        message: `names Gateway ${id}, whose declared listeners have no HTTP listener to ${key === 'httpsRedirect' ? 'answer port 80' : 'carry HTTP-01 challenges'}`,
        hint: 'declare its HTTP listener under existing.gateways, or name the Gateway that has one',
      });
    }
  }
  return problems;
}
