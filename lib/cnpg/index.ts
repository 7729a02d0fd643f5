/**
 * CloudNativePG: `CnpgDatabase` (a PostgreSQL cluster with backups), `BarmanObjectStore` (its
 * backup destination), `DatabaseCredentials` (its credentials in another namespace), the typed
 * connection facts apps read, and the overlay values that describe a database.
 *
 * @packageDocumentation
 */
export {
  BARMAN_CLOUD_PLUGIN,
  BarmanObjectStore,
  RETENTION_POLICY_PATTERN,
  type BarmanObjectStoreAttributes,
  type BarmanObjectStoreProps,
  type DataCompression,
  type IBarmanObjectStore,
  type ObjectStoreEncryption,
  type EndpointCaSecret,
  type S3CredentialsSecret,
  type WalCompression,
} from './barman-object-store';
export { CnpgDatabase, type CnpgDatabaseAttributes, type ICnpgDatabase } from './cnpg-database';
export { checkBackupSchedule } from './backup-schedule';
export {
  CNPG_CLUSTER_LABEL,
  CNPG_METRICS_PORT,
  CNPG_STATUS_PORT,
  FIXED_POSTGRES_PARAMETERS,
  RESERVED_ROLES,
  SINGLE_INSTANCE_REASON_ANNOTATION,
  type CnpgDatabaseProps,
  type CredentialsForOptions,
  type CredentialsGrant,
  type DatabaseBackup,
  type DatabaseClient,
  type DatabaseImport,
  type DatabaseRecovery,
  type DatabaseResources,
  type ImageCatalogRef,
  type ManagedRole,
  type RecoveryTarget,
} from './database-props';
export { BarmanObjectStoreValues, cnpgDatabaseFromValues, CnpgDatabaseValues, objectStorePropsFromValues, type CnpgDatabaseFromValuesOptions } from './cnpg-database-values';
export {
  APP_SECRET_KEYS,
  BASIC_AUTH_KEYS,
  databaseConnection,
  POSTGRES_PORT,
  type AppSecretKeys,
  type DatabaseConnection,
  type DatabaseConnectionOptions,
} from './database-connection';
export { DatabaseCredentials, type DatabaseCredentialsProps } from './database-credentials';
