import { Type, type Static } from '@sinclair/typebox';
import { Construct } from 'constructs';
import { checkProps, oneOf, propsShape, stringList, valueShape } from '../core/prop-shape';
import {
  ExternalSecret as ExternalSecretL1,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets.io';
import { AppChart } from '../core/app';
import { checkDnsSubdomain } from '../core/dns';
import { UserError } from '../core/errors';
import { parseSecretStoreId } from '../core/environment';
import { isSecretKey, patternRule, SECRET_KEY_PATTERN } from '../core/values';
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
  /**
   * The entry's key (path or name) in the secret manager.
   * @default the ExternalSecret's `remoteKey`
   */
  readonly key?: string;
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
  /**
   * The store that holds the values; configured in the cluster, not here.
   * @default the environment's store: the one store declared under `existing.secretStores` in
   * environment.yaml (a SecretStore only when it is in this app's namespace)
   */
  readonly store?: SecretStoreRef;
  /**
   * The secret-manager entry that `data` items without a `key`, and `properties`, read from, so
   * an entry shared by every key is said once.
   * @default none: every `data` item names its key
   */
  readonly remoteKey?: string;
  /** Secret key → where its value comes from. @default none (then `properties` or `extract` is required) */
  readonly data?: Readonly<Record<string, ExternalSecretKeyRef>>;
  /**
   * Secret keys read from the property of the same name of `remoteKey`: the shorthand for
   * `data: { K: { key: <remoteKey>, property: K } }`.
   * @default none
   */
  readonly properties?: readonly string[];
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

/** The shape of `ExternalSecretProps`, checked at run time (lib/core/prop-shape.ts). */
export const EXTERNAL_SECRET_PROPS_SHAPE = propsShape<ExternalSecretProps>('the props of an ExternalSecret', {
  name: Type.String(),
  store: Type.Optional(valueShape<SecretStoreRef>('a store: { name, kind?: "SecretStore" | "ClusterSecretStore" }', { name: Type.String(), kind: Type.Optional(oneOf(['SecretStore', 'ClusterSecretStore'])) })),
  remoteKey: Type.Optional(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), valueShape<ExternalSecretKeyRef>('{ key?, property? }', { key: Type.Optional(Type.String()), property: Type.Optional(Type.String()) }), { description: 'a map of Secret keys to { key?, property? } in the secret manager' })),
  properties: Type.Optional(stringList('a list of properties of the remote entry')),
  extract: Type.Optional(Type.String()),
  refreshInterval: Type.Optional(Type.String({ description: 'a Go duration such as "1h"' })),
  component: Type.Optional(Type.String()),
});

/**
 * A Secret copied into the app's namespace by the External Secrets Operator from a secret
 * manager: git holds only the reference. The operator owns the Secret (creationPolicy Owner, so
 * it is garbage-collected with the ExternalSecret) and keeps it when the store loses the entry
 * (deletionPolicy Retain, the default), so a store outage never empties a running app's Secret.
 */
export class ExternalSecret extends Construct implements ISecretSource {
  /** The name of the Secret the operator writes (and of the ExternalSecret). */
  public readonly name: string;
  /** "ExternalSecret <name>", for messages about the keys it writes. */
  public readonly writtenBy: string;
  /** The keys, when they are all declared in `data` (not with `extract`). */
  public readonly keys?: readonly string[];

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    checkProps(this, EXTERNAL_SECRET_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    const data = dataOf(props);
    const store = props.store ?? environmentStore(chart, this.node.path);
    this.name = props.name;
    this.writtenBy = `ExternalSecret ${props.name}`;
    this.keys = props.extract === undefined ? Object.keys(data).sort() : undefined;
    this.node.addValidation({ validate: () => validateExternalSecret(props, data) });
    const labels = chart.labelsFor(props.component ?? 'secret');
    new ExternalSecretL1(this, 'Resource', {
      metadata: { name: props.name, labels },
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: {
          name: store.name,
          kind: store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
        },
        target: {
          name: props.name,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        },
        ...(Object.keys(data).length > 0
          ? { data: Object.keys(data).sort().map((secretKey) => ({ secretKey, remoteRef: { key: data[secretKey].key ?? props.remoteKey ?? '', ...(data[secretKey].property !== undefined ? { property: data[secretKey].property } : {}) } })) }
          : {}),
        ...(props.extract !== undefined ? { dataFrom: [{ extract: { key: props.extract } }] } : {}),
      },
    });
  }
}

/** `data` with `properties` folded in: every Secret key and where it comes from. */
function dataOf(props: ExternalSecretProps): Record<string, ExternalSecretKeyRef> {
  const data: Record<string, ExternalSecretKeyRef> = { ...props.data };
  // Object.hasOwn: a property named "constructor" or "toString" is a key like any other.
  for (const name of props.properties ?? []) if (!Object.hasOwn(data, name)) data[name] = { property: name };
  return data;
}

/**
 * The store an ExternalSecret reads from when it names none: the one the environment declares
 * under `existing.secretStores`, so an environment's store is said once, in environment.yaml.
 */
function environmentStore(chart: AppChart, where: string): SecretStoreRef {
  const environment = chart.environment;
  const declared = environment.existing?.secretStores ?? [];
  const usable = declared.map(parseSecretStoreId).flatMap((store): SecretStoreRef[] => {
    if (store.kind === 'ClusterSecretStore') return [{ kind: 'ClusterSecretStore', name: store.name }];
    return store.namespace === chart.namespace ? [{ kind: 'SecretStore', name: store.name }] : [];
  });
  if (usable.length === 1) return usable[0];
  throw new UserError({
    where,
    message: usable.length === 0
      ? `names no store, and ${environment.file} declares none this app can read from under existing.secretStores`
      : `names no store, and ${environment.file} declares several (${declared.join(', ')}): which one is ambiguous`,
    hint: 'give the ExternalSecret its store ({ name, kind }), or declare the one store of the environment under existing.secretStores',
  });
}

function validateExternalSecret(props: ExternalSecretProps, data: Readonly<Record<string, ExternalSecretKeyRef>>): string[] {
  const errors: string[] = [];
  const nameProblem = checkDnsSubdomain(props.name);
  if (nameProblem) errors.push(`Secret name "${props.name}" ${nameProblem}`);
  if (props.store) {
    const storeProblem = checkDnsSubdomain(props.store.name);
    if (storeProblem) errors.push(`store name "${props.store.name}" ${storeProblem}`);
  }
  if (Object.keys(data).length === 0 && props.extract === undefined) {
    errors.push(`ExternalSecret ${props.name} fetches nothing: give data (Secret key → remote key), properties (of remoteKey) or extract (a remote entry whose properties become keys)`);
  }
  for (const name of props.properties ?? []) {
    if (props.data && Object.hasOwn(props.data, name)) errors.push(`${name} of ${props.name} is both in data and in properties; keep one`);
  }
  if (props.properties?.length && props.remoteKey === undefined) errors.push(`properties of ${props.name} need remoteKey: the secret-manager entry they are properties of`);
  if (props.remoteKey !== undefined && props.remoteKey.trim() === '') errors.push(`remoteKey of ${props.name} is empty; name the entry in the secret manager`);
  for (const [key, ref] of Object.entries(data)) {
    if (!isSecretKey(key)) errors.push(`key "${key}" of ${props.name} is not a valid Secret key (letters, digits, "-", "_", ".")`);
    if (ref.key === undefined && props.remoteKey === undefined) errors.push(`data.${key} of ${props.name} names no key and there is no remoteKey; name the entry in the secret manager`);
    if (ref.key !== undefined && ref.key.trim() === '') errors.push(`data.${key}.key of ${props.name} is empty; name the entry in the secret manager`);
  }
  if (props.extract !== undefined && props.extract.trim() === '') errors.push(`extract of ${props.name} is empty; name the entry in the secret manager`);
  const durationProblem = checkGoDuration('refreshInterval', props.refreshInterval);
  if (durationProblem) errors.push(durationProblem);
  return errors;
}

/** The overlay shape of an ExternalSecret: the store and where each key comes from. */
export const ExternalSecretValues = Type.Object({
  /** The SecretStore or ClusterSecretStore that holds the values (default: the one store under existing.secretStores in environment.yaml). */
  store: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, description: 'the SecretStore or ClusterSecretStore name' }),
    kind: Type.Optional(Type.Union([Type.Literal('SecretStore'), Type.Literal('ClusterSecretStore')], { description: 'SecretStore (default) or ClusterSecretStore' })),
  }, { additionalProperties: false })),
  remoteKey: Type.Optional(Type.String({ minLength: 1, description: 'the secret-manager entry that properties, and data items without a key, read from' })),
  properties: Type.Optional(Type.Array(Type.String(SECRET_KEY_PATTERN), { uniqueItems: true, description: 'Secret keys read from the property of the same name of remoteKey' })),
  data: Type.Optional(Type.Record(Type.String(SECRET_KEY_PATTERN), Type.Object({
    key: Type.Optional(Type.String({ minLength: 1, description: 'the entry in the secret manager (default: remoteKey)' })),
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
