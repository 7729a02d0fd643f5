import { Type } from '@sinclair/typebox';
import { JsonPatch } from 'cdk8s';
import { PushDaemonApp } from '../lib/apps/push-daemon-app';
import { defineApp } from '../lib/core/app';
import { protectFromPrune } from '../lib/core/delivery';
import { ImageContract } from '../lib/core/image-contract';
import { k8s } from '../lib/core/k8s';
import { SealedSecret, SealedSecretValues } from '../lib/secrets/sealed-secret';
import { quantity } from '../lib/core/values';
import { Gateway } from '../lib/gateway/gateway';

/** Where the data working copy and the private store live: upstream's own paths (deploy/kustomize/base/configmap.yaml). */
const DATA_PATH = '/app/data';
const PRIVATE_PATH = '/app/private-storage';

/**
 * What the codeforphilly-ng image needs, read at CodeForPhilly/codeforphilly-ng PR #61 (merge
 * 930d035): the Dockerfile (`USER node`, uid 1000; `EXPOSE 3001`; `STORAGE_BACKEND=s3` and
 * `CFP_DATA_REPO_PATH=/app/data` as image defaults), deploy/docker/entrypoint.sh (`set -eu`;
 * `git config --global` writes $HOME/.gitconfig, /home/node), apps/api/src/env.ts (required:
 * CFP_DATA_REPO_PATH, STORAGE_BACKEND, CFP_JWT_SIGNING_KEY), apps/api/src/store/boot.ts (the
 * filesystem backend throws without CFP_PRIVATE_STORAGE_PATH) and the health routes
 * (`/api/health` always 200; `/api/health/ready` 503 until the stores and index are loaded).
 * test/conformance/codeforphilly.test.ts lists each fact with its file.
 */
export const CODEFORPHILLY_IMAGE = new ImageContract({
  repository: 'ghcr.io/codeforphilly/codeforphilly-ng',
  source: 'CodeForPhilly/codeforphilly-ng@930d035: Dockerfile, deploy/docker/entrypoint.sh, apps/api/src/env.ts, apps/api/src/store/boot.ts',
  user: 1000,
  ports: [3001],
  requiredEnv: {
    CFP_DATA_REPO_PATH: 'the entrypoint exits without it (set -eu, ${CFP_DATA_REPO_PATH:?}); the image default /app/data is on the read-only root',
    STORAGE_BACKEND: 'env.ts requires it; the image default "s3" exits without S3_ENDPOINT',
    CFP_PRIVATE_STORAGE_PATH: 'boot.ts throws without it when STORAGE_BACKEND is "filesystem"',
    CFP_JWT_SIGNING_KEY: 'env.ts requires it (sessions are signed with it)',
  },
  writes: [
    { path: '/home/node', why: 'the entrypoint runs git config --global, which writes $HOME/.gitconfig' },
    { path: DATA_PATH, persist: true, why: 'the data working copy the API commits to and the daemon pushes' },
    { path: PRIVATE_PATH, persist: true, why: 'the filesystem storage backend (private records)' },
  ],
  ready: { path: '/api/health/ready' },
  alive: { path: '/api/health' },
  dependentEndpoints: { '/api/health/ready': 'the in-process stores and search index, loaded at boot' },
});

/**
 * Reference deployment 2: codeforphilly-ng, a Node API + SPA whose state is a git working copy
 * pushed to the data repo by an in-process daemon. Each environment owns its namespace and its
 * Gateway, in the namespace and on the hosts upstream runs it (the overlays cite where); how the
 * Gateway meets the cluster's shared Envoy comes from environment.yaml's `gateway` block, and
 * environment differences are overlay values only.
 */
export const codeforphilly = defineApp({
  name: 'codeforphilly',
  description: 'codeforphilly-ng API + SPA with its git data working copy, behind Envoy Gateway',
  values: Type.Object({
    image: Type.String({ description: 'ghcr.io/codeforphilly/codeforphilly-ng with a tag (outside production) or a digest' }),
    hostname: Type.String({ description: 'the public hostname' }),
    alsoServes: Type.Optional(Type.Array(Type.String(), { uniqueItems: true, description: 'more hostnames the app answers on, on the same certificate (upstream production: www.codeforphilly.org, deploy/charts/codeforphilly/values.production.yaml)' })),
    dataBranch: Type.String({ description: 'the data repo branch this environment commits to' }),
    pushTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'how long the final push on shutdown may take, in seconds' }),
    volumes: Type.Object({
      data: quantity({ description: 'size of the data working copy volume, e.g. 10Gi' }),
      private: quantity({ description: 'size of the private store volume, e.g. 5Gi' }),
    }, { additionalProperties: false }),
    resources: Type.Optional(Type.Object({ cpu: Type.Optional(quantity()), memory: Type.Optional(quantity()), memoryLimit: Type.Optional(quantity()) }, { additionalProperties: false, description: 'upstream asks 384Mi and a 768Mi limit (deploy/kustomize/base/deployment.yaml)' })),
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
    // It holds the data claims: deleting it (renaming the namespace in the overlay) deletes them.
    protectFromPrune(namespace);

    const secrets = new SealedSecret(chart, 'Secrets', { name: 'codeforphilly-secrets', ...values.secrets });
    const deployKey = new SealedSecret(chart, 'DeployKey', { name: 'codeforphilly-data-deploy-key', ...values.deployKey });
    const hostnames = [values.hostname, ...(values.alsoServes ?? [])];
    // Port 80 follows the environment: where the cluster's own gateway redirects to HTTPS and
    // solves ACME HTTP-01 (cfp-sandbox), the Gateway has only its HTTPS listeners, as upstream's
    // (_gateways/codeforphilly-ng.yaml); elsewhere it adds its port-80 listeners and redirect.
    const gateway = new Gateway(chart, 'Gateway', { name: 'codeforphilly', hostnames, tlsSecretName: 'codeforphilly-gw-tls' });

    new PushDaemonApp(chart, 'App', {
      name: 'codeforphilly',
      image: values.image,
      contract: CODEFORPHILLY_IMAGE,
      resources: values.resources,
      secrets: [secrets],
      dataRemote: {
        urlEnv: 'CFP_DATA_REMOTE', // the URL itself arrives in codeforphilly-secrets
        branchEnv: 'CFP_DATA_BRANCH',
        branch: values.dataBranch,
        deployKey,
        knownHosts: values.knownHosts,
      },
      // Upstream's ConfigMap (deploy/kustomize/base/configmap.yaml). The OAuth callback is built
      // from X-Forwarded-Host (apps/api/src/routes/auth.ts): no URL variable to set.
      env: {
        PORT: String(CODEFORPHILLY_IMAGE.port),
        // Every environment, production too, on purpose: upstream's production values ask for s3
        // (deploy/charts/codeforphilly/values.production.yaml, storage.backend: s3) but leave
        // S3_ENDPOINT and the bucket "populated at provisioning time", and the image exits at boot
        // with s3 and no S3_ENDPOINT (apps/api/src/env.ts). Until a bucket exists, the private
        // store is the claim below (docs/deployments.md, "codeforphilly: where it differs").
        STORAGE_BACKEND: 'filesystem',
        CFP_DATA_REPO_PATH: DATA_PATH,
        CFP_PRIVATE_STORAGE_PATH: PRIVATE_PATH,
        CFP_WEB_DIST_PATH: '/app/apps/web/dist',
        NODE_ENV: 'production',
      },
      dataVolume: { mountPath: DATA_PATH, size: values.volumes.data },
      extraVolumes: [{ name: 'private', mountPath: PRIVATE_PATH, size: values.volumes.private }],
      pushTimeoutSeconds: values.pushTimeoutSeconds,
      route: { gateway, hostnames },
    });
  },
});
