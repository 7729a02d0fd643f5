import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/monitoring.coreos.com';
import { DatabaseAlerts } from './database-alerts';
import {
  Cluster,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  ScheduledBackupSpecTarget,
} from '../../imports/postgresql.cnpg.io';
import { AppChart } from '../core/app';
import { protectFromPrune } from '../core/argocd-sync';
import { k8s } from '../core/k8s';
import { networkPolicyPeer, tcpPort } from '../core/network-peer';
import { BARMAN_CLOUD_PLUGIN } from './barman-object-store';
import { DatabaseCredentials, credentialsReaderName } from './database-credentials';
import { POSTGRES_PORT, databaseConnection, type DatabaseConnection, type DatabaseConnectionOptions } from './database-connection';
import { CNPG_CLUSTER_LABEL, CNPG_STATUS_PORT, CNPG_METRICS_PORT, SINGLE_INSTANCE_REASON_ANNOTATION, type DatabaseClient, type CnpgDatabaseProps, type CredentialsGrant, type CredentialsForOptions } from './database-props';
import { bootstrapOf, clusterResources, externalClustersOf, managedRole } from './cluster-spec';
import { checkCnpgCluster } from './cluster-rules';
import { validateDatabase, validateGrant } from './database-validation';

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
      existingSecret: props.existingSecret?.name,
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
    this.node.addValidation({ validate: () => checkCnpgCluster(cluster.toJson() as Record<string, unknown>) });

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
    // Monitoring without scrapers is refused (database-validation.ts): a rule without `from` would admit everyone.
    const scrapers = props.metricsScrapers ?? [];
    if ((props.monitoring ?? AppChart.of(this).environment.production) && scrapers.length > 0) {
      rules.push({ from: scrapers.map((c) => this.peerOf(c)), ports: [port(CNPG_METRICS_PORT)] });
    }
    return rules;
  }

  private peerOf(client: DatabaseClient): k8s.NetworkPolicyPeer {
    return networkPolicyPeer(client, this.namespace);
  }
}
