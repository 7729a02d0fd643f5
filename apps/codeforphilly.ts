import { Type } from '@sinclair/typebox';
import { JsonPatch } from 'cdk8s';
import { PushDaemonApp } from '../lib/apps/push-daemon-app';
import { defineApp } from '../lib/core/app';
import { k8s } from '../lib/core/k8s';
import { SealedSecret, SealedSecretValues } from '../lib/core/sealed-secret';
import { quantity } from '../lib/core/values';
import { Gateway } from '../lib/gateway/gateway';

/**
 * Reference deployment 2: codeforphilly-ng, a Node API + SPA whose state is a git working copy
 * pushed to the data repo by an in-process daemon. Each environment owns its namespace and its
 * Gateway (the app-owned topology); environment differences are overlay values only.
 */
export const codeforphilly = defineApp({
  name: 'codeforphilly',
  description: 'codeforphilly-ng API + SPA with its git data working copy, behind Envoy Gateway',
  values: Type.Object({
    image: Type.String({ description: 'ghcr.io/codeforphilly/codeforphilly-ng with a tag (outside production) or a digest' }),
    hostname: Type.String({ description: 'the public hostname' }),
    dataBranch: Type.String({ description: 'the data repo branch this environment commits to' }),
    pushTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'how long the final push on shutdown may take, in seconds' }),
    volumes: Type.Object({
      data: quantity({ description: 'size of the data working copy volume, e.g. 10Gi' }),
      private: quantity({ description: 'size of the private store volume, e.g. 5Gi' }),
    }, { additionalProperties: false }),
    resources: Type.Optional(Type.Object({ cpu: Type.Optional(quantity()), memory: Type.Optional(quantity()), memoryLimit: Type.Optional(quantity()) }, { additionalProperties: false })),
    knownHosts: Type.String({ description: 'the data remote host keys, as known_hosts lines' }),
    secrets: SealedSecretValues,
    deployKey: SealedSecretValues,
  }, { additionalProperties: false }),
  build(chart, values) {
    const namespace = new k8s.KubeNamespace(chart, 'Namespace', {
      metadata: {
        name: values.namespace,
        labels: {
          ...chart.labelsFor('namespace'),
          // The API server enforces what the workloads already meet.
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
        },
      },
    });
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace')); // cluster-scoped

    const secrets = new SealedSecret(chart, 'Secrets', { name: 'codeforphilly-secrets', ...values.secrets });
    const deployKey = new SealedSecret(chart, 'DeployKey', { name: 'codeforphilly-data-deploy-key', ...values.deployKey });
    const gateway = new Gateway(chart, 'Gateway', { name: 'codeforphilly', hostnames: [values.hostname], tlsSecretName: 'codeforphilly-gw-tls' });

    new PushDaemonApp(chart, 'App', {
      name: 'codeforphilly',
      image: values.image,
      port: 3000,
      healthPath: '/api/health',
      resources: values.resources,
      secrets: [secrets],
      dataRemote: {
        urlEnv: 'CFP_DATA_REMOTE', // the URL itself arrives in codeforphilly-secrets
        branchEnv: 'CFP_DATA_BRANCH',
        branch: values.dataBranch,
        deployKey,
        knownHosts: values.knownHosts,
      },
      env: { PORT: '3000', CFP_PUBLIC_URL: `https://${values.hostname}`, GITHUB_OAUTH_CALLBACK_URL: `https://${values.hostname}/api/auth/github/callback` },
      dataVolume: { mountPath: '/data/public', size: values.volumes.data },
      extraVolumes: [{ name: 'private', mountPath: '/data/private', size: values.volumes.private }],
      pushTimeoutSeconds: values.pushTimeoutSeconds,
      route: { gateway, hostnames: [values.hostname] },
    });
  },
});
