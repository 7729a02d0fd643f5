import { Construct } from 'constructs';
import { DatabaseCredentials } from '../cnpg/database-credentials';
import type { DatabaseConnection } from '../cnpg/database-connection';
import type { ICnpgDatabase } from '../cnpg/cnpg-database';
import { AppChart } from '../core/app';
import { parseImage } from '../core/image';
import { ImageContract } from '../core/image-contract';
import type { Connections, IConnectable, NetworkPeer } from '../core/network-peer';
import type { ISecretSource } from '../core/secret-source';
import type { ServiceRouteProps } from '../gateway/route-props';
import { TailscaleFunnel } from '../tailscale/tailscale-funnel';
import { MigrationJob } from './migration-job';
import { Type } from '@sinclair/typebox';
import { checkProps, IMAGE_CONTRACT_SHAPE, NETWORK_PEER_SHAPE, propsShape, referenceShape, SECRET_SOURCE_SHAPE, stringList, stringMap, valueShape } from '../core/prop-shape';
import { SERVICE_ROUTE_SHAPE } from '../gateway/route-props';
import { CONTAINER_RESOURCES_SHAPE, WebService, type ContainerResources } from './web-service';

/** Annotation recording why a private service is exposed publicly anyway (read by people, not operators). */
export const PUBLIC_EXPOSURE_REASON_ANNOTATION = 'platform.internal/public-exposure-reason';


/** Properties for `StateHub`. */
export interface StateHubProps {
  /** Name of the Deployment, Service, ServiceAccount and ConfigMap. @default "state-hub" */
  readonly name?: string;
  /** The image (the registry is an overlay value): a digest in production. */
  readonly image: string;
  /**
   * The database, owned by the platform layer: `CnpgDatabase.fromDatabaseAttributes(...)` (or a
   * `CnpgDatabase` of the same app). In another namespace its credentials are copied here by
   * `DatabaseCredentials` (no secret material in git); the platform app must
   * `grantCredentialsTo` this namespace. A bare `DatabaseConnection` (0.1's
   * `CnpgDatabase.connectionFor`) is still accepted, deprecated since 0.2.
   */
  readonly database: ICnpgDatabase | DatabaseConnection;
  /**
   * What the image needs to start. @default `StateHub.IMAGE_CONTRACT`: port 8000, uid 1000,
   * DATABASE_URL required, ready at /state/health (which reports the database), alive when the port accepts
   */
  readonly contract?: ImageContract;
  /** Non-secret environment. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** More secrets whose keys become environment variables. @default none */
  readonly envFromSecrets?: readonly ISecretSource[];
  /** CPU and memory. @default WebService's defaults */
  readonly resources?: ContainerResources;
  /** The migration command, run before each new version serves (see `MigrationJob`). @default ["alembic", "upgrade", "head"] */
  readonly migrationCommand?: readonly string[];
  /**
   * A tailnet ingress through the Tailscale operator: `<hostname>.<tailnet domain>`, reachable
   * only from the tailnet unless `funnel` is set (which is public).
   * @default none: ClusterIP only, reached over a private tunnel
   */
  readonly tailnet?: {
    /** The tailnet device name, one DNS label. */
    readonly hostname: string;
    /** Public through Tailscale Funnel; requires `publicExposureReason`. @default false */
    readonly funnel?: boolean;
    /** ACL tags of the proxy device, each `tag:<name>`. @default the operator's default, `tag:k8s` */
    readonly tags?: readonly string[];
  };
  /** A public Envoy Gateway route. Refused unless `publicExposureReason` is given. @default none */
  readonly route?: ServiceRouteProps;
  /**
   * State Hub holds data that cannot be recreated and is private by design: a Funnel or a public
   * route is refused unless this says why, and the reason is recorded on the exposing object.
   * @default none: public exposure refused
   */
  readonly publicExposureReason?: string;
  /**
   * In-cluster peers admitted to the service port besides the exposure's proxies (which are
   * admitted without being named); more can be added with `connections.allowFrom`.
   * @default none
   */
  readonly allowFrom?: readonly NetworkPeer[];
  /**
   * @deprecated since 0.2: renamed `allowFrom`, the one admission vocabulary of the library.
   * @default none
   */
  readonly clients?: readonly NetworkPeer[];
}

/** The shape of `StateHubProps`, checked at run time (lib/core/prop-shape.ts). */
export const STATE_HUB_PROPS_SHAPE = propsShape<StateHubProps>('the props of a StateHub', {
  name: Type.Optional(Type.String()),
  image: Type.String(),
  database: Type.Union([
    referenceShape('an ICnpgDatabase', { name: Type.String(), namespace: Type.String(), connection: Type.Object({}) }),
    referenceShape('a DatabaseConnection', { clusterName: Type.String(), namespace: Type.String(), secret: Type.Object({}) }),
  ], { description: 'a CnpgDatabase (or CnpgDatabase.fromDatabaseAttributes), or its connection' }),
  contract: Type.Optional(IMAGE_CONTRACT_SHAPE),
  env: Type.Optional(stringMap('a map of environment variable names to string values')),
  envFromSecrets: Type.Optional(Type.Array(SECRET_SOURCE_SHAPE)),
  resources: Type.Optional(CONTAINER_RESOURCES_SHAPE),
  migrationCommand: Type.Optional(stringList('a command: a list of strings')),
  tailnet: Type.Optional(valueShape<NonNullable<StateHubProps['tailnet']>>('{ hostname, funnel?, tags? }', { hostname: Type.String(), funnel: Type.Optional(Type.Boolean()), tags: Type.Optional(stringList()) })),
  route: Type.Optional(SERVICE_ROUTE_SHAPE),
  publicExposureReason: Type.Optional(Type.String()),
  allowFrom: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
  clients: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
});

/**
 * State Hub: a FastAPI service over a platform-owned CloudNativePG database, private by default.
 * Emits the `WebService` (port 8000, probes on /state/health, `DATABASE_URL` from the
 * database's `uri` key), the database credentials copied into this namespace when the database
 * lives elsewhere, an Alembic `MigrationJob` ordered before the Deployment, an optional tailnet
 * ingress, and a NetworkPolicy that admits only the exposure's proxies and declared clients.
 */
export class StateHub extends Construct implements IConnectable {
  /**
   * The State Hub image as its operators recorded it (docs/reference-records.md; the image is
   * built locally and its registry is an overlay value, so the contract applies to whatever
   * repository the overlay names): FastAPI on port 8000, `DATABASE_URL` required, `GET
   * /state/health` answering `{"status":"ok","db":"connected"}`, so it depends on the database
   * and serves readiness only. No endpoint is free of the database, so liveness is the port.
   * Assumed, TO CONFIRM with the image: uid 1000 and no writes outside /tmp.
   */
  public static readonly IMAGE_CONTRACT = new ImageContract({
    repository: 'state-hub',
    source: 'docs/reference-records.md, "State Hub" (no public repository)',
    user: 1000,
    ports: [8000],
    requiredEnv: { DATABASE_URL: 'the application database (SQLAlchemy and Alembic read it)' },
    ready: { path: '/state/health' },
    alive: 'tcp',
    dependentEndpoints: { '/state/health': 'the database (it reports "db": "connected")' },
  });

  /** The web service: Deployment, Service, ServiceAccount and ConfigMap. */
  public readonly web: WebService;
  /** The migration Job, run before each new version serves. */
  public readonly migration: MigrationJob;
  /** The credentials copy, when the database is in another namespace. */
  public readonly credentials?: DatabaseCredentials;
  /** The tailnet ingress, when there is one. */
  public readonly tailnetIngress?: TailscaleFunnel;
  /** Network admission of State Hub's pods: always through its own NetworkPolicy. */
  public readonly connections: Connections;

  constructor(scope: Construct, id: string, props: StateHubProps) {
    super(scope, id);
    checkProps(this, STATE_HUB_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const namespace = chart.namespace!;
    const name = props.name ?? 'state-hub';
    const contract = props.contract ?? StateHub.IMAGE_CONTRACT;
    const isPublic = props.tailnet?.funnel === true || props.route !== undefined;

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        const reason = props.publicExposureReason?.trim();
        if (isPublic && !reason) {
          const what = props.route ? `a public route for ${(this.web.route?.hostnames ?? []).join(', ')}` : `Tailscale Funnel for ${props.tailnet?.hostname}`;
          errors.push(`State Hub is private: ${what} would expose data that cannot be recreated to the internet; serve it tailnet-only (funnel: false) or over a tunnel, or give publicExposureReason to override`);
        }
        if (props.publicExposureReason !== undefined && !reason) errors.push('publicExposureReason is empty; say why the service must be public');
        if (reason && !isPublic) errors.push('publicExposureReason is set but nothing is public (no funnel, no route); remove it');
        return errors;
      },
    });

    const database = 'connection' in props.database ? props.database.connection : props.database;
    if (database.namespace !== namespace) {
      this.credentials = new DatabaseCredentials(this, 'DatabaseCredentials', { connection: database });
    }
    const databaseSecret = this.credentials?.secret ?? database.secret;

    this.web = new WebService(this, 'Web', {
      name,
      image: props.image,
      // The registry is an overlay value: the contract's facts hold for whichever repository it names.
      contract: contract.withRepository(parseImage(props.image)?.repository ?? props.image),
      resources: props.resources,
      env: props.env,
      envFromSecrets: props.envFromSecrets,
      // The operator's `uri` key: postgresql://user:password@<cluster>-rw.<namespace>:5432/db.
      secretEnv: { DATABASE_URL: { secret: databaseSecret, key: database.secretKeys.uri } },
      route: props.route,
      allowFrom: props.allowFrom ?? props.clients ?? [],
    });
    this.connections = this.web.connections;
    this.migration = new MigrationJob(this, 'Migration', { service: this.web, command: props.migrationCommand });

    if (props.tailnet) {
      this.tailnetIngress = new TailscaleFunnel(this, 'Tailnet', {
        backend: this.web.service,
        port: 'http',
        hostname: props.tailnet.hostname,
        funnel: props.tailnet.funnel ?? false,
        tags: props.tailnet.tags,
      });
    }
    const reason = props.publicExposureReason?.trim();
    if (reason && isPublic) {
      for (const exposing of [props.tailnet?.funnel ? this.tailnetIngress : undefined, this.web.route]) {
        exposing?.metadata.addAnnotation(PUBLIC_EXPOSURE_REASON_ANNOTATION, reason);
      }
    }

    // What fronts the service is admitted through its NetworkPolicy: the exposure's proxies.
    if (this.tailnetIngress) this.connections.allowFrom(this.tailnetIngress);
    if (props.route) this.connections.allowFrom(props.route.gateway);
  }
}

