import { BASIC_AUTH_KEYS } from './database-connection';
import { secretKeyMessage } from '../core/secret-source';
import { AppChart } from '../core/app';
import { checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { parseImage } from '../core/image';
import { checkLabel } from '../core/labels';
import type { PodPeer } from '../core/network-peer';
import { checkResources, checkSize } from '../core/quantity';
import { CNPG_METRICS_PORT, RESERVED_ROLES, SINGLE_INSTANCE_REASON_ANNOTATION, type ManagedRole, type DatabaseBackup, type DatabaseImport, type CnpgDatabaseProps, type CredentialsGrant } from './database-props';
import { checkBackupSchedule } from './backup-schedule';

/**
 * CnpgDatabase's validations: the operator's admission webhook rules (WH) and the platform's own,
 * checked at synth with the construct path. The webhook rules that can be read off the Cluster
 * itself are in cluster-rules.ts, shared with the output policy; the construct checks its
 * rendered Cluster with them, and these are the rules about its props.
 */

/** What the validations need of the construct: its name, namespace, instances and clients. */
export interface DatabaseFacts {
  /** The Cluster's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its instances. */
  readonly instances: number;
  /** Its network admission: the clients admitted so far. */
  readonly connections: { readonly allowed: readonly PodPeer[] };
}

/** Every problem of a CnpgDatabase's props, with the messages the construct path is prefixed to. */
export function validateDatabase(props: CnpgDatabaseProps, db: DatabaseFacts, storageClass: string | undefined, chart: AppChart): string[] {
  const errors: string[] = [];
  const environment = chart.environment;

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
    const problem = checkDnsSubdomain(props.existingSecret.name);
    if (problem) errors.push(`existingSecret "${props.existingSecret.name}" ${problem}`);
    for (const key of BASIC_AUTH_KEYS) {
      const missing = secretKeyMessage('existingSecret (the owner\'s basic-auth Secret)', key, props.existingSecret);
      if (missing) errors.push(missing);
    }
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
  // The NetworkPolicy admits the operator where the environment says it runs (cloudnative-pg
  // docs/src/networking.md: the operator reaches every instance on 8000 and 5432); without that,
  // the operator could not manage its own instances.
  if ((props.networkPolicy ?? true) && !chart.environment.cloudnativePg) {
    errors.push(`the NetworkPolicy must admit the CloudNativePG operator, but ${chart.environment.file} does not say where it runs: declare cloudnativePg: { operatorNamespace, operatorPodLabels } there (the release manifest installs it into cnpg-system with pod label app.kubernetes.io/name: cloudnative-pg; confirm on the cluster: kubectl get pods -A -l app.kubernetes.io/name=cloudnative-pg --show-labels)`);
  }
  if (props.operatorNamespace !== undefined) {
    const problem = checkDnsLabel(props.operatorNamespace);
    if (problem) errors.push(`operatorNamespace "${props.operatorNamespace}" ${problem}`);
  }
  db.connections.allowed.forEach((client, i) => errors.push(...validateClient(`client ${i + 1}`, client)));
  (props.metricsScrapers ?? []).forEach((client, i) => errors.push(...validateClient(`metricsScrapers[${i}]`, client)));
  // Monitoring is on by default in production only: elsewhere these would do nothing, silently.
  const monitoring = props.monitoring ?? chart.environment.production;
  if (props.metricsScrapers?.length && !monitoring) errors.push('metricsScrapers is set but monitoring is off (it is on by default in production only); set monitoring: true, or remove metricsScrapers');
  // The metrics rule of the NetworkPolicy admits the scrapers; without any it would admit every
  // source to 9187, which the database-namespace-guarded policy rule refuses on the output.
  if (monitoring && props.networkPolicy !== false && !props.metricsScrapers?.length) {
    errors.push(`monitoring is on${props.monitoring === undefined ? ' (the default in production)' : ''} but no metricsScrapers say who may scrape port ${CNPG_METRICS_PORT}: name the scraper (e.g. Prometheus, declared under existing.clients in environment.yaml), or set monitoring: false`);
  }
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
    // PostgreSQL version from it) and "latest" is refused; on the output, image-pinned holds every
    // image to that. Whether the tag is a version is checked on the Cluster (cluster-rules.ts).
    if (image && !image.tag) errors.push(`imageName "${name}" has no tag; CNPG reads the PostgreSQL version from the tag, so write <repository>:<version>[@sha256:<digest>], e.g. "${example}"`);
    if (image?.tag === 'latest') errors.push(`imageName "${name}" uses the "latest" tag, which CNPG refuses; pin a version such as "${example}"`);
    const tagMajor = image?.tag ? /^(\d+)(\.\d+)*(-.*)?$/.exec(image.tag) : undefined;
    if (tagMajor && Number(tagMajor[1]) !== major) errors.push(`imageName "${name}" is PostgreSQL ${tagMajor[1]} but postgresVersion is ${major}; make them agree (a major upgrade is a deliberate change of both)`);
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

/** The role rules of the webhook are the Cluster's (cluster-rules.ts); here what the Cluster cannot show. */
function validateRoles(roles: readonly ManagedRole[]): string[] {
  const errors: string[] = [];
  for (const role of roles) {
    if (role.passwordSecret === undefined) continue;
    const where = `role "${role.name}"`;
    const problem = checkDnsSubdomain(role.passwordSecret.name);
    if (problem) errors.push(`${where}: passwordSecret "${role.passwordSecret.name}" ${problem}`);
    for (const key of BASIC_AUTH_KEYS) {
      const missing = secretKeyMessage(`${where}: passwordSecret (a basic-auth Secret)`, key, role.passwordSecret);
      if (missing) errors.push(missing);
    }
  }
  return errors;
}

function validateBackup(backup: DatabaseBackup, db: DatabaseFacts): string[] {
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

function validateRecovery(props: CnpgDatabaseProps, db: DatabaseFacts): string[] {
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
  // The recovery target's rules are the Cluster's (cluster-rules.ts), checked on bootstrap.recovery.recoveryTarget.
  return errors;
}

function validateImport(source: DatabaseImport): string[] {
  const errors: string[] = [];
  if (!/^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/.test(source.host)) errors.push(`importFrom.host "${source.host}" is not a host name or IP address`);
  if (source.port !== undefined && (!Number.isInteger(source.port) || source.port < 1 || source.port > 65535)) errors.push(`importFrom.port ${source.port} is not a port number (1 to 65535)`);
  if (!source.user) errors.push('importFrom.user is empty; name the user that reads the source database');
  // WH validateMicroservice: exactly one database and no "*" wildcard.
  if (!source.database) errors.push('importFrom.database is empty; name the one source database to import');
  const { secret, key } = source.passwordSecret;
  const problem = checkDnsSubdomain(secret.name);
  if (problem) errors.push(`importFrom.passwordSecret name "${secret.name}" ${problem}`);
  if (!key) errors.push('importFrom.passwordSecret.key is empty; name the Secret key holding the password');
  const missing = key ? secretKeyMessage('importFrom.passwordSecret.key', key, secret) : undefined;
  if (missing) errors.push(missing);
  return errors;
}

function validateClient(where: string, client: PodPeer): string[] {
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

export function validateGrant(grant: CredentialsGrant, serviceAccountName: string, name: string, databaseNamespace: string): string[] {
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
