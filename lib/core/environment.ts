import { Type, type Static } from '@sinclair/typebox';
import { UserError } from './errors';
import { KUBERNETES_MINORS, OLDEST_MINOR, VALIDATED_MINOR } from './kubernetes-releases';
import type { PodPeer } from './network-peer';
import { dnsLabel, dnsSubdomain, labelMap, patternRule, quantity } from './values';
import { ownValue } from './user-keys';
// The cluster's gateway topology and its publishers' image tags (issue 30): schemas of their own files.
import { ExistingGatewaysSchema, GatewayEnvironmentSchema } from './gateway-topology';
import { PublishedImagesSchema } from './published-images';

/**
 * The operators an environment's cluster can run, by the name `existing.operators` uses, with the
 * API groups whose objects need them. An emitted object of one of these groups needs its operator
 * declared: without it the API server refuses the object (no CRD), or accepts it and nothing acts.
 */
export const OPERATORS: Readonly<Record<'cloudnative-pg' | 'barman-cloud' | 'envoy-gateway' | 'cert-manager' | 'tailscale' | 'external-secrets' | 'sealed-secrets' | 'prometheus-operator', OperatorFacts>> = {
  'cloudnative-pg': { groups: ['postgresql.cnpg.io'], upstream: 'cloudnative-pg/cloudnative-pg' },
  'barman-cloud': { groups: ['barmancloud.cnpg.io'], upstream: 'cloudnative-pg/plugin-barman-cloud' },
  'envoy-gateway': { groups: ['gateway.networking.k8s.io', 'gateway.envoyproxy.io'], upstream: 'envoyproxy/gateway' },
  'cert-manager': { groups: ['cert-manager.io'], upstream: 'cert-manager/cert-manager' },
  'tailscale': { groups: ['tailscale.com'], upstream: 'tailscale/tailscale (cmd/k8s-operator)' },
  'external-secrets': { groups: ['external-secrets.io'], upstream: 'external-secrets/external-secrets' },
  'sealed-secrets': { groups: ['bitnami.com'], upstream: 'bitnami-labs/sealed-secrets' },
  'prometheus-operator': { groups: ['monitoring.coreos.com'], upstream: 'prometheus-operator/prometheus-operator' },
};

/** What the library knows of an operator. */
export interface OperatorFacts {
  /** The API groups of the objects it acts on. */
  readonly groups: readonly string[];
  /** Its upstream repository, for messages. */
  readonly upstream: string;
}

/** The name of an operator an environment may declare. */
export type OperatorName = keyof typeof OPERATORS;

const semver = (description: string) => Type.String({ ...patternRule('^v?[0-9]+\\.[0-9]+(\\.[0-9]+)?$', 'must be a release number: major.minor or major.minor.patch, optionally with a leading v, e.g. 1.30.0'), description });

/**
 * What the cluster already has and this repository does not emit: operators, image catalogs,
 * namespaces and objects others own, and clients (tunnels, proxies) that call the apps. Every
 * reference in `dist/` must point at something emitted or declared here (lib/pipeline/checks/references.ts);
 * nothing declared here is labelled, pruned or adopted.
 */
export const ExistingSchema = Type.Object({
  /** Operators installed in the cluster, by name, with the release each runs. */
  operators: Type.Optional(Type.Object(
    Object.fromEntries(Object.keys(OPERATORS).map((name) => [name, Type.Optional(semver(`the ${name} release the cluster runs, e.g. "1.30.0"`))])),
    { additionalProperties: false, description: `operators installed in the cluster, by name (${Object.keys(OPERATORS).join(', ')}), with the release each runs` },
  )),
  /** The cluster's StorageClasses and what each can provide; every claim in dist/ is held to them. */
  storageClasses: Type.Optional(Type.Record(dnsSubdomain(), Type.Object({
    accessModes: Type.Array(Type.Union(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'].map((m) => Type.Literal(m))), {
      minItems: 1, uniqueItems: true, description: 'the access modes its provisioner supports (a block-storage class: ReadWriteOnce, ReadWriteOncePod)',
    }),
    maxSize: Type.Optional(quantity({ description: 'the largest volume it provisions, e.g. 10Ti' })),
  }, { additionalProperties: false }), { description: 'StorageClasses by name, with the access modes and largest size each provides; when set, a claim naming another class is refused' })),
  /** CloudNativePG image catalogs installed apart from this repository. */
  imageCatalogs: Type.Optional(Type.Array(Type.Object({
    kind: Type.Union([Type.Literal('ClusterImageCatalog'), Type.Literal('ImageCatalog')], { description: '"ClusterImageCatalog" or "ImageCatalog" (namespaced)' }),
    name: dnsSubdomain({ description: 'the catalog\'s name, e.g. "postgresql-minimal-trixie"' }),
    namespace: Type.Optional(dnsLabel({ description: 'the namespace of an ImageCatalog' })),
    majors: Type.Array(Type.Integer({ minimum: 12 }), { minItems: 1, uniqueItems: true, description: 'the PostgreSQL major versions it has an image for' }),
  }, { additionalProperties: false }), { description: 'CloudNativePG image catalogs installed apart from this repository' })),
  /** Namespaces that exist and are not this repository's. */
  namespaces: Type.Optional(Type.Array(dnsLabel(), { uniqueItems: true, description: 'namespaces that exist and are not this repository\'s: nothing here labels, creates or prunes them' })),
  /** Services others manage, as "namespace/name". */
  services: Type.Optional(Type.Array(Type.String(patternRule('^[a-z0-9-]+/[a-z0-9-]+$', 'must be "<namespace>/<name>": two DNS labels joined by "/"')), { uniqueItems: true, description: 'Services others manage that apps route to, as "namespace/name"' })),
  /** Secrets others manage, as "namespace/name". */
  secrets: Type.Optional(Type.Array(Type.String(patternRule('^[a-z0-9-]+/[a-z0-9.-]+$', 'must be "<namespace>/<name>": a DNS label, "/" and the Secret\'s name')), { uniqueItems: true, description: 'Secrets others manage that apps read, as "namespace/name"' })),
  /** External Secrets stores others manage. */
  secretStores: Type.Optional(Type.Array(Type.String(patternRule('^(ClusterSecretStore/[a-z0-9.-]+|SecretStore/[a-z0-9-]+/[a-z0-9.-]+)$', 'must be "ClusterSecretStore/<name>" or "SecretStore/<namespace>/<name>"')), {
    uniqueItems: true,
    description: 'External Secrets stores others manage: "ClusterSecretStore/<name>" or "SecretStore/<namespace>/<name>"',
  })),
  /** Gateways others run (a shared main gateway, other teams' Gateways), with their listeners: lib/core/gateway-topology.ts. */
  gateways: Type.Optional(ExistingGatewaysSchema),
  /** In-cluster callers others run, by the name apps use. */
  clients: Type.Optional(Type.Record(dnsLabel(), Type.Object({
    namespace: dnsLabel({ description: 'the namespace the client\'s pods run in' }),
    podLabels: labelMap({ minProperties: 1, description: 'labels that select the client\'s pods' }),
    description: Type.Optional(Type.String({ description: 'what the client is (shown in the environment picture)' })),
  }, { additionalProperties: false }), { description: 'in-cluster callers others run (a tunnel, an ops bridge, another team\'s service), by a name apps use in `clients`' })),
}, { additionalProperties: false, description: 'what the cluster already has that this repository does not emit' });

/**
 * An External Secrets store, as `existing.secretStores` names it: a ClusterSecretStore by name, a
 * SecretStore by namespace and name. `secretStoreId` writes the declared form and
 * `parseSecretStoreId` reads it; nothing else splits it.
 */
export type SecretStoreKey =
  | { readonly kind: 'ClusterSecretStore'; readonly name: string }
  | { readonly kind: 'SecretStore'; readonly namespace: string; readonly name: string };

/** `ClusterSecretStore/<name>` or `SecretStore/<namespace>/<name>`, as environment.yaml declares it. */
export function secretStoreId(store: SecretStoreKey): string {
  return store.kind === 'ClusterSecretStore' ? `ClusterSecretStore/${store.name}` : `SecretStore/${store.namespace}/${store.name}`;
}

/** The store an `existing.secretStores` entry names (the schema has checked its shape). */
export function parseSecretStoreId(id: string): SecretStoreKey {
  const [kind, first, second] = id.split('/');
  return kind === 'ClusterSecretStore' ? { kind, name: first } : { kind: 'SecretStore', namespace: first, name: second };
}

/** What an environment declares its cluster already has. */
export type ExistingValues = Static<typeof ExistingSchema>;

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
  /**
   * The Kubernetes minor the cluster runs, quoted, e.g. "1.34" (`kubectl version`, Server Version
   * without the patch): synth refuses a built-in API that release does not serve yet or no longer
   * serves (lib/core/kubernetes-releases.ts). One of `KUBERNETES_MINORS`.
   */
  kubernetes: Type.Unsafe<string>({
    type: 'string',
    enum: [...KUBERNETES_MINORS],
    description: `a Kubernetes minor from "${OLDEST_MINOR}" to "${VALIDATED_MINOR}", quoted: the one the cluster runs (\`kubectl version\` Server Version without the patch); synth refuses an API that release does not serve`,
  }),
  /**
   * Delivery by ArgoCD (lib/pipeline/emit/argocd-delivery.ts). An environment states exactly one
   * delivery engine: this block, or `flux`.
   */
  argocd: Type.Optional(Type.Object({
    server: Type.String({ pattern: '^https://', description: 'the destination API server URL ArgoCD deploys to, e.g. https://kubernetes.default.svc' }),
    repoURL: Type.String({ ...patternRule('^(https://|ssh://|git@)', 'must be a git URL starting with https://, ssh:// or git@'), description: 'the git repository ArgoCD reads dist/ from, e.g. https://github.com/example/deployments.git' }),
    targetRevision: Type.Optional(Type.String({ minLength: 1, description: 'the branch, tag or commit ArgoCD follows (default "main")' })),
    namespace: Type.Optional(dnsLabel({ description: 'the namespace ArgoCD runs in (default "argocd")' })),
    project: Type.Optional(dnsLabel({ description: 'the AppProject the apps belong to (default: the environment name)' })),
  }, { additionalProperties: false, description: 'delivery by ArgoCD: where it deploys this environment from (exactly one of argocd and flux)' })),
  /**
   * Delivery by Flux (lib/pipeline/emit/flux-delivery.ts), for clusters that run Flux rather than
   * ArgoCD (openova's: openova-io/openova@585b046 clusters/_template/bootstrap-kit/03-flux.yaml,
   * and the GitRepository and Kustomization its cloud-init writes, infra/hetzner/cloudinit-control-plane.tftpl).
   * An environment states exactly one delivery engine: this block, or `argocd`.
   */
  flux: Type.Optional(Type.Object({
    url: Type.String({ ...patternRule('^(https://|ssh://)', 'must be a git URL Flux\'s GitRepository accepts: https:// or ssh://'), description: 'the git repository Flux reads dist/ from (its GitRepository url), e.g. https://github.com/example/deployments.git' }),
    branch: Type.Optional(Type.String({ minLength: 1, ...patternRule('^\\S+$', 'must be a branch name, without spaces'), description: 'the branch Flux follows (default "main")' })),
    namespace: Type.Optional(dnsLabel({ description: 'the namespace Flux runs in and its objects live in (default "flux-system", as openova installs it)' })),
    secretName: Type.Optional(dnsSubdomain({ description: 'the Secret in Flux\'s namespace with the git credentials (GitRepository spec.secretRef), for a private repository; not emitted here' })),
  }, { additionalProperties: false, description: 'delivery by Flux: the git repository it reads dist/ from (exactly one of argocd and flux)' })),
  storageClass: Type.Optional(dnsSubdomain({ description: 'the default StorageClass for volumes and databases' })),
  // --- The cluster's gateways and published images (issue 30; lib/core/gateway-topology.ts, published-images.ts) ---
  /**
   * Envoy Gateway, for `Gateway` constructs: which GatewayClass they use, whether the class merges
   * its Gateways into one Envoy, which Gateway answers port 80 and where ACME HTTP-01 is solved.
   */
  gateway: Type.Optional(GatewayEnvironmentSchema),
  /** Per image repository, the tags its publisher pushes, with the source (the `image-published` rule). */
  publishedImages: Type.Optional(PublishedImagesSchema),
  // --- end of the gateways and published images block ---
  /** cert-manager, for `Gateway` constructs: which issuer signs their certificates. */
  certManager: Type.Optional(Type.Object({
    issuer: dnsSubdomain({ description: 'the cert-manager issuer that signs gateway certificates, e.g. "letsencrypt-prod"' }),
    issuerKind: Type.Optional(Type.Union([Type.Literal('ClusterIssuer'), Type.Literal('Issuer')], { description: '"ClusterIssuer" (default) or "Issuer"' })),
  }, { additionalProperties: false })),
  /** The Tailscale operator, for `TailscaleFunnel`: the tailnet's domain and the device names taken. */
  tailscale: Type.Optional(Type.Object({
    tailnetDomain: Type.String({ ...patternRule('^[a-z0-9-]+\\.ts\\.net$', 'must be a tailnet domain: one DNS label followed by .ts.net, e.g. tail5b443a.ts.net'), description: 'the tailnet DNS suffix, such as "tail5b443a.ts.net"' }),
    reservedHostnames: Type.Optional(Type.Array(dnsLabel(), {
      uniqueItems: true,
      description: 'tailnet device names already taken by objects this repo does not manage (a second device with the same name gets renamed by Tailscale)',
    })),
  }, { additionalProperties: false })),
  /**
   * Where the cluster's CloudNativePG operator runs, for the database NetworkPolicy that admits it
   * to ports 8000 and 5432 (cloudnative-pg docs/src/networking.md). Required where an app emits a
   * CnpgDatabase with its NetworkPolicy: the operator's namespace and labels are the cluster's,
   * not an assumption (the release manifest installs into `cnpg-system` with pod label
   * `app.kubernetes.io/name: cloudnative-pg`, cloudnative-pg v1.30.0 config/default and
   * config/manager/manager.yaml; a Helm install may differ).
   */
  cloudnativePg: Type.Optional(Type.Object({
    operatorNamespace: dnsLabel({ description: 'the namespace the CloudNativePG operator runs in, e.g. "cnpg-system"' }),
    operatorPodLabels: labelMap({ minProperties: 1, description: 'labels that select the operator\'s pods, e.g. { app.kubernetes.io/name: cloudnative-pg }' }),
  }, { additionalProperties: false, description: 'where the CloudNativePG operator runs: the database NetworkPolicies admit these pods' })),
  /**
   * The Prometheus that scrapes PodMonitors and evaluates PrometheusRules: the labels its
   * `podMonitorSelector`, `serviceMonitorSelector` and `ruleSelector` match. Every monitor and rule
   * in dist/ carries them (lib/pipeline/checks/references.ts); kube-prometheus-stack selects
   * `release: <its release name>` by default (prometheus-community/helm-charts
   * charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml, `*SelectorNilUsesHelmValues`).
   */
  prometheus: Type.Optional(Type.Object({
    selectorLabels: labelMap({ description: 'the labels the cluster\'s Prometheus selects PodMonitors, ServiceMonitors and PrometheusRules by, e.g. { release: kube-prometheus-stack }; {} when it selects every one' }),
  }, { additionalProperties: false, description: 'the Prometheus that scrapes monitors and evaluates rules: the labels it selects them by' })),
  /** What the cluster already has and this repository does not emit (lib/pipeline/checks/references.ts). */
  existing: Type.Optional(ExistingSchema),
  terraform: Type.Optional(Type.Object({
    kubeconfigPath: Type.String({
      ...patternRule('^(~|)/\\S+$', 'must be an absolute path or start with ~/, with no spaces'),
      description: 'the kubeconfig Terraform uses for this cluster, "~/..." or absolute, such as "~/.kube/config" (the Kubernetes provider expands "~"; a relative path would resolve inside the regenerated output directory)',
    }),
    context: Type.String({ minLength: 1, ...patternRule('^\\S+$', 'must have no spaces'), description: 'the kubeconfig context of this cluster, such as "pal-e"' }),
    adopt: Type.Optional(Type.Array(Type.Object({
      kind: Type.String({ ...patternRule('^[A-Z][A-Za-z0-9]*$', 'must be a kind: letters and digits, starting with a capital letter'), description: 'the object\'s kind, such as "Ingress"' }),
      name: dnsSubdomain({ description: 'the object\'s metadata.name' }),
      namespace: Type.Optional(dnsLabel({ description: 'the object\'s namespace; leave out for cluster-scoped objects' })),
      apiVersion: Type.Optional(Type.String({ ...patternRule('^([a-z0-9.-]+/)?v[0-9]+[a-z0-9]*$', 'must be an apiVersion: [<group>/]v<number>[<suffix>], e.g. networking.k8s.io/v1'), description: 'the object\'s apiVersion, such as "networking.k8s.io/v1"; needed only when two API groups emit the same kind and name' })),
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


/**
 * The pods of client `name`, declared under `existing.clients` in environment.yaml, for a
 * NetworkPolicy. `where` names the overlay key that asked for it, for the error.
 */
export function declaredClient(environment: Environment, name: string, where: string): PodPeer {
  const client = ownValue(environment.existing?.clients, name);
  if (client) return { namespace: client.namespace, podLabels: client.podLabels };
  const known = Object.keys(environment.existing?.clients ?? {});
  throw new UserError({
    where,
    message: `names client "${name}", which ${environment.file} does not declare`,
    allowed: known.length > 0 ? known.sort().join(', ') : 'none declared yet',
    hint: `declare it under existing.clients in ${environment.file} ({ namespace, podLabels })`,
  });
}
