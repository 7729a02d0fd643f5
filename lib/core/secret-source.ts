/**
 * A Secret that arrives in the cluster without secret material in git: a `SealedSecret`
 * (ciphertext in the overlay) or an `ExternalSecret` (a reference to a secret manager), or one
 * another system writes (`SecretSource.fromName`, declared under `existing.secrets`).
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

/** Makes `ISecretSource`s for Secrets this app does not emit. */
export class SecretSource {
  /**
   * A Secret another system writes (or another app of the environment emits). It is not taken on
   * trust: the reference check refuses it unless it is emitted or declared under
   * `existing.secrets` in environment.yaml. Give `keys` when they are known, to have them checked.
   */
  public static fromName(name: string, options: { readonly keys?: readonly string[] } = {}): ISecretSource {
    return { name, keys: options.keys, writtenBy: `Secret ${name} (not emitted by this app)` };
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
