import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import { DatabaseAlerts } from './database-alerts';
import {
  Cluster,
  ClusterSpecBootstrapInitdbImportType,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  ScheduledBackupSpecTarget,
  type ClusterSpecBootstrap,
  type ClusterSpecExternalClusters,
} from '../../imports/postgresql.cnpg.io';
import { AppChart } from '../core/app';
import { protectFromPrune } from '../core/argocd-sync';
import { checkDns1035Label, checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { parseImage } from '../core/image';
import { k8s } from '../core/k8s';
import { checkLabel } from '../core/labels';
import { networkPolicyPeer, tcpPort, type PodPeer } from '../core/network-peer';
import { checkResources, checkSize, type ResourceAmounts, type ResourceRequirements } from '../core/quantity';
import { BARMAN_CLOUD_PLUGIN, type IBarmanObjectStore } from './barman-object-store';
import { DatabaseCredentials, credentialsReaderName } from './database-credentials';
import { POSTGRES_PORT, databaseConnection, type DatabaseConnection, type DatabaseConnectionOptions } from './database-connection';

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
const RECOVERY_SOURCE = 'recovery-origin';
const IMPORT_SOURCE = 'import-source';

/** Pods allowed to connect to the database: a namespace (default: the database's) and pod labels. */
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
   * A `kubernetes.io/basic-auth` Secret with `username` and `password`, in the database's namespace.
   * @default none: the password is left alone
   */
  readonly passwordSecret?: string;
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
  /** The Secret key with the source user's password, in the database's namespace; not emitted here. */
  readonly passwordSecret: {
    /** The Secret's name. */
    readonly name: string;
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
   * A `kubernetes.io/basic-auth` Secret with the owner's `username` and `password`, instead of the
   * generated `<name>-app`. The operator then creates no `<name>-app`, and connection strings
   * (`uri` and friends) exist nowhere.
   * @default none: the operator generates `<name>-app`
   */
  readonly existingSecret?: string;
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
   * Extra labels on the PodMonitor, for a Prometheus that selects monitors by label (the
   * kube-prometheus-stack chart selects `release: <release name>` by default).
   * @default none
   */
  readonly podMonitorLabels?: Readonly<Record<string, string>>;
  /**
   * Who may scrape port 9187 when monitoring is on.
   * @default any pod in any namespace (metrics carry no credentials)
   */
  readonly metricsScrapers?: readonly DatabaseClient[];
  /** Continuous backup through the Barman Cloud Plugin. Required in production. @default none */
  readonly backup?: DatabaseBackup;
  /** Bootstrap by recovery from an ObjectStore backup instead of initdb. @default none */
  readonly recovery?: DatabaseRecovery;
  /** Bootstrap by importing a database from an external PostgreSQL. @default none */
  readonly importFrom?: DatabaseImport;
  /** Pods admitted to port 5432; more can be added with `allowConnectionsFrom`. @default none */
  readonly clients?: readonly DatabaseClient[];
  /**
   * Emit a NetworkPolicy that admits only the declared clients, the Cluster's own pods and the operator.
   * @default true
   */
  readonly networkPolicy?: boolean;
  /**
   * The namespace the CNPG operator runs in, admitted by the NetworkPolicy.
   * @default "cnpg-system", the operator manifest's namespace
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

/**
 * A CloudNativePG PostgreSQL database: a Cluster with its storage, bootstrap (initdb, recovery
 * from a backup, or import from an external server), managed roles, continuous backup to a
 * Barman Cloud ObjectStore with a ScheduledBackup, a PodMonitor, and a NetworkPolicy admitting
 * only declared clients. Cluster and ScheduledBackup are protected from ArgoCD pruning.
 *
 * Apps connect through `connection` (Service and Secret names, typed); apps in another
 * namespace get a copy of the credentials through `credentialsFor` / `DatabaseCredentials`.
 */
export class CnpgDatabase extends Construct {
  /**
   * The connection facts of a CNPG database emitted elsewhere, e.g. by the platform app, for a
   * consumer app in another chart: the same values as `connection` of the construct that emits
   * it, given the same name, namespace, database and owner.
   */
  public static connectionFor(options: DatabaseConnectionOptions): DatabaseConnection {
    return databaseConnection(options);
  }

  /** The Cluster's name. */
  public readonly name: string;
  /** The namespace of the Cluster, its Services and Secrets. */
  public readonly namespace: string;
  /** Instances in the Cluster. */
  public readonly instances: number;
  /** How apps connect: Service host names, port, database, user, Secret name and keys. */
  public readonly connection: DatabaseConnection;
  /** The ScheduledBackup's name, when backups are on. */
  public readonly scheduledBackupName?: string;
  /** The NetworkPolicy's name, when it is emitted. */
  public readonly networkPolicyName?: string;

  private readonly clients: DatabaseClient[] = [];
  private readonly grants = new Set<string>();
  private readonly component: string;

  constructor(scope: Construct, id: string, props: CnpgDatabaseProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.namespace = chart.namespace!;
    this.instances = props.instances ?? 1;
    this.component = props.component ?? 'database';
    const database = props.database ?? 'app';
    const owner = props.owner ?? database;
    this.connection = databaseConnection({
      clusterName: this.name,
      namespace: this.namespace,
      database,
      user: owner,
      existingSecret: props.existingSecret,
      clusterDomain: props.clusterDomain,
    });
    const storageClass = props.storageClass ?? chart.environment.storageClass;
    this.clients.push(...(props.clients ?? []));

    this.node.addValidation({ validate: () => validateDatabase(props, this, storageClass, chart) });

    const labels = chart.labelsFor(this.component);
    const annotations: Record<string, string> = {};
    if (props.singleInstanceReason !== undefined) annotations[SINGLE_INSTANCE_REASON_ANNOTATION] = props.singleInstanceReason;

    const backup = props.backup;
    const monitoring = props.monitoring ?? chart.environment.production;
    const volumeSnapshots = backup?.method === 'volumeSnapshot';
    const cluster = new Cluster(this, 'Resource', {
      metadata: { name: this.name, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
      // Labels stay on the Cluster and are not copied through `inheritedMetadata`: pods, PVCs and
      // Services carrying app.kubernetes.io/instance could be taken for objects of the ArgoCD
      // Application under label tracking, and shown out of sync or pruned. A precaution; the
      // operator's own `cnpg.io/cluster` label is what selects them.
      spec: {
        instances: this.instances,
        ...(props.imageCatalog
          ? {
            // CRD CEL: apiGroup must be postgresql.cnpg.io; kind ImageCatalog or ClusterImageCatalog.
            imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: props.imageCatalog.kind, name: props.imageCatalog.name, major: props.postgresVersion },
          }
          : { imageName: props.imageName }),
        // pkg/specs/poddisruptionbudget.go: the primary PDB `<name>-primary` has minAvailable 1
        // whatever the instance count, so with one instance no eviction is ever allowed and
        // `kubectl drain` never finishes (read from the code; others running single instances
        // set enablePDB: false for this reason). The CRD calls false "advisable" where the
        // primary may go down, and with one instance a drain takes it down anyway.
        enablePdb: props.podDisruptionBudget ?? this.instances > 1,
        ...(this.instances > 1
          ? {
            // docs/src/scheduling.md: anti-affinity on kubernetes.io/hostname, stated explicitly
            // so the manifest says where replicas go.
            affinity: { enablePodAntiAffinity: true, podAntiAffinityType: props.podAntiAffinity ?? 'preferred', topologyKey: 'kubernetes.io/hostname' },
          }
          : {}),
        storage: { size: props.storageSize, storageClass },
        walStorage: props.walStorageSize ? { size: props.walStorageSize, storageClass } : undefined,
        resources: props.resources ? clusterResources(props.resources) : undefined,
        postgresql: props.parameters && Object.keys(props.parameters).length ? { parameters: { ...props.parameters } } : undefined,
        bootstrap: bootstrapOf(props, database, owner),
        externalClusters: externalClustersOf(props),
        managed: props.roles?.length ? { roles: props.roles.map(managedRole) } : undefined,
        // Continuous archiving through the Barman Cloud Plugin; never the deprecated in-tree
        // spec.backup.barmanObjectStore (removed in 1.31; WH rejects both together anyway).
        plugins: backup
          ? [{
            name: BARMAN_CLOUD_PLUGIN,
            isWalArchiver: true,
            parameters: { barmanObjectName: backup.objectStore.name, ...(backup.serverName ? { serverName: backup.serverName } : {}) },
          }]
          : undefined,
        // docs/src/appendixes/backup_volumesnapshot.md: snapshots for base backups alongside the
        // plugin as WAL archiver.
        backup: volumeSnapshots ? { volumeSnapshot: { className: backup.volumeSnapshotClass } } : undefined,
      },
    });
    protectFromPrune(cluster);

    if (backup) {
      this.scheduledBackupName = `${this.name}-backup`;
      const scheduled = new ScheduledBackup(this, 'ScheduledBackup', {
        metadata: { name: this.scheduledBackupName, labels },
        spec: {
          cluster: { name: this.name },
          schedule: backup.schedule ?? '0 0 0 * * *',
          // The CRD defaults method to the deprecated barmanObjectStore: always say which.
          method: volumeSnapshots ? ScheduledBackupSpecMethod.VOLUME_SNAPSHOT : ScheduledBackupSpecMethod.PLUGIN,
          pluginConfiguration: volumeSnapshots ? undefined : { name: BARMAN_CLOUD_PLUGIN },
          immediate: backup.immediate ?? true,
          // Backup objects are owned by the ScheduledBackup, so they do not pile up ownerless;
          // what stays in the store is governed by the ObjectStore's retention policy.
          backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
          target: backup.target as ScheduledBackupSpecTarget | undefined,
        },
      });
      protectFromPrune(scheduled);
    }

    if (monitoring) {
      // docs/src/monitoring.md: the in-Cluster `enablePodMonitor` is deprecated; create this instead.
      // Not named like the Cluster: that name is the operator's own PodMonitor, which it deletes
      // while enablePodMonitor is off.
      new PodMonitor(this, 'PodMonitor', {
        metadata: { name: `${this.name}-metrics`, labels: { ...labels, ...props.podMonitorLabels } },
        spec: {
          selector: { matchLabels: { [CNPG_CLUSTER_LABEL]: this.name } },
          podMetricsEndpoints: [{ port: 'metrics' }],
        },
      });
      new DatabaseAlerts(this, 'Alerts', { clusterName: this.name, backups: backup !== undefined && !volumeSnapshots, instances: this.instances, labels: props.podMonitorLabels });
    }

    if (props.networkPolicy ?? true) {
      this.networkPolicyName = `${this.name}-ingress`;
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { name: this.networkPolicyName, labels },
        spec: {
          podSelector: { matchLabels: { [CNPG_CLUSTER_LABEL]: this.name } },
          // Ingress only: instances need egress to the API server, the object store and an import
          // source, none of which this construct can name precisely.
          policyTypes: ['Ingress'],
          // Lazy: clients added with allowConnectionsFrom after construction are included.
          ingress: Lazy.any({ produce: () => this.ingressRules(props) }),
        },
      });
    }
  }

  /** Admits `client`'s pods to port 5432 through the NetworkPolicy. */
  public allowConnectionsFrom(client: DatabaseClient): void {
    this.clients.push(client);
  }

  /**
   * Lets a ServiceAccount in another namespace read this database's application Secret, and
   * nothing else: a Role in the database's namespace with `get` on that one Secret by name, and a
   * RoleBinding to the ServiceAccount. The External Secrets kubernetes provider reads a remote
   * Secret with a single GET (providers/v1/kubernetes), and its SecretStore check
   * (validate.go: a SelfSubjectRulesReview rule on "secrets" with verb "get") passes with
   * `resourceNames` set; creating SelfSubjectRulesReviews is granted to every authenticated user
   * by the default `system:basic-user` ClusterRole, so it is not repeated here.
   *
   * Use it in the database's chart when the consumer is emitted by another app; the consumer
   * emits `DatabaseCredentials` with the same ServiceAccount name.
   */
  public grantCredentialsTo(grant: CredentialsGrant): void {
    const serviceAccountName = grant.serviceAccountName ?? credentialsReaderName(this.name);
    const key = `${grant.namespace}/${serviceAccountName}`;
    if (this.grants.has(key)) return;
    this.grants.add(key);
    const name = serviceAccountName === credentialsReaderName(this.name)
      ? `${this.name}-credentials-${grant.namespace}`
      : `${this.name}-credentials-${grant.namespace}-${serviceAccountName}`;
    const id = `Credentials-${grant.namespace}-${serviceAccountName}`;
    const labels = AppChart.of(this).labelsFor(this.component);
    this.node.addValidation({ validate: () => validateGrant(grant, serviceAccountName, name, this.namespace) });
    new k8s.KubeRole(this, `${id}-Role`, {
      metadata: { name, labels },
      rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [this.connection.secretName], verbs: ['get'] }],
    });
    new k8s.KubeRoleBinding(this, `${id}-RoleBinding`, {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccountName, namespace: grant.namespace }],
    });
  }

  /**
   * Makes the application credentials available in another namespace of the same app: grants
   * read access (`grantCredentialsTo`) and emits, under `scope`, a `DatabaseCredentials` (a
   * ServiceAccount, a kubernetes-provider SecretStore and an ExternalSecret in that namespace).
   * Returns it; its `secretName` is the Secret to mount there.
   */
  public credentialsFor(scope: Construct, options: CredentialsForOptions): DatabaseCredentials {
    this.grantCredentialsTo(options);
    return new DatabaseCredentials(scope, `${this.name}-credentials-${options.namespace}`, {
      connection: this.connection,
      namespace: options.namespace,
      serviceAccountName: options.serviceAccountName,
      secretName: options.secretName,
    });
  }

  /** The clients admitted so far (props and `allowConnectionsFrom`). */
  public get allowedClients(): readonly DatabaseClient[] {
    return this.clients;
  }

  private ingressRules(props: CnpgDatabaseProps): k8s.NetworkPolicyIngressRule[] {
    const port = tcpPort;
    const rules: k8s.NetworkPolicyIngressRule[] = [
      // The Cluster's own pods: replicas stream from the primary, join and bootstrap jobs (which
      // lack the instance role label, so only cnpg.io/cluster is matched) reach 5432, and
      // instances query each other's status on 8000.
      { from: [{ podSelector: { matchLabels: { [CNPG_CLUSTER_LABEL]: this.name } } }], ports: [port(POSTGRES_PORT), port(CNPG_STATUS_PORT)] },
      // docs/src/networking.md and samples/networkpolicy-example.yaml: "the operator can reach
      // every cluster pod on ports 8000 and 5432". Namespace and pod selector in one peer: both must match.
      {
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': props.operatorNamespace ?? 'cnpg-system' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
        }],
        ports: [port(CNPG_STATUS_PORT), port(POSTGRES_PORT)],
      },
    ];
    // An empty `from` would admit every source, so the client rule exists only with clients.
    if (this.clients.length > 0) rules.push({ from: this.clients.map((c) => this.peerOf(c)), ports: [port(POSTGRES_PORT)] });
    if (props.monitoring ?? AppChart.of(this).environment.production) {
      const scrapers = props.metricsScrapers ?? [];
      rules.push(scrapers.length > 0
        ? { from: scrapers.map((c) => this.peerOf(c)), ports: [port(CNPG_METRICS_PORT)] }
        : { ports: [port(CNPG_METRICS_PORT)] });
    }
    return rules;
  }

  private peerOf(client: DatabaseClient): k8s.NetworkPolicyPeer {
    return networkPolicyPeer(client, this.namespace);
  }
}

function bootstrapOf(props: CnpgDatabaseProps, database: string, owner: string): ClusterSpecBootstrap {
  const secret = props.existingSecret ? { name: props.existingSecret } : undefined;
  if (props.recovery) {
    const target = props.recovery.target;
    return {
      recovery: {
        source: RECOVERY_SOURCE,
        // WH validateApplicationDatabase: database and owner go together.
        database,
        owner,
        secret,
        recoveryTarget: target
          ? {
            targetTime: target.time,
            targetLsn: target.lsn,
            targetXid: target.xid,
            targetName: target.name,
            targetImmediate: target.immediate,
            backupId: target.backupId,
            targetTli: target.timeline,
            exclusive: target.exclusive,
          }
          : undefined,
      },
    };
  }
  const source = props.importFrom;
  return {
    initdb: {
      database,
      owner,
      secret,
      import: source
        ? {
          // Microservice: one database, renamed to `database` and owned by `owner`; roles are not imported.
          type: ClusterSpecBootstrapInitdbImportType.MICROSERVICE,
          databases: [source.database],
          source: { externalCluster: IMPORT_SOURCE },
          schemaOnly: source.schemaOnly,
          postImportApplicationSql: source.postImportApplicationSql ? [...source.postImportApplicationSql] : undefined,
        }
        : undefined,
    },
  };
}

function externalClustersOf(props: CnpgDatabaseProps): ClusterSpecExternalClusters[] | undefined {
  if (props.recovery) {
    // Barman Cloud plugin usage.md: recovery reads the store through an externalCluster with the
    // plugin; `serverName` names the origin's folder. WH validateBootstrapRecoverySource requires it.
    return [{
      name: RECOVERY_SOURCE,
      plugin: {
        name: BARMAN_CLOUD_PLUGIN,
        parameters: { barmanObjectName: props.recovery.objectStore.name, serverName: props.recovery.serverName ?? props.name },
      },
    }];
  }
  const source = props.importFrom;
  if (source) {
    return [{
      name: IMPORT_SOURCE,
      connectionParameters: {
        host: source.host,
        port: String(source.port ?? POSTGRES_PORT),
        user: source.user,
        dbname: source.database,
        sslmode: source.sslMode ?? 'prefer',
      },
      password: { name: source.passwordSecret.name, key: source.passwordSecret.key },
    }];
  }
  return undefined;
}

function clusterResources(resources: DatabaseResources) {
  const amounts = <T>(a: ResourceAmounts | undefined, of: (v: string) => T) => {
    if (!a) return undefined;
    const result: Record<string, T> = {};
    if (a.cpu !== undefined) result.cpu = of(a.cpu);
    if (a.memory !== undefined) result.memory = of(a.memory);
    return result;
  };
  return {
    requests: amounts(resources.requests, ClusterSpecResourcesRequests.fromString),
    limits: amounts(resources.limits, ClusterSpecResourcesLimits.fromString),
  };
}

function managedRole(role: ManagedRole) {
  return {
    name: role.name,
    ensure: role.ensure as ClusterSpecManagedRolesEnsure | undefined,
    login: role.login,
    superuser: role.superuser,
    createdb: role.createdb,
    createrole: role.createrole,
    replication: role.replication,
    bypassrls: role.bypassrls,
    inherit: role.inherit,
    connectionLimit: role.connectionLimit,
    inRoles: role.inRoles ? [...role.inRoles] : undefined,
    passwordSecret: role.passwordSecret ? { name: role.passwordSecret } : undefined,
    disablePassword: role.disablePassword,
    comment: role.comment,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateDatabase(props: CnpgDatabaseProps, db: CnpgDatabase, storageClass: string | undefined, chart: AppChart): string[] {
  const errors: string[] = [];
  const environment = chart.environment;
  errors.push(...validateName(props.name));

  // Instances and the production rules.
  if (!Number.isInteger(db.instances) || db.instances < 1) errors.push(`instances ${db.instances} must be a whole number of at least 1 (Cluster CRD minimum)`);
  if (props.singleInstanceReason !== undefined) {
    if (props.singleInstanceReason.trim() === '') errors.push('singleInstanceReason is empty; say why one instance is acceptable, or remove it');
    if (db.instances > 1) errors.push(`singleInstanceReason is set but instances is ${db.instances}; remove the reason, it would be recorded on a Cluster that is not single-instance`);
  }
  if (environment.production) {
    if (!props.backup) {
      errors.push(`environment ${environment.name} is production, and a production database must have backups: set backup.objectStore (a BarmanObjectStore); singleInstanceReason does not waive this`);
    }
    if (db.instances < 2 && props.singleInstanceReason === undefined) {
      errors.push(`environment ${environment.name} is production, and a production database needs at least 2 instances; set instances: 2 or more, or give singleInstanceReason (recorded in the ${SINGLE_INSTANCE_REASON_ANNOTATION} annotation)`);
    }
  }

  errors.push(...validateImage(props, environment.production));

  // Storage.
  if (!storageClass) {
    errors.push(`no StorageClass: set storageClass, or storageClass in environment ${environment.name}'s environment.yaml`);
  } else {
    const problem = checkDnsSubdomain(storageClass);
    if (problem) errors.push(`storageClass "${storageClass}" ${problem}`);
  }
  errors.push(...checkSize('storageSize', props.storageSize));
  if (props.walStorageSize !== undefined) errors.push(...checkSize('walStorageSize', props.walStorageSize));
  if (props.resources) errors.push(...checkResources(props.resources));
  errors.push(...validateParameters(props, db.instances));

  // Application database and roles.
  const database = props.database ?? 'app';
  const owner = props.owner ?? database;
  const databaseProblem = checkIdentifier(database);
  if (databaseProblem) errors.push(`database "${database}" ${databaseProblem}`);
  else if (['postgres', 'template0', 'template1'].includes(database)) errors.push(`database "${database}" is a PostgreSQL system database; choose the application's own name`);
  const ownerProblem = checkIdentifier(owner);
  if (ownerProblem) errors.push(`owner "${owner}" ${ownerProblem}`);
  else if (RESERVED_ROLES.has(owner)) errors.push(`owner "${owner}" is a role the operator reserves (postgres.IsRoleReserved); choose the application's own user`);
  if (props.existingSecret !== undefined) {
    const problem = checkDnsSubdomain(props.existingSecret);
    if (problem) errors.push(`existingSecret "${props.existingSecret}" ${problem}`);
  }
  errors.push(...validateRoles(props.roles ?? []));

  // Backups and bootstrap.
  if (props.backup) errors.push(...validateBackup(props.backup, db));
  if (props.recovery && props.importFrom) {
    errors.push('recovery and importFrom are both set; a Cluster bootstraps one way (WH validateBootstrapMethod: "Too many bootstrap types specified"): recover from a backup or import from a server, not both');
  }
  if (props.recovery) errors.push(...validateRecovery(props, db));
  if (props.importFrom) errors.push(...validateImport(props.importFrom));

  // Network and monitoring.
  if (props.operatorNamespace !== undefined) {
    const problem = checkDnsLabel(props.operatorNamespace);
    if (problem) errors.push(`operatorNamespace "${props.operatorNamespace}" ${problem}`);
  }
  db.allowedClients.forEach((client, i) => errors.push(...validateClient(`client ${i + 1}`, client)));
  (props.metricsScrapers ?? []).forEach((client, i) => errors.push(...validateClient(`metricsScrapers[${i}]`, client)));
  // Monitoring is on by default in production only: elsewhere these would do nothing, silently.
  const monitoring = props.monitoring ?? chart.environment.production;
  if (props.metricsScrapers?.length && !monitoring) errors.push('metricsScrapers is set but monitoring is off (it is on by default in production only); set monitoring: true, or remove metricsScrapers');
  if (props.podMonitorLabels && !monitoring) errors.push('podMonitorLabels is set but monitoring is off (it is on by default in production only); set monitoring: true, or remove podMonitorLabels');
  for (const [key, value] of Object.entries(props.podMonitorLabels ?? {})) {
    const problem = checkLabel(key, value);
    if (problem) errors.push(`podMonitorLabels: ${problem}`);
  }
  if (props.component !== undefined) {
    const problem = checkDnsLabel(props.component);
    if (problem) errors.push(`component "${props.component}" ${problem}`);
  }
  return errors;
}

/**
 * WH validateName: "cluster name must be a valid DNS label" (DNS-1035, because Services are named
 * after it) and "the maximum length of a cluster name is 50 characters". The derived Service
 * names (docs/src/service_management.md; `-any` is reserved too) are checked as well, so that a
 * future change of suffix cannot produce an invalid Service silently.
 */
function validateName(name: string): string[] {
  const problem = checkDns1035Label(name);
  if (problem) return [`Cluster name "${name}" ${problem} (CNPG webhook validateName)`];
  if (name.length > 50) return [`Cluster name "${name}" is ${name.length} characters long; CNPG allows at most 50 (webhook validateName), leaving room for the names it derives`];
  const errors: string[] = [];
  for (const suffix of ['-rw', '-ro', '-r', '-any']) {
    const service = `${name}${suffix}`;
    const serviceProblem = checkDns1035Label(service);
    if (serviceProblem) errors.push(`the derived Service name "${service}" ${serviceProblem}`);
  }
  return errors;
}

function validateImage(props: CnpgDatabaseProps, production: boolean): string[] {
  const errors: string[] = [];
  const major = props.postgresVersion;
  const example = `ghcr.io/cloudnative-pg/postgresql:${Number.isInteger(major) ? major : 17}.<minor>-system-trixie`;
  // WH validateImageName: PostgreSQL versions below 12 are not supported.
  if (!Number.isInteger(major) || major < 12) errors.push(`postgresVersion ${major} is not a supported PostgreSQL major version; CloudNativePG supports 12 and newer`);
  if (props.imageName !== undefined && props.imageCatalog) {
    errors.push('imageName and imageCatalog are exclusive (Cluster CRD: "imageName and imageCatalogRef are mutually exclusive"); keep one');
  }
  if (props.imageName === undefined && !props.imageCatalog) {
    errors.push(`the PostgreSQL image is not pinned: set imageName (e.g. "${example}") or imageCatalog; without either the operator's default image applies, and it changes with operator upgrades`);
  }
  if (props.imageName !== undefined) {
    const name = props.imageName;
    const image = parseImage(name);
    // WH validateImageName: a tag is required even with a digest (the operator reads the
    // PostgreSQL version from it), "latest" is refused, and the tag must be a version.
    if (!image) {
      errors.push(`imageName "${name}" is not a valid image reference (repository:tag[@sha256:<64 hex>])`);
    } else if (!image.tag) {
      errors.push(`imageName "${name}" has no tag; CNPG reads the PostgreSQL version from the tag, so write <repository>:<version>[@sha256:<digest>], e.g. "${example}"`);
    } else if (image.tag === 'latest') {
      errors.push(`imageName "${name}" uses the "latest" tag, which CNPG refuses; pin a version such as "${example}"`);
    } else {
      const tagMajor = /^(\d+)(\.\d+)*(-.*)?$/.exec(image.tag);
      if (!tagMajor) errors.push(`imageName "${name}" has tag "${image.tag}", which is not a PostgreSQL version; CNPG reads the version from the tag (e.g. "17.6" or "17.6-system-trixie")`);
      else if (Number(tagMajor[1]) !== major) errors.push(`imageName "${name}" is PostgreSQL ${tagMajor[1]} but postgresVersion is ${major}; make them agree (a major upgrade is a deliberate change of both)`);
    }
    // The project's production rule for every image (lib/core/image.ts): what was reviewed is what runs.
    if (image && production && !image.digest) {
      errors.push(`imageName "${name}" has no digest; production requires <repository>:<version>@sha256:<digest> so the reviewed image is the one that runs`);
    }
  }
  if (props.imageCatalog) {
    const problem = checkDnsSubdomain(props.imageCatalog.name);
    if (problem) errors.push(`imageCatalog.name "${props.imageCatalog.name}" ${problem}`);
  }
  return errors;
}

function validateParameters(props: CnpgDatabaseProps, instances: number): string[] {
  const errors: string[] = [];
  const parameters = props.parameters ?? {};
  for (const [key, value] of Object.entries(parameters)) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(key)) errors.push(`parameter "${key}" is not a PostgreSQL parameter name (lower-case letters, digits, "_" and ".")`);
    if (FIXED_POSTGRES_PARAMETERS.has(key) || key.startsWith('recovery_target')) {
      const hint = key === 'shared_preload_libraries' ? '; list extensions in the Cluster\'s postgresql.sharedPreloadLibraries instead' : '';
      errors.push(`parameter "${key}" is managed by the operator and cannot be set (CNPG webhook: "Can't set fixed configuration parameter")${hint}`);
    }
    if (typeof value !== 'string') errors.push(`parameter "${key}" must be a string (PostgreSQL parameters are written as text, e.g. "256MB")`);
  }
  // WH validateConfiguration: wal_level must be replica or logical with replicas or archiving,
  // and wal_log_hints must be on with replicas (pg_rewind after a failover needs it).
  if (parameters.wal_level === 'minimal' && (instances > 1 || props.backup)) {
    errors.push('parameter wal_level "minimal" cannot stream to replicas or archive WAL; use "replica" or "logical" (the default)');
  }
  if (instances > 1 && ['off', 'false', '0'].includes(String(parameters.wal_log_hints ?? '').toLowerCase())) {
    errors.push('parameter wal_log_hints must stay on with more than one instance: the operator uses pg_rewind to rejoin a former primary');
  }
  return errors;
}

function validateRoles(roles: readonly ManagedRole[]): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  // WH validateManagedRoles: unique names, connectionLimit >= -1, no reserved roles, and not
  // both disablePassword and passwordSecret.
  for (const role of roles) {
    const where = `role "${role.name}"`;
    if (!role.name) errors.push('a managed role has an empty name');
    else if (role.name.length > 63) errors.push(`${where} is ${role.name.length} characters long; PostgreSQL names are at most 63 bytes`);
    if (seen.has(role.name)) errors.push(`${where} is declared twice; each role is managed once`);
    seen.add(role.name);
    if (RESERVED_ROLES.has(role.name)) errors.push(`${where} is reserved by the operator (postgres.IsRoleReserved) and cannot be managed`);
    if (role.connectionLimit !== undefined && (!Number.isInteger(role.connectionLimit) || role.connectionLimit < -1)) {
      errors.push(`${where}: connectionLimit ${role.connectionLimit} must be a whole number, -1 (no limit) or more`);
    }
    if (role.disablePassword && role.passwordSecret) errors.push(`${where}: disablePassword and passwordSecret are exclusive; a role either has the Secret's password or none`);
    if (role.passwordSecret !== undefined) {
      const problem = checkDnsSubdomain(role.passwordSecret);
      if (problem) errors.push(`${where}: passwordSecret "${role.passwordSecret}" ${problem}`);
    }
    for (const member of role.inRoles ?? []) {
      if (member === role.name) errors.push(`${where} lists itself in inRoles`);
    }
  }
  return errors;
}

function validateBackup(backup: DatabaseBackup, db: CnpgDatabase): string[] {
  const errors: string[] = [];
  if (backup.objectStore.namespace !== db.namespace) {
    errors.push(`backup.objectStore ${backup.objectStore.namespace}/${backup.objectStore.name} is in another namespace than the Cluster (${db.namespace}); the Barman Cloud plugin looks the ObjectStore up in the Cluster's namespace`);
  }
  if (backup.schedule !== undefined) {
    const problem = checkBackupSchedule(backup.schedule);
    if (problem) errors.push(`backup.schedule "${backup.schedule}" ${problem}`);
  }
  if (backup.method === 'volumeSnapshot' && !backup.volumeSnapshotClass) {
    errors.push('backup.method is "volumeSnapshot" but no volumeSnapshotClass is given; name the VolumeSnapshotClass of the storage class\'s CSI driver');
  }
  if (backup.volumeSnapshotClass !== undefined) {
    if (backup.method !== 'volumeSnapshot') errors.push('backup.volumeSnapshotClass is set but method is not "volumeSnapshot"; set method: "volumeSnapshot", or remove the class');
    const problem = checkDnsSubdomain(backup.volumeSnapshotClass);
    if (problem) errors.push(`backup.volumeSnapshotClass "${backup.volumeSnapshotClass}" ${problem}`);
  }
  if (backup.serverName !== undefined) {
    const problem = checkServerName(backup.serverName);
    if (problem) errors.push(`backup.serverName "${backup.serverName}" ${problem}`);
  }
  const scheduled = `${db.name}-backup`;
  const problem = checkDnsSubdomain(scheduled);
  if (problem) errors.push(`the ScheduledBackup name "${scheduled}" ${problem}`);
  return errors;
}

function validateRecovery(props: CnpgDatabaseProps, db: CnpgDatabase): string[] {
  const errors: string[] = [];
  const recovery = props.recovery!;
  if (recovery.objectStore.namespace !== db.namespace) {
    errors.push(`recovery.objectStore ${recovery.objectStore.namespace}/${recovery.objectStore.name} is in another namespace than the Cluster (${db.namespace}); the Barman Cloud plugin looks the ObjectStore up in the Cluster's namespace`);
  }
  const origin = recovery.serverName ?? props.name;
  const originProblem = checkServerName(origin);
  if (originProblem) errors.push(`recovery.serverName "${origin}" ${originProblem}`);
  // Barman Cloud plugin usage.md: a recovered cluster archiving into the folder it recovers from
  // would mix its WAL with the origin's; barman-cloud-check-wal-archive refuses a non-empty one.
  if (props.backup && props.backup.objectStore.name === recovery.objectStore.name && (props.backup.serverName ?? props.name) === origin) {
    errors.push(`backup and recovery use the same ObjectStore "${recovery.objectStore.name}" and serverName "${origin}"; the new cluster would archive into the backup it recovers from. Set backup.serverName to a new folder (e.g. "${props.name}-2"), or use another store`);
  }
  const target = recovery.target;
  if (target) {
    // WH validateTargetExclusiveness: "Recovery target options are mutually exclusive".
    const chosen: string[] = (['time', 'lsn', 'xid', 'name'] as const).filter((k) => target[k] !== undefined);
    if (target.immediate) chosen.push('immediate');
    if (chosen.length > 1) errors.push(`recovery.target sets ${chosen.join(' and ')}; the recovery targets are mutually exclusive (CNPG webhook), keep one`);
    // WH validateRecoveryTarget: name, xid and immediate need a backupId outside volume snapshot recovery.
    for (const key of ['name', 'xid', 'immediate'] as const) {
      if (target[key] !== undefined && target[key] !== false && !target.backupId) {
        errors.push(`recovery.target.${key} needs backupId: PostgreSQL cannot tell which base backup precedes a ${key === 'name' ? 'restore point' : key === 'xid' ? 'transaction id' : 'consistent point'}; name the backup to start from`);
      }
    }
    if (target.time !== undefined && !isTimestamp(target.time)) {
      errors.push(`recovery.target.time "${target.time}" is not a timestamp; write RFC 3339 ("2026-05-01T12:00:00Z") or PostgreSQL format ("2026-05-01 12:00:00+00"); without a zone it is read as UTC`);
    }
    if (target.lsn !== undefined && !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(target.lsn)) {
      errors.push(`recovery.target.lsn "${target.lsn}" is not an LSN; write two hexadecimal numbers separated by "/", e.g. "0/3000060"`);
    }
    if (target.xid !== undefined && !/^[1-9][0-9]*$/.test(target.xid)) errors.push(`recovery.target.xid "${target.xid}" is not a transaction id (a positive whole number)`);
    if (target.timeline !== undefined && target.timeline !== 'latest' && !/^[1-9][0-9]*$/.test(target.timeline)) {
      errors.push(`recovery.target.timeline "${target.timeline}" must be "latest" or a positive whole number (CNPG webhook)`);
    }
    if (target.name !== undefined && target.name === '') errors.push('recovery.target.name is empty');
  }
  return errors;
}

function validateImport(source: DatabaseImport): string[] {
  const errors: string[] = [];
  if (!/^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/.test(source.host)) errors.push(`importFrom.host "${source.host}" is not a host name or IP address`);
  if (source.port !== undefined && (!Number.isInteger(source.port) || source.port < 1 || source.port > 65535)) errors.push(`importFrom.port ${source.port} is not a port number (1 to 65535)`);
  if (!source.user) errors.push('importFrom.user is empty; name the user that reads the source database');
  // WH validateMicroservice: exactly one database and no "*" wildcard.
  if (!source.database) errors.push('importFrom.database is empty; name the one source database to import');
  if (source.database === '*') errors.push('importFrom.database "*" is not allowed: a microservice import takes exactly one named database (CNPG webhook validateMicroservice)');
  const problem = checkDnsSubdomain(source.passwordSecret.name);
  if (problem) errors.push(`importFrom.passwordSecret.name "${source.passwordSecret.name}" ${problem}`);
  if (!source.passwordSecret.key) errors.push('importFrom.passwordSecret.key is empty; name the Secret key holding the password');
  return errors;
}

function validateClient(where: string, client: DatabaseClient): string[] {
  const errors: string[] = [];
  if (client.namespace !== undefined) {
    const problem = checkDnsLabel(client.namespace);
    if (problem) errors.push(`${where}: namespace "${client.namespace}" ${problem}`);
  }
  const entries = Object.entries(client.podLabels);
  if (entries.length === 0) errors.push(`${where} has no podLabels; name the client pods' labels, so that not every pod of ${client.namespace ?? 'the namespace'} is admitted`);
  for (const [key, value] of entries) {
    const problem = checkLabel(key, value);
    if (problem) errors.push(`${where}: ${problem}`);
  }
  return errors;
}

function validateGrant(grant: CredentialsGrant, serviceAccountName: string, name: string, databaseNamespace: string): string[] {
  const errors: string[] = [];
  const problem = checkDnsLabel(grant.namespace);
  if (problem) errors.push(`credentials consumer namespace "${grant.namespace}" ${problem}`);
  if (grant.namespace === databaseNamespace) errors.push(`credentials consumer namespace "${grant.namespace}" is the database's own namespace; mount connection.secretName there directly`);
  const saProblem = checkDnsSubdomain(serviceAccountName);
  if (saProblem) errors.push(`credentials ServiceAccount "${serviceAccountName}" ${saProblem}`);
  const nameProblem = checkDnsSubdomain(name);
  if (nameProblem) errors.push(`the Role name "${name}" ${nameProblem}`);
  return errors;
}

/** Unquoted PostgreSQL identifier: CNPG quotes nothing for us in connection strings, and NAMEDATALEN is 64. */
function checkIdentifier(value: string): string | undefined {
  if (!/^[a-z_][a-z0-9_]*$/.test(value)) return 'must be a plain PostgreSQL identifier: lower-case letters, digits and "_", not starting with a digit';
  if (value.length > 63) return `is ${value.length} characters long; PostgreSQL names are at most 63 bytes`;
  return undefined;
}

/** The plugin's serverName becomes a folder of the destination path. */
function checkServerName(value: string): string | undefined {
  if (!/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(value)) return 'must be a folder name: letters, digits, ".", "_" and "-", starting and ending with a letter or digit';
  return undefined;
}

/** RFC 3339, or PostgreSQL's `YYYY-MM-DD HH:MM:SS[.frac][zone]`; `types.ParseTargetTime` accepts both. */
function isTimestamp(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/.test(value)) return false;
  return !Number.isNaN(Date.parse(value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')));
}

/**
 * CNPG's schedule syntax: github.com/robfig/cron (v1) `cron.Parse`, used by the ScheduledBackup
 * webhook, with six fields, seconds first (ScheduledBackup CRD: "includes an additional seconds
 * specifier"). robfig's parser also takes five fields with a meaning shifted by one (the webhook
 * only warns), so a Kubernetes-style "0 2 * * *" would run at minute 2 of every hour: refused here.
 */
export function checkBackupSchedule(schedule: string): string | undefined {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('@')) {
    if (['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'].includes(trimmed)) return undefined;
    if (/^@every (\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(trimmed)) return undefined;
    return 'is not a cron descriptor; use @yearly, @monthly, @weekly, @daily, @hourly or @every <duration>';
  }
  const fields = trimmed.split(/\s+/);
  if (fields.length !== 6) {
    const hint = fields.length === 5 ? ` (a Kubernetes CronJob schedule; prepend the seconds: "0 ${trimmed}")` : '';
    return `has ${fields.length} fields; CNPG schedules have six, seconds first: "<second> <minute> <hour> <day of month> <month> <day of week>", e.g. "0 0 2 * * *" for 02:00 daily${hint}`;
  }
  const specs: ReadonlyArray<readonly [label: string, min: number, max: number, names?: readonly string[]]> = [
    ['second', 0, 59], ['minute', 0, 59], ['hour', 0, 23], ['day of month', 1, 31],
    ['month', 1, 12, ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC']],
    ['day of week', 0, 6, ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT']],
  ];
  for (let i = 0; i < 6; i++) {
    const [label, min, max, names] = specs[i];
    const problem = checkCronField(fields[i], min, max, names);
    if (problem) return `has an invalid ${label} field "${fields[i]}": ${problem}`;
  }
  return undefined;
}

function checkCronField(field: string, min: number, max: number, names?: readonly string[]): string | undefined {
  const value = (text: string): number | undefined => {
    const index = names?.indexOf(text.toUpperCase()) ?? -1;
    if (index >= 0) return index + min;
    return /^\d+$/.test(text) ? Number(text) : undefined;
  };
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one "/"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `step "${step}" must be a positive number`;
    if (range === '*' || range === '?') continue;
    const [lowText, highText, more] = range.split('-');
    if (more !== undefined) return `"${range}" is not a range`;
    const low = value(lowText);
    const high = highText === undefined ? low : value(highText);
    if (low === undefined || high === undefined) return `"${range}" is not a number${names ? ' or name' : ''}`;
    if (low < min || high > max) return `${range} is outside ${min}-${max}`;
    if (low > high) return `range ${range} runs backwards`;
  }
  return undefined;
}
