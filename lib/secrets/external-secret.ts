import { Type, type Static } from '@sinclair/typebox';
import { Construct } from 'constructs';
import {
  ExternalSecret as ExternalSecretL1,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets.io';
import { AppChart } from '../core/app';
import { checkDnsSubdomain } from '../core/dns';
import { patternRule, SECRET_KEY_PATTERN } from '../core/values';
import type { ISecretSource } from '../core/secret-source';

/**
 * Rules cite External Secrets Operator (external-secrets/external-secrets) v1 API:
 * apis/externalsecrets/v1/externalsecret_types.go and docs/api/externalsecret.md.
 */

/** A Go `time.ParseDuration` string, the type of `refreshInterval` (metav1.Duration). */
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** A construct-validation message when `value` is not a Go duration such as "1h" or "15m". */
export function checkGoDuration(field: string, value: string | undefined): string | undefined {
  if (value === undefined || GO_DURATION.test(value)) return undefined;
  return `${field} "${value}" is not a Go duration such as "1h", "15m" or "1h30m"`;
}

/** Where one key of the Secret comes from in the secret manager. */
export interface ExternalSecretKeyRef {
  /** The entry's key (path or name) in the secret manager. */
  readonly key: string;
  /** A property within the entry, for entries that hold JSON or several fields. @default the whole entry */
  readonly property?: string;
}

/** The SecretStore or ClusterSecretStore an ExternalSecret reads from. */
export interface SecretStoreRef {
  /** The store's name. */
  readonly name: string;
  /** @default "SecretStore" (the operator's default) */
  readonly kind?: 'SecretStore' | 'ClusterSecretStore';
}

/** Properties for `ExternalSecret`. */
export interface ExternalSecretProps {
  /** The name of the ExternalSecret and of the Secret the operator creates. */
  readonly name: string;
  /** The store that holds the values; configured in the cluster, not here. */
  readonly store: SecretStoreRef;
  /** Secret key → where its value comes from. @default none (then `extract` is required) */
  readonly data?: Readonly<Record<string, ExternalSecretKeyRef>>;
  /**
   * A secret-manager entry whose every property becomes a key (`dataFrom.extract`). The keys are
   * then known only in the cluster. @default none
   */
  readonly extract?: string;
  /** How often the Secret is refreshed from the store, a Go duration. @default "1h" */
  readonly refreshInterval?: string;
  /** The `app.kubernetes.io/component` label. @default "secret" */
  readonly component?: string;
}

/**
 * A Secret copied into the app's namespace by the External Secrets Operator from a secret
 * manager: git holds only the reference. The operator owns the Secret (creationPolicy Owner, so
 * it is garbage-collected with the ExternalSecret) and keeps it when the store loses the entry
 * (deletionPolicy Retain, the default), so a store outage never empties a running app's Secret.
 */
export class ExternalSecret extends Construct implements ISecretSource {
  public readonly name: string;
  /** "ExternalSecret <name>", for messages about the keys it writes. */
  public readonly writtenBy: string;
  /** The keys, when they are all declared in `data` (not with `extract`). */
  public readonly keys?: readonly string[];

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    const chart = AppChart.of(this);
    const data = props.data ?? {};
    this.name = props.name;
    this.writtenBy = `ExternalSecret ${props.name}`;
    this.keys = props.extract === undefined ? Object.keys(data).sort() : undefined;
    this.node.addValidation({ validate: () => validateExternalSecret(props) });
    const labels = chart.labelsFor(props.component ?? 'secret');
    new ExternalSecretL1(this, 'Resource', {
      metadata: { name: props.name, labels },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: {
          name: props.store.name,
          kind: props.store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
        },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        },
        ...(Object.keys(data).length > 0
          ? { data: Object.keys(data).sort().map((secretKey) => ({ secretKey, remoteRef: { key: data[secretKey].key, ...(data[secretKey].property !== undefined ? { property: data[secretKey].property } : {}) } })) }
          : {}),
        ...(props.extract !== undefined ? { dataFrom: [{ extract: { key: props.extract } }] } : {}),
      },
    });
  }
}

function validateExternalSecret(props: ExternalSecretProps): string[] {
  const errors: string[] = [];
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`Secret name "${props.name}" ${nameProblem}`);
  const storeProblem = checkDnsSubdomain(props.store.name);
  if (storeProblem) errors.push(`store name "${props.store.name}" ${storeProblem}`);
  const data = props.data ?? {};
  if (Object.keys(data).length === 0 && props.extract === undefined) {
    errors.push(`ExternalSecret ${props.name} fetches nothing: give data (Secret key → remote key) or extract (a remote entry whose properties become keys)`);
  }
  for (const [key, ref] of Object.entries(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) errors.push(`key "${key}" of ${props.name} is not a valid Secret key (letters, digits, "-", "_", ".")`);
    if (ref.key.trim() === '') errors.push(`data.${key}.key of ${props.name} is empty; name the entry in the secret manager`);
  }
  if (props.extract !== undefined && props.extract.trim() === '') errors.push(`extract of ${props.name} is empty; name the entry in the secret manager`);
  const durationProblem = checkGoDuration('refreshInterval', props.refreshInterval);
  if (durationProblem) errors.push(durationProblem);
  return errors;
}

/** The overlay shape of an ExternalSecret: the store and where each key comes from. */
export const ExternalSecretValues = Type.Object({
  /** The SecretStore or ClusterSecretStore that holds the values, configured in the cluster. */
  store: Type.Object({
    name: Type.String({ minLength: 1, description: 'the SecretStore or ClusterSecretStore name' }),
    kind: Type.Optional(Type.Union([Type.Literal('SecretStore'), Type.Literal('ClusterSecretStore')], { description: 'SecretStore (default) or ClusterSecretStore' })),
  }, { additionalProperties: false }),
  data: Type.Optional(Type.Record(Type.String(SECRET_KEY_PATTERN), Type.Object({
    key: Type.String({ minLength: 1, description: 'the entry in the secret manager' }),
    property: Type.Optional(Type.String({ minLength: 1, description: 'a property of the entry' })),
  }, { additionalProperties: false }), { additionalProperties: false, description: 'Secret key → { key, property } in the secret manager' })),
  extract: Type.Optional(Type.String({ minLength: 1, description: 'a secret-manager entry whose every property becomes a key' })),
  refreshInterval: Type.Optional(Type.String({ ...patternRule(GO_DURATION.source, 'must be a Go duration: numbers with units h, m, s, ms, us or ns, e.g. 1h, 15m or 1h30m'), description: 'a Go duration such as 1h or 15m' })),
}, { additionalProperties: false });
/**
 * The type `build` reads for `ExternalSecretValues`: one property per overlay key.
 * @interface
 */
export type ExternalSecretValues = Static<typeof ExternalSecretValues>;
