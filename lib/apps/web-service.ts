import { createHash } from 'node:crypto';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AppChart } from '../core/app';
import { checkDns1035Label } from '../core/dns';
import { imagePolicy } from '../core/image';
import type { ImageContract } from '../core/image-contract';
import { k8s } from '../core/k8s';
import { Connections, networkPolicyPeer, tcpPort, type IConnectable, type NetworkPeer } from '../core/network-peer';
import { checkResources, multiplyQuantity } from '../core/quantity';
import { secretKeyMessage, secretSourceProblem, type ISecretSource } from '../core/secret-source';
import type { IServiceRef } from '../core/service-ref';
import { byKey } from '../core/order';
import { HttpRoute } from '../gateway/http-route';
import type { ServiceRouteProps } from '../gateway/route-props';
import { singleWriterProblem, SINGLE_WRITER_FIX } from '../core/volume-claim';
import { PersistentClaim, type PersistentClaimOptions } from './persistent-claim';
import { isEnvVarName } from '../core/values';
import { KINDS } from '../core/kinds';
import { addAutoscaler, addDisruptionBudget, disruptionBudgetOf, maxPods, scalingProblems, type WebServiceAutoscaling, type WebServiceDisruptionBudget } from './web-service-scaling';

/** Pod template annotation: the SHA-256 of the `<name>-env` ConfigMap's data, so a change rolls the pods. */
export const CONFIG_CHECKSUM_ANNOTATION = 'platform.internal/config-checksum';

/** Annotation recording why an image runs with a writable root filesystem (from its contract). */
export const WRITABLE_ROOT_REASON_ANNOTATION = 'platform.internal/writable-root-reason';

/** A volume mounted into the container. */
export interface WebServiceVolume {
  /** The volume's name in the pod spec, a DNS label. */
  readonly name: string;
  /** Where it is mounted in the container; not `/tmp`, which is always there. */
  readonly mountPath: string;
  /** Mount it read-only. @default false */
  readonly readOnly?: boolean;
  /** Where the volume comes from: a new claim, an existing claim, a Secret, a ConfigMap or an emptyDir. */
  readonly source:
    | {
      /**
       * A persistent volume this service owns: a `PersistentClaim` named `<service>-<volume name>`
       * with this size, access mode (default ReadWriteOnce) and StorageClass (default the
       * environment's), never pruned. A ReadWriteOnce claim needs one replica and `strategy: "Recreate"`.
       */
      readonly claim: PersistentClaimOptions;
    }
    | {
      /** The name of a PersistentVolumeClaim in the app's namespace that something else emits. */
      readonly persistentVolumeClaim: string;
    }
    | {
      /**
       * A Secret in the app's namespace (a SealedSecret, an ExternalSecret, or
       * `SecretSource.fromSecretName` for one another system writes); each key becomes a file.
       */
      readonly secret: ISecretSource;
      /** The files' mode, e.g. `0o400`. @default Kubernetes' 0644 */
      readonly defaultMode?: number;
    }
    | {
      /** The name of a ConfigMap in the app's namespace; each key becomes a file. */
      readonly configMap: string;
    }
    | {
      /** Scratch space that lives as long as the pod. */
      readonly emptyDir: {
        /** The most it may hold, a quantity such as "1Gi". @default no limit */
        readonly sizeLimit?: string;
      };
    };
}

/** A container's CPU and memory: requests, and a memory limit (no CPU limit: throttling hurts latency more than sharing helps). */
export interface ContainerResources {
  /** The CPU request. @default "100m" */
  readonly cpu?: string;
  /** The memory request. @default "128Mi" */
  readonly memory?: string;
  /** The memory limit. @default twice the memory request */
  readonly memoryLimit?: string;
}

/** An environment variable taken from one key of a Secret. */
export interface SecretKeyEnv {
  /** A SealedSecret, an ExternalSecret, or a database's `connection.secret` / `DatabaseCredentials.secret`. */
  readonly secret: ISecretSource;
  /** The key of the Secret whose value the variable gets; refused when the Secret is known not to have it. */
  readonly key: string;
}

/**
 * What every workload of the library takes for its container (WebService, ScheduledJob): its
 * user, resources and environment. `restrictedContainer` builds the container from them.
 */
export interface ContainerProps {
  /** The uid and gid the container runs as; also the pod's fsGroup. @default the contract's user, else 1000 */
  readonly runAsUser?: number;
  /** @default runAsUser */
  readonly runAsGroup?: number;
  /** @default { cpu: "100m", memory: "128Mi" } requests and a memory limit of twice the request */
  readonly resources?: ContainerResources;
  /** Non-secret environment, delivered through the `<name>-env` ConfigMap. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Secrets whose every key becomes an environment variable. @default none */
  readonly envFromSecrets?: readonly ISecretSource[];
  /** Single environment variables from Secret keys. @default none */
  readonly secretEnv?: Readonly<Record<string, SecretKeyEnv>>;
}

/** Properties for `WebService`. */
export interface WebServiceProps extends ContainerProps {
  /** Name of the Deployment, Service, ServiceAccount and ConfigMap (`<name>-env`). */
  readonly name: string;
  /** The image: a digest in production, a tag elsewhere (see `imagePolicy`). */
  readonly image: string;
  /**
   * What the image needs to start (`ImageContract`): its port, user, probes and scratch volumes
   * come from it, and synth holds the pods to it (policy rule image-contract).
   * @default none: port and healthPath are required
   */
  readonly contract?: ImageContract;
  /** The container's HTTP port; the Service exposes it under the same number, named "http". @default the contract's first port */
  readonly port?: number;
  /**
   * Path of the HTTP health endpoint for readiness and liveness probes, for images without a
   * contract. With a contract, readiness probes its `ready` endpoint and liveness its `alive` one.
   * @default the contract's endpoints
   */
  readonly healthPath?: string;
  /** Also a startup probe, for slow starts: failures allowed before liveness applies. @default none */
  readonly startupFailureThreshold?: number;
  /** The number of pods; leave it out with `autoscaling`, which owns the count. @default 1 */
  readonly replicas?: number;
  /**
   * Scale the Deployment with a HorizontalPodAutoscaler (autoscaling/v2) on cpu and/or memory
   * utilization. The Deployment then leaves `spec.replicas` out, so ArgoCD does not reset the
   * count the autoscaler chose (argo-cd best_practices.md, "Leaving room for imperativeness").
   * @default no autoscaler: `replicas` pods
   */
  readonly autoscaling?: WebServiceAutoscaling;
  /**
   * A PodDisruptionBudget for the pods, so a node drain takes them down one at a time; `false`
   * for none.
   * @default maxUnavailable 1 when the service may run more than one pod (replicas or
   * autoscaling.maxReplicas above 1); none for one pod, which a budget can only block or allow
   */
  readonly disruptionBudget?: WebServiceDisruptionBudget | false;
  /** "Recreate" when two pods must never run at once. @default "RollingUpdate" */
  readonly strategy?: 'RollingUpdate' | 'Recreate';
  /** Extra volumes; a writable `/tmp` is always there (the root filesystem is read-only). @default none */
  readonly volumes?: readonly WebServiceVolume[];
  /** Seconds a pod gets after SIGTERM. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Mount a service account token (only for apps that call the Kubernetes API). @default false */
  readonly serviceAccountToken?: boolean;
  /** Publish through Envoy Gateway: an HTTPRoute on `gateway` for `hostnames`. @default not published */
  readonly route?: ServiceRouteProps;
  /** The `app.kubernetes.io/component` label. @default "web" */
  readonly component?: string;
  /**
   * Emit a NetworkPolicy `<name>-ingress` that admits only these peers (and those added with
   * `connections.allowFrom`) to the port; an empty list admits nothing.
   * @default no NetworkPolicy: the namespace's policies apply, and `connections.allowFrom` is refused
   */
  readonly allowFrom?: readonly NetworkPeer[];
  /**
   * @deprecated since 0.2: renamed `allowFrom`, the one admission vocabulary of the library.
   * @default no NetworkPolicy
   */
  readonly ingressFrom?: readonly NetworkPeer[];
}

/**
 * An HTTP service in a container: ServiceAccount, ConfigMap of non-secret env, Deployment and
 * ClusterIP Service, optionally an HTTPRoute and an ingress NetworkPolicy. Pods meet the Pod
 * Security Standards "restricted" profile
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/): non-root, no privilege
 * escalation, all capabilities dropped, RuntimeDefault seccomp, read-only root.
 */
export class WebService extends Construct implements IConnectable {
  /** The Service, for routes, funnels and network policies. */
  public readonly service: IServiceRef;
  /** Labels that select this service's pods. */
  public readonly selector: Readonly<Record<string, string>>;
  /** The name of the Deployment, Service, ServiceAccount and `<name>-env` ConfigMap. */
  public readonly name: string;
  /** The container port, named "http". */
  public readonly port: number;
  /** The Deployment's name (the same as `name`). */
  public readonly deploymentName: string;
  /** The route, when published. */
  public readonly route?: HttpRoute;
  /** The claims this service owns, by volume name (volumes whose source is `claim`). */
  public readonly claims: Readonly<Record<string, PersistentClaim>>;
  /**
   * Network admission: `connections.peer` is this service's pods (to admit them elsewhere, e.g.
   * `db.connections.allowFrom(web)`), `connections.allowFrom(peer)` admits a peer to the port
   * through the NetworkPolicy that the `allowFrom` prop turns on.
   */
  public readonly connections: Connections;
  private readonly props: WebServiceProps;
  private readonly container: k8s.Container;
  private readonly podSecurityContext: k8s.PodSecurityContext;
  private readonly scratch: WebServiceVolume[];

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    const component = props.component ?? 'web';
    const labels = chart.labelsFor(component);
    const settings = settingsOf(props, chart.environment.production);
    const { contract, port } = settings;
    this.props = props;
    this.name = props.name;
    this.deploymentName = props.name;
    this.port = port;
    this.selector = chart.selectorFor(component);
    this.service = { name: props.name, namespace: chart.namespace!, ports: [{ name: 'http', port }] };
    if (contract) chart.declareImage(contract);
    const allowFrom = props.allowFrom ?? props.ingressFrom;
    this.connections = new Connections({
      peer: { namespace: chart.namespace!, podLabels: this.selector },
      where: this.node.path,
      allowFrom,
      refusal: allowFrom ? undefined : {
        message: `has no NetworkPolicy to admit a peer through (the namespace's policies apply to it), so connections.allowFrom would admit nothing`,
        hint: 'set allowFrom on the WebService (it may be empty) to emit a NetworkPolicy that admits only the peers given there and through connections.allowFrom',
      },
    });

    const claims: Record<string, PersistentClaim> = {};
    for (const v of props.volumes ?? []) {
      if ('claim' in v.source && !Object.hasOwn(claims, v.name)) claims[v.name] = new PersistentClaim(this, `Claim-${v.name}`, { name: `${props.name}-${v.name}`, ...v.source.claim });
    }
    this.claims = claims;
    this.node.addValidation({ validate: () => validateWebService(props, settings, claims) });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: props.name, labels },
      automountServiceAccountToken: props.serviceAccountToken ?? false,
    });
    const env = props.env ?? {};
    if (Object.keys(env).length > 0) {
      new k8s.KubeConfigMap(this, 'Env', { metadata: { name: `${props.name}-env`, labels }, data: sortedRecord(env) });
    }

    this.podSecurityContext = {
      runAsNonRoot: true,
      runAsUser: settings.uid,
      runAsGroup: settings.gid,
      fsGroup: settings.gid,
      // Only re-own a volume when its root is not already ours: volumes written by an
      // earlier pod stay usable, and large volumes mount fast.
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    };
    // What every container of this service runs with: the image, its env and secrets, and the
    // restricted security context. Jobs of the service (migrations) reuse it.
    this.scratch = [{ name: 'tmp', mountPath: '/tmp', source: { emptyDir: {} } }, ...scratchVolumes(contract, props.volumes ?? [])];
    this.container = baseContainer(props, settings, component, this.scratch);
    this.renderDeployment(labels, settings, claims);

    new k8s.KubeService(this, 'Service', {
      metadata: { name: props.name, labels },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selector },
        ports: [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.node.addValidation({ validate: () => scalingProblems(props) });
    addAutoscaler(this, props.name, labels, props.autoscaling);
    addDisruptionBudget(this, props.name, labels, this.selector, disruptionBudgetOf(props));

    if (allowFrom) this.renderNetworkPolicy(labels, chart.namespace!);

    if (props.route) {
      this.route = new HttpRoute(this, 'Route', {
        name: props.name,
        gateway: props.route.gateway,
        hostnames: props.route.hostnames,
        rules: [{ backends: [{ service: this.service, port }], ...(props.route.requestTimeout ? { timeouts: { request: props.route.requestTimeout } } : {}) }],
      });
    }
  }

  /** @deprecated since 0.2: use `connections.allowFrom(peer)`, the one admission method of the library. */
  public allowFrom(peer: NetworkPeer): void {
    this.connections.allowFrom(peer);
  }

  /**
   * A pod spec that runs `command` once with this service's image, environment, secrets,
   * ServiceAccount and restricted security context, and no ports or probes: for Jobs of the
   * service such as database migrations, so they never drift from what the Deployment runs.
   */
  public taskPodSpec(command: readonly string[], containerName = 'task'): k8s.PodSpec {
    return {
      serviceAccountName: this.props.name,
      automountServiceAccountToken: this.props.serviceAccountToken ?? false,
      restartPolicy: 'Never',
      securityContext: this.podSecurityContext,
      containers: [{ ...this.container, name: containerName, command: [...command] }],
      volumes: this.scratch.map((v) => ({ name: v.name, ...renderSource(v.source, {}, v.name) })),
    };
  }

  /** The ingress NetworkPolicy `<name>-ingress`: the peers of `connections`, to the port only. */
  private renderNetworkPolicy(labels: Record<string, string>, namespace: string): void {
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: `${this.name}-ingress`, labels },
      spec: {
        podSelector: { matchLabels: { ...this.selector } },
        policyTypes: ['Ingress'],
        // Lazy: peers added with connections.allowFrom after construction are included. No
        // peers: nothing is admitted (a port-forward still works: it enters the pod's network
        // namespace directly).
        ingress: Lazy.any({
          produce: () => {
            const peers = this.connections.allowed;
            return peers.length > 0 ? [{ from: peers.map((p) => networkPolicyPeer(p, namespace)), ports: [tcpPort(this.port)] }] : [];
          },
        }),
      },
    });
  }

  /** The Deployment: the base container with its port, probes and every volume. */
  private renderDeployment(labels: Record<string, string>, settings: WebServiceSettings, claims: Readonly<Record<string, PersistentClaim>>): void {
    const props = this.props;
    const { contract, port } = settings;
    const env = props.env ?? {};
    const httpProbe = (path: string | undefined) => ({ httpGet: { path: path ?? '/', port: k8s.IntOrString.fromString('http') } });
    const readiness = httpProbe(contract?.props.ready.path ?? props.healthPath);
    const alive = contract?.props.alive;
    // The image's own liveness endpoint, or the port accepting when it has none that is free of
    // dependencies: a dependent endpoint would restart every pod whenever the dependency blinks.
    const liveness = alive === 'tcp' ? { tcpSocket: { port: k8s.IntOrString.fromString('http') } } : httpProbe(alive?.path ?? props.healthPath);
    const volumes = [...(props.volumes ?? []), ...scratchVolumes(contract, props.volumes ?? [])];
    const writableRoot = contract?.props.writableRootReason;
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, labels, ...(writableRoot ? { annotations: { [WRITABLE_ROOT_REASON_ANNOTATION]: writableRoot } } : {}) },
      spec: {
        ...(props.autoscaling ? {} : { replicas: props.replicas ?? 1 }),
        selector: { matchLabels: { ...this.selector } },
        strategy: { type: props.strategy ?? 'RollingUpdate' },
        revisionHistoryLimit: 3,
        template: {
          // A changed env ConfigMap rolls the pods: they read it only at start, and the template
          // changes only when this checksum of its data does.
          metadata: { labels, ...(Object.keys(env).length > 0 ? { annotations: { [CONFIG_CHECKSUM_ANNOTATION]: checksum(sortedRecord(env)) } } : {}) },
          spec: {
            serviceAccountName: props.name,
            automountServiceAccountToken: props.serviceAccountToken ?? false,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
            securityContext: this.podSecurityContext,
            containers: [{
              ...this.container,
              ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
              readinessProbe: { ...readiness, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { ...liveness, periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 },
              ...(props.startupFailureThreshold ? { startupProbe: { ...liveness, periodSeconds: 5, failureThreshold: props.startupFailureThreshold } } : {}),
              volumeMounts: [
                { name: 'tmp', mountPath: '/tmp' },
                ...volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) })),
              ],
            }],
            volumes: [
              { name: 'tmp', emptyDir: {} },
              ...volumes.map((v) => ({ name: v.name, ...renderSource(v.source, claims, v.name) })),
            ],
          },
        },
      },
    });
  }
}

/** What the props resolve to once defaults from the contract and the environment are applied. */
interface WebServiceSettings {
  readonly contract?: ImageContract;
  /** The container port; 0 when neither the props nor a contract give one (validateWebService reports it). */
  readonly port: number;
  readonly policy: ReturnType<typeof imagePolicy>;
  readonly uid: number;
  readonly gid: number;
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

function settingsOf(props: WebServiceProps, production: boolean): WebServiceSettings {
  const contract = props.contract;
  const uid = props.runAsUser ?? contract?.props.user ?? 1000;
  const memory = props.resources?.memory ?? '128Mi';
  return {
    contract,
    port: props.port ?? contract?.port ?? 0,
    policy: imagePolicy(props.image, production),
    uid,
    gid: props.runAsGroup ?? uid,
    cpu: props.resources?.cpu ?? '100m',
    memory,
    // Twice the request, exactly ("1.5Gi" gives "3Gi"); a request that is not a quantity is
    // kept as it is, and validateResources reports it.
    memoryLimit: props.resources?.memoryLimit ?? multiplyQuantity(memory, 2) ?? memory,
  };
}

/** Every problem with a WebService's props, one concern per function, in the order a reader fixes them. */
function validateWebService(props: WebServiceProps, settings: WebServiceSettings, claims: Readonly<Record<string, PersistentClaim>>): string[] {
  return [
    ...validateName(props),
    ...validateImagePolicy(settings),
    ...validateUser(settings),
    ...validateProbes(props, settings),
    ...validatePort(props, settings),
    ...validateContractImage(props, settings),
    ...checkResources({ requests: { cpu: settings.cpu, memory: settings.memory }, limits: { memory: settings.memoryLimit } }),
    ...validateVolumes(props),
    ...validateClaims(props, claims),
    ...validateEnvironment(props),
  ];
}

/** The name names the Service, so it must be an RFC 1035 label (Service names are). */
function validateName(props: WebServiceProps): string[] {
  const problem = checkDns1035Label(props.name);
  return problem ? [`name "${props.name}" ${problem} (it names the Service)`] : [];
}

/** The image follows the environment's image policy: a digest in production, never `latest` or untagged. */
function validateImagePolicy({ policy }: WebServiceSettings): string[] {
  return 'error' in policy ? [policy.error] : [];
}

/** With a contract, the image is of the contract's repository: the contract states another image's facts otherwise. */
function validateContractImage(props: WebServiceProps, { contract }: WebServiceSettings): string[] {
  return contract && !contract.matches(props.image) ? [`image "${props.image}" is not of the contract's repository ${contract.repository}`] : [];
}

/** The restricted Pod Security Standard requires a non-root user and group. */
function validateUser({ uid, gid }: WebServiceSettings): string[] {
  return uid === 0 || gid === 0 ? ['runAsUser and runAsGroup must not be 0: the restricted Pod Security Standard requires non-root'] : [];
}

/** The probes need an endpoint: from the contract, or from healthPath, not both. */
function validateProbes(props: WebServiceProps, { contract }: WebServiceSettings): string[] {
  const errors: string[] = [];
  if (props.healthPath === undefined && !contract) errors.push('neither healthPath nor contract is set: the probes need an endpoint (state the image\'s contract, or give healthPath)');
  if (props.healthPath !== undefined && !props.healthPath.startsWith('/')) errors.push(`healthPath "${props.healthPath}" must start with "/"`);
  if (props.healthPath !== undefined && contract) errors.push(`healthPath and contract are both set: the contract says readiness is ${contract.props.ready.path}; remove healthPath`);
  return errors;
}

/** The port comes from the props or the contract, and is a port number. */
function validatePort(props: WebServiceProps, { contract, port }: WebServiceSettings): string[] {
  if (props.port === undefined && !contract) return ['port is not set, and there is no contract to take it from'];
  return port < 1 || port > 65535 ? [`port ${port} is not a port number`] : [];
}

/** Volumes have distinct names, stay off /tmp (always there), and read Secrets through an ISecretSource. */
function validateVolumes(props: WebServiceProps): string[] {
  const errors: string[] = [];
  const names = new Set<string>();
  for (const v of props.volumes ?? []) {
    if (v.mountPath === '/tmp') errors.push('volume at /tmp: /tmp is already a writable emptyDir');
    if (names.has(v.name)) errors.push(`volume "${v.name}" is declared twice`);
    names.add(v.name);
    // A JavaScript caller (or one casting) may still pass 0.1's bare Secret name.
    if ('secret' in v.source && typeof (v.source.secret as unknown) === 'string') {
      errors.push(`volume "${v.name}": source.secret is the string "${String(v.source.secret)}"; it takes an ISecretSource since 0.2 (the SealedSecret or ExternalSecret itself, or SecretSource.fromSecretName("${String(v.source.secret)}"))`);
    }
  }
  return errors;
}

/**
 * A ReadWriteOnce claim has one writer: one replica and the Recreate strategy. The policy rule
 * single-writer holds every rendered workload to the same check (singleWriterProblem).
 */
function validateClaims(props: WebServiceProps, claims: Readonly<Record<string, PersistentClaim>>): string[] {
  const writer = { kind: KINDS.Deployment, replicas: maxPods(props), strategy: props.strategy };
  return Object.entries(claims).flatMap(([volume, claim]) => {
    const problem = singleWriterProblem(claim.name, [claim.accessMode], writer);
    return problem ? [`volume "${volume}" ${problem}; ${SINGLE_WRITER_FIX}`] : [];
  });
}

/**
 * Environment variables: valid names, Secret keys the Secret is known to have, and each variable
 * set once (with two sources the container would see only one of them).
 */
export function validateEnvironment(props: Pick<WebServiceProps, 'env' | 'secretEnv' | 'envFromSecrets'>): string[] {
  const errors: string[] = [];
  // The shapes first: a JavaScript caller or a cast can pass anything where an ISecretSource goes.
  const shapes = [
    ...Object.entries(props.secretEnv ?? {}).map(([name, ref]) => secretSourceProblem(ref?.secret, `secretEnv.${name}.secret`)),
    ...(props.envFromSecrets ?? []).map((secret, i) => secretSourceProblem(secret, `envFromSecrets[${i}]`)),
  ].filter((p): p is string => p !== undefined);
  if (shapes.length > 0) return shapes;
  for (const [name, ref] of Object.entries(props.secretEnv ?? {})) {
    const missing = secretKeyMessage(`secretEnv.${name}:`, ref.key, ref.secret);
    if (missing) errors.push(missing);
  }
  const envNames = [...Object.keys(props.env ?? {}), ...Object.keys(props.secretEnv ?? {})];
  for (const name of envNames) if (!isEnvVarName(name)) errors.push(`"${name}" is not an environment variable name`);
  for (const name of Object.keys(props.secretEnv ?? {})) {
    if (name in (props.env ?? {})) errors.push(`${name} is set both in env and in secretEnv; the container would see only secretEnv's value`);
    const source = (props.envFromSecrets ?? []).find((secret) => secret.keys?.includes(name));
    if (source) errors.push(`${name} is set both by secretEnv and by envFromSecrets (Secret ${source.name}); the container would see only secretEnv's value`);
  }
  return errors;
}

/** The container every pod of the service runs: image, environment, resources, restricted security context and scratch mounts. */
function baseContainer(props: WebServiceProps, settings: WebServiceSettings, component: string, scratch: readonly WebServiceVolume[]): k8s.Container {
  return restrictedContainer({
    name: component,
    image: props.image,
    policy: settings.policy,
    envConfigMap: Object.keys(props.env ?? {}).length > 0 ? `${props.name}-env` : undefined,
    envFromSecrets: props.envFromSecrets,
    secretEnv: props.secretEnv,
    resources: settings,
    // Read-only unless the image's contract says why it cannot be (recorded on the Deployment).
    writableRoot: settings.contract?.props.writableRootReason !== undefined,
    // Scratch space only: what the image writes and need not keep. Claims and key files are
    // the Deployment's own, so a Job of the service never holds a ReadWriteOnce claim.
    scratch,
  });
}

/** What `restrictedContainer` builds a container from. */
export interface RestrictedContainerOptions {
  readonly name: string;
  readonly image: string;
  /** The image policy's verdict on the image (`imagePolicy`): its pull policy. */
  readonly policy: ReturnType<typeof imagePolicy>;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** The ConfigMap of the plain variables, read whole through envFrom. @default none */
  readonly envConfigMap?: string;
  readonly envFromSecrets?: readonly ISecretSource[];
  readonly secretEnv?: Readonly<Record<string, SecretKeyEnv>>;
  readonly resources: { readonly cpu: string; readonly memory: string; readonly memoryLimit: string };
  /** The root filesystem stays writable (the image's contract says why). */
  readonly writableRoot: boolean;
  /** The emptyDirs mounted for what the image writes and need not keep. */
  readonly scratch: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
}

/**
 * A container as every workload of the library runs it (WebService, ScheduledJob): environment
 * from a ConfigMap, Secrets and Secret keys; cpu and memory requests and a memory limit; the
 * restricted Pod Security profile (no privilege escalation, non-root, every capability dropped,
 * a read-only root unless the contract says otherwise); scratch mounts.
 */
export function restrictedContainer(options: RestrictedContainerOptions): k8s.Container {
  const { policy, resources } = options;
  const envFrom = [
    ...(options.envConfigMap ? [{ configMapRef: { name: options.envConfigMap } }] : []),
    ...(options.envFromSecrets ?? []).map((secret) => ({ secretRef: { name: secret.name } })),
  ];
  return {
    name: options.name,
    image: options.image,
    imagePullPolicy: 'pullPolicy' in policy ? policy.pullPolicy : 'Always',
    ...(options.command ? { command: [...options.command] } : {}),
    ...(options.args ? { args: [...options.args] } : {}),
    ...(envFrom.length > 0 ? { envFrom } : {}),
    ...(options.secretEnv
      ? { env: Object.entries(options.secretEnv).sort(byKey).map(([name, ref]) => ({ name, valueFrom: { secretKeyRef: { name: ref.secret.name, key: ref.key } } })) }
      : {}),
    resources: {
      requests: { cpu: k8s.Quantity.fromString(resources.cpu), memory: k8s.Quantity.fromString(resources.memory) },
      limits: { memory: k8s.Quantity.fromString(resources.memoryLimit) },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: !options.writableRoot,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: options.scratch.map((v) => ({ name: v.name, mountPath: v.mountPath })),
  };
}

/**
 * An emptyDir for each path the contract says the image writes and need not keep (HOME, caches),
 * unless a volume the app gave is mounted there or above: the root filesystem is read-only.
 */
export function scratchVolumes(contract: ImageContract | undefined, given: readonly WebServiceVolume[]): WebServiceVolume[] {
  const covered = (path: string) => path === '/tmp' || path.startsWith('/tmp/') || given.some((v) => path === v.mountPath || path.startsWith(`${v.mountPath.replace(/\/$/, '')}/`));
  return (contract?.props.writes ?? [])
    .filter((w) => !w.persist && !covered(w.path))
    .map((w) => ({ name: `writable${w.path.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.replace(/-$/, '').slice(0, 63), mountPath: w.path, source: { emptyDir: {} } }));
}

function renderSource(source: WebServiceVolume['source'], claims: Readonly<Record<string, PersistentClaim>>, volume: string): Omit<k8s.Volume, 'name'> {
  if ('claim' in source) return { persistentVolumeClaim: { claimName: claims[volume].name } };
  if ('persistentVolumeClaim' in source) return { persistentVolumeClaim: { claimName: source.persistentVolumeClaim } };
  if ('secret' in source) return { secret: { secretName: source.secret.name, ...(source.defaultMode !== undefined ? { defaultMode: source.defaultMode } : {}) } };
  if ('configMap' in source) return { configMap: { name: source.configMap } };
  return { emptyDir: source.emptyDir.sizeLimit ? { sizeLimit: k8s.Quantity.fromString(source.emptyDir.sizeLimit) } : {} };
}

function checksum(data: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/** `record` with its keys in code-unit order, so the output does not depend on insertion order or locale. */
export function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(byKey));
}
