import { checkHostname } from '../core/dns';

/**
 * Gateway API hostname semantics (gateway-api apis/v1/shared_types.go `Hostname`, and the
 * `HTTPRouteSpec.Hostnames` documentation): a hostname is a DNS name, optionally with a
 * leading "*." wildcard label that matches one or more labels ("*.example.com" matches
 * "a.example.com" and "a.b.example.com", not "example.com"). IP addresses are not hostnames
 * (Envoy Gateway internal/gatewayapi/validate.go `validateHostname`).
 */
export function checkGatewayHostname(hostname: string): string | undefined {
  return checkHostname(hostname, { wildcard: true });
}

/**
 * Whether a route hostname and a listener hostname intersect, i.e. the listener would accept the
 * route for that hostname. A listener without a hostname accepts every route hostname.
 */
export function hostnamesIntersect(listener: string | undefined, route: string): boolean {
  if (listener === undefined) return true;
  const listenerWildcard = listener.startsWith('*.');
  const routeWildcard = route.startsWith('*.');
  if (!listenerWildcard && !routeWildcard) return listener === route;
  if (listenerWildcard && routeWildcard) {
    const [l, r] = [listener.slice(1), route.slice(1)];
    return l.endsWith(r) || r.endsWith(l);
  }
  const [pattern, host] = listenerWildcard ? [listener, route] : [route, listener];
  const suffix = pattern.slice(1); // ".example.com": at least one more label is required
  return host.endsWith(suffix) && host.length > suffix.length;
}
