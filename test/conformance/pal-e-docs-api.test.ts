import { conformance } from './record';

/**
 * The pal-e-docs API funnel as its operators recorded it (no public repository: their record is
 * docs/reference-records.md) and as the Tailscale operator 1.102 serves it.
 */
const REFERENCE = { record: 'pal-e-docs API funnel' };

conformance('pal-e-docs API funnel', [['pal-e-prod', 'pal-e-docs-api']], [
  {
    source: REFERENCE,
    says: 'an additive Ingress pal-e-docs-api-funnel in pal-e-docs, class tailscale, Funnel on, to Service pal-e-docs port http',
    holds: (m) => {
      const ingress = m.one('Ingress', 'pal-e-docs-api-funnel');
      expect(ingress.metadata.namespace).toBe('pal-e-docs');
      expect(ingress.metadata.annotations['tailscale.com/funnel']).toBe('true');
      expect(ingress.spec.ingressClassName).toBe('tailscale');
      expect(ingress.spec.defaultBackend.service).toEqual({ name: 'pal-e-docs', port: { name: 'http' } });
    },
  },
  {
    source: REFERENCE,
    says: 'zero blast radius: the hand-applied pal-e-docs-funnel, the Service and the namespace are not touched',
    holds: (m) => {
      expect(m.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Ingress/pal-e-docs-api-funnel']);
      const application = m.delivery.find((o) => o.kind === 'Application' && o.metadata.name === 'pal-e-prod-pal-e-docs-api')!;
      expect(application.spec.syncPolicy.syncOptions).not.toContain('CreateNamespace=true');
      expect(application.spec.syncPolicy.managedNamespaceMetadata).toBeUndefined();
    },
  },
  {
    source: { repository: 'argoproj/argo-cd', commit: 'v3.5.0', files: ['docs/user-guide/auto_sync.md "Automatic Retry with a limit"'] },
    says: 'a failed automated sync is retried only as often as syncPolicy.retry allows',
    holds: (m) => {
      const application = m.delivery.find((o) => o.kind === 'Application' && o.metadata.name === 'pal-e-prod-pal-e-docs-api')!;
      expect(application.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '15s', factor: 2, maxDuration: '10m' } });
    },
  },
]);
