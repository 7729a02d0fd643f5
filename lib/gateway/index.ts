/**
 * Gateway API on Envoy Gateway: `Gateway`, `HttpRoute`, `ReferenceGrant`, and the Envoy Gateway
 * policies `CorsPolicy` and `BackendTrafficPolicy`.
 *
 * @packageDocumentation
 */
export { BackendTrafficPolicy, type BackendTrafficPolicyProps, type RetryTrigger } from './backend-traffic-policy';
export { CorsPolicy, type CorsPolicyProps } from './cors-policy';
export { ENVOY_GATEWAY_NAMESPACE, Gateway, gatewayProxyPeer, type AllowedRoutes, type GatewayAttributes, type GatewayListener, type GatewayProps, type IGateway } from './gateway';
export {
  HttpRoute,
  type HeaderModifier,
  type HttpBackend,
  type HttpPathMatch,
  type HttpRedirect,
  type HttpRewrite,
  type HttpRouteMatch,
  type HttpRouteProps,
  type HttpRouteRule,
} from './http-route';
export type { IPolicyTarget } from './policy-target';
export type { RoutePath, ServiceRouteProps } from './route-props';
export { ReferenceGrant, type ReferenceGrantProps } from './reference-grant';
