/**
 * Orders strings by UTF-16 code unit, as `Array.prototype.sort()` does without a comparator.
 *
 * Output order must not depend on the machine: `localeCompare` follows the process's ICU locale
 * (LANG, LC_ALL), so two machines could write the same objects in different orders, and its
 * first call loads ICU's collation data, a noticeable part of a short synth run.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts `[key, value]` entries by key with {@link compareStrings}. */
export function byKey<T>(a: readonly [string, T], b: readonly [string, T]): number {
  return compareStrings(a[0], b[0]);
}
