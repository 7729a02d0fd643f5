import { Type } from '@sinclair/typebox';
import { oneOf, referenceShape, stringList, valueShape } from '../core/prop-shape';
import type { IGateway } from './gateway';

/**
 * A part of an app by its path, as a Gateway API HTTPRoute matches it: `PathPrefix` matches the
 * path and everything below it, element by element (`/admin` matches `/admin` and `/admin/users`,
 * not `/administrator`); `Exact` the path alone. Regular expressions are left out: their
 * precedence is implementation-specific (HTTPRouteRule.matches, Gateway API v1.6.1
 * standard CRDs), so a public and a tailnet-only part could not be told apart reliably.
 */
export interface RoutePath {
  /** The path, starting with "/". */
  readonly value: string;
  /** @default "PathPrefix" */
  readonly type?: 'PathPrefix' | 'Exact';
}

/**
 * How a workload construct (`WebService`, `PushDaemonApp`, `StateHub`) publishes its Service
 * through a Gateway: an `HttpRoute` named like the service, one rule to the service's port, and
 * the HTTP-to-HTTPS redirect. One definition, so the three constructs offer the same options;
 * `HttpRoute` itself takes more (several rules, matches, rewrites).
 */
export interface ServiceRouteProps {
  /** The Gateway whose HTTPS listeners serve the hostnames: a `Gateway`, or `Gateway.fromGatewayAttributes` for a shared one. */
  readonly gateway: IGateway;
  /**
   * The hostnames the route answers; each must match an HTTPS listener of the Gateway.
   * @default the hostname of the Gateway's HTTPS listener, when it serves exactly one
   */
  readonly hostnames?: readonly string[];
  /** The request timeout, a Gateway API duration such as "30s". @default Envoy Gateway's default, 15s */
  readonly requestTimeout?: string;
  /**
   * The parts of the app this route serves; a request for any other path gets Envoy Gateway's 404
   * (no rule matches it). To keep a part on the tailnet only, see `WebService`'s `tailnet.only`.
   * @default everything: PathPrefix "/"
   */
  readonly paths?: readonly RoutePath[];
}

/** The shape of a `RoutePath`, checked at run time (lib/core/prop-shape.ts). */
export const ROUTE_PATH_SHAPE = valueShape<RoutePath>('a path: { value: "/admin", type?: "PathPrefix" | "Exact" }', {
  value: Type.String(),
  type: Type.Optional(oneOf(['PathPrefix', 'Exact'])),
});

/** An `IGateway`: a `Gateway`, or `Gateway.fromGatewayAttributes` for one another app or team emits. */
export const GATEWAY_SHAPE = referenceShape('an IGateway: a Gateway, or Gateway.fromGatewayAttributes({ name, namespace, listeners })', {
  name: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
  listeners: Type.Array(Type.Object({})),
});

/** The shape of `ServiceRouteProps`, checked at run time. */
export const SERVICE_ROUTE_SHAPE = valueShape<ServiceRouteProps>('a route: { gateway, hostnames?, requestTimeout?, paths? }', {
  gateway: GATEWAY_SHAPE,
  hostnames: Type.Optional(stringList('a list of hostnames')),
  requestTimeout: Type.Optional(Type.String({ description: 'a Gateway API duration such as "30s"' })),
  paths: Type.Optional(Type.Array(ROUTE_PATH_SHAPE)),
});

/** Whether `path` falls within `prefix`, as a PathPrefix match compares them: element by element. */
export function withinPrefix(path: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, '');
  return base === '' || path === base || path.startsWith(`${base}/`);
}

/** An `IPolicyTarget`: a `Gateway` or an `HttpRoute` (or a reference to one). */
export const POLICY_TARGET_SHAPE = referenceShape('an IPolicyTarget: a Gateway or an HttpRoute', {
  kind: oneOf(['Gateway', 'HTTPRoute']),
  name: Type.String({ minLength: 1 }),
  namespace: Type.String({ minLength: 1 }),
});
