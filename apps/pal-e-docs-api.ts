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
 * `manageLegacyFunnel` is the later platform step: it describes the old funnel too, so that it can
 * be adopted (Terraform `import`, docs/terraform.md) instead of staying hand-applied.
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
    manageLegacyFunnel: Type.Optional(Type.Boolean({
      description: 'also manage the hand-applied pal-e-docs-funnel Ingress (public, tailnet name pal-e-docs, same backend), to adopt it with Terraform import or ArgoCD; remove pal-e-docs from reservedHostnames first',
    })),
  }, { additionalProperties: false }),
  build(chart, values) {
    new TailscaleFunnel(chart, 'api-funnel', {
      backend: ServiceRef.fromServiceAttributes({ name: values.backend.service, namespace: values.namespace }),
      port: values.backend.port,
      hostname: values.hostname,
      funnel: values.funnel,
      httpRedirect: values.httpRedirect,
    });
    if (values.manageLegacyFunnel) {
      // The existing funnel, described so that adopting it (terraform import, or ArgoCD taking it
      // over) keeps its name and device name: nothing is recreated, the public name keeps working.
      new TailscaleFunnel(chart, 'legacy-funnel', {
        name: 'pal-e-docs-funnel',
        backend: ServiceRef.fromServiceAttributes({ name: values.backend.service, namespace: values.namespace }),
        port: values.backend.port,
        hostname: 'pal-e-docs',
        funnel: true,
      });
    }
  },
});
