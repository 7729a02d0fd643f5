import type { IGateway } from './gateway';

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
}
