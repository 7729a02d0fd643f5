import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps as allApps } from '../../apps';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, problemsOf, ROOT } from '../helpers';

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

  describe('manageLegacyFunnel: describing the hand-applied funnel so it can be adopted', () => {
    function overlays(editEnvironment: (text: string) => string) {
      const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
      cpSync(join(ROOT, 'overlays', 'pal-e-prod'), join(dir, 'pal-e-prod'), { recursive: true });
      const app = join(dir, 'pal-e-prod', 'pal-e-docs-api.yaml');
      writeFileSync(app, `${readFileSync(app, 'utf8')}manageLegacyFunnel: true\n`);
      const env = join(dir, 'pal-e-prod', 'environment.yaml');
      writeFileSync(env, editEnvironment(readFileSync(env, 'utf8')));
      return dir;
    }
    test('emits pal-e-docs-funnel with its device name and backend once pal-e-docs is no longer reserved', () => {
      const dir = overlays((text) => text.replace(/reservedHostnames: \[[^\]]*\]/, 'reservedHostnames: []'));
      const result = synthesize({ apps: allApps, overlaysDir: dir, environments: ['pal-e-prod'], appNames: ['pal-e-docs-api'] });
      const legacy = only(result.apps[0].objects, 'Ingress', 'pal-e-docs-funnel');
      expect(legacy.spec.tls).toEqual([{ hosts: ['pal-e-docs'] }]);
      expect(legacy.spec.defaultBackend.service).toEqual({ name: 'pal-e-docs', port: { name: 'http' } });
      expect(legacy.metadata.annotations['tailscale.com/funnel']).toBe('true');
    });
    test('is refused while the environment still lists pal-e-docs as taken by an unmanaged object', () => {
      const dir = overlays((text) => text);
      expect(problemsOf(() => synthesize({ apps: allApps, overlaysDir: dir, environments: ['pal-e-prod'], appNames: ['pal-e-docs-api'] })).join('\n')).toMatch(/pal-e-docs/);
    });
  });
});
