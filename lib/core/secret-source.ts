/**
 * A Secret that arrives in the cluster without secret material in git: a `SealedSecret`
 * (ciphertext in the overlay) or an `ExternalSecret` (a reference to a secret manager).
 * Workloads take either through this interface.
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
}

/** Whether `source` is known to lack `key`: false when its keys are only known in the cluster. */
export function lacksKey(source: ISecretSource, key: string): boolean {
  return source.keys !== undefined && !source.keys.includes(key);
}
