import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { readOverlay } from './overlay';
import { dnsLabel, dnsSubdomain } from './values';

/**
 * The cluster facts of one environment (one cluster and stage), read from
 * `overlays/<env>/environment.yaml`. Constructs take their defaults from here, so app code
 * never branches on the environment's name.
 */
export const EnvironmentSchema = Type.Object({
  description: Type.Optional(Type.String({ description: 'free text shown in the environment picture' })),
  cluster: dnsLabel({ description: 'the cluster this environment runs on, a DNS label such as "railiance01"' }),
  stage: dnsLabel({ description: 'the stage, a DNS label such as "sandbox", "staging" or "prod"' }),
  production: Type.Boolean({ description: 'true for production: stricter rules apply (image digests, backups, HA databases)' }),
  argocd: Type.Object({
    server: Type.String({ pattern: '^https://', description: 'the destination API server URL ArgoCD deploys to, e.g. https://kubernetes.default.svc' }),
    repoURL: Type.String({ pattern: '^(https://|ssh://|git@)', description: 'the git repository ArgoCD reads dist/ from, e.g. https://github.com/example/deployments.git' }),
    targetRevision: Type.Optional(Type.String({ minLength: 1, description: 'the branch, tag or commit ArgoCD follows (default "main")' })),
    namespace: Type.Optional(dnsLabel({ description: 'the namespace ArgoCD runs in (default "argocd")' })),
    project: Type.Optional(dnsLabel({ description: 'the AppProject the apps belong to (default: the environment name)' })),
  }, { additionalProperties: false, description: 'where ArgoCD delivers this environment' }),
  storageClass: Type.Optional(dnsSubdomain({ description: 'the default StorageClass for volumes and databases' })),
  /** Envoy Gateway, for `Gateway` constructs: which GatewayClass they use. */
  gateway: Type.Optional(Type.Object({
    className: dnsSubdomain({ description: 'the GatewayClass of Envoy Gateway, e.g. "eg"' }),
  }, { additionalProperties: false })),
  /** cert-manager, for `Gateway` constructs: which issuer signs their certificates. */
  certManager: Type.Optional(Type.Object({
    issuer: dnsSubdomain({ description: 'the cert-manager issuer that signs gateway certificates, e.g. "letsencrypt-prod"' }),
    issuerKind: Type.Optional(Type.Union([Type.Literal('ClusterIssuer'), Type.Literal('Issuer')], { description: '"ClusterIssuer" (default) or "Issuer"' })),
  }, { additionalProperties: false })),
  /** The Tailscale operator, for `TailscaleFunnel`: the tailnet's domain and the device names taken. */
  tailscale: Type.Optional(Type.Object({
    tailnetDomain: Type.String({ pattern: '^[a-z0-9-]+\\.ts\\.net$', description: 'the tailnet DNS suffix, such as "tail5b443a.ts.net"' }),
    reservedHostnames: Type.Optional(Type.Array(dnsLabel(), {
      uniqueItems: true,
      description: 'tailnet device names already taken by objects this repo does not manage (a second device with the same name gets renamed by Tailscale)',
    })),
  }, { additionalProperties: false })),
  terraform: Type.Optional(Type.Object({
    kubeconfigPath: Type.String({
      pattern: '^(~|)/\\S+$',
      description: 'the kubeconfig Terraform uses for this cluster, "~/..." or absolute, such as "~/.kube/config" (the Kubernetes provider expands "~"; a relative path would resolve inside the regenerated output directory)',
    }),
    context: Type.String({ minLength: 1, pattern: '^\\S+$', description: 'the kubeconfig context of this cluster, such as "pal-e"' }),
    adopt: Type.Optional(Type.Array(Type.Object({
      kind: Type.String({ pattern: '^[A-Z][A-Za-z0-9]*$', description: 'the object\'s kind, such as "Ingress"' }),
      name: dnsSubdomain({ description: 'the object\'s metadata.name' }),
      namespace: Type.Optional(dnsLabel({ description: 'the object\'s namespace; leave out for cluster-scoped objects' })),
      apiVersion: Type.Optional(Type.String({ pattern: '^([a-z0-9.-]+/)?v[0-9]+[a-z0-9]*$', description: 'the object\'s apiVersion, such as "networking.k8s.io/v1"; needed only when two API groups emit the same kind and name' })),
    }, { additionalProperties: false }), {
      description: 'objects that already exist in the cluster, unmanaged, which the stack takes over with Terraform import blocks instead of creating them; each must be an object an app of this environment emits',
    })),
  }, { additionalProperties: false, description: 'settings for `npm run synth -- --target terraform` (docs/terraform.md): kubeconfigPath, context, adopt' })),
}, { additionalProperties: false });

/**
 * The values of `environment.yaml`.
 * @interface
 */
export type EnvironmentValues = Static<typeof EnvironmentSchema>;

/** One environment: its directory name plus its cluster facts. */
export interface Environment extends EnvironmentValues {
  /** The directory name under `overlays/`, e.g. `pal-e-prod`. */
  readonly name: string;
  /** The environment file, relative to the project root, for error messages. */
  readonly file: string;
}

/** Reads and validates `overlays/<name>/environment.yaml`. */
export function loadEnvironment(overlaysDir: string, name: string, displayDir: string): Environment {
  const file = `${displayDir}/${name}/environment.yaml`;
  const values = readOverlay(join(overlaysDir, name, 'environment.yaml'), file, EnvironmentSchema);
  return { ...values, name, file };
}
