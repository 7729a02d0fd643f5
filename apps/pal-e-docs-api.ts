import { Type } from '@sinclair/typebox';
import { defineApp } from '../lib/core/app';
import { ServiceRef } from '../lib/core/service-ref';
import { dnsLabel, portNumber, serviceName } from '../lib/core/values';
import { TailscaleFunnel } from '../lib/tailscale/tailscale-funnel';

/**
 * Reference deployment 1: an additive funnel for the pal-e-docs FastAPI Service.
 *
 * The Service and the hand-applied `pal-e-docs-funnel` Ingress already exist and are not ours:
 * the Service is referenced, the old funnel is left alone. Rollback is deleting this app's Ingress.
 */
export const palEDocsApi = defineApp({
  name: 'pal-e-docs-api',
  description: 'Public Tailscale funnel for the existing pal-e-docs API Service',
  partOf: 'pal-e',
  values: Type.Object({
    backend: Type.Object({
      service: serviceName({ description: 'the existing API Service, which this app does not manage' }),
      port: Type.Union([portNumber(), dnsLabel()], { description: 'the Service port, by number or by name' }),
    }, { additionalProperties: false }),
    hostname: dnsLabel({ description: 'the tailnet device name; served as <hostname>.<tailnet domain>' }),
    funnel: Type.Boolean({ description: 'true: public through Funnel; false: tailnet-only' }),
    httpRedirect: Type.Optional(Type.Boolean({ description: 'also answer on port 80 with a redirect to HTTPS' })),
  }, { additionalProperties: false }),
  build(chart, values) {
    new TailscaleFunnel(chart, 'api-funnel', {
      backend: ServiceRef.fromName(values.backend.service, { namespace: values.namespace }),
      port: values.backend.port,
      hostname: values.hostname,
      funnel: values.funnel,
      httpRedirect: values.httpRedirect,
    });
  },
});
