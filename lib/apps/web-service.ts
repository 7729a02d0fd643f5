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
import { secretKeyMessage, type ISecretSource } from '../core/secret-source';
import type { IServiceRef } from '../core/service-ref';
import { byKey } from '../core/order';
import { Type } from '@sinclair/typebox';
import { HttpRoute, type HttpRouteRule } from '../gateway/http-route';
import { ROUTE_PATH_SHAPE, SERVICE_ROUTE_SHAPE, withinPrefix, type RoutePath, type ServiceRouteProps } from '../gateway/route-props';
import { TailscaleFunnel } from '../tailscale/tailscale-funnel';
import { checkProps, IMAGE_CONTRACT_SHAPE, NETWORK_PEER_SHAPE, oneOf, propsShape, SECRET_SOURCE_SHAPE, stringList, stringMap, valueShape, type PropsShape } from '../core/prop-shape';
import { ACCESS_MODES, singleWriterProblem, SINGLE_WRITER_FIX } from '../core/volume-claim';
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

/** How long a new pod may take to start: see `WebServiceProps.startup`. */
export interface WebServiceStartup {
  /** Seconds a new pod may take to first pass its liveness check. @default 120 */
  readonly budgetSeconds?: number;
  /** Seconds between two startup checks. @default 5 */
  readonly periodSeconds?: number;
}

/** The default startup budget: what an ordinary image needs, with room for a slow first start. */
export const DEFAULT_STARTUP: Required<WebServiceStartup> = { budgetSeconds: 120, periodSeconds: 5 };

/** A tailnet entrance of a `WebService`: see `WebServiceProps.tailnet`. */
export interface WebServiceTailnet {
  /** The device name on the tailnet, one DNS label, served as `https://<hostname>.<tailnet domain>`. */
  readonly hostname: string;
  /**
   * Path prefixes the entrance serves (the Tailscale operator matches prefixes only).
   * @default everything: ["/"]
   */
  readonly paths?: readonly string[];
  /**
   * Parts of the app served on the tailnet only, such as an admin area. The public route answers
   * them with a 302 redirect to this entrance (a rule of its own, which Gateway API's precedence
   * puts before the app's: an Exact match, or the longest PathPrefix, wins), so a request for them
   * never reaches the app through the Gateway; from the internet, the tailnet name does not resolve.
   * A public path inside one of them is refused: it would be served publicly.
   * @default none: the public route serves all of `route.paths`
   */
  readonly only?: readonly RoutePath[];
  /** Tailscale ACL tags of the proxy device, each `tag:<name>`. @default the operator's, `tag:k8s` */
  readonly tags?: readonly string[];
  /** A ProxyClass that customizes the proxy pod. @default none */
  readonly proxyClass?: string;
  /** An ingress ProxyGroup serving the entrance in high-availability mode. @default none: a standalone proxy */
  readonly proxyGroup?: string;
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
  /**
   * The startup budget: how long a new pod may take to first pass its liveness check before the
   * liveness probe applies (and restarts a pod that fails it). A startupProbe on the liveness
   * endpoint runs every `periodSeconds`; its failureThreshold is `budgetSeconds / periodSeconds`,
   * rounded up. Without one, a pod slower to start than the liveness probe's 60 s (3 failures 20 s
   * apart) is restarted before it ever serves: a first start that runs migrations, fills a cache or
   * compiles assets. Readiness still decides when the pod receives traffic.
   * @default { budgetSeconds: 120, periodSeconds: 5 }: failureThreshold 24
   */
  readonly startup?: WebServiceStartup;
  /**
   * @deprecated since 0.3: use `startup: { budgetSeconds }`; this is `startup: { budgetSeconds: 5 * startupFailureThreshold, periodSeconds: 5 }`.
   * @default none: `startup` applies
   */
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
  /**
   * Publish through Envoy Gateway: an HTTPRoute on `gateway` for `hostnames`, serving `paths`
   * (default everything) but the parts `tailnet.only` keeps on the tailnet.
   * @default not published
   */
  readonly route?: ServiceRouteProps;
  /**
   * A tailnet entrance: a Tailscale Ingress (`TailscaleFunnel` without Funnel) to this service,
   * reachable from the tailnet only, and admitted by the service's NetworkPolicy when it has one.
   * With `only`, those parts of the app are served here and not on the public route.
   * @default none
   */
  readonly tailnet?: WebServiceTailnet;
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

/** The shape of `ContainerResources`, checked at run time (lib/core/prop-shape.ts). */
export const CONTAINER_RESOURCES_SHAPE = valueShape<ContainerResources>('{ cpu?, memory?, memoryLimit? }, each a Kubernetes quantity string such as "250m" or "512Mi"', {
  cpu: Type.Optional(Type.String({ description: 'a Kubernetes quantity string such as "250m"' })),
  memory: Type.Optional(Type.String({ description: 'a Kubernetes quantity string such as "512Mi"' })),
  memoryLimit: Type.Optional(Type.String({ description: 'a Kubernetes quantity string such as "1Gi"' })),
});

/** The shape of `ContainerProps`, checked at run time (lib/core/prop-shape.ts); WebService and ScheduledJob take it. */
export const CONTAINER_PROPS_SHAPE: PropsShape<ContainerProps> = {
  runAsUser: Type.Optional(Type.Number({ description: 'a uid' })),
  runAsGroup: Type.Optional(Type.Number({ description: 'a gid' })),
  resources: Type.Optional(CONTAINER_RESOURCES_SHAPE),
  env: Type.Optional(stringMap('a map of environment variable names to string values (write numbers and booleans as strings)')),
  envFromSecrets: Type.Optional(Type.Array(SECRET_SOURCE_SHAPE, { description: 'a list of ISecretSource' })),
  secretEnv: Type.Optional(Type.Record(Type.String(), valueShape<SecretKeyEnv>('{ secret: ISecretSource, key: string }', { secret: SECRET_SOURCE_SHAPE, key: Type.String() }), { description: 'a map of environment variable names to { secret, key }' })),
};

const VOLUME_SHAPE = valueShape<WebServiceVolume>('a volume: { name, mountPath, readOnly?, source }', {
  name: Type.String(),
  mountPath: Type.String(),
  readOnly: Type.Optional(Type.Boolean()),
  source: Type.Union([
    Type.Object({ claim: Type.Object({ size: Type.String(), accessMode: Type.Optional(oneOf(ACCESS_MODES)), storageClass: Type.Optional(Type.String()) }, { additionalProperties: false }) }, { additionalProperties: false }),
    Type.Object({ persistentVolumeClaim: Type.String() }, { additionalProperties: false }),
    Type.Object({ secret: SECRET_SOURCE_SHAPE, defaultMode: Type.Optional(Type.Number()) }, { additionalProperties: false }),
    Type.Object({ configMap: Type.String() }, { additionalProperties: false }),
    Type.Object({ emptyDir: Type.Object({ sizeLimit: Type.Optional(Type.String()) }, { additionalProperties: false }) }, { additionalProperties: false }),
  ], { description: 'one of { claim: { size, accessMode?, storageClass? } }, { persistentVolumeClaim: name }, { secret: ISecretSource, defaultMode? }, { configMap: name }, { emptyDir: { sizeLimit? } }' }),
});

/** The shape of `WebServiceProps`, checked at run time. */
export const WEB_SERVICE_PROPS_SHAPE = propsShape<WebServiceProps>('the props of a WebService', {
  ...CONTAINER_PROPS_SHAPE,
  name: Type.String(),
  image: Type.String(),
  contract: Type.Optional(IMAGE_CONTRACT_SHAPE),
  port: Type.Optional(Type.Number({ description: 'a port number' })),
  healthPath: Type.Optional(Type.String({ description: 'a path such as "/healthz"' })),
  startup: Type.Optional(valueShape<WebServiceStartup>('{ budgetSeconds?, periodSeconds? }', { budgetSeconds: Type.Optional(Type.Number()), periodSeconds: Type.Optional(Type.Number()) })),
  startupFailureThreshold: Type.Optional(Type.Number()),
  replicas: Type.Optional(Type.Number({ description: 'a number of pods' })),
  autoscaling: Type.Optional(valueShape<WebServiceAutoscaling>('{ minReplicas?, maxReplicas, cpuUtilization?, memoryUtilization? }', {
    minReplicas: Type.Optional(Type.Number()),
    maxReplicas: Type.Number(),
    cpuUtilization: Type.Optional(Type.Number()),
    memoryUtilization: Type.Optional(Type.Number()),
  })),
  disruptionBudget: Type.Optional(Type.Union([
    Type.Literal(false),
    valueShape<WebServiceDisruptionBudget>('{ maxUnavailable? } or { minAvailable? }', { maxUnavailable: Type.Optional(Type.Union([Type.Number(), Type.String()])), minAvailable: Type.Optional(Type.Union([Type.Number(), Type.String()])) }),
  ], { description: 'false, or { maxUnavailable } or { minAvailable }, each a number or a percentage such as "50%"' })),
  strategy: Type.Optional(oneOf(['RollingUpdate', 'Recreate'])),
  volumes: Type.Optional(Type.Array(VOLUME_SHAPE)),
  terminationGracePeriodSeconds: Type.Optional(Type.Number()),
  serviceAccountToken: Type.Optional(Type.Boolean()),
  route: Type.Optional(SERVICE_ROUTE_SHAPE),
  tailnet: Type.Optional(valueShape<WebServiceTailnet>('a tailnet entrance: { hostname, paths?, only?, tags?, proxyClass?, proxyGroup? }', {
    hostname: Type.String(),
    paths: Type.Optional(stringList('a list of path prefixes')),
    only: Type.Optional(Type.Array(ROUTE_PATH_SHAPE)),
    tags: Type.Optional(stringList('a list of tags "tag:<name>"')),
    proxyClass: Type.Optional(Type.String()),
    proxyGroup: Type.Optional(Type.String()),
  })),
  component: Type.Optional(Type.String()),
  allowFrom: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
  ingressFrom: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
});

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
  /** The tailnet entrance, when `tailnet` is set. */
  public readonly tailnet?: TailscaleFunnel;
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
    checkProps(this, WEB_SERVICE_PROPS_SHAPE, props);
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

    if (props.tailnet) {
      this.tailnet = new TailscaleFunnel(this, 'Tailnet', {
        backend: this.service,
        port,
        hostname: props.tailnet.hostname,
        paths: props.tailnet.paths,
        tags: props.tailnet.tags,
        proxyClass: props.tailnet.proxyClass,
        proxyGroup: props.tailnet.proxyGroup,
        component: 'tailnet',
      });
      if (allowFrom) this.connections.allowFrom(this.tailnet);
    }
    this.node.addValidation({ validate: () => pathProblems(props) });

    if (props.route) {
      const route = props.route;
      const tailnetOnly = props.tailnet?.only ?? [];
      const matches = (paths: readonly RoutePath[]) => paths.map((p) => ({ path: { type: p.type ?? 'PathPrefix', value: p.value } }));
      const rules: HttpRouteRule[] = [
        // The tailnet-only parts first, as a rule of their own: Gateway API gives an Exact match,
        // then the longest PathPrefix, precedence over the app's rule (HTTPRouteRule.matches).
        ...(tailnetOnly.length > 0 && this.tailnet
          ? [{ matches: matches(tailnetOnly), redirect: { scheme: 'https' as const, hostname: this.tailnet.fqdn, statusCode: 302 as const } }]
          : []),
        {
          ...(route.paths ? { matches: matches(route.paths) } : {}),
          backends: [{ service: this.service, port }],
          ...(route.requestTimeout ? { timeouts: { request: route.requestTimeout } } : {}),
        },
      ];
      this.route = new HttpRoute(this, 'Route', { name: props.name, gateway: route.gateway, hostnames: route.hostnames, rules });
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
  public taskPodSpec(command: readonly string[], containerName = 'task', args?: readonly string[]): k8s.PodSpec {
    return {
      serviceAccountName: this.props.name,
      automountServiceAccountToken: this.props.serviceAccountToken ?? false,
      restartPolicy: 'Never',
      securityContext: this.podSecurityContext,
      containers: [{ ...this.container, name: containerName, command: [...command], ...(args ? { args: [...args] } : {}) }],
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
    const startup = startupProbeOf(props);
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
              startupProbe: { ...liveness, periodSeconds: startup.periodSeconds, failureThreshold: startup.failureThreshold },
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
    ...validateStartup(props),
  ];
}

/** The startup probe's period and failureThreshold, from `startup` (or the deprecated `startupFailureThreshold`). */
function startupProbeOf(props: WebServiceProps): { periodSeconds: number; failureThreshold: number } {
  if (props.startup === undefined && props.startupFailureThreshold !== undefined) return { periodSeconds: 5, failureThreshold: props.startupFailureThreshold };
  const periodSeconds = props.startup?.periodSeconds ?? DEFAULT_STARTUP.periodSeconds;
  const budget = props.startup?.budgetSeconds ?? DEFAULT_STARTUP.budgetSeconds;
  return { periodSeconds, failureThreshold: Math.max(1, Math.ceil(budget / periodSeconds)) };
}

/** The startup budget is whole seconds, a period at least 1 s and no longer than the budget. */
function validateStartup(props: WebServiceProps): string[] {
  const errors: string[] = [];
  const { budgetSeconds, periodSeconds } = props.startup ?? {};
  if (props.startup !== undefined && props.startupFailureThreshold !== undefined) errors.push('startup and startupFailureThreshold are both set; keep startup (startupFailureThreshold is deprecated)');
  if (budgetSeconds !== undefined && (!Number.isInteger(budgetSeconds) || budgetSeconds < 1)) errors.push(`startup.budgetSeconds ${budgetSeconds} must be a whole number of seconds, 1 or more`);
  if (periodSeconds !== undefined && (!Number.isInteger(periodSeconds) || periodSeconds < 1)) errors.push(`startup.periodSeconds ${periodSeconds} must be a whole number of seconds, 1 or more`);
  if (budgetSeconds !== undefined && periodSeconds !== undefined && periodSeconds > budgetSeconds) errors.push(`startup.periodSeconds ${periodSeconds} is longer than the budget of ${budgetSeconds} s`);
  if (props.startupFailureThreshold !== undefined && (!Number.isInteger(props.startupFailureThreshold) || props.startupFailureThreshold < 1)) errors.push(`startupFailureThreshold ${props.startupFailureThreshold} must be 1 or more`);
  return errors;
}

/**
 * The public and tailnet-only parts: paths start with "/", `tailnet.only` needs a route to keep
 * them off and an entrance that serves them, and no public path lies inside a tailnet-only one
 * (it would win on precedence, and serve that part publicly).
 */
function pathProblems(props: WebServiceProps): string[] {
  const errors: string[] = [];
  const publicPaths = props.route?.paths ?? [];
  const only = props.tailnet?.only ?? [];
  for (const [name, paths] of [['route.paths', publicPaths], ['tailnet.only', only]] as const) {
    if (paths.length === 0 && name === 'route.paths' && props.route?.paths) errors.push('route.paths is empty: the route would serve nothing; leave it out to serve everything');
    for (const p of paths) if (!p.value.startsWith('/')) errors.push(`${name}: path "${p.value}" must start with "/"`);
  }
  if (only.length > 0 && !props.route) errors.push('tailnet.only is set but there is no route: without a public route everything is on the tailnet only already; remove tailnet.only');
  const tailnetPaths = props.tailnet?.paths ?? ['/'];
  for (const p of only) {
    if (!tailnetPaths.some((prefix) => withinPrefix(p.value, prefix))) errors.push(`tailnet.only: "${p.value}" is not among the tailnet entrance's paths (${tailnetPaths.join(', ')}), so it would be served nowhere; add it to tailnet.paths`);
    for (const q of publicPaths) {
      const inside = (p.type ?? 'PathPrefix') === 'PathPrefix' ? withinPrefix(q.value, p.value) : q.value === p.value && q.type === 'Exact';
      if (inside) errors.push(`route.paths: "${q.value}" lies inside the tailnet-only "${p.value}" and would take precedence over it, serving that part publicly; remove it, or narrow tailnet.only`);
    }
  }
  return errors;
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

/** Volumes have distinct names and stay off /tmp (always there); their shape is checked with the props (WEB_SERVICE_PROPS_SHAPE). */
function validateVolumes(props: WebServiceProps): string[] {
  const errors: string[] = [];
  const names = new Set<string>();
  for (const v of props.volumes ?? []) {
    if (v.mountPath === '/tmp') errors.push('volume at /tmp: /tmp is already a writable emptyDir');
    if (names.has(v.name)) errors.push(`volume "${v.name}" is declared twice`);
    names.add(v.name);
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
  // Their shapes (an ISecretSource where one goes) are checked with the props (CONTAINER_PROPS_SHAPE).
  const errors: string[] = [];
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
