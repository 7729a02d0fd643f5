import type { NetworkPeer, PodPeer } from '../core/network-peer';
import { Type } from '@sinclair/typebox';
import { NETWORK_PEER_SHAPE, oneOf, POD_PEER_SHAPE, propsShape, referenceShape, SECRET_SOURCE_SHAPE, stringList, stringMap, valueShape } from '../core/prop-shape';
import type { ResourceAmounts, ResourceRequirements } from '../core/quantity';
import type { ISecretSource } from '../core/secret-source';
import type { IBarmanObjectStore } from './barman-object-store';

/**
 * Rules below cite CloudNativePG 1.30 (cloudnative-pg/cloudnative-pg): the admission webhook
 * internal/webhook/v1/cluster_webhook.go ("WH") and scheduledbackup_webhook.go, the pinned CRDs,
 * pkg/specs and pkg/postgres, and the documentation at https://cloudnative-pg.io/docs/1.30/.
 */

/** The label the operator puts on every pod of a Cluster (instances, join and bootstrap jobs). */
export const CNPG_CLUSTER_LABEL = 'cnpg.io/cluster';

/** The instance manager's status port (`StatusPort` in pkg/management/url/url.go). */
export const CNPG_STATUS_PORT = 8000;

/** The metrics exporter's port, named `metrics` (docs/src/monitoring.md). */
export const CNPG_METRICS_PORT = 9187;

/**
 * Records on the Cluster why a production database runs a single instance. Our own annotation,
 * not read by the operator; the `.internal` suffix is reserved for private use (ICANN, 2024), so
 * it cannot collide with anyone's published annotations.
 */
export const SINGLE_INSTANCE_REASON_ANNOTATION = 'platform.internal/single-instance-reason';

/**
 * Parameters the operator owns (`FixedConfigurationParameters`, pkg/postgres/configuration.go);
 * WH validateConfiguration rejects them: "Can't set fixed configuration parameter". Recovery
 * targets (`recovery_target*`) are matched by prefix.
 */
export const FIXED_POSTGRES_PARAMETERS: ReadonlySet<string> = new Set([
  'allow_system_table_mods', 'archive_mode', 'bonjour', 'bonjour_name', 'cluster_name', 'config_file',
  'data_directory', 'data_sync_retry', 'event_source', 'external_pid_file', 'hba_file', 'hot_standby',
  'ident_file', 'jit_provider', 'listen_addresses', 'logging_collector', 'port', 'primary_conninfo',
  'primary_slot_name', 'restore_command', 'shared_preload_libraries', 'temp_tablespaces',
  'unix_socket_directories', 'unix_socket_group', 'unix_socket_permissions',
  'archive_cleanup_command', 'archive_command', 'log_destination', 'log_directory', 'log_file_mode',
  'log_filename', 'log_rotation_age', 'log_rotation_size', 'log_truncate_on_rotation',
  'pg_failover_slots.primary_dsn', 'pg_failover_slots.standby_slot_names', 'promote_trigger_file',
  'recovery_end_command', 'recovery_min_apply_delay', 'restart_after_crash', 'ssl', 'ssl_ca_file',
  'ssl_cert_file', 'ssl_crl_file', 'ssl_dh_params_file', 'ssl_ecdh_curve', 'ssl_key_file',
  'ssl_passphrase_command', 'ssl_passphrase_command_supports_reload', 'ssl_prefer_server_ciphers',
  'stats_temp_directory', 'synchronous_standby_names', 'synchronized_standby_slots', 'syslog_facility',
  'syslog_ident', 'syslog_sequence_numbers', 'syslog_split_messages',
]);

/** Roles the operator reserves (`postgres.IsRoleReserved`; docs/src/declarative_role_management.md). */
export const RESERVED_ROLES: ReadonlySet<string> = new Set(['postgres', 'streaming_replica', 'cnpg_pooler_pgbouncer']);

/** The external cluster names this construct writes into `spec.externalClusters`. */
export const RECOVERY_SOURCE = 'recovery-origin';
export const IMPORT_SOURCE = 'import-source';

/** @deprecated since 0.2: use `PodPeer` (pods by labels) or `NetworkPeer` (also a construct standing for its pods). */
export type DatabaseClient = PodPeer;

/** An ImageCatalog or ClusterImageCatalog entry, selected by the Cluster's major version. */
export interface ImageCatalogRef {
  /** `ImageCatalog` (in the database's namespace) or `ClusterImageCatalog`. */
  readonly kind: 'ImageCatalog' | 'ClusterImageCatalog';
  /** The catalog's name. */
  readonly name: string;
}

/** Requests and limits of every instance pod. @default unset */
export type DatabaseResources = ResourceRequirements;

/** A PostgreSQL role the operator reconciles (`spec.managed.roles[]`). */
export interface ManagedRole {
  /** The role's name. */
  readonly name: string;
  /** `absent` drops the role. @default "present" */
  readonly ensure?: 'present' | 'absent';
  /** May log in. @default false */
  readonly login?: boolean;
  /** Superuser. @default false */
  readonly superuser?: boolean;
  /** May create databases. @default false */
  readonly createdb?: boolean;
  /** May create roles. @default false */
  readonly createrole?: boolean;
  /** May start streaming replication. @default false */
  readonly replication?: boolean;
  /** Bypasses row-level security. @default false */
  readonly bypassrls?: boolean;
  /** Inherits the privileges of the roles it is a member of. @default true */
  readonly inherit?: boolean;
  /** Concurrent connections allowed; -1 for no limit. @default -1 */
  readonly connectionLimit?: number;
  /** Roles this role is a member of. @default none */
  readonly inRoles?: readonly string[];
  /**
   * A `kubernetes.io/basic-auth` Secret with `username` and `password`, in the database's namespace
   * (docs/src/declarative_role_management.md, "Password management"); both keys must be among the
   * source's keys.
   * @default none: the password is left alone
   */
  readonly passwordSecret?: ISecretSource;
  /** Sets the password to NULL (no password login). @default false */
  readonly disablePassword?: boolean;
  /** A comment on the role. @default none */
  readonly comment?: string;
}

/** Continuous backup through the Barman Cloud Plugin, plus a scheduled base backup. */
export interface DatabaseBackup {
  /** The ObjectStore WAL is archived to and base backups go to; in the database's namespace. */
  readonly objectStore: IBarmanObjectStore;
  /**
   * When base backups run: CNPG's six-field cron with seconds first (robfig/cron), e.g.
   * "0 0 2 * * *" for 02:00 every day, or a descriptor such as "@daily".
   * @default "0 0 0 * * *": daily at midnight
   */
  readonly schedule?: string;
  /**
   * How scheduled base backups are taken: `plugin` to the object store, `volumeSnapshot` as CSI
   * snapshots of the volumes (needs a VolumeSnapshotClass). WAL goes to the object store either way.
   * @default "plugin"
   */
  readonly method?: 'plugin' | 'volumeSnapshot';
  /**
   * The VolumeSnapshotClass for `method: volumeSnapshot`; the storage class's CSI driver must support snapshots.
   * @default none
   */
  readonly volumeSnapshotClass?: string;
  /**
   * The folder below the store's destinationPath this cluster writes to (the plugin's `serverName`).
   * @default the Cluster's name
   */
  readonly serverName?: string;
  /**
   * Take a base backup as soon as the ScheduledBackup is created, so WAL archived from then on is usable.
   * @default true
   */
  readonly immediate?: boolean;
  /**
   * Which instance takes base backups.
   * @default the operator's default, "prefer-standby"
   */
  readonly target?: 'primary' | 'prefer-standby';
}

/** A point-in-time recovery target; at most one of time, lsn, xid, name and immediate. */
export interface RecoveryTarget {
  /** Recover up to this timestamp, RFC 3339 or PostgreSQL format; without a zone it is UTC. @default the end of the WAL */
  readonly time?: string;
  /** Recover up to this LSN, e.g. "0/3000060". @default unset */
  readonly lsn?: string;
  /** Recover up to this transaction id. Needs `backupId`. @default unset */
  readonly xid?: string;
  /** Recover up to this restore point (`pg_create_restore_point`). Needs `backupId`. @default unset */
  readonly name?: string;
  /** Stop as soon as the base backup is consistent. Needs `backupId`. @default false */
  readonly immediate?: boolean;
  /** The base backup to start from. @default the latest one before the target */
  readonly backupId?: string;
  /** The timeline to follow: "latest" or a positive number. @default PostgreSQL's default */
  readonly timeline?: string;
  /** Stop just before the target instead of just after. @default false */
  readonly exclusive?: boolean;
}

/** Bootstrap by recovery from a Barman Cloud ObjectStore backup. */
export interface DatabaseRecovery {
  /** The ObjectStore holding the origin's backups, in the database's namespace. */
  readonly objectStore: IBarmanObjectStore;
  /**
   * The origin cluster's folder in the store (its `serverName`).
   * @default the Cluster's name
   */
  readonly serverName?: string;
  /** Point-in-time target. @default the end of the archived WAL */
  readonly target?: RecoveryTarget;
}

/** Bootstrap by importing one database from an external PostgreSQL (`initdb.import`, microservice). */
export interface DatabaseImport {
  /** The source server's host name or IP address, reachable from the database's namespace. */
  readonly host: string;
  /** The source server's port. @default 5432 */
  readonly port?: number;
  /** The user that reads the source (pg_dump needs read access to everything imported). */
  readonly user: string;
  /** The source database; it becomes this Cluster's application database, renamed and re-owned. */
  readonly database: string;
  /** The Secret key with the source user's password, in the database's namespace; the key must be among the source's keys. */
  readonly passwordSecret: {
    /** The Secret (a SealedSecret, an ExternalSecret, or `SecretSource.fromSecretName`). */
    readonly secret: ISecretSource;
    /** The key holding the password. */
    readonly key: string;
  };
  /** libpq `sslmode` for the source connection. @default "prefer" */
  readonly sslMode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** Import the schema only, no data. @default false */
  readonly schemaOnly?: boolean;
  /** SQL run in the application database after the import, as its owner. @default none */
  readonly postImportApplicationSql?: readonly string[];
}

/** Properties for `CnpgDatabase`. */
export interface CnpgDatabaseProps {
  /**
   * The Cluster's name: a DNS-1035 label of at most 50 characters (the operator derives Service
   * names from it). Services `<name>-rw`, `-ro`, `-r` and Secret `<name>-app` follow.
   */
  readonly name: string;
  /**
   * PostgreSQL instances: one primary, the rest streaming replicas. Production requires two or
   * more unless `singleInstanceReason` is given.
   * @default 1
   */
  readonly instances?: number;
  /**
   * Why a production database runs one instance (e.g. a single-node cluster). Waives the
   * two-instance rule, not the backup rule; recorded on the Cluster as an annotation.
   * @default none
   */
  readonly singleInstanceReason?: string;
  /** The PostgreSQL major version, 12 or newer; must match the image's tag or selects the catalog entry. */
  readonly postgresVersion: number;
  /**
   * The PostgreSQL image with a pinned version tag (e.g. `ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie`),
   * optionally with a digest. Exclusive with `imageCatalog`; one of the two is required, because
   * the operator's default image changes with operator upgrades.
   * @default none
   */
  readonly imageName?: string;
  /**
   * An image catalog to take the image for `postgresVersion` from. Exclusive with `imageName`.
   * @default none
   */
  readonly imageCatalog?: ImageCatalogRef;
  /** The data volume's size per instance, a quantity such as "10Gi". */
  readonly storageSize: string;
  /**
   * The StorageClass of the data (and WAL) volumes.
   * @default the environment's `storageClass`
   */
  readonly storageClass?: string;
  /**
   * A separate WAL volume per instance of this size; once set it cannot be removed (WH).
   * @default none: WAL lives on the data volume
   */
  readonly walStorageSize?: string;
  /** CPU and memory of each instance. @default none: no requests or limits */
  readonly resources?: DatabaseResources;
  /**
   * PostgreSQL parameters (`postgresql.parameters`). Parameters the operator owns are refused.
   * @default the operator's defaults
   */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * The application database (created by initdb, recovered, or the import's target).
   * @default "app"
   */
  readonly database?: string;
  /**
   * The application user, owner of the database.
   * @default the database's name
   */
  readonly owner?: string;
  /**
   * A `kubernetes.io/basic-auth` Secret with the owner's `username` and `password` (both must be
   * among the source's keys), instead of the generated `<name>-app`. The operator then creates no `<name>-app`, and connection strings
   * (`uri` and friends) exist nowhere.
   * @default none: the operator generates `<name>-app`
   */
  readonly existingSecret?: ISecretSource;
  /** Roles the operator creates and keeps in the declared state. @default none */
  readonly roles?: readonly ManagedRole[];
  /**
   * Anti-affinity between instances across nodes, when there is more than one: `preferred`
   * schedules anyway when nodes run out, `required` leaves instances pending.
   * @default "preferred", the operator's default
   */
  readonly podAntiAffinity?: 'preferred' | 'required';
  /**
   * Let the operator create its PodDisruptionBudgets. With one instance its primary PDB
   * (minAvailable 1) blocks every node drain, so the default turns it off then.
   * @default true with two or more instances, false with one
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Emit a Prometheus Operator PodMonitor for the instances' metrics (port 9187) and alert rules
   * (`DatabaseAlerts`: failed WAL archiving, stale backups, replication lag), and admit scrapers.
   * Production requires it (policy rule database-watched).
   * @default true in production, false elsewhere
   */
  readonly monitoring?: boolean;
  /**
   * Extra labels on the PodMonitor and the alert rules, besides those the environment's Prometheus
   * selects by (environment.yaml `prometheus.selectorLabels`, which they always carry).
   * @default none
   */
  readonly podMonitorLabels?: Readonly<Record<string, string>>;
  /**
   * Who may scrape port 9187 when monitoring is on; required then, unless `networkPolicy` is
   * false: an open metrics port would leave the database's namespace unguarded (the
   * database-namespace-guarded rule).
   * @default none: required with monitoring
   */
  readonly metricsScrapers?: readonly PodPeer[];
  /** Continuous backup through the Barman Cloud Plugin. Required in production. @default none */
  readonly backup?: DatabaseBackup;
  /** Bootstrap by recovery from an ObjectStore backup instead of initdb. @default none */
  readonly recovery?: DatabaseRecovery;
  /** Bootstrap by importing a database from an external PostgreSQL. @default none */
  readonly importFrom?: DatabaseImport;
  /** Peers admitted to port 5432; more can be added with `connections.allowFrom`. @default none */
  readonly allowFrom?: readonly NetworkPeer[];
  /**
   * @deprecated since 0.2: renamed `allowFrom`, the one admission vocabulary of the library.
   * @default none
   */
  readonly clients?: readonly NetworkPeer[];
  /**
   * Emit a NetworkPolicy that admits only the peers of `allowFrom`, the Cluster's own pods and the
   * operator; without it, `connections.allowFrom` is refused.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * The namespace the CNPG operator runs in, admitted by the NetworkPolicy, where it differs from
   * what environment.yaml declares (`cloudnativePg.operatorNamespace`).
   * @default the environment's `cloudnativePg.operatorNamespace`
   */
  readonly operatorNamespace?: string;
  /**
   * The Kubernetes cluster's DNS domain, for the fully qualified host names in `connection`.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
  /**
   * The `app.kubernetes.io/component` label.
   * @default "database"
   */
  readonly component?: string;
}

/** A consumer in another namespace whose ServiceAccount may read the application Secret. */
export interface CredentialsGrant {
  /** The consumer's namespace. */
  readonly namespace: string;
  /**
   * The ServiceAccount in that namespace that External Secrets authenticates as.
   * @default `<cluster>-credentials`, what `DatabaseCredentials` creates
   */
  readonly serviceAccountName?: string;
}

/** Options for `CnpgDatabase.credentialsFor`. */
export interface CredentialsForOptions extends CredentialsGrant {
  /**
   * The Secret's name in the consumer namespace.
   * @default the database's Secret name, `<cluster>-app`
   */
  readonly secretName?: string;
}

const AMOUNTS_SHAPE = valueShape<ResourceAmounts>('{ cpu?, memory? }, Kubernetes quantity strings', { cpu: Type.Optional(Type.String()), memory: Type.Optional(Type.String()) });

/** An `IBarmanObjectStore`: a `BarmanObjectStore`, or `BarmanObjectStore.fromObjectStoreAttributes`. */
const OBJECT_STORE_SHAPE = referenceShape('an IBarmanObjectStore: a BarmanObjectStore, or a reference to one ({ name, namespace })', { name: Type.String({ minLength: 1 }), namespace: Type.String({ minLength: 1 }) });

/** The shape of `CnpgDatabaseProps`, checked at run time (lib/core/prop-shape.ts). */
export const CNPG_DATABASE_PROPS_SHAPE = propsShape<CnpgDatabaseProps>('the props of a CnpgDatabase', {
  name: Type.String(),
  instances: Type.Optional(Type.Number()),
  singleInstanceReason: Type.Optional(Type.String()),
  postgresVersion: Type.Number({ description: 'a PostgreSQL major version such as 17' }),
  imageName: Type.Optional(Type.String()),
  imageCatalog: Type.Optional(valueShape<ImageCatalogRef>('{ kind: "ImageCatalog" | "ClusterImageCatalog", name }', { kind: oneOf(['ImageCatalog', 'ClusterImageCatalog']), name: Type.String() })),
  storageSize: Type.String({ description: 'a Kubernetes quantity string such as "10Gi"' }),
  storageClass: Type.Optional(Type.String()),
  walStorageSize: Type.Optional(Type.String({ description: 'a Kubernetes quantity string such as "2Gi"' })),
  resources: Type.Optional(valueShape<ResourceRequirements>('{ requests?, limits? }, each { cpu?, memory? }', { requests: Type.Optional(AMOUNTS_SHAPE), limits: Type.Optional(AMOUNTS_SHAPE) })),
  parameters: Type.Optional(stringMap('a map of PostgreSQL parameters to string values')),
  database: Type.Optional(Type.String()),
  owner: Type.Optional(Type.String()),
  existingSecret: Type.Optional(SECRET_SOURCE_SHAPE),
  roles: Type.Optional(Type.Array(valueShape<ManagedRole>('a role: { name, ensure?, login?, ... }', {
    name: Type.String(),
    ensure: Type.Optional(oneOf(['present', 'absent'])),
    login: Type.Optional(Type.Boolean()),
    superuser: Type.Optional(Type.Boolean()),
    createdb: Type.Optional(Type.Boolean()),
    createrole: Type.Optional(Type.Boolean()),
    replication: Type.Optional(Type.Boolean()),
    bypassrls: Type.Optional(Type.Boolean()),
    inherit: Type.Optional(Type.Boolean()),
    connectionLimit: Type.Optional(Type.Number()),
    inRoles: Type.Optional(stringList()),
    passwordSecret: Type.Optional(SECRET_SOURCE_SHAPE),
    disablePassword: Type.Optional(Type.Boolean()),
    comment: Type.Optional(Type.String()),
  }))),
  podAntiAffinity: Type.Optional(oneOf(['preferred', 'required'])),
  podDisruptionBudget: Type.Optional(Type.Boolean()),
  monitoring: Type.Optional(Type.Boolean()),
  podMonitorLabels: Type.Optional(stringMap('a map of label names to values')),
  metricsScrapers: Type.Optional(Type.Array(POD_PEER_SHAPE)),
  backup: Type.Optional(valueShape<DatabaseBackup>('a backup: { objectStore, schedule?, method?, ... }', {
    objectStore: OBJECT_STORE_SHAPE,
    schedule: Type.Optional(Type.String()),
    method: Type.Optional(oneOf(['plugin', 'volumeSnapshot'])),
    volumeSnapshotClass: Type.Optional(Type.String()),
    serverName: Type.Optional(Type.String()),
    immediate: Type.Optional(Type.Boolean()),
    target: Type.Optional(oneOf(['primary', 'prefer-standby'])),
  })),
  recovery: Type.Optional(valueShape<DatabaseRecovery>('a recovery: { objectStore, serverName?, target? }', {
    objectStore: OBJECT_STORE_SHAPE,
    serverName: Type.Optional(Type.String()),
    target: Type.Optional(valueShape<RecoveryTarget>('a recovery target: { time? | lsn? | xid? | name? | immediate? | backupId?, timeline?, exclusive? }', {
      time: Type.Optional(Type.String()),
      lsn: Type.Optional(Type.String()),
      xid: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      immediate: Type.Optional(Type.Boolean()),
      backupId: Type.Optional(Type.String()),
      timeline: Type.Optional(Type.String()),
      exclusive: Type.Optional(Type.Boolean()),
    })),
  })),
  importFrom: Type.Optional(valueShape<DatabaseImport>('an import: { host, port?, user, database, passwordSecret, ... }', {
    host: Type.String(),
    port: Type.Optional(Type.Number()),
    user: Type.String(),
    database: Type.String(),
    passwordSecret: valueShape<DatabaseImport['passwordSecret']>('{ secret: ISecretSource, key }', { secret: SECRET_SOURCE_SHAPE, key: Type.String() }),
    sslMode: Type.Optional(oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'])),
    schemaOnly: Type.Optional(Type.Boolean()),
    postImportApplicationSql: Type.Optional(stringList('a list of SQL statements')),
  })),
  allowFrom: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
  clients: Type.Optional(Type.Array(NETWORK_PEER_SHAPE)),
  networkPolicy: Type.Optional(Type.Boolean()),
  operatorNamespace: Type.Optional(Type.String()),
  clusterDomain: Type.Optional(Type.String()),
  component: Type.Optional(Type.String()),
});
