import { randomBytes } from 'node:crypto';
import { PushDaemonApp, type PushDaemonAppProps } from '../../lib/apps/push-daemon-app';
import { ExternalSecret } from '../../lib/secrets/external-secret';
import { SealedSecret } from '../../lib/secrets/sealed-secret';
import { Gateway } from '../../lib/gateway/gateway';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

/** Bytes in kubeseal's format: 2-byte RSA ciphertext length, the RSA part, the AES-GCM part. */
export function fakeCiphertext(): string {
  const bytes = Buffer.concat([Buffer.from([0x02, 0x00]), randomBytes(512 + 40)]);
  return bytes.toString('base64');
}
const KNOWN_HOSTS = 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function app(props: Partial<PushDaemonAppProps> = {}, environment = testEnvironment(), secretValue = fakeCiphertext()) {
  const chart = testChart({ environment, namespace: 'cfp' });
  const deployKey = new SealedSecret(chart, 'key', { name: 'deploy-key', scope: 'strict', encryptedData: { id_ed25519: secretValue } });
  const gateway = new Gateway(chart, 'gw', { name: 'cfp', hostnames: ['cfp.example.org'] });
  new PushDaemonApp(chart, 'app', {
    name: 'cfp',
    image: 'ghcr.io/example/cfp:sandbox',
    port: 3000,
    healthPath: '/api/health',
    dataRemote: { urlEnv: 'DATA_REMOTE', url: 'git@github.com:example/data.git', branchEnv: 'DATA_BRANCH', branch: 'fixture', deployKey, knownHosts: KNOWN_HOSTS },
    dataVolume: { mountPath: '/data', size: '10Gi' },
    pushTimeoutSeconds: 60,
    route: { gateway, hostnames: ['cfp.example.org'] },
    ...props,
  });
  return chart;
}
const errorsOf = (...args: Parameters<typeof app>) => problemsOf(() => render(app(...args))).join('\n');

describe('PushDaemonApp', () => {
  const objects = render(app());
  const deployment = only(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('runs exactly one pod with the Recreate strategy', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('meets the restricted Pod Security Standard, with fsGroup for volumes written by earlier pods', () => {
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('has readiness, liveness and startup probes and resources', () => {
    expect(container.readinessProbe.httpGet).toEqual({ path: '/api/health', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/api/health', port: 'http' });
    expect(container.startupProbe.failureThreshold).toBe(30);
    expect(container.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
  });

  test('does not mount a service account token', () => {
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('gives the final push its time: grace = push timeout + 15s', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(75);
  });

  test('mounts the deploy key read-only with mode 0400 and pins the host key', () => {
    expect(pod.volumes).toContainEqual({ name: 'deploy-key', secret: { secretName: 'deploy-key', defaultMode: 0o400 } });
    expect(container.volumeMounts).toContainEqual({ name: 'deploy-key', mountPath: '/etc/git-deploy-key', readOnly: true });
    const env = only(objects, 'ConfigMap', 'cfp-env').data;
    expect(env.GIT_SSH_COMMAND).toBe('ssh -i /etc/git-deploy-key/id_ed25519 -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/etc/git-known-hosts/known_hosts');
    expect(env.DATA_REMOTE).toBe('git@github.com:example/data.git');
    expect(env.DATA_BRANCH).toBe('fixture');
    expect(only(objects, 'ConfigMap', 'cfp-known-hosts').data.known_hosts).toBe(`${KNOWN_HOSTS}\n`);
  });

  test('claims volumes on the environment StorageClass, protected from ArgoCD prune and delete', () => {
    const claim = only(objects, 'PersistentVolumeClaim', 'cfp-data');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } });
    expect(claim.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '-3' });
  });

  test('publishes its Service through an HTTPRoute', () => {
    expect(only(objects, 'HTTPRoute', 'cfp').spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'cfp', port: 3000 }]);
  });

  test('takes the route options every workload construct takes, the request timeout included', () => {
    const listeners = [
      { name: 'https', protocol: 'HTTPS', port: 443, hostname: 'cfp.example.org', allowedRoutes: { from: 'Same' } },
      { name: 'http', protocol: 'HTTP', port: 80, hostname: 'cfp.example.org', allowedRoutes: { from: 'Same' } },
    ] as const;
    const chart = app({ route: { gateway: Gateway.fromGatewayAttributes({ name: 'edge', namespace: 'cfp', listeners }), requestTimeout: '45s' } });
    expect(only(render(chart), 'HTTPRoute', 'cfp').spec.rules[0].timeouts).toEqual({ request: '45s' });
  });

  test('admits peers through a NetworkPolicy of its own when given allowFrom, and none without', () => {
    expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    const policy = only(render(app({ allowFrom: [{ namespace: 'ops', podLabels: { app: 'bridge' } }] })), 'NetworkPolicy', 'cfp-ingress');
    expect(policy.spec.ingress[0].from[0].podSelector.matchLabels).toEqual({ app: 'bridge' });
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 3000 }]);
  });

  test('a mutable tag outside production is pulled every start', () => {
    expect(container.imagePullPolicy).toBe('Always');
  });

  test('matches its snapshot', () => {
    expect(objects.filter((o) => o.kind !== 'SealedSecret')).toMatchSnapshot();
  });

  describe('rules', () => {
    test('more than one replica is refused', () => {
      expect(errorsOf({ replicas: 2 })).toMatch(/replicas is 2; a push-daemon app runs exactly one pod/);
    });
    test('a grace period shorter than the push timeout is refused', () => {
      expect(errorsOf({ terminationGracePeriodSeconds: 30 })).toMatch(/terminationGracePeriodSeconds 30 leaves no time for the final push/);
    });
    test('plaintext where ciphertext is required is refused', () => {
      expect(errorsOf({}, testEnvironment(), 'ghp_plaintexttoken123')).toMatch(/deploy-key.id_ed25519 is not Sealed Secrets ciphertext/);
      expect(errorsOf({}, testEnvironment(), Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----').toString('base64'))).toMatch(/is not Sealed Secrets ciphertext/);
    });
    test('production requires a digest; a tag is refused', () => {
      expect(errorsOf({}, testEnvironment({ production: true }))).toMatch(/has no digest; production requires repository@sha256/);
    });
    test('production with a digest pulls IfNotPresent', () => {
      const objects = render(app({ image: `ghcr.io/example/cfp@sha256:${'a'.repeat(64)}` }, testEnvironment({ production: true })));
      expect(only(objects, 'Deployment').spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    });
    test('latest and untagged images are refused everywhere', () => {
      expect(errorsOf({ image: 'ghcr.io/example/cfp:latest' })).toMatch(/uses the "latest" tag/);
      expect(errorsOf({ image: 'ghcr.io/example/cfp' })).toMatch(/has no tag or digest/);
    });
    test('a StorageClass is required', () => {
      expect(errorsOf({}, testEnvironment({ storageClass: undefined }))).toMatch(/no StorageClass/);
    });
    test('the remote must be SSH and the branch a valid git name', () => {
      const chart = testChart({ namespace: 'cfp' });
      const deployKey = new SealedSecret(chart, 'key', { name: 'deploy-key', scope: 'strict', encryptedData: { id_ed25519: fakeCiphertext() } });
      new PushDaemonApp(chart, 'app', {
        name: 'cfp', image: 'ghcr.io/example/cfp:sandbox', port: 3000, healthPath: '/api/health', pushTimeoutSeconds: 60,
        dataRemote: { urlEnv: 'R', url: 'https://github.com/x/y', branchEnv: 'B', branch: 'bad..branch', deployKey, knownHosts: 'not a key line' },
        dataVolume: { mountPath: '/data', size: '1Gi' },
      });
      const errors = problemsOf(() => render(chart)).join('\n');
      expect(errors).toMatch(/is not an SSH URL/);
      expect(errors).toMatch(/branch "bad..branch" is not a valid git branch name/);
      expect(errors).toMatch(/known_hosts line "not a key line..." is not/);
    });
  });

  describe('secrets from External Secrets instead of Sealed Secrets', () => {
    function externalApp(deployKeyData: Record<string, { key: string }>) {
      const chart = testChart({ namespace: 'cfp' });
      const secrets = new ExternalSecret(chart, 'env', { name: 'cfp-secrets', store: { name: 'vault', kind: 'ClusterSecretStore' }, extract: 'cfp/app' });
      const deployKey = new ExternalSecret(chart, 'key', { name: 'deploy-key', store: { name: 'vault', kind: 'ClusterSecretStore' }, data: deployKeyData });
      new PushDaemonApp(chart, 'app', {
        name: 'cfp', image: 'ghcr.io/example/cfp:sandbox', port: 3000, healthPath: '/api/health', pushTimeoutSeconds: 60,
        secrets: [secrets],
        dataRemote: { urlEnv: 'R', branchEnv: 'B', branch: 'fixture', deployKey, knownHosts: KNOWN_HOSTS },
        dataVolume: { mountPath: '/data', size: '1Gi' },
      });
      return chart;
    }
    test('an ExternalSecret supplies the env and the deploy key, mounted the same way', () => {
      const objects = render(externalApp({ id_ed25519: { key: 'cfp/deploy-key' } }));
      const pod = only(objects, 'Deployment').spec.template.spec;
      expect(pod.containers[0].envFrom).toContainEqual({ secretRef: { name: 'cfp-secrets' } });
      expect(pod.volumes).toContainEqual({ name: 'deploy-key', secret: { secretName: 'deploy-key', defaultMode: 0o400 } });
      expect(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name).sort()).toEqual(['cfp-secrets', 'deploy-key']);
      expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    });
    test('a deploy key ExternalSecret without the key item is refused', () => {
      expect(problemsOf(() => render(externalApp({ ssh_key: { key: 'cfp/deploy-key' } }))).join('\n')).toMatch(/the deploy key \(deployKeyItem\) reads key "id_ed25519" of Secret deploy-key, which ExternalSecret deploy-key writes without that key \(it has ssh_key\)/);
    });
  });
});
