import {
  ClusterSpecBootstrapInitdbImportType,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  type ClusterSpecBootstrap,
  type ClusterSpecExternalClusters } from '../../imports/postgresql.cnpg.io';
import type { ResourceAmounts } from '../core/quantity';
import { BARMAN_CLOUD_PLUGIN } from './barman-object-store';
import { POSTGRES_PORT } from './database-connection';
import { RECOVERY_SOURCE, IMPORT_SOURCE, type DatabaseResources, type ManagedRole, type CnpgDatabaseProps } from './database-props';

/** How CnpgDatabase props map onto the Cluster's L1 spec: bootstrap, external clusters, resources, roles. */

export function bootstrapOf(props: CnpgDatabaseProps, database: string, owner: string): ClusterSpecBootstrap {
  const secret = props.existingSecret ? { name: props.existingSecret.name } : undefined;
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

export function externalClustersOf(props: CnpgDatabaseProps): ClusterSpecExternalClusters[] | undefined {
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
      password: { name: source.passwordSecret.secret.name, key: source.passwordSecret.key },
    }];
  }
  return undefined;
}

export function clusterResources(resources: DatabaseResources) {
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

export function managedRole(role: ManagedRole) {
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
    passwordSecret: role.passwordSecret ? { name: role.passwordSecret.name } : undefined,
    disablePassword: role.disablePassword,
    comment: role.comment,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation
