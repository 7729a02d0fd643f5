import { join } from 'node:path';
import { apps as allApps } from '../../apps';
import { synthesize } from '../../lib/core/synth';
import { only, ROOT } from '../helpers';

const { apps } = synthesize({ apps: allApps, overlaysDir: join(ROOT, 'overlays'), environments: ['pal-e-prod'], appNames: ['pal-e-docs-api'] });
const objects = apps[0].objects;

describe('pal-e-docs-api in pal-e-prod (reference deployment 1)', () => {
  test('emits only the new funnel Ingress: not the existing Service, not the hand-applied funnel', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Ingress/pal-e-docs-api-funnel']);
  });

  test('the funnel is public, in pal-e-docs, backed by the existing pal-e-docs Service on its http port', () => {
    const ingress = only(objects, 'Ingress');
    expect(ingress.metadata.namespace).toBe('pal-e-docs');
    expect(ingress.metadata.annotations['tailscale.com/funnel']).toBe('true');
    expect(ingress.spec.ingressClassName).toBe('tailscale');
    expect(ingress.spec.defaultBackend.service).toEqual({ name: 'pal-e-docs', port: { name: 'http' } });
  });

  test('is served under a name the operator can actually serve', () => {
    expect(only(objects, 'Ingress').spec.tls).toEqual([{ hosts: ['pal-e-docs-api'] }]);
  });
});
