import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, propsShape, referenceShape } from '../core/prop-shape';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetTemplateEngineVersion,
  ExternalSecretSpecTargetTemplateMergePolicy,
  SecretStore,
  SecretStoreSpecProviderKubernetesServerCaProviderType,
} from '../../imports/external-secrets.io';
import { AppChart } from '../core/app';
import { checkDnsLabel, checkDnsSubdomain } from '../core/dns';
import { checkGoDuration } from '../secrets/external-secret';
import { k8s } from '../core/k8s';
import type { ISecretSource } from '../core/secret-source';
import { APP_SECRET_KEYS, BASIC_AUTH_KEYS, type AppSecretKeys, type DatabaseConnection } from './database-connection';

/**
 * Rules below cite External Secrets Operator 2.9 (external-secrets/external-secrets):
 * docs/provider/kubernetes.md and providers/v1/kubernetes (validate.go, client.go), and
 * docs/guides/templating.md for the template merge policy.
 */

/**
 * The ServiceAccount a consumer namespace reads a database's credentials as. Both sides derive
 * it from the Cluster name: the database's `grantCredentialsTo` binds it, `DatabaseCredentials`
 * creates it, and the two can live in different apps.
 */
export function credentialsReaderName(clusterName: string): string {
  return `${clusterName}-credentials`;
}

/** Properties for `DatabaseCredentials`. */
export interface DatabaseCredentialsProps {
  /**
   * The database to read credentials of: `db.connection`, or `CnpgDatabase.fromDatabaseAttributes(...).connection`
   * when the database is emitted by another app.
   */
  readonly connection: DatabaseConnection;
  /**
   * The consumer namespace, where the copy of the Secret is created. Must differ from the database's.
   * @default the chart's namespace
   */
  readonly namespace?: string;
  /**
   * The ServiceAccount External Secrets authenticates as; the database's namespace must grant it
   * (`CnpgDatabase.grantCredentialsTo`).
   * @default `<cluster>-credentials`
   */
  readonly serviceAccountName?: string;
  /**
   * The name of the Secret created in the consumer namespace.
   * @default the database's Secret name, `<cluster>-app`
   */
  readonly secretName?: string;
  /**
   * How often the copy is refreshed from the database's Secret, a Go duration.
   * @default "1h", the operator's default
   */
  readonly refreshInterval?: string;
  /**
   * The `app.kubernetes.io/component` label.
   * @default "database-credentials"
   */
  readonly component?: string;
}

/** The shape of `DatabaseCredentialsProps`, checked at run time (lib/core/prop-shape.ts). */
export const DATABASE_CREDENTIALS_PROPS_SHAPE = propsShape<DatabaseCredentialsProps>('the props of a DatabaseCredentials', {
  connection: referenceShape("a DatabaseConnection: a CnpgDatabase's connection", { clusterName: Type.String(), namespace: Type.String(), secret: Type.Object({}) }),
  namespace: Type.Optional(Type.String()),
  serviceAccountName: Type.Optional(Type.String()),
  secretName: Type.Optional(Type.String()),
  refreshInterval: Type.Optional(Type.String()),
  component: Type.Optional(Type.String()),
});

/**
 * A copy of a CNPG database's application Secret in a consumer namespace, without secret material
 * in git: an External Secrets `SecretStore` (kubernetes provider, pointed at the database's
 * namespace) authenticated as a dedicated ServiceAccount, and an `ExternalSecret` that copies the
 * keys. All three live in the consumer namespace; the read permission lives in the database's
 * namespace (`CnpgDatabase.grantCredentialsTo`), limited to `get` on that one Secret.
 *
 * The copy has the same keys, with `host` and `pgpass` naming the read-write Service as
 * `<cluster>-rw.<namespace>`: the operator writes the short `<cluster>-rw`, which does not resolve
 * outside the database's namespace. `uri` and `fqdn-uri` already carry the namespace.
 */
export class DatabaseCredentials extends Construct {
  /** The Secret to mount or read in the consumer namespace. */
  public readonly secretName: string;
  /** Its key names, the same as the database's Secret. */
  public readonly secretKeys: AppSecretKeys;
  /** The consumer namespace. */
  public readonly namespace: string;
  /** The ServiceAccount External Secrets authenticates as. */
  public readonly serviceAccountName: string;
  /** The SecretStore's name. */
  public readonly secretStoreName: string;
  /** The database it copies from. */
  public readonly connection: DatabaseConnection;
  /** The copy, for `secretEnv`/`envFromSecrets` of a workload in the consumer namespace. */
  public readonly secret: ISecretSource;

  constructor(scope: Construct, id: string, props: DatabaseCredentialsProps) {
    super(scope, id);
    checkProps(this, DATABASE_CREDENTIALS_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const connection = props.connection;
    this.connection = connection;
    this.namespace = props.namespace ?? chart.namespace!;
    this.secretName = props.secretName ?? connection.secretName;
    this.secretKeys = APP_SECRET_KEYS;
    this.serviceAccountName = props.serviceAccountName ?? credentialsReaderName(connection.clusterName);
    this.secretStoreName = credentialsReaderName(connection.clusterName);
    this.secret = { name: this.secretName, keys: connection.secret.keys };
    this.node.addValidation({ validate: () => validateCredentials(props, this) });

    const labels = chart.labelsFor(props.component ?? 'database-credentials');
    const metadata = (name: string) => ({ name, namespace: this.namespace, labels });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: metadata(this.serviceAccountName),
      // No pod runs as it: External Secrets requests short-lived tokens for it (TokenRequest).
      automountServiceAccountToken: false,
    });

    new SecretStore(this, 'SecretStore', {
      metadata: metadata(this.secretStoreName),
      spec: {
        provider: {
          kubernetes: {
            // The store reads only from the database's namespace (docs/provider/kubernetes.md).
            remoteNamespace: connection.namespace,
            server: {
              // No url: the in-cluster API server (kubernetes.default). Its CA is in the
              // kube-root-ca.crt ConfigMap every namespace has; a SecretStore's caProvider must
              // not name a namespace (validate.go ValidateStore).
              caProvider: { type: SecretStoreSpecProviderKubernetesServerCaProviderType.CONFIG_MAP, name: 'kube-root-ca.crt', key: 'ca.crt' },
            },
            // A SecretStore may only use a ServiceAccount of its own namespace
            // (ValidateReferentServiceAccountSelector); the operator's own account is refused by design.
            auth: { serviceAccount: { name: this.serviceAccountName } },
          },
        },
      },
    });

    // `host` and `pgpass` of a generated Secret are rewritten by the template below, so not fetched.
    const rewritten: readonly string[] = [APP_SECRET_KEYS.host, APP_SECRET_KEYS.pgpass];
    const keys = connection.secretIsGenerated ? Object.values(APP_SECRET_KEYS).filter((k) => !rewritten.includes(k)) : [...BASIC_AUTH_KEYS];
    // Host as the operator writes it into `uri`: `<cluster>-rw.<namespace>` (pkg/specs/secrets.go).
    const host = `${connection.host}.${connection.namespace}`;
    new ExternalSecret(this, 'ExternalSecret', {
      metadata: metadata(this.secretName),
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.SECRET_STORE, name: this.secretStoreName },
        target: {
          name: this.secretName,
          template: connection.secretIsGenerated
            ? {
              engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
              // Merge keeps every fetched key and overrides only these (templating.md: "data and
              // dataFrom keys will also be embedded ... having lower priority than the template").
              mergePolicy: ExternalSecretSpecTargetTemplateMergePolicy.MERGE,
              data: {
                [APP_SECRET_KEYS.host]: host,
                // The operator's format: host:port:dbname:username:password and a newline.
                [APP_SECRET_KEYS.pgpass]: `${host}:${connection.port}:{{ .dbname }}:{{ .username }}:{{ .password }}\n`,
              },
            }
            : undefined,
        },
        // The kubernetes provider reads `remoteRef.key` as the Secret's name and `property` as its key.
        data: keys.map((key) => ({ secretKey: key, remoteRef: { key: connection.secretName, property: key } })),
      },
    });
  }
}

function validateCredentials(props: DatabaseCredentialsProps, credentials: DatabaseCredentials): string[] {
  const errors: string[] = [];
  const connection = props.connection;
  if (credentials.namespace === connection.namespace) {
    errors.push(`the consumer namespace "${credentials.namespace}" is the database's own namespace; use connection.secretName ("${connection.secretName}") there directly instead of copying it`);
  }
  const nsProblem = checkDnsLabel(credentials.namespace);
  if (nsProblem) errors.push(`namespace "${credentials.namespace}" ${nsProblem}`);
  for (const [what, name] of [['secretName', credentials.secretName], ['serviceAccountName', credentials.serviceAccountName], ['SecretStore name', credentials.secretStoreName]] as const) {
    const problem = checkDnsSubdomain(name);
    if (problem) errors.push(`${what} "${name}" ${problem}`);
  }
  const durationProblem = checkGoDuration('refreshInterval', props.refreshInterval);
  if (durationProblem) errors.push(durationProblem);
  if (props.component !== undefined) {
    const problem = checkDnsLabel(props.component);
    if (problem) errors.push(`component "${props.component}" ${problem}`);
  }
  return errors;
}
