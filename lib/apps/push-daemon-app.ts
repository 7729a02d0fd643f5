import { Construct } from 'constructs';
import { AppChart } from '../core/app';
import type { ImageContract } from '../core/image-contract';
import { k8s } from '../core/k8s';
import { secretKeyMessage, type ISecretSource } from '../core/secret-source';
import type { Connections, IConnectable, NetworkPeer } from '../core/network-peer';
import type { IServiceRef } from '../core/service-ref';
import type { HttpRoute } from '../gateway/http-route';
import type { ServiceRouteProps } from '../gateway/route-props';
import { Type } from '@sinclair/typebox';
import { checkProps, IMAGE_CONTRACT_SHAPE, NETWORK_PEER_SHAPE, propsShape, SECRET_SOURCE_SHAPE, stringMap, valueShape } from '../core/prop-shape';
import { SERVICE_ROUTE_SHAPE } from '../gateway/route-props';
import { CONTAINER_RESOURCES_SHAPE, WebService, type ContainerResources } from './web-service';
import { isEnvVarName } from '../core/values';

/** A persistent volume of the app. */
export interface PushDaemonVolume {
  /** Suffix of the claim's name: `<app>-<name>`. */
  readonly name: string;
  /** Where the volume is mounted in the container. */
  readonly mountPath: string;
  /** A quantity such as "10Gi". */
  readonly size: string;
}

/** The git remote the in-process daemon pushes the working copy to. */
export interface DataRemote {
  /** The env var that carries the remote URL, e.g. CFP_DATA_REMOTE. */
  readonly urlEnv: string;
  /**
   * The remote URL. Omit it when the URL arrives through one of the app's secrets under `urlEnv`.
   * @default supplied by a secret
   */
  readonly url?: string;
  /** The env var that carries the branch, e.g. CFP_DATA_BRANCH. */
  readonly branchEnv: string;
  /** The branch the daemon pushes to. */
  readonly branch: string;
  /** The SSH deploy key with write access to the remote: a SealedSecret or an ExternalSecret. */
  readonly deployKey: ISecretSource;
  /** The key of `deployKey` holding the private key. @default "id_ed25519" */
  readonly deployKeyItem?: string;
  /** The remote host's public keys, as known_hosts lines; pinned, never learned on first use. */
  readonly knownHosts: string;
}

/** Properties for `PushDaemonApp`. */
export interface PushDaemonAppProps {
  /** Name of the Deployment, Service, ServiceAccount, ConfigMaps and the claims' prefix. */
  readonly name: string;
  /** The image: a digest in production, a tag elsewhere. */
  readonly image: string;
  /** What the image needs to start (see `WebService`). @default none: port and healthPath are required */
  readonly contract?: ImageContract;
  /** The HTTP port. @default the contract's first port */
  readonly port?: number;
  /** The health endpoint for readiness and liveness, for an image without a contract. @default the contract's endpoints */
  readonly healthPath?: string;
  /** Pods allowed: exactly one, since the working copy is on a ReadWriteOnce volume. @default 1 */
  readonly replicas?: number;
  /** @default the contract's user, else 1000 */
  readonly runAsUser?: number;
  /** CPU and memory. @default WebService's defaults */
  readonly resources?: ContainerResources;
  /** Non-secret environment. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Secrets (SealedSecret or ExternalSecret) whose keys become environment variables. @default none */
  readonly secrets?: readonly ISecretSource[];
  /** The git remote the daemon pushes the working copy to, and the key it pushes with. */
  readonly dataRemote: DataRemote;
  /** The git working copy's volume. */
  readonly dataVolume: Omit<PushDaemonVolume, 'name'>;
  /** More persistent stores. @default none */
  readonly extraVolumes?: readonly PushDaemonVolume[];
  /** The StorageClass of the claims. @default the environment's storageClass */
  readonly storageClass?: string;
  /** How long the daemon's final push may take on SIGTERM, in seconds. */
  readonly pushTimeoutSeconds: number;
  /**
   * Seconds between SIGTERM and SIGKILL; must leave time for the final push.
   * @default pushTimeoutSeconds + 15
   */
  readonly terminationGracePeriodSeconds?: number;
  /** Failures a startup probe allows while the entrypoint reconciles the working copy. @default 30 (2.5 minutes) */
  readonly startupFailureThreshold?: number;
  /** Publish through Envoy Gateway. @default not published */
  readonly route?: ServiceRouteProps;
  /**
   * Emit a NetworkPolicy that admits only these peers (and those added with
   * `connections.allowFrom`) to the HTTP port; an empty list admits nothing.
   * @default no NetworkPolicy: the namespace's policies apply
   */
  readonly allowFrom?: readonly NetworkPeer[];
}

const VOLUME_SHAPE = valueShape<PushDaemonVolume>('a volume: { name, mountPath, size }', { name: Type.String(), mountPath: Type.String(), size: Type.String() });

/** The shape of `PushDaemonAppProps`, checked at run time (lib/core/prop-shape.ts). */
export const PUSH_DAEMON_APP_PROPS_SHAPE = propsShape<PushDaemonAppProps>('the props of a PushDaemonApp', {
  name: Type.String(),
  image: Type.String(),
  contract: Type.Optional(IMAGE_CONTRACT_SHAPE),
  port: Type.Optional(Type.Number()),
  healthPath: Type.Optional(Type.String()),
  replicas: Type.Optional(Type.Number()),
  runAsUser: Type.Optional(Type.Number()),
  resources: Type.Optional(CONTAINER_RESOURCES_SHAPE),
  env: Type.Optional(stringMap('a map of environment variable names to string values')),
  secrets: Type.Optional(Type.Array(SECRET_SOURCE_SHAPE)),
  dataRemote: valueShape<DataRemote>('{ urlEnv, url?, branchEnv, branch, deployKey, deployKeyItem?, knownHosts }', {
    urlEnv: Type.String(),
    url: Type.Optional(Type.String()),
    branchEnv: Type.String(),
    branch: Type.String(),
    deployKey: SECRET_SOURCE_SHAPE,
    deployKeyItem: Type.Optional(Type.String()),
    knownHosts: Type.String(),
  }),
  dataVolume: valueShape<Omit<PushDaemonVolume, 'name'>>('{ mountPath, size }', { mountPath: Type.String(), size: Type.String() }),
  extraVolumes: Type.Optional(Type.Array(VOLUME_SHAPE)),
  storageClass: Type.Optional(Type.String()),
  pushTimeoutSeconds: Type.Number(),
  terminationGracePeriodSeconds: Type.Optional(Type.Number()),
  startupFailureThreshold: Type.Optional(Type.Number()),
  route: Type.Optional(SERVICE_ROUTE_SHAPE),
  allowFrom: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
});

const KEY_DIR = '/etc/git-deploy-key';
const KNOWN_HOSTS_DIR = '/etc/git-known-hosts';
/** Seconds the shutdown hook needs besides the push itself (stop accepting requests, flush). */
const SHUTDOWN_MARGIN_SECONDS = 5;

/**
 * A service whose state is a git working copy on a volume, pushed to a remote by an in-process
 * daemon. One pod at a time (Recreate: two pods must never hold the ReadWriteOnce working copy),
 * a grace period long enough for the final push, the deploy key mounted read-only, the remote's
 * host key pinned, and volumes no ArgoCD sync can delete.
 */
export class PushDaemonApp extends Construct implements IConnectable {
  /** The Service, for routes, funnels and network policies. */
  public readonly service: IServiceRef;
  /** Network admission of the app's pods (see `WebService.connections`). */
  public readonly connections: Connections;
  /** The claim holding the working copy. */
  public readonly dataVolume: string;
  /** The route, when published. */
  public readonly route?: HttpRoute;

  constructor(scope: Construct, id: string, props: PushDaemonAppProps) {
    super(scope, id);
    checkProps(this, PUSH_DAEMON_APP_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const remote = props.dataRemote;
    const keyItem = remote.deployKeyItem ?? 'id_ed25519';
    const grace = props.terminationGracePeriodSeconds ?? props.pushTimeoutSeconds + 15;
    const volumes = [{ name: 'data', mountPath: props.dataVolume.mountPath, size: props.dataVolume.size }, ...(props.extraVolumes ?? [])];
    this.dataVolume = `${props.name}-data`;

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if ((props.replicas ?? 1) !== 1) errors.push(`replicas is ${props.replicas}; a push-daemon app runs exactly one pod, because its working copy is on a ReadWriteOnce volume that two pods must never hold`);
        if (grace < props.pushTimeoutSeconds + SHUTDOWN_MARGIN_SECONDS) {
          errors.push(`terminationGracePeriodSeconds ${grace} leaves no time for the final push: it must be at least pushTimeoutSeconds (${props.pushTimeoutSeconds}) + ${SHUTDOWN_MARGIN_SECONDS}, or the pod is killed mid-push`);
        }
        if (props.pushTimeoutSeconds <= 0) errors.push('pushTimeoutSeconds must be positive');
        const missingKey = secretKeyMessage('the deploy key (deployKeyItem)', keyItem, remote.deployKey);
        if (missingKey) errors.push(missingKey);
        errors.push(...checkKnownHosts(remote.knownHosts));
        // git check-ref-format rules, the ones a branch name most often breaks.
        if (!/^[A-Za-z0-9._/-]+$/.test(remote.branch) || remote.branch.includes('..') || remote.branch.startsWith('/') || remote.branch.endsWith('/') || remote.branch.endsWith('.lock')) {
          errors.push(`branch "${remote.branch}" is not a valid git branch name`);
        }
        for (const name of [remote.urlEnv, remote.branchEnv]) if (!isEnvVarName(name)) errors.push(`"${name}" is not an environment variable name`);
        if (remote.url !== undefined && !/^(ssh:\/\/|git@)/.test(remote.url)) errors.push(`data remote "${remote.url}" is not an SSH URL; the deploy key only works over SSH (ssh://... or git@host:path)`);
        return errors;
      },
    });

    new k8s.KubeConfigMap(this, 'KnownHosts', {
      metadata: { name: `${props.name}-known-hosts`, labels: chart.labelsFor('web') },
      data: { known_hosts: remote.knownHosts.trim() + '\n' },
    });

    const web = new WebService(this, 'Web', {
      name: props.name,
      image: props.image,
      contract: props.contract,
      port: props.port,
      healthPath: props.healthPath,
      // 5 s apart, as the prop has always meant: the budget is 5 s per allowed failure.
      startup: { budgetSeconds: 5 * (props.startupFailureThreshold ?? 30), periodSeconds: 5 },
      replicas: 1,
      strategy: 'Recreate',
      runAsUser: props.runAsUser,
      resources: props.resources,
      terminationGracePeriodSeconds: grace,
      env: {
        ...props.env,
        ...(remote.url ? { [remote.urlEnv]: remote.url } : {}),
        [remote.branchEnv]: remote.branch,
        // The key is pinned: StrictHostKeyChecking=yes with only the pinned known_hosts file, so
        // a changed host key stops the push instead of being trusted.
        GIT_SSH_COMMAND: `ssh -i ${KEY_DIR}/${keyItem} -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=${KNOWN_HOSTS_DIR}/known_hosts`,
      },
      envFromSecrets: props.secrets,
      volumes: [
        // ReadWriteOnce claims (`<name>-<volume>`), sized, on the StorageClass, never pruned.
        ...volumes.map((v) => ({ name: v.name, mountPath: v.mountPath, source: { claim: { size: v.size, storageClass: props.storageClass } } })),
        // 0400: readable by the owner only; with fsGroup the kubelet adds group read, and ssh
        // accepts it because the file is not owned by the connecting user.
        { name: 'deploy-key', mountPath: KEY_DIR, readOnly: true, source: { secret: remote.deployKey, defaultMode: 0o400 } },
        { name: 'known-hosts', mountPath: KNOWN_HOSTS_DIR, readOnly: true, source: { configMap: `${props.name}-known-hosts` } },
      ],
      route: props.route,
      allowFrom: props.allowFrom,
    });
    this.service = web.service;
    this.connections = web.connections;
    this.route = web.route;
  }
}

/** known_hosts lines: `host[,host] keytype base64key`, with a key type ssh can pin. */
function checkKnownHosts(text: string): string[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) return ['knownHosts is empty; pin the remote host key (e.g. from `ssh-keyscan github.com` checked against the provider\'s published fingerprints)'];
  return lines.flatMap((line) => {
    const [hosts, type, key] = line.split(/\s+/);
    const ok = hosts && /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa|sk-ssh-ed25519@openssh.com)$/.test(type ?? '') && /^[A-Za-z0-9+/]+={0,2}$/.test(key ?? '');
    return ok ? [] : [`known_hosts line "${line.slice(0, 40)}..." is not "host keytype base64key"`];
  });
}
