import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/core/synth';
import { only, ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays'), appNames: ['codeforphilly'] });
const objectsIn = (env: string) => result.apps.find((a) => a.environment.name === env)!.objects;

describe('codeforphilly (reference deployment 2)', () => {
  test('deploys to sandbox, staging and production', () => {
    expect(result.apps.map((a) => a.environment.name).sort()).toEqual(['cfp-prod', 'cfp-sandbox', 'cfp-staging']);
  });

  test('sandbox: namespace, host, tag with Always, data branch fixture, TLS secret', () => {
    const objects = objectsIn('cfp-sandbox');
    expect(only(objects, 'Namespace').metadata).toMatchObject({ name: 'codeforphilly-sandbox' });
    expect(only(objects, 'Namespace').metadata.namespace).toBeUndefined();
    const container = only(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/codeforphilly/codeforphilly-ng:sandbox');
    expect(container.imagePullPolicy).toBe('Always');
    expect(only(objects, 'ConfigMap', 'codeforphilly-env').data.CFP_DATA_BRANCH).toBe('fixture');
    expect(only(objects, 'HTTPRoute', 'codeforphilly').spec.hostnames).toEqual(['next-v2.codeforphilly.org']);
    expect(only(objects, 'Gateway').spec.listeners[0].tls.certificateRefs[0].name).toBe('codeforphilly-gw-tls');
  });

  test('the two SealedSecrets carry the listed keys', () => {
    const objects = objectsIn('cfp-sandbox');
    expect(Object.keys(only(objects, 'SealedSecret', 'codeforphilly-secrets').spec.encryptedData)).toEqual(['CFP_DATA_REMOTE', 'CFP_JWT_SIGNING_KEY', 'GITHUB_OAUTH_CLIENT_ID', 'GITHUB_OAUTH_CLIENT_SECRET']);
    expect(Object.keys(only(objects, 'SealedSecret', 'codeforphilly-data-deploy-key').spec.encryptedData)).toEqual(['id_ed25519']);
  });

  test('two retained volumes on linode-block-storage-retain', () => {
    const claims = objectsIn('cfp-sandbox').filter((o) => o.kind === 'PersistentVolumeClaim') as any[];
    expect(claims.map((c) => [c.metadata.name, c.spec.storageClassName])).toEqual([['codeforphilly-data', 'linode-block-storage-retain'], ['codeforphilly-private', 'linode-block-storage-retain']]);
  });

  test('production pins a digest and pulls IfNotPresent', () => {
    const container = only(objectsIn('cfp-prod'), 'Deployment').spec.template.spec.containers[0];
    expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(container.imagePullPolicy).toBe('IfNotPresent');
  });

  test('the OAuth callback follows the host', () => {
    expect(only(objectsIn('cfp-staging'), 'ConfigMap', 'codeforphilly-env').data.GITHUB_OAUTH_CALLBACK_URL).toBe('https://staging.codeforphilly.org/api/auth/github/callback');
  });
});
