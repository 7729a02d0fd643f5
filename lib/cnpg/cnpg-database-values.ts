import { Type, type Static } from '@sinclair/typebox';
import type { Construct } from 'constructs';
import { AppChart } from '../core/app';
import { UserError } from '../core/errors';
import { dnsLabel, dnsSubdomain, labelMap, patternRule, portNumber, POSTGRES_IDENTIFIER_PATTERN, quantity, serviceName } from '../core/values';
import { SecretSource, type ISecretSource } from '../core/secret-source';
import { BarmanObjectStore, RETENTION_POLICY_PATTERN, type BarmanObjectStoreProps, type IBarmanObjectStore } from './barman-object-store';
import { CnpgDatabase } from './cnpg-database';
import type { CnpgDatabaseProps } from './database-props';

/**
 * Overlay schemas for a database, so an app can keep its database settings in
 * `overlays/<env>/<app>.yaml`: TypeBox gives the JSON Schema the overlay is checked against and
 * the type `build` reads. Shapes mirror `CnpgDatabaseProps` and `BarmanObjectStoreProps`; the
 * constructs still run every rule, these catch what a schema can, with the overlay's line number.
 */

const identifier = (description: string) => Type.String({ ...POSTGRES_IDENTIFIER_PATTERN, maxLength: 63, description });
const secretKeyRef = (description: string) => Type.Object({
  name: dnsSubdomain({ description: 'the Secret\'s name' }),
  key: Type.String({ minLength: 1, description: 'the key in the Secret' }),
}, { additionalProperties: false, description });
const client = Type.Object({
  namespace: Type.Optional(dnsLabel({ description: 'the client pods\' namespace (default: the database\'s)' })),
  podLabels: labelMap({ minProperties: 1, description: 'labels the client pods carry, at least one' }),
}, { additionalProperties: false });

/** An S3-compatible Barman Cloud ObjectStore, as overlay values (see `BarmanObjectStoreProps`). */
export const BarmanObjectStoreValues = Type.Object({
  name: dnsSubdomain({ description: 'the ObjectStore\'s name' }),
  destinationPath: Type.String({ pattern: '^s3://', description: 's3://<bucket>/<path>' }),
  endpointUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'the S3-compatible endpoint, http(s)://host[:port]' })),
  endpointCa: Type.Optional(Type.Object({
    /** The Secret's name. */
    secretName: dnsSubdomain(),
    /** The key holding the PEM bundle. */
    key: Type.String({ minLength: 1 }),
  }, { additionalProperties: false, description: 'the Secret key holding the endpoint\'s CA bundle' })),
  /** The Secret with the S3 credentials; required unless inheritFromIamRole. */
  s3Credentials: Type.Optional(Type.Object({
    secretName: dnsSubdomain({ description: 'the Secret with the S3 credentials (not in git)' }),
    accessKeyIdKey: Type.Optional(Type.String({ minLength: 1, description: 'default ACCESS_KEY_ID' })),
    secretAccessKeyKey: Type.Optional(Type.String({ minLength: 1, description: 'default ACCESS_SECRET_KEY' })),
    /** The key holding the region, for stores that need one (default none). */
    regionKey: Type.Optional(Type.String({ minLength: 1 })),
    /** The key holding a session token, for temporary credentials (default none). */
    sessionTokenKey: Type.Optional(Type.String({ minLength: 1 })),
  }, { additionalProperties: false })),
  inheritFromIamRole: Type.Optional(Type.Boolean({ description: 'use the pod\'s IAM role instead of s3Credentials' })),
  retentionPolicy: Type.Optional(Type.String({ ...patternRule(RETENTION_POLICY_PATTERN.source, 'must be a retention policy: a positive number followed by d, w or m (days, weeks, months), e.g. 30d'), description: 'e.g. "30d": a positive number and d, w or m' })),
  walCompression: Type.Optional(Type.Union((['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'] as const).map((v) => Type.Literal(v)), { description: 'default gzip' })),
  dataCompression: Type.Optional(Type.Union((['bzip2', 'gzip', 'lz4', 'snappy'] as const).map((v) => Type.Literal(v)), { description: 'default gzip' })),
  /** Server-side encryption of uploaded files: AES256 or aws:kms (default: what the bucket enforces). */
  encryption: Type.Optional(Type.Union([Type.Literal('AES256'), Type.Literal('aws:kms')])),
  /** WAL files archived and restored in parallel (default 1). */
  walMaxParallel: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
/**
 * The type `build` reads for `BarmanObjectStoreValues`: one property per overlay key.
 * @interface
 */
export type BarmanObjectStoreValues = Static<typeof BarmanObjectStoreValues>;

/** A CNPG database, as overlay values (see `CnpgDatabaseProps`). */
export const CnpgDatabaseValues = Type.Object({
  name: serviceName({ maxLength: 50, description: 'the Cluster\'s name: a DNS-1035 label of at most 50 characters' }),
  instances: Type.Optional(Type.Integer({ minimum: 1, description: 'PostgreSQL instances (default 1; production needs 2 or singleInstanceReason)' })),
  singleInstanceReason: Type.Optional(Type.String({ minLength: 1, description: 'why a production database runs one instance' })),
  postgresVersion: Type.Integer({ minimum: 12, description: 'the PostgreSQL major version' }),
  imageName: Type.Optional(Type.String({ minLength: 1, description: 'a pinned image, <image>:<version>[@sha256:<digest>]' })),
  /** An image catalog entry selected by postgresVersion, instead of imageName. */
  imageCatalog: Type.Optional(Type.Object({
    /** ImageCatalog (in the database's namespace) or ClusterImageCatalog. */
    kind: Type.Union([Type.Literal('ImageCatalog'), Type.Literal('ClusterImageCatalog')]),
    /** The catalog's name. */
    name: dnsSubdomain(),
  }, { additionalProperties: false })),
  storageSize: quantity({ description: 'the data volume size per instance, e.g. 10Gi' }),
  storageClass: Type.Optional(dnsSubdomain({ description: 'default: the environment\'s storageClass' })),
  walStorageSize: Type.Optional(quantity({ description: 'a separate WAL volume per instance' })),
  /** CPU and memory of each instance (default: no requests or limits). */
  resources: Type.Optional(Type.Object({
    /** What the scheduler reserves for each instance. */
    requests: Type.Optional(Type.Object({
      /** A CPU quantity such as 500m. */
      cpu: Type.Optional(quantity()),
      /** A memory quantity such as 1Gi. */
      memory: Type.Optional(quantity())
    }, { additionalProperties: false })),
    /** The most each instance may use; no request may exceed its limit. */
    limits: Type.Optional(Type.Object({
      /** A CPU quantity such as 2. */
      cpu: Type.Optional(quantity()),
      /** A memory quantity such as 2Gi. */
      memory: Type.Optional(quantity())
    }, { additionalProperties: false })),
  }, { additionalProperties: false })),
  parameters: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'PostgreSQL parameters, as strings' })),
  /** The application database (default "app"). */
  database: Type.Optional(identifier('the application database (default "app")')),
  /** The application user, owner of the database (default: the database's name). */
  owner: Type.Optional(identifier('the application user (default: the database\'s name)')),
  existingSecret: Type.Optional(dnsSubdomain({ description: 'a basic-auth Secret for the owner instead of the generated <name>-app' })),
  /** PostgreSQL roles the operator reconciles (see `ManagedRole`). */
  roles: Type.Optional(Type.Array(Type.Object({
    /** The role's name. */
    name: Type.String({ minLength: 1, maxLength: 63 }),
    /** absent drops the role (default present). */
    ensure: Type.Optional(Type.Union([Type.Literal('present'), Type.Literal('absent')])),
    /** May log in (default false). */
    login: Type.Optional(Type.Boolean()),
    /** Superuser (default false). */
    superuser: Type.Optional(Type.Boolean()),
    /** May create databases (default false). */
    createdb: Type.Optional(Type.Boolean()),
    /** May create roles (default false). */
    createrole: Type.Optional(Type.Boolean()),
    /** May start streaming replication (default false). */
    replication: Type.Optional(Type.Boolean()),
    /** Bypasses row-level security (default false). */
    bypassrls: Type.Optional(Type.Boolean()),
    /** Inherits the privileges of the roles it is a member of (default true). */
    inherit: Type.Optional(Type.Boolean()),
    /** Concurrent connections allowed; -1 for no limit (default -1). */
    connectionLimit: Type.Optional(Type.Integer({ minimum: -1 })),
    /** Roles this role is a member of (default none). */
    inRoles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    passwordSecret: Type.Optional(dnsSubdomain({ description: 'a basic-auth Secret with the role\'s password' })),
    /** Sets the password to NULL: no password login (default false). */
    disablePassword: Type.Optional(Type.Boolean()),
    /** A comment on the role (default none). */
    comment: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
  /** Anti-affinity between instances: preferred (default) schedules anyway when nodes run out, required leaves instances pending. */
  podAntiAffinity: Type.Optional(Type.Union([Type.Literal('preferred'), Type.Literal('required')])),
  podDisruptionBudget: Type.Optional(Type.Boolean({ description: 'default: true with 2 or more instances, false with 1' })),
  monitoring: Type.Optional(Type.Boolean({ description: 'emit a PodMonitor' })),
  podMonitorLabels: Type.Optional(labelMap({ description: 'extra labels a Prometheus selects PodMonitors by' })),
  metricsScrapers: Type.Optional(Type.Array(client, { description: 'who may scrape port 9187; required where monitoring is on (production, by default)' })),
  clients: Type.Optional(Type.Array(client, { description: 'pods admitted to port 5432' })),
  /** Continuous backup to an ObjectStore, plus scheduled base backups (see `DatabaseBackup`); production requires it. */
  backup: Type.Optional(Type.Object({
    /** The ObjectStore WAL is archived to and base backups go to, emitted with the database. */
    objectStore: BarmanObjectStoreValues,
    schedule: Type.Optional(Type.String({ description: 'six-field cron, seconds first, e.g. "0 0 2 * * *"' })),
    /** plugin (default): base backups to the object store; volumeSnapshot: CSI snapshots of the volumes. */
    method: Type.Optional(Type.Union([Type.Literal('plugin'), Type.Literal('volumeSnapshot')])),
    /** The VolumeSnapshotClass for method volumeSnapshot. */
    volumeSnapshotClass: Type.Optional(dnsSubdomain()),
    serverName: Type.Optional(Type.String({ minLength: 1, description: 'the folder in the store (default: the Cluster\'s name)' })),
    /** Take a base backup as soon as the ScheduledBackup is created (default true). */
    immediate: Type.Optional(Type.Boolean()),
    /** Which instance takes base backups: primary, or prefer-standby (the operator's default). */
    target: Type.Optional(Type.Union([Type.Literal('primary'), Type.Literal('prefer-standby')])),
  }, { additionalProperties: false })),
  recovery: Type.Optional(Type.Object({
    /** A separate ObjectStore to recover from, emitted with the database. */
    objectStore: Type.Optional(BarmanObjectStoreValues),
    existingObjectStore: Type.Optional(dnsSubdomain({ description: 'an ObjectStore this app does not emit' })),
    serverName: Type.Optional(Type.String({ minLength: 1, description: 'the origin\'s folder in the store (default: the Cluster\'s name)' })),
    /** A point-in-time target (see `RecoveryTarget`); default: the end of the archived WAL. */
    target: Type.Optional(Type.Object({
      /** Recover up to this timestamp, RFC 3339 or PostgreSQL format; without a zone it is UTC. */
      time: Type.Optional(Type.String()),
      /** Recover up to this LSN, e.g. 0/3000060. */
      lsn: Type.Optional(Type.String()),
      /** Recover up to this transaction id; needs backupId. */
      xid: Type.Optional(Type.String()),
      /** Recover up to this restore point; needs backupId. */
      name: Type.Optional(Type.String()),
      /** Stop as soon as the base backup is consistent; needs backupId. */
      immediate: Type.Optional(Type.Boolean()),
      /** The base backup to start from (default: the latest one before the target). */
      backupId: Type.Optional(Type.String()),
      /** The timeline to follow: latest or a positive number. */
      timeline: Type.Optional(Type.String()),
      /** Stop just before the target instead of just after (default false). */
      exclusive: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false })),
  }, { additionalProperties: false, description: 'recover from backup.objectStore unless objectStore or existingObjectStore is given' })),
  /** Bootstrap by importing one database from an external PostgreSQL (see `DatabaseImport`). */
  importFrom: Type.Optional(Type.Object({
    /** The source server's host name or IP address, reachable from the database's namespace. */
    host: Type.String({ minLength: 1 }),
    /** The source server's port (default 5432). */
    port: Type.Optional(portNumber()),
    /** The user that reads the source. */
    user: Type.String({ minLength: 1 }),
    /** The source database; it becomes the application database. */
    database: Type.String({ minLength: 1 }),
    /** The Secret key with the source user's password, in the database's namespace. */
    passwordSecret: secretKeyRef('the source user\'s password'),
    /** libpq sslmode for the source connection (default prefer). */
    sslMode: Type.Optional(Type.Union((['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const).map((v) => Type.Literal(v)))),
    /** Import the schema only, no data (default false). */
    schemaOnly: Type.Optional(Type.Boolean()),
    /** SQL run in the application database after the import, as its owner. */
    postImportApplicationSql: Type.Optional(Type.Array(Type.String())),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
/**
 * The type `build` reads for `CnpgDatabaseValues`: one property per overlay key.
 * @interface
 */
export type CnpgDatabaseValues = Static<typeof CnpgDatabaseValues>;

/** Options for `cnpgDatabaseFromValues`. */
export interface CnpgDatabaseFromValuesOptions {
  /**
   * The Secrets the overlay's secret names refer to (`s3Credentials.secretName`,
   * `endpointCa.secretName`, `importFrom.passwordSecret.name`, `existingSecret`, a role's
   * `passwordSecret`), as the app emits them: a name found here is read through its source,
   * so the keys the store reads are checked against the keys it writes. A name not found here is a
   * Secret this app does not emit (`SecretSource.fromSecretName`): the reference check then requires it
   * to be emitted by another app or declared under `existing.secrets`.
   * @default none
   */
  readonly secrets?: readonly ISecretSource[];
}

/** The source among `secrets` that writes Secret `name`, or a reference to one this app does not emit. */
function secretNamed(name: string, secrets: readonly ISecretSource[] = []): ISecretSource {
  return secrets.find((s) => s.name === name) ?? SecretSource.fromSecretName(name);
}

/** The overlay's ObjectStore values as props: Secret names become the sources that write them. */
export function objectStorePropsFromValues(values: BarmanObjectStoreValues, secrets: readonly ISecretSource[] = []): BarmanObjectStoreProps {
  const source = (name: string) => secretNamed(name, secrets);
  const { s3Credentials, endpointCa, ...rest } = values;
  return {
    ...rest,
    s3Credentials: s3Credentials && (({ secretName, ...keys }) => ({ secret: source(secretName), ...keys }))(s3Credentials),
    endpointCa: endpointCa && { secret: source(endpointCa.secretName), key: endpointCa.key },
  };
}

/**
 * Emits a database from overlay values: the backup ObjectStore (and a separate recovery store,
 * when one is given) and the `CnpgDatabase`. The overlay's `clients` are its `allowFrom`. Returns
 * the database, for `connection`, `connections.allowFrom` and `grantCredentialsTo`.
 */
export function cnpgDatabaseFromValues(scope: Construct, id: string, values: CnpgDatabaseValues, options: CnpgDatabaseFromValuesOptions = {}): CnpgDatabase {
  const { backup, recovery, importFrom, existingSecret, roles, clients, ...rest } = values;
  const store = (storeId: string, storeValues: BarmanObjectStoreValues) => new BarmanObjectStore(scope, storeId, objectStorePropsFromValues(storeValues, options.secrets));
  const backupStore = backup ? store(`${id}-backup-store`, backup.objectStore) : undefined;
  let recoveryStore: IBarmanObjectStore | undefined;
  if (recovery) {
    const where = `${scope.node.path}/${id}`;
    if (recovery.objectStore && recovery.existingObjectStore) {
      throw new UserError({ where, message: 'recovery has both objectStore and existingObjectStore; give the store to emit or the name of an existing one, not both' });
    }
    if (recovery.objectStore && backupStore && recovery.objectStore.name === backupStore.name) {
      throw new UserError({ where, message: `recovery.objectStore repeats backup.objectStore "${backupStore.name}"; omit recovery.objectStore to recover from the backup store` });
    }
    if (recovery.objectStore) recoveryStore = store(`${id}-recovery-store`, recovery.objectStore);
    else if (recovery.existingObjectStore) recoveryStore = BarmanObjectStore.fromObjectStoreAttributes({ name: recovery.existingObjectStore, namespace: AppChart.of(scope).namespace! });
    else if (backupStore) recoveryStore = backupStore;
    else throw new UserError({ where, message: 'recovery has no store: give recovery.objectStore or recovery.existingObjectStore, or a backup.objectStore to recover from' });
  }
  const props: CnpgDatabaseProps = {
    ...rest,
    allowFrom: clients,
    existingSecret: existingSecret === undefined ? undefined : secretNamed(existingSecret, options.secrets),
    roles: roles?.map(({ passwordSecret, ...role }) => ({ ...role, passwordSecret: passwordSecret === undefined ? undefined : secretNamed(passwordSecret, options.secrets) })),
    backup: backup && backupStore ? { ...backup, objectStore: backupStore } : undefined,
    recovery: recovery && recoveryStore ? { serverName: recovery.serverName, target: recovery.target, objectStore: recoveryStore } : undefined,
    importFrom: importFrom && { ...importFrom, passwordSecret: { secret: secretNamed(importFrom.passwordSecret.name, options.secrets), key: importFrom.passwordSecret.key } },
  };
  return new CnpgDatabase(scope, id, props);
}
