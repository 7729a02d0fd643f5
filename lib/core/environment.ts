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
    namespace: Type.Optional(dnsLabel({ description: 'the namespace ArgoCD runs in (default "argocd")' })),
    project: Type.Optional(dnsLabel({ description: 'the AppProject the apps belong to (default: the environment name)' })),
  }, { additionalProperties: false, description: 'where ArgoCD delivers this environment' }),
  storageClass: Type.Optional(dnsSubdomain({ description: 'the default StorageClass for volumes and databases' })),
  gateway: Type.Optional(Type.Object({
    className: dnsSubdomain({ description: 'the GatewayClass of Envoy Gateway, e.g. "eg"' }),
  }, { additionalProperties: false })),
  certManager: Type.Optional(Type.Object({
    issuer: dnsSubdomain({ description: 'the cert-manager issuer that signs gateway certificates, e.g. "letsencrypt-prod"' }),
    issuerKind: Type.Optional(Type.Union([Type.Literal('ClusterIssuer'), Type.Literal('Issuer')], { description: '"ClusterIssuer" (default) or "Issuer"' })),
  }, { additionalProperties: false })),
  tailscale: Type.Optional(Type.Object({
    tailnetDomain: Type.String({ pattern: '^[a-z0-9-]+\\.ts\\.net$', description: 'the tailnet DNS suffix, such as "tail5b443a.ts.net"' }),
    reservedHostnames: Type.Optional(Type.Array(dnsLabel(), {
      uniqueItems: true,
      description: 'tailnet device names already taken by objects this repo does not manage (a second device with the same name gets renamed by Tailscale)',
    })),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

/** The values of `environment.yaml`. */
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
