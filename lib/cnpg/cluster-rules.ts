import { checkDns1035Label } from '../core/dns';
import { parseImage } from '../core/image';
import { list, record, text, type Manifest } from '../core/manifest';
import { FIXED_POSTGRES_PARAMETERS, RESERVED_ROLES } from './database-props';

/**
 * CloudNativePG's admission webhook rules for a Cluster, on the Cluster as rendered:
 * `CnpgDatabase` checks its own Cluster with them, and the output policy (`cnpg-cluster`) checks
 * every Cluster however it was built, so a raw L1 Cluster meets them too. Source:
 * cloudnative-pg/cloudnative-pg v1.30.0 (imports/crds/VENDORED.json),
 * internal/webhook/v1/cluster_webhook.go (WH below): validateName, validateImageName,
 * validateConfiguration, validateManagedRoles, validateBootstrapMethod, validateMicroservice.
 */

/** Every way `cluster` (a rendered Cluster) breaks the webhook's rules, one message each. */
export function checkCnpgCluster(cluster: Manifest): string[] {
  const spec = record(cluster.spec);
  const instances = typeof spec.instances === 'number' ? spec.instances : 1;
  const archives = list(spec.plugins).some((p) => p.isWALArchiver === true) || record(spec.backup).barmanObjectStore !== undefined;
  return [
    ...checkName(text(record(cluster.metadata).name) ?? ''),
    ...checkImageName(spec),
    ...checkParameters(record(record(spec.postgresql).parameters), instances, archives),
    ...checkRoles(list(record(spec.managed).roles)),
    ...checkBootstrap(record(spec.bootstrap)),
  ];
}

/**
 * WH validateName: "cluster name must be a valid DNS label" (DNS-1035, because Services are named
 * after it) and "the maximum length of a cluster name is 50 characters". The derived Service
 * names (docs/src/service_management.md; `-any` is reserved too) are checked as well, so that a
 * future change of suffix cannot produce an invalid Service silently.
 */
function checkName(name: string): string[] {
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

/**
 * WH validateImageName: a tag is required even with a digest (the operator reads the PostgreSQL
 * version from it), "latest" is refused, and the tag must be a version. The CRD's CEL rule makes
 * imageName and imageCatalogRef exclusive.
 */
function checkImageName(spec: Manifest): string[] {
  const name = text(spec.imageName);
  if (name === undefined) return [];
  if (spec.imageCatalogRef !== undefined) return ['imageName and imageCatalogRef are both set (Cluster CRD: "imageName and imageCatalogRef are mutually exclusive"); keep one'];
  const image = parseImage(name);
  if (!image) return [`imageName "${name}" is not a valid image reference (repository:tag[@sha256:<64 hex>])`];
  // No tag, or "latest": the output rule image-pinned refuses these for every image, a Cluster's
  // included (CnpgDatabase says it earlier, in CNPG's terms).
  if (!image.tag || image.tag === 'latest') return [];
  if (!/^(\d+)(\.\d+)*(-.*)?$/.test(image.tag)) return [`imageName "${name}" has tag "${image.tag}", which is not a PostgreSQL version; CNPG reads the version from the tag (e.g. "17.6" or "17.6-system-trixie")`];
  return [];
}

/**
 * WH validateConfiguration: fixed parameters cannot be set ("Can't set fixed configuration
 * parameter"); wal_level must be replica or logical with replicas or archiving, and wal_log_hints
 * must be on with replicas (pg_rewind after a failover needs it).
 */
function checkParameters(parameters: Manifest, instances: number, archives: boolean): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(parameters)) {
    if (!/^[a-z_][a-z0-9_.]*$/.test(key)) errors.push(`parameter "${key}" is not a PostgreSQL parameter name (lower-case letters, digits, "_" and ".")`);
    if (FIXED_POSTGRES_PARAMETERS.has(key) || key.startsWith('recovery_target')) {
      const hint = key === 'shared_preload_libraries' ? '; list extensions in the Cluster\'s postgresql.sharedPreloadLibraries instead' : '';
      errors.push(`parameter "${key}" is managed by the operator and cannot be set (CNPG webhook: "Can't set fixed configuration parameter")${hint}`);
    }
    if (typeof value !== 'string') errors.push(`parameter "${key}" must be a string (PostgreSQL parameters are written as text, e.g. "256MB")`);
  }
  if (parameters.wal_level === 'minimal' && (instances > 1 || archives)) {
    errors.push('parameter wal_level "minimal" cannot stream to replicas or archive WAL; use "replica" or "logical" (the default)');
  }
  if (instances > 1 && ['off', 'false', '0'].includes(String(parameters.wal_log_hints ?? '').toLowerCase())) {
    errors.push('parameter wal_log_hints must stay on with more than one instance: the operator uses pg_rewind to rejoin a former primary');
  }
  return errors;
}

/**
 * WH validateManagedRoles: unique names, connectionLimit >= -1, no reserved roles
 * (postgres.IsRoleReserved), and not both disablePassword and passwordSecret.
 */
function checkRoles(roles: readonly Manifest[]): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const role of roles) {
    const name = text(role.name) ?? '';
    const where = `role "${name}"`;
    if (!name) errors.push('a managed role has an empty name');
    else if (name.length > 63) errors.push(`${where} is ${name.length} characters long; PostgreSQL names are at most 63 bytes`);
    if (seen.has(name)) errors.push(`${where} is declared twice; each role is managed once`);
    seen.add(name);
    if (RESERVED_ROLES.has(name)) errors.push(`${where} is reserved by the operator (postgres.IsRoleReserved) and cannot be managed`);
    const limit = role.connectionLimit;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < -1)) {
      errors.push(`${where}: connectionLimit ${String(limit)} must be a whole number, -1 (no limit) or more`);
    }
    if (role.disablePassword === true && role.passwordSecret !== undefined) errors.push(`${where}: disablePassword and passwordSecret are exclusive; a role either has the Secret's password or none`);
    if (Array.isArray(role.inRoles) && role.inRoles.includes(name)) errors.push(`${where} lists itself in inRoles`);
  }
  return errors;
}

/**
 * WH validateBootstrapMethod ("Too many bootstrap types specified") and validateMicroservice: a
 * microservice import takes exactly one named database, never "*".
 */
function checkBootstrap(bootstrap: Manifest): string[] {
  const errors: string[] = [];
  const methods = ['initdb', 'recovery', 'pg_basebackup'].filter((m) => bootstrap[m] !== undefined);
  if (methods.length > 1) errors.push(`bootstrap sets ${methods.join(' and ')}; a Cluster bootstraps one way (CNPG webhook validateBootstrapMethod: "Too many bootstrap types specified")`);
  errors.push(...checkRecoveryTarget(record(bootstrap.recovery)));
  const imported = record(record(bootstrap.initdb).import);
  if (imported.type === 'microservice') {
    const databases = Array.isArray(imported.databases) ? imported.databases : [];
    if (databases.includes('*')) errors.push('import database "*" is not allowed: a microservice import takes exactly one named database (CNPG webhook validateMicroservice)');
    else if (databases.length !== 1) errors.push(`a microservice import lists ${databases.length} databases; it takes exactly one named database (CNPG webhook validateMicroservice)`);
  }
  return errors;
}

/** The recovery target fields and what each names, for messages. */
const TARGETS = [['targetTime', 'time'], ['targetLSN', 'LSN'], ['targetXID', 'transaction id'], ['targetName', 'restore point'], ['targetImmediate', 'consistent point']] as const;

/**
 * WH validateTargetExclusiveness ("Recovery target options are mutually exclusive") and
 * validateRecoveryTarget: a restore point, a transaction id and "immediate" need a backupID
 * outside volume snapshot recovery (PostgreSQL cannot tell which base backup precedes them), a
 * time in a format types.ParseTargetTime reads, an LSN, a positive xid, a timeline "latest" or a
 * positive number.
 */
function checkRecoveryTarget(recovery: Manifest): string[] {
  const errors: string[] = [];
  const target = record(recovery.recoveryTarget);
  const chosen = TARGETS.filter(([key]) => target[key] !== undefined && target[key] !== false).map(([key]) => key);
  if (chosen.length > 1) errors.push(`recoveryTarget sets ${chosen.join(' and ')}; the recovery targets are mutually exclusive (CNPG webhook), keep one`);
  if (recovery.volumeSnapshots === undefined && target.backupID === undefined) {
    for (const [key, what] of TARGETS.slice(2)) {
      if (target[key] !== undefined && target[key] !== false) errors.push(`recoveryTarget.${key} needs backupID: PostgreSQL cannot tell which base backup precedes a ${what}; name the backup to start from`);
    }
  }
  const time = text(target.targetTime);
  if (time !== undefined && !isTimestamp(time)) errors.push(`recoveryTarget.targetTime "${time}" is not a timestamp; write RFC 3339 ("2026-05-01T12:00:00Z") or PostgreSQL format ("2026-05-01 12:00:00+00"); without a zone it is read as UTC`);
  const lsn = text(target.targetLSN);
  if (lsn !== undefined && !/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/.test(lsn)) errors.push(`recoveryTarget.targetLSN "${lsn}" is not an LSN; write two hexadecimal numbers separated by "/", e.g. "0/3000060"`);
  const xid = text(target.targetXID);
  if (xid !== undefined && !/^[1-9][0-9]*$/.test(xid)) errors.push(`recoveryTarget.targetXID "${xid}" is not a transaction id (a positive whole number)`);
  const timeline = text(target.targetTLI);
  if (timeline !== undefined && timeline !== 'latest' && !/^[1-9][0-9]*$/.test(timeline)) errors.push(`recoveryTarget.targetTLI "${timeline}" must be "latest" or a positive whole number (CNPG webhook)`);
  if (target.targetName === '') errors.push('recoveryTarget.targetName is empty');
  return errors;
}

/** RFC 3339, or PostgreSQL's `YYYY-MM-DD HH:MM:SS[.frac][zone]`; `types.ParseTargetTime` accepts both. */
function isTimestamp(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)?$/.test(value)) return false;
  return !Number.isNaN(Date.parse(value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')));
}
