import { conformance, mainContainer, type Manifests, type UpstreamSource } from './record';

/**
 * codeforphilly-ng as its authors run it: CodeForPhilly/codeforphilly-ng, PR #61 "stand up
 * sandbox cluster", merge 930d035. Files not stored at the merge itself were read at the nearest
 * commit of the PR (named in each source).
 */
/** Files of codeforphilly-ng read at `commit`. */
const at = (commit: string, ...files: string[]): UpstreamSource => ({ repository: 'CodeForPhilly/codeforphilly-ng', commit, files });
const env = (m: Manifests) => m.one('ConfigMap', 'codeforphilly-env').data as Record<string, string>;
const mountAt = (m: Manifests, path: string) => {
  const { pod, container } = mainContainer(m);
  const mount = container.volumeMounts.find((v: any) => v.mountPath === path);
  return { mount, volume: mount && pod.volumes.find((v: any) => v.name === mount.name) };
};

conformance('codeforphilly-ng', [['cfp-sandbox', 'codeforphilly'], ['cfp-staging', 'codeforphilly'], ['cfp-prod', 'codeforphilly']], [
  {
    source: at('387d06d', 'Dockerfile'),
    says: 'USER node (uid 1000 in node:22-alpine), so HOME is /home/node and the image runs as 1000',
    holds: (m) => expect(mainContainer(m).pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }),
  },
  {
    source: [at('387d06d', 'Dockerfile'), at('930d035', 'deploy/kustomize/base/deployment.yaml')],
    says: 'EXPOSE 3001, PORT=3001; containerPort 3001 named http',
    holds: (m) => {
      expect(mainContainer(m).container.ports).toEqual([{ containerPort: 3001, name: 'http', protocol: 'TCP' }]);
      expect(env(m).PORT).toBe('3001');
    },
  },
  {
    source: at('930d035', 'deploy/docker/entrypoint.sh'),
    says: 'set -eu, then git config --global --add safe.directory: writes $HOME/.gitconfig',
    holds: (m) => expect(mountAt(m, '/home/node').volume).toMatchObject({ emptyDir: {} }),
  },
  {
    source: at('930d035', 'deploy/docker/entrypoint.sh'),
    says: 'CFP_DATA_REPO_PATH is required (${CFP_DATA_REPO_PATH:?}); the image default /app/data is on the image filesystem',
    holds: (m) => {
      expect(env(m).CFP_DATA_REPO_PATH).toBe('/app/data');
      expect(mountAt(m, '/app/data').volume).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'codeforphilly-data' } });
    },
  },
  {
    source: at('5c98144', 'apps/api/src/env.ts', 'deploy/kustomize/base/configmap.yaml'),
    says: 'STORAGE_BACKEND is required (s3 | filesystem); the Dockerfile default s3 exits without S3_ENDPOINT; upstream sets filesystem',
    holds: (m) => expect(env(m).STORAGE_BACKEND).toBe('filesystem'),
  },
  {
    source: at('5c98144', 'apps/api/src/store/boot.ts'),
    says: 'the filesystem backend throws without CFP_PRIVATE_STORAGE_PATH (upstream: /app/private-storage on a claim)',
    holds: (m) => {
      expect(env(m).CFP_PRIVATE_STORAGE_PATH).toBe('/app/private-storage');
      expect(mountAt(m, '/app/private-storage').volume).toEqual({ name: 'private', persistentVolumeClaim: { claimName: 'codeforphilly-private' } });
    },
  },
  {
    source: at('5c98144', 'apps/api/src/env.ts'),
    says: 'CFP_JWT_SIGNING_KEY is required; it arrives in codeforphilly-secrets with CFP_DATA_REMOTE',
    holds: (m) => {
      expect(Object.keys(m.one('SealedSecret', 'codeforphilly-secrets').spec.encryptedData)).toEqual(expect.arrayContaining(['CFP_JWT_SIGNING_KEY', 'CFP_DATA_REMOTE']));
      expect(mainContainer(m).container.envFrom).toContainEqual({ secretRef: { name: 'codeforphilly-secrets' } });
    },
  },
  {
    source: at('930d035', 'deploy/kustomize/base/deployment.yaml', 'apps/api/src/routes/health.ts'),
    says: 'readiness /api/health/ready (503 until the stores are loaded); liveness /api/health (always 200)',
    holds: (m) => {
      const { container } = mainContainer(m);
      expect(container.readinessProbe.httpGet.path).toBe('/api/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/api/health');
      expect(container.startupProbe.httpGet.path).toBe('/api/health');
    },
  },
  {
    source: at('930d035', 'deploy/kustomize/base/deployment.yaml'),
    says: 'replicas: 1 and strategy Recreate ("two pods writing the same gitsheets repo would corrupt state")',
    holds: (m) => expect(m.one('Deployment').spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } }),
  },
  {
    source: at('f805a1a', 'deploy/kustomize/base/deployment.yaml'),
    says: 'memory request 384Mi, limit 768Mi (NODE_OPTIONS --max-old-space-size=384)',
    holds: (m) => expect(mainContainer(m).container.resources).toMatchObject({ requests: { memory: '384Mi' }, limits: { memory: '768Mi' } }),
  },
  {
    source: at('930d035', 'deploy/kustomize/base/pvc-data.yaml'),
    says: 'codeforphilly-data: 10Gi, ReadWriteOnce, linode-block-storage-retain',
    holds: (m) => expect(m.one('PersistentVolumeClaim', 'codeforphilly-data').spec).toMatchObject({ accessModes: ['ReadWriteOnce'], storageClassName: 'linode-block-storage-retain', resources: { requests: { storage: '10Gi' } } }),
  },
  {
    source: at('48d5b5e', 'deploy/kustomize/base/gateway.yaml'),
    says: 'Gateway of class eg, cert-manager.io/cluster-issuer letsencrypt-prod, TLS Secret codeforphilly-gw-tls',
    holds: (m) => {
      const gateway = m.one('Gateway');
      expect(gateway.spec.gatewayClassName).toBe('eg');
      expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
      expect(gateway.spec.listeners.find((l: any) => l.protocol === 'HTTPS').tls.certificateRefs).toEqual([{ group: '', kind: 'Secret', name: 'codeforphilly-gw-tls' }]);
    },
  },
  {
    source: at('b183819', 'apps/api/src/routes/auth.ts', 'apps/api/src/env.ts'),
    says: 'the OAuth callback is built from X-Forwarded-Host; no CFP_PUBLIC_URL or GITHUB_OAUTH_CALLBACK_URL is read',
    holds: (m) => {
      expect(env(m)).not.toHaveProperty('CFP_PUBLIC_URL');
      expect(env(m)).not.toHaveProperty('GITHUB_OAUTH_CALLBACK_URL');
    },
  },
], [
  {
    upstream: 'deploy/kustomize/base/deployment.yaml (no readOnlyRootFilesystem)',
    why: 'the root filesystem is read-only (restricted hardening); every path the image writes is a volume',
    stillRuns: (m) => {
      const { container } = mainContainer(m);
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      for (const path of ['/home/node', '/app/data', '/app/private-storage', '/tmp']) expect(mountAt(m, path).mount).toBeDefined();
    },
  },
  {
    upstream: 'configmap.yaml GIT_SSH_COMMAND (StrictHostKeyChecking=accept-new, UserKnownHostsFile=/dev/null)',
    why: 'the data remote\'s host key is pinned from a ConfigMap, so a changed key stops the push instead of being trusted',
    stillRuns: (m) => {
      expect(env(m).GIT_SSH_COMMAND).toContain('StrictHostKeyChecking=yes');
      expect(mountAt(m, '/etc/git-known-hosts').volume).toEqual({ name: 'known-hosts', configMap: { name: 'codeforphilly-known-hosts' } });
      expect(m.one('ConfigMap', 'codeforphilly-known-hosts').data.known_hosts).toMatch(/^github\.com ssh-ed25519 /m);
    },
  },
  {
    upstream: 'deployment.yaml (no terminationGracePeriodSeconds: 30 s)',
    why: 'the pod gets the push timeout plus a margin, so a final push on shutdown is not killed',
    stillRuns: (m) => expect(mainContainer(m).pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(65),
  },
]);
