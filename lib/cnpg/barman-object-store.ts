import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, SECRET_SOURCE_SHAPE, valueShape } from '../core/prop-shape';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationDataEncryption,
  ObjectStoreSpecConfigurationWalCompression,
  ObjectStoreSpecConfigurationWalEncryption,
} from '../../imports/barmancloud.cnpg.io';
import { AppChart } from '../core/app';
import { protectFromPrune } from '../core/delivery';
import { checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { secretKeyMessage, type ISecretSource } from '../core/secret-source';

/**
 * Rules below cite the Barman Cloud CNPG-I plugin v0.14.0 (cloudnative-pg/plugin-barman-cloud):
 * its ObjectStore CRD (`barmancloud.cnpg.io/v1`) and web/docs/usage.md and parameters.md.
 */

/** The plugin's name, as the Cluster's `plugins[]`, `externalClusters[].plugin` and ScheduledBackup reference it (usage.md). */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/** The key of the access key id in the credentials Secret, unless told otherwise (object_stores.md). */
export const DEFAULT_ACCESS_KEY_ID_KEY = 'ACCESS_KEY_ID';
/** The key of the secret access key in the credentials Secret, unless told otherwise (object_stores.md). */
export const DEFAULT_SECRET_ACCESS_KEY_KEY = 'ACCESS_SECRET_KEY';

/** The retention policy syntax of `spec.retentionPolicy` (ObjectStore CRD pattern): days, weeks or months. */
export const RETENTION_POLICY_PATTERN = /^[1-9][0-9]*[dwm]$/;

/** WAL compression algorithms (ObjectStore CRD enum `configuration.wal.compression`). */
export type WalCompression = 'bzip2' | 'gzip' | 'lz4' | 'snappy' | 'xz' | 'zstd';
/** Base backup compression algorithms (ObjectStore CRD enum `configuration.data.compression`: no xz or zstd). */
export type DataCompression = 'bzip2' | 'gzip' | 'lz4' | 'snappy';
/** Server-side encryption of the uploaded files (ObjectStore CRD enum). */
export type ObjectStoreEncryption = 'AES256' | 'aws:kms';

/** A Barman Cloud ObjectStore a Cluster can archive to or recover from. */
export interface IBarmanObjectStore {
  /** The ObjectStore's name: the plugin's `barmanObjectName` parameter. */
  readonly name: string;
  /** Its namespace; the plugin looks it up in the Cluster's namespace. */
  readonly namespace: string;
}

/** Attributes of an existing ObjectStore. */
export interface BarmanObjectStoreAttributes {
  /** The ObjectStore's name. */
  readonly name: string;
  /** Its namespace: the namespace of the Cluster that uses it, where the plugin looks it up. */
  readonly namespace: string;
}

/**
 * The S3 credentials: keys of one Secret in the store's namespace. Key names and defaults follow
 * plugin-barman-cloud v0.14.0 web/docs/object_stores.md ("Access Keys": `ACCESS_KEY_ID`,
 * `ACCESS_SECRET_KEY`, optionally a session token); each `s3Credentials` field of the ObjectStore
 * CRD is a Secret key selector (`name` and `key`, both required).
 */
export interface S3CredentialsSecret {
  /**
   * The Secret (a SealedSecret or ExternalSecret, or `SecretSource.fromSecretName` for one declared
   * under `existing.secrets`). Every key read below must be among its keys, when it knows them.
   */
  readonly secret: ISecretSource;
  /**
   * The key holding the access key id.
   * @default "ACCESS_KEY_ID", as in the plugin's object_stores.md
   */
  readonly accessKeyIdKey?: string;
  /**
   * The key holding the secret access key.
   * @default "ACCESS_SECRET_KEY", as in the plugin's object_stores.md
   */
  readonly secretAccessKeyKey?: string;
  /**
   * The key holding the region, for stores that need one.
   * @default none
   */
  readonly regionKey?: string;
  /**
   * The key holding a session token, for temporary credentials (the plugin's docs call it
   * `ACCESS_SESSION_TOKEN`).
   * @default none
   */
  readonly sessionTokenKey?: string;
}

/** A Secret key holding the CA bundle that signed the endpoint's certificate (`endpointCA`). */
export interface EndpointCaSecret {
  /** The Secret, in the ObjectStore's namespace; `key` must be among its keys, when it knows them. */
  readonly secret: ISecretSource;
  /** The key holding the PEM bundle, e.g. "ca.crt". */
  readonly key: string;
}

/** Properties for `BarmanObjectStore`. */
export interface BarmanObjectStoreProps {
  /** The ObjectStore's name, a DNS subdomain; the Cluster refers to it as `barmanObjectName`. */
  readonly name: string;
  /**
   * The S3-compatible destination, `s3://<bucket>/<path>`. The plugin adds one folder per server
   * name below it, for WALs and base backups.
   */
  readonly destinationPath: string;
  /**
   * The S3-compatible endpoint (MinIO, Garage, Ceph RGW...), `http(s)://host[:port]`.
   * @default the AWS S3 endpoint, discovered by barman-cloud
   */
  readonly endpointUrl?: string;
  /**
   * A Secret key holding the CA bundle that signed the endpoint's certificate.
   * @default the system trust store
   */
  readonly endpointCa?: EndpointCaSecret;
  /**
   * The Secret with the S3 credentials. Required unless `inheritFromIamRole` is set.
   * @default none
   */
  readonly s3Credentials?: S3CredentialsSecret;
  /**
   * Take credentials from the pod's IAM role (IRSA and similar) instead of a Secret.
   * @default false
   */
  readonly inheritFromIamRole?: boolean;
  /**
   * How long base backups and WALs are kept: a positive number followed by d, w or m, e.g. "30d".
   * The plugin's sidecar deletes what is older.
   * @default "30d"
   */
  readonly retentionPolicy?: string;
  /**
   * Compression of archived WAL files.
   * @default "gzip", as the plugin's usage.md example
   */
  readonly walCompression?: WalCompression;
  /**
   * Compression of base backups.
   * @default "gzip"
   */
  readonly dataCompression?: DataCompression;
  /**
   * Server-side encryption of uploaded files.
   * @default none: whatever the bucket enforces
   */
  readonly encryption?: ObjectStoreEncryption;
  /**
   * How many WAL files are archived (and restored) in parallel.
   * @default 1, barman-cloud's default
   */
  readonly walMaxParallel?: number;
  /**
   * The `app.kubernetes.io/component` label.
   * @default "database"
   */
  readonly component?: string;
}

/** The shape of `BarmanObjectStoreProps`, checked at run time (lib/core/prop-shape.ts). */
export const BARMAN_OBJECT_STORE_PROPS_SHAPE = propsShape<BarmanObjectStoreProps>('the props of a BarmanObjectStore', {
  name: Type.String(),
  destinationPath: Type.String({ description: 's3://<bucket>/<path>' }),
  endpointUrl: Type.Optional(Type.String()),
  endpointCa: Type.Optional(valueShape<EndpointCaSecret>('{ secret: ISecretSource, key }', { secret: SECRET_SOURCE_SHAPE, key: Type.String() })),
  s3Credentials: Type.Optional(valueShape<S3CredentialsSecret>('{ secret: ISecretSource, accessKeyIdKey?, secretAccessKeyKey?, regionKey?, sessionTokenKey? }', {
    secret: SECRET_SOURCE_SHAPE,
    accessKeyIdKey: Type.Optional(Type.String()),
    secretAccessKeyKey: Type.Optional(Type.String()),
    regionKey: Type.Optional(Type.String()),
    sessionTokenKey: Type.Optional(Type.String()),
  })),
  inheritFromIamRole: Type.Optional(Type.Boolean()),
  retentionPolicy: Type.Optional(Type.String()),
  walCompression: Type.Optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'])),
  dataCompression: Type.Optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy'])),
  encryption: Type.Optional(oneOf(['AES256', 'aws:kms'])),
  walMaxParallel: Type.Optional(Type.Number()),
  component: Type.Optional(Type.String()),
});

/**
 * A Barman Cloud Plugin ObjectStore: where a CNPG Cluster archives its WAL and base backups, and
 * where a new Cluster recovers from. Emits one `barmancloud.cnpg.io/v1` ObjectStore in the
 * chart's namespace, protected from ArgoCD pruning. Replaces the in-tree
 * `spec.backup.barmanObjectStore`, deprecated in CNPG 1.30 and due for removal in 1.31.
 */
export class BarmanObjectStore extends Construct implements IBarmanObjectStore {
  /**
   * An ObjectStore this app does not emit (for example the store of a cluster being restored): a
   * reference value (the library's convention for existing objects, docs/constructs.md), nothing
   * is emitted.
   */
  public static fromObjectStoreAttributes(attributes: BarmanObjectStoreAttributes): IBarmanObjectStore {
    return { name: attributes.name, namespace: attributes.namespace };
  }

  /** @deprecated since 0.2: use `BarmanObjectStore.fromObjectStoreAttributes({ name, namespace })`. */
  public static fromName(name: string, namespace: string): IBarmanObjectStore {
    return BarmanObjectStore.fromObjectStoreAttributes({ name, namespace });
  }

  /** The ObjectStore's name, which a Cluster's plugin parameters refer to. */
  public readonly name: string;
  /** The ObjectStore's namespace, the namespace of the Clusters that use it. */
  public readonly namespace: string;
  /** `s3://<bucket>/<path>`. */
  public readonly destinationPath: string;
  /** The retention policy in force, e.g. "30d". */
  public readonly retentionPolicy: string;

  constructor(scope: Construct, id: string, props: BarmanObjectStoreProps) {
    super(scope, id);
    checkProps(this, BARMAN_OBJECT_STORE_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.namespace = chart.namespace!;
    this.destinationPath = props.destinationPath;
    this.retentionPolicy = props.retentionPolicy ?? '30d';
    this.node.addValidation({ validate: () => validateObjectStore(props, this.retentionPolicy) });

    const credentials = props.s3Credentials;
    const key = (secretKey: string | undefined) => (credentials && secretKey ? { name: credentials.secret.name, key: secretKey } : undefined);
    const store = new ObjectStore(this, 'Resource', {
      metadata: { name: this.name, labels: chart.labelsFor(props.component ?? 'database') },
      spec: {
        // `serverName` is deliberately absent: the CRD forbids it ("use the 'serverName' plugin
        // parameter in the Cluster resource"), so one store can serve several clusters.
        configuration: {
          destinationPath: props.destinationPath,
          endpointUrl: props.endpointUrl,
          endpointCa: props.endpointCa ? { name: props.endpointCa.secret.name, key: props.endpointCa.key } : undefined,
          s3Credentials: props.inheritFromIamRole
            ? { inheritFromIamRole: true }
            : {
              accessKeyId: key(credentials?.accessKeyIdKey ?? DEFAULT_ACCESS_KEY_ID_KEY),
              secretAccessKey: key(credentials?.secretAccessKeyKey ?? DEFAULT_SECRET_ACCESS_KEY_KEY),
              region: key(credentials?.regionKey),
              sessionToken: key(credentials?.sessionTokenKey),
            },
          wal: {
            compression: (props.walCompression ?? 'gzip') as ObjectStoreSpecConfigurationWalCompression,
            encryption: props.encryption as ObjectStoreSpecConfigurationWalEncryption | undefined,
            maxParallel: props.walMaxParallel,
          },
          data: {
            compression: (props.dataCompression ?? 'gzip') as ObjectStoreSpecConfigurationDataCompression,
            encryption: props.encryption as ObjectStoreSpecConfigurationDataEncryption | undefined,
          },
        },
        // The retention policy sits at spec level, not under configuration (ObjectStore CRD).
        retentionPolicy: this.retentionPolicy,
      },
    });
    protectFromPrune(store);
  }
}

function validateObjectStore(props: BarmanObjectStoreProps, retentionPolicy: string): string[] {
  const errors: string[] = [];
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`ObjectStore name "${props.name}" ${nameProblem}`);
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9](\/.*)?$/.test(props.destinationPath)) {
    errors.push(`destinationPath "${props.destinationPath}" is not an S3 location; write s3://<bucket>/<path>, e.g. "s3://backups/databases" (bucket names are lower-case letters, digits, "." and "-")`);
  }
  if (props.endpointUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(props.endpointUrl)) {
    errors.push(`endpointUrl "${props.endpointUrl}" is not an http(s) URL; write e.g. "https://minio.storage.svc:9000"`);
  }
  if (props.endpointCa) {
    const problem = checkDnsSubdomain(props.endpointCa.secret.name);
    if (problem) errors.push(`endpointCa.secret name "${props.endpointCa.secret.name}" ${problem}`);
    if (!props.endpointCa.key) errors.push('endpointCa.key is empty; name the Secret key holding the CA bundle, e.g. "ca.crt"');
    else {
      const missing = secretKeyMessage('endpointCa.key', props.endpointCa.key, props.endpointCa.secret);
      if (missing) errors.push(missing);
    }
  }
  if (props.inheritFromIamRole && props.s3Credentials) {
    errors.push('s3Credentials and inheritFromIamRole are exclusive: barman-cloud uses either the Secret or the pod\'s IAM role; keep one');
  }
  if (!props.inheritFromIamRole && !props.s3Credentials) {
    errors.push('the store has no credentials: set s3Credentials (a Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY) or inheritFromIamRole: true');
  }
  if (props.s3Credentials) {
    const { secret, ...keyNames } = props.s3Credentials;
    const problem = checkDnsSubdomain(secret.name);
    if (problem) errors.push(`s3Credentials.secret name "${secret.name}" ${problem}`);
    for (const [field, value] of Object.entries(keyNames)) {
      if (value === '') errors.push(`s3Credentials.${field} is empty; omit it for the default key name`);
    }
    const read: Record<string, string | undefined> = {
      accessKeyIdKey: keyNames.accessKeyIdKey || DEFAULT_ACCESS_KEY_ID_KEY,
      secretAccessKeyKey: keyNames.secretAccessKeyKey || DEFAULT_SECRET_ACCESS_KEY_KEY,
      regionKey: keyNames.regionKey || undefined,
      sessionTokenKey: keyNames.sessionTokenKey || undefined,
    };
    for (const [field, key] of Object.entries(read)) {
      const missing = key === undefined ? undefined : secretKeyMessage(`s3Credentials.${field}`, key, secret);
      if (missing) errors.push(missing);
    }
  }
  if (!RETENTION_POLICY_PATTERN.test(retentionPolicy)) {
    errors.push(`retentionPolicy "${retentionPolicy}" is not a retention policy; write a positive number followed by d, w or m (days, weeks, months), e.g. "30d" (ObjectStore CRD pattern ^[1-9][0-9]*[dwm]$)`);
  }
  if (props.walMaxParallel !== undefined && (!Number.isInteger(props.walMaxParallel) || props.walMaxParallel < 1)) {
    errors.push(`walMaxParallel ${props.walMaxParallel} must be a positive integer`);
  }
  if (props.component !== undefined) {
    const problem = checkDnsLabel(props.component);
    if (problem) errors.push(`component "${props.component}" ${problem}`);
  }
  return errors;
}
