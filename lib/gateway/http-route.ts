import type { ApiObjectMetadataDefinition } from 'cdk8s';
import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, SERVICE_REF_SHAPE, stringList, stringMap, valueShape } from '../core/prop-shape';
import { GATEWAY_SHAPE } from './route-props';
import * as gwapi from '../../imports/gateway.networking.k8s.io';
import { AppChart } from '../core/app';
import { checkDnsSubdomain } from '../core/dns';
import { clusterRedirectsHttp } from '../core/gateway-topology';
import { checkServicePort, type IServiceRef } from '../core/service-ref';
import { checkHttpRoute } from './gateway-api-rules';
import { listenerAdmits, type GatewayListener, type IGateway } from './gateway';
import { checkGatewayHostname, hostnamesIntersect } from './hostname';
import type { IPolicyTarget } from './policy-target';
import { byKey } from '../core/order';
import { ReferenceGrant } from './reference-grant';

/**
 * Rules cite the Gateway API types (kubernetes-sigs/gateway-api apis/v1/httproute_types.go, the
 * v1.6.1 standard channel pinned in imports/).
 */

/** A path match. */
export interface HttpPathMatch {
  /** @default "PathPrefix" */
  readonly type?: 'PathPrefix' | 'Exact' | 'RegularExpression';
  /** The path (or, for `RegularExpression`, the pattern), starting with "/". */
  readonly value: string;
}

/** A request match: all given conditions must hold. */
export interface HttpRouteMatch {
  /** @default PathPrefix "/" */
  readonly path?: HttpPathMatch;
  /** Exact header matches. @default none: any headers */
  readonly headers?: Readonly<Record<string, string>>;
  /** The HTTP method. @default any method */
  readonly method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';
}

/** A Service backend. */
export interface HttpBackend {
  /** The Service: one this app emits (e.g. `WebService.service`) or `ServiceRef.fromServiceAttributes`; another namespace gets a ReferenceGrant. */
  readonly service: IServiceRef;
  /** The Service port number (required by Gateway API for Services). */
  readonly port: number;
  /** Relative share of traffic, 0 to 1000000. @default 1 */
  readonly weight?: number;
}

/** Headers to set, add or remove. */
export interface HeaderModifier {
  /** Headers to set, replacing any value they have. @default none */
  readonly set?: Readonly<Record<string, string>>;
  /** Headers to add, keeping values they already have. @default none */
  readonly add?: Readonly<Record<string, string>>;
  /** Header names to remove. @default none */
  readonly remove?: readonly string[];
}

/** A redirect answered by the gateway itself. */
export interface HttpRedirect {
  /** The scheme of the new location. @default the request's */
  readonly scheme?: 'http' | 'https';
  /** The hostname of the new location. @default the request's */
  readonly hostname?: string;
  /** The port of the new location. @default the scheme's well-known port */
  readonly port?: number;
  /** @default 302 (the Gateway API default) */
  readonly statusCode?: 301 | 302 | 303 | 307 | 308;
  /** The path of the new location. @default the request's */
  readonly path?: {
    /** Replace the whole path with this one. */
    readonly replaceFullPath: string;
  } | {
    /** Replace the prefix the rule matched (`PathPrefix`) with this one. */
    readonly replacePrefixMatch: string;
  };
}

/** A rewrite of the request before it reaches the backend. */
export interface HttpRewrite {
  /** The Host header the backend sees. @default the request's */
  readonly hostname?: string;
  /** The path the backend sees. @default the request's */
  readonly path?: {
    /** Replace the whole path with this one. */
    readonly replaceFullPath: string;
  } | {
    /** Replace the prefix the rule matched (`PathPrefix`) with this one. */
    readonly replacePrefixMatch: string;
  };
}

/** One routing rule. */
export interface HttpRouteRule {
  /** @default every request (PathPrefix "/") */
  readonly matches?: readonly HttpRouteMatch[];
  /** Where matching requests go; none with `redirect`. @default none */
  readonly backends?: readonly HttpBackend[];
  /** Changes to the request's headers before it reaches the backend. @default none */
  readonly requestHeaders?: HeaderModifier;
  /** Changes to the response's headers before it reaches the client. @default none */
  readonly responseHeaders?: HeaderModifier;
  /** Answer with a redirect instead of forwarding; no `backends` and no `rewrite` then. @default none */
  readonly redirect?: HttpRedirect;
  /** Rewrite the request before it reaches the backend. @default none */
  readonly rewrite?: HttpRewrite;
  /** Request and per-backend-request timeouts, as durations ("30s"). @default Envoy Gateway's: 15s per request */
  readonly timeouts?: {
    /** The whole request, retries included. @default Envoy Gateway's, 15s */
    readonly request?: string;
    /** One request to a backend; at most `request`. @default `request` */
    readonly backendRequest?: string;
  };
}

/** Properties for `HttpRoute`. */
export interface HttpRouteProps {
  /** The route's name. */
  readonly name: string;
  /** The Gateway to attach to: this app's `Gateway`, or `Gateway.fromGatewayAttributes` for a shared one. */
  readonly gateway: IGateway;
  /**
   * The hostnames it serves; each must be served by an HTTPS listener of the Gateway.
   * @default the hostname of the Gateway's HTTPS listeners, when they serve exactly one (a
   * Gateway of one hostname says it once); refused as ambiguous when they serve several or none
   */
  readonly hostnames?: readonly string[];
  /** The routing rules. Gateway API sends a request to the most specific matching rule, whatever their order. */
  readonly rules: readonly HttpRouteRule[];
  /**
   * Also attach a route to the Gateway's HTTP listeners that answers every request with a 301
   * to HTTPS. Where the environment's `gateway.httpsRedirect` names a Gateway of the cluster that
   * already redirects every hostname, there is no redirect to add.
   * @default true, or false where the environment's gateway.httpsRedirect is set
   */
  readonly httpsRedirect?: boolean;
  /** The `app.kubernetes.io/component` label. @default "route" */
  readonly component?: string;
}

const PATH_TYPE = {
  PathPrefix: gwapi.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX,
  Exact: gwapi.HttpRouteSpecRulesMatchesPathType.EXACT,
  RegularExpression: gwapi.HttpRouteSpecRulesMatchesPathType.REGULAR_EXPRESSION,
} as const;
const STATUS = {
  301: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
  302: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_302,
  303: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_303,
  307: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_307,
  308: gwapi.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_308,
} as const;

const STRING_MAP = stringMap('a map of header names to values');
const PATH_REPLACE_SHAPE = Type.Union([
  Type.Object({ replaceFullPath: Type.String() }, { additionalProperties: false }),
  Type.Object({ replacePrefixMatch: Type.String() }, { additionalProperties: false }),
], { description: '{ replaceFullPath } or { replacePrefixMatch }' });

/** The shape of `HttpRouteProps`, checked at run time (lib/core/prop-shape.ts). */
export const HTTP_ROUTE_PROPS_SHAPE = propsShape<HttpRouteProps>('the props of an HttpRoute', {
  name: Type.String(),
  gateway: GATEWAY_SHAPE,
  hostnames: Type.Optional(stringList('a list of hostnames')),
  rules: Type.Array(valueShape<HttpRouteRule>('a rule: { matches?, backends?, requestHeaders?, responseHeaders?, redirect?, rewrite?, timeouts? }', {
    matches: Type.Optional(Type.Array(valueShape<HttpRouteMatch>('a match: { path?, headers?, method? }', {
      path: Type.Optional(valueShape<HttpPathMatch>('a path match: { type?, value }', { type: Type.Optional(oneOf(['PathPrefix', 'Exact', 'RegularExpression'])), value: Type.String() })),
      headers: Type.Optional(STRING_MAP),
      method: Type.Optional(oneOf(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'])),
    }))),
    backends: Type.Optional(Type.Array(valueShape<HttpBackend>('a backend: { service, port, weight? }', { service: SERVICE_REF_SHAPE, port: Type.Number(), weight: Type.Optional(Type.Number()) }))),
    requestHeaders: Type.Optional(valueShape<HeaderModifier>('{ set?, add?, remove? }', { set: Type.Optional(STRING_MAP), add: Type.Optional(STRING_MAP), remove: Type.Optional(stringList()) })),
    responseHeaders: Type.Optional(valueShape<HeaderModifier>('{ set?, add?, remove? }', { set: Type.Optional(STRING_MAP), add: Type.Optional(STRING_MAP), remove: Type.Optional(stringList()) })),
    redirect: Type.Optional(valueShape<HttpRedirect>('a redirect: { scheme?, hostname?, port?, statusCode?, path? }', {
      scheme: Type.Optional(oneOf(['http', 'https'])),
      hostname: Type.Optional(Type.String()),
      port: Type.Optional(Type.Number()),
      statusCode: Type.Optional(Type.Union([301, 302, 303, 307, 308].map((c) => Type.Literal(c)), { description: 'one of 301, 302, 303, 307, 308' })),
      path: Type.Optional(PATH_REPLACE_SHAPE),
    })),
    rewrite: Type.Optional(valueShape<HttpRewrite>('a rewrite: { hostname?, path? }', { hostname: Type.Optional(Type.String()), path: Type.Optional(PATH_REPLACE_SHAPE) })),
    timeouts: Type.Optional(valueShape<NonNullable<HttpRouteRule['timeouts']>>('{ request?, backendRequest? }', { request: Type.Optional(Type.String()), backendRequest: Type.Optional(Type.String()) })),
  })),
  httpsRedirect: Type.Optional(Type.Boolean()),
  component: Type.Optional(Type.String()),
});

/**
 * An HTTPRoute attached by `sectionName` to the HTTPS listeners that serve its hostnames, plus
 * (by default) a redirect route on the HTTP listeners. Backends in other namespaces get the
 * ReferenceGrant they need, emitted in the backend's namespace.
 */
export class HttpRoute extends Construct implements IPolicyTarget {
  /** Gateway API's group, for policy target references. */
  public readonly group = 'gateway.networking.k8s.io' as const;
  /** Always `HTTPRoute`. */
  public readonly kind = 'HTTPRoute' as const;
  /** The HTTPRoute's name. */
  public readonly name: string;
  /** The HTTPRoute's namespace: the app's. */
  public readonly namespace: string;
  /** The hostnames it serves. */
  public readonly hostnames: readonly string[];
  /** The URL of the first hostname, `https://<hostname>`. */
  public readonly url: string;
  /** The HTTPS route's metadata, to add labels or annotations (the object itself stays wrapped). */
  public readonly metadata: ApiObjectMetadataDefinition;

  constructor(scope: Construct, id: string, props: HttpRouteProps) {
    super(scope, id);
    checkProps(this, HTTP_ROUTE_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.namespace = chart.namespace!;
    const gateway = props.gateway;
    const taken = props.hostnames ? { hostnames: props.hostnames } : listenerHostname(gateway);
    const hostnames = taken.hostnames;
    this.hostnames = hostnames;
    this.url = `https://${hostnames[0] ?? ''}`;
    const labels = chart.labelsFor(props.component ?? 'route');
    const httpsRedirect = props.httpsRedirect ?? !clusterRedirectsHttp(chart.environment);

    for (const hostname of hostnames) chart.claim(this, 'route hostname', hostname);
    this.node.addValidation({ validate: () => (taken.problem ? [taken.problem] : validateRoute({ ...props, hostnames, httpsRedirect }, this.namespace)) });

    const parentRefs = (protocol: 'HTTP' | 'HTTPS') => attachedListeners(gateway, hostnames, protocol).map((l) => ({
      group: 'gateway.networking.k8s.io',
      kind: 'Gateway',
      name: gateway.name,
      ...(gateway.namespace !== this.namespace ? { namespace: gateway.namespace } : {}),
      sectionName: l.name,
    }));

    const route = new gwapi.HttpRoute(this, 'Resource', {
      metadata: { name: props.name, labels },
      spec: {
        parentRefs: parentRefs('HTTPS'),
        hostnames: [...hostnames],
        rules: props.rules.map((rule) => renderRule(rule, this.namespace)),
      },
    });
    this.metadata = route.metadata;
    this.node.addValidation({ validate: () => checkHttpRoute(route.toJson() as Record<string, unknown>) });

    if (httpsRedirect) {
      new gwapi.HttpRoute(this, 'HttpsRedirect', {
        metadata: { name: `${props.name}-https-redirect`, labels },
        spec: {
          parentRefs: parentRefs('HTTP'),
          hostnames: [...hostnames],
          rules: [{
            filters: [{
              type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: { scheme: gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: STATUS[301] },
            }],
          }],
        },
      });
    }

    // One grant per backend namespace, limited to the Services referenced there.
    const foreign = new Map<string, Set<string>>();
    for (const rule of props.rules) {
      for (const backend of rule.backends ?? []) {
        if (backend.service.namespace === this.namespace) continue;
        const names = foreign.get(backend.service.namespace) ?? new Set<string>();
        names.add(backend.service.name);
        foreign.set(backend.service.namespace, names);
      }
    }
    for (const [namespace, names] of [...foreign].sort(byKey)) {
      new ReferenceGrant(this, `Grant-${namespace}`, {
        name: `${this.namespace}-${props.name}`,
        namespace,
        from: { kind: 'HTTPRoute', namespace: this.namespace },
        to: { kind: 'Service', names: [...names] },
      });
    }
  }
}

/**
 * The hostname a route takes when it names none: that of the Gateway's HTTPS listeners, when
 * they serve exactly one. A route without `hostnames` would otherwise match every hostname its
 * listeners accept (Gateway API HTTPRouteSpec.Hostnames), so with several or none it is refused.
 */
function listenerHostname(gateway: IGateway): { readonly hostnames: readonly string[]; readonly problem?: string } {
  const served = [...new Set(gateway.listeners.filter((l) => l.protocol === 'HTTPS' && l.hostname !== undefined).map((l) => l.hostname!))];
  if (served.length === 1 && !served[0].startsWith('*.')) return { hostnames: served };
  const gatewayId = `Gateway ${gateway.namespace}/${gateway.name}`;
  const why = served.length === 0
    ? `has no HTTPS listener with a hostname to take one from`
    : served.length === 1
      ? `serves only the wildcard ${served[0]}: which names under it this route answers is not said`
      : `serves several (${served.join(', ')}): which ones this route answers is ambiguous`;
  // Reported as a validation, with the Gateway's own problems (a bad hostname there, say).
  return { hostnames: [], problem: `names no hostnames, and ${gatewayId} ${why}; give the route its hostnames` };
}

/** The listeners of `protocol` that serve at least one of `hostnames`. */
function attachedListeners(gateway: IGateway, hostnames: readonly string[], protocol: 'HTTP' | 'HTTPS'): GatewayListener[] {
  return gateway.listeners.filter((l) => l.protocol === protocol && hostnames.some((h) => hostnamesIntersect(l.hostname, h)));
}

function renderRule(rule: HttpRouteRule, namespace: string): gwapi.HttpRouteSpecRules {
  const filters: gwapi.HttpRouteSpecRulesFilters[] = [];
  if (rule.requestHeaders) filters.push({ type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_HEADER_MODIFIER, requestHeaderModifier: renderHeaders(rule.requestHeaders) });
  if (rule.responseHeaders) filters.push({ type: gwapi.HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER, responseHeaderModifier: renderHeaders(rule.responseHeaders) });
  if (rule.redirect) {
    const r = rule.redirect;
    filters.push({
      type: gwapi.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
      requestRedirect: {
        scheme: r.scheme === undefined ? undefined : r.scheme === 'https' ? gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS : gwapi.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTP,
        hostname: r.hostname,
        port: r.port,
        statusCode: r.statusCode === undefined ? undefined : STATUS[r.statusCode],
        path: r.path && ('replaceFullPath' in r.path
          ? { type: gwapi.HttpRouteSpecRulesFiltersRequestRedirectPathType.REPLACE_FULL_PATH, replaceFullPath: r.path.replaceFullPath }
          : { type: gwapi.HttpRouteSpecRulesFiltersRequestRedirectPathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: r.path.replacePrefixMatch }),
      },
    });
  }
  if (rule.rewrite) {
    const w = rule.rewrite;
    filters.push({
      type: gwapi.HttpRouteSpecRulesFiltersType.URL_REWRITE,
      urlRewrite: {
        hostname: w.hostname,
        path: w.path && ('replaceFullPath' in w.path
          ? { type: gwapi.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_FULL_PATH, replaceFullPath: w.path.replaceFullPath }
          : { type: gwapi.HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: w.path.replacePrefixMatch }),
      },
    });
  }
  return {
    matches: (rule.matches ?? [{}]).map((m) => ({
      path: { type: PATH_TYPE[m.path?.type ?? 'PathPrefix'], value: m.path?.value ?? '/' },
      ...(m.headers ? { headers: Object.entries(m.headers).map(([name, value]) => ({ name, value })) } : {}),
      ...(m.method ? { method: m.method as gwapi.HttpRouteSpecRulesMatchesMethod } : {}),
    })),
    ...(filters.length ? { filters } : {}),
    ...(rule.backends?.length
      ? {
        backendRefs: rule.backends.map((b) => ({
          kind: 'Service',
          name: b.service.name,
          ...(b.service.namespace !== namespace ? { namespace: b.service.namespace } : {}),
          port: b.port,
          ...(b.weight !== undefined ? { weight: b.weight } : {}),
        })),
      }
      : {}),
    ...(rule.timeouts ? { timeouts: { request: rule.timeouts.request, backendRequest: rule.timeouts.backendRequest } } : {}),
  };
}

function renderHeaders(h: HeaderModifier): gwapi.HttpRouteSpecRulesFiltersRequestHeaderModifier {
  const pairs = (r?: Readonly<Record<string, string>>) => (r ? Object.entries(r).map(([name, value]) => ({ name, value })) : undefined);
  return { set: pairs(h.set), add: pairs(h.add), remove: h.remove ? [...h.remove] : undefined };
}

function validateRoute(props: HttpRouteProps & { readonly hostnames: readonly string[]; readonly httpsRedirect: boolean }, namespace: string): string[] {
  const errors: string[] = [];
  const gateway = props.gateway;
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`route name "${props.name}" ${nameProblem}`);
  if (props.hostnames.length === 0) errors.push('hostnames is empty; a route without hostnames would take every hostname of the listener');
  if (props.hostnames.length > 16) errors.push(`${props.hostnames.length} hostnames; an HTTPRoute has at most 16`);
  for (const hostname of props.hostnames) {
    // An invalid hostname is reported by checkHttpRoute; it intersects no listener to check.
    if (checkGatewayHostname(hostname)) continue;
    // Route hostnames that intersect no listener are ignored; with none left the route is not
    // accepted (Accepted=False, NoMatchingListenerHostname).
    const https = gateway.listeners.filter((l) => l.protocol === 'HTTPS' && hostnamesIntersect(l.hostname, hostname));
    if (https.length === 0) {
      const served = gateway.listeners.filter((l) => l.protocol === 'HTTPS').map((l) => l.hostname ?? '(any)');
      errors.push(`hostname "${hostname}" is not served by any HTTPS listener of Gateway ${gateway.namespace}/${gateway.name} (it serves ${served.join(', ') || 'no HTTPS hostnames'}); add it to the Gateway's hostnames`);
      continue;
    }
    for (const listener of https) {
      if (!listenerAdmits(listener, gateway.namespace, namespace)) {
        errors.push(
          `Gateway ${gateway.namespace}/${gateway.name} listener ${listener.name} does not admit routes from namespace ${namespace} ` +
          `(allowedRoutes from ${listener.allowedRoutes.from}${listener.allowedRoutes.from === 'Namespaces' ? `: ${listener.allowedRoutes.namespaces.join(', ')}` : ''}); the route would not attach`,
        );
      }
    }
  }
  if (props.httpsRedirect) {
    const http = props.hostnames.filter((h) => gateway.listeners.some((l) => l.protocol === 'HTTP' && hostnamesIntersect(l.hostname, h)));
    if (props.hostnames.length > 0 && http.length === 0) errors.push(`Gateway ${gateway.name} has no HTTP listener for these hostnames, so the HTTP-to-HTTPS redirect cannot attach; set httpsRedirect: false or add HTTP listeners`);
  }
  if (props.rules.length === 0 || props.rules.length > 16) errors.push(`${props.rules.length} rules; an HTTPRoute has 1 to 16`);
  props.rules.forEach((rule, i) => errors.push(...validateRule(rule, `rules[${i}]`)));
  return errors;
}

/**
 * The rule's props that its rendered form cannot show (the backends' Service ports, an explicit
 * path match for replacePrefixMatch) and the counts the CRD bounds; the rest of Gateway API's
 * rules are checkHttpRoute's (gateway-api-rules.ts), run on the rendered route.
 */
function validateRule(rule: HttpRouteRule, at: string): string[] {
  const errors: string[] = [];
  const matches = rule.matches ?? [];
  if (matches.length > 64) errors.push(`${at}: ${matches.length} matches; at most 64`);
  matches.forEach((m, j) => {
    if (m.headers && Object.keys(m.headers).length > 16) errors.push(`${at}.matches[${j}]: at most 16 header matches`);
  });
  const backends = rule.backends ?? [];
  if (backends.length > 16) errors.push(`${at}: ${backends.length} backends; at most 16`);
  for (const backend of backends) {
    const problem = checkServicePort(backend.service, backend.port);
    if (problem) errors.push(`${at}: ${problem}`);
  }
  for (const path of [rule.redirect?.path, rule.rewrite?.path]) {
    if (path && 'replacePrefixMatch' in path) {
      // The rendered rule always has a match ("/" by default), so checkHttpRoute cannot tell an
      // implicit "/" from a stated one; the construct asks for the prefix to be stated.
      if (!matches.some((m) => m.path !== undefined)) errors.push(`${at}: replacePrefixMatch needs exactly one PathPrefix match in the rule`);
    }
  }
  for (const [name, headers] of [['requestHeaders', rule.requestHeaders], ['responseHeaders', rule.responseHeaders]] as const) {
    if (!headers) continue;
    for (const list of [Object.keys(headers.set ?? {}), Object.keys(headers.add ?? {}), headers.remove ?? []]) {
      if (list.length > 16) errors.push(`${at}.${name}: at most 16 headers per action`);
    }
  }
  return errors;
}
