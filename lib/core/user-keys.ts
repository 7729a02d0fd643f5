/**
 * Lookups by keys that come from users (overlay keys, names, labels of rendered objects) must
 * never reach JavaScript's prototype chain: `clients["constructor"]` on a plain object is
 * `Object`, a truthy value that, read as a client, admitted every pod of a namespace. Two tools,
 * used everywhere such a key is looked up:
 *
 * - `ownValue(map, key)`: the map's own property or undefined (Object.hasOwn);
 * - `withoutPrototypes(value)`: a deep copy whose objects have no prototype, so that even a plain
 *   `map[key]` finds only what the map holds. The overlay reader returns overlay values this way.
 */

/** `map[key]` when `map` has `key` as its own property, else undefined; never an inherited member. */
export function ownValue<V>(map: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return map !== undefined && map !== null && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Whether `map` has `key` as its own property (not `toString`, `constructor`, `__proto__` of Object.prototype). */
export function hasOwnKey(map: object | undefined, key: string): boolean {
  return map !== undefined && map !== null && Object.hasOwn(map, key);
}

/**
 * A deep copy of JSON-like `value` whose objects have a null prototype (arrays stay arrays). Keys
 * such as "__proto__" stay ordinary keys.
 */
export function withoutPrototypes<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPrototypes) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy = Object.create(null) as Record<string, unknown>;
    for (const [key, child] of Object.entries(value)) copy[key] = withoutPrototypes(child);
    return copy as T;
  }
  return value;
}
