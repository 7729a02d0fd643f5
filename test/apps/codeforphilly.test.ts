import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays'), appNames: ['codeforphilly'] });
const objectsIn = (env: string) => result.apps.find((a) => a.environment.name === env)!.objects;

describe('codeforphilly (reference deployment 2)', () => {
  test('deploys to sandbox, staging and production', () => {
    expect(result.apps.map((a) => a.environment.name).sort()).toEqual(['cfp-prod', 'cfp-sandbox', 'cfp-staging']);
  });

  test('sandbox: namespace, host, tag with Always, data branch fixture, TLS secret', () => {
    const objects = objectsIn('cfp-sandbox');
    expect(only(objects, 'Namespace').metadata).toMatchObject({ name: 'codeforphilly-rewrite-sandbox' });
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
    expect(Object.keys(only(objects, 'SealedSecret', 'codeforphilly-secrets').spec.encryptedData)).toEqual(['CFP_DATA_RELOAD_SECRET', 'CFP_DATA_REMOTE', 'CFP_JWT_SIGNING_KEY', 'GITHUB_OAUTH_CLIENT_ID', 'GITHUB_OAUTH_CLIENT_SECRET']);
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

  test('sets no variable upstream does not read: no CFP_PUBLIC_URL, no GITHUB_OAUTH_CALLBACK_URL', () => {
    // codeforphilly-ng at 930d035 (apps/api/src/env.ts) reads neither.
    for (const env of ['cfp-sandbox', 'cfp-staging', 'cfp-prod']) {
      const data = only(objectsIn(env), 'ConfigMap', 'codeforphilly-env').data;
      for (const unread of ['CFP_PUBLIC_URL', 'GITHUB_OAUTH_CALLBACK_URL']) expect({ env, set: unread in data }).toEqual({ env, set: false });
    }
  });

  test('runs as the image expects: port 3001, filesystem storage on the volumes, writable HOME, readiness on /api/health/ready', () => {
    const objects = objectsIn('cfp-staging');
    const data = only(objects, 'ConfigMap', 'codeforphilly-env').data;
    expect(data).toMatchObject({ PORT: '3001', STORAGE_BACKEND: 'filesystem', CFP_DATA_REPO_PATH: '/app/data', CFP_PRIVATE_STORAGE_PATH: '/app/private-storage' });
    const pod = only(objects, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(container.ports).toEqual([expect.objectContaining({ containerPort: 3001, name: 'http' })]);
    expect(container.readinessProbe.httpGet.path).toBe('/api/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/api/health');
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { mountPath: string; name: string }) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
    expect(volumes[mounts['/app/data']].persistentVolumeClaim.claimName).toBe('codeforphilly-data');
    expect(volumes[mounts['/app/private-storage']].persistentVolumeClaim.claimName).toBe('codeforphilly-private');
    // The entrypoint's `git config --global` writes $HOME/.gitconfig; the root stays read-only.
    expect(mounts['/home/node']).toBe('writable-home-node');
    expect(volumes['writable-home-node'].emptyDir).toEqual({});
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(only(objects, 'Service').spec.ports[0].targetPort).toBe('http');
  });
});
