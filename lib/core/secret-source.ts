/**
 * A Secret that arrives in the cluster without secret material in git: a `SealedSecret`
 * (ciphertext in the overlay) or an `ExternalSecret` (a reference to a secret manager), or one
 * another system writes (`SecretSource.fromSecretName`, declared under `existing.secrets`).
 * Everything in the library that reads a Secret takes it through this interface, so the keys it
 * reads are checked against the keys the source writes.
 */
export interface ISecretSource {
  /** The name of the Secret that appears in the app's namespace. */
  readonly name: string;
  /**
   * The keys the Secret will have, when they are known at synth time (an ExternalSecret that
   * extracts every property of a remote entry knows them only in the cluster).
   * @default unknown: keys are not checked
   */
  readonly keys?: readonly string[];
  /**
   * What writes the Secret, for messages, e.g. "ExternalSecret backup-s3".
   * @default "Secret <name>"
   */
  readonly writtenBy?: string;
}

/** Attributes of a Secret this app does not emit, for `SecretSource.fromSecretAttributes`. */
export interface SecretAttributes {
  /** The Secret's name, in the app's namespace. */
  readonly name: string;
  /** The keys it has, when known, to have the keys read from it checked. @default unknown: not checked */
  readonly keys?: readonly string[];
}

/**
 * Makes `ISecretSource`s for Secrets this app does not emit, as reference values (the library's
 * convention for existing objects: see `ServiceRef`). They are not taken on trust: the reference
 * check refuses one unless it is emitted (by another app of the environment) or declared under
 * `existing.secrets` in environment.yaml.
 */
export class SecretSource {
  /** A Secret another system writes, whose keys are known: the keys read from it are checked. */
  public static fromSecretAttributes(attributes: SecretAttributes): ISecretSource {
    return { name: attributes.name, keys: attributes.keys, writtenBy: `Secret ${attributes.name} (not emitted by this app)` };
  }

  /** A Secret another system writes, known by its name only: the keys read from it are not checked. */
  public static fromSecretName(name: string): ISecretSource {
    return SecretSource.fromSecretAttributes({ name });
  }

  /** @deprecated since 0.2: use `SecretSource.fromSecretName(name)`, or `fromSecretAttributes({ name, keys })`. */
  public static fromName(name: string, options: { readonly keys?: readonly string[] } = {}): ISecretSource {
    return SecretSource.fromSecretAttributes({ name, keys: options.keys });
  }

  private constructor() {}
}

/** Whether `source` is known to lack `key`: false when its keys are only known in the cluster. */
export function lacksKey(source: Pick<ISecretSource, 'keys'>, key: string): boolean {
  return source.keys !== undefined && !source.keys.includes(key);
}

/** Why a reader of a Secret key fails: what is read, what writes the Secret, and its keys. */
export interface SecretKeyProblem {
  /** What is wrong, naming both sides. */
  readonly message: string;
  /** The keys the Secret has. */
  readonly allowed: string;
  /** How to fix it. */
  readonly hint: string;
}

/**
 * The one key check between a Secret's reader and its writer: a problem when something reads
 * `key` of Secret `secret` and the writer is known to write it without that key (a renamed key
 * in the ExternalSecret that feeds backups, say: the operator then fails in the cluster, not at
 * synth). Constructs call it with their `ISecretSource` for an early message; the reference check
 * over the rendered objects (lib/pipeline/checks/references.ts) calls it for every reader, however
 * it was built. The message starts at "reads", after the reader's name. Undefined when the key is there or the keys are known only in the cluster.
 */
export function secretKeyProblem(key: string, secret: string, writer: { readonly by: string; readonly keys?: readonly string[] }): SecretKeyProblem | undefined {
  if (!lacksKey(writer, key)) return undefined;
  return {
    message: `reads key "${key}" of Secret ${secret}, which ${writer.by} writes without that key`,
    allowed: writer.keys!.length > 0 ? writer.keys!.join(', ') : '(no keys)',
    hint: `use one of its keys, or add "${key}" where the Secret is written`,
  };
}

/** The same problem as one construct-validation line (constructs report plain strings), `reader` first. */
export function secretKeyMessage(reader: string, key: string, source: ISecretSource): string | undefined {
  const problem = secretKeyProblem(key, source.name, { by: source.writtenBy ?? `Secret ${source.name}`, keys: source.keys });
  return problem && `${reader} ${problem.message} (it has ${problem.allowed}); ${problem.hint}`;
}

/**
 * What is wrong with `value` as an `ISecretSource`, or undefined when it is one: a JavaScript
 * caller, or a cast, can pass a Secret's bare name (0.1's API) or anything else where an
 * `ISecretSource` goes, which would render a reference without a name. `path` names the prop.
 */
export function secretSourceProblem(value: unknown, path: string): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string' && (value as { name: string }).name !== '') return undefined;
  const given = typeof value === 'string' ? `the string "${value}"` : value === null || value === undefined ? String(value) : `${Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`} without a name`;
  const fix = typeof value === 'string' ? `SecretSource.fromSecretName("${value}")` : 'SecretSource.fromSecretName(name)';
  return `${path} is ${given}; it takes an ISecretSource: the SealedSecret or ExternalSecret itself, or ${fix}`;
}
