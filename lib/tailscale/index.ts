/**
 * The Tailscale Kubernetes operator: `TailscaleFunnel` exposes a Service on the tailnet, or
 * publicly through Funnel.
 *
 * @packageDocumentation
 */
export { TAILSCALE_ANNOTATION, TAILSCALE_INGRESS_CLASS, TAILSCALE_OPERATOR_NAMESPACE, TAILSCALE_PROXY_CLASS_LABEL, TailscaleFunnel, type TailscaleFunnelProps } from './tailscale-funnel';
