import { isRecord } from '../../core/manifest';

// The field-by-field difference of two parsed objects, for manifest-diff.ts, and the small
// helpers over parsed YAML both use.

/** A step of a path into an object: a key, an index, or a list item matched by its name. */
export type Segment = string | number | { readonly name: string };

/**
 * The changed fields between two values, deepest first reached. Lists whose items all have a
 * unique `name` (containers, volumes, env, ports) are matched by name, so reordering them is no
 * change and paths read `containers[name=web]`; other lists of objects are matched by index;
 * lists of scalars are compared whole.
 */
export function diffValues(before: unknown, after: unknown, path: readonly Segment[] = []): FieldChange[] {
  const changes: FieldChange[] = [];
  const walk = (b: unknown, a: unknown, at: readonly Segment[]) => {
    if (deepEqual(b, a)) return;
    if (isRecord(b) && isRecord(a)) {
      for (const key of unionKeys(Object.keys(b), Object.keys(a))) walk(Object.hasOwn(b, key) ? b[key] : undefined, Object.hasOwn(a, key) ? a[key] : undefined, [...at, key]);
      return;
    }
    if (Array.isArray(b) && Array.isArray(a)) {
      const byName = namedItems(b) && namedItems(a);
      if (byName) {
        const old = new Map(b.map((item) => [(item as { name: string }).name, item]));
        const next = new Map(a.map((item) => [(item as { name: string }).name, item]));
        for (const name of unionKeys([...old.keys()], [...next.keys()])) walk(old.get(name), next.get(name), [...at, { name }]);
        return;
      }
      if (b.length > 0 && a.length > 0 && b.every(isRecord) && a.every(isRecord)) {
        for (let i = 0; i < Math.max(b.length, a.length); i++) walk(b[i], a[i], [...at, i]);
        return;
      }
    }
    changes.push({ path: formatPath(at), before: b, after: a });
  };
  walk(before, after, path);
  return changes;
}

/** `['spec', 'containers', {name: 'web'}, 'image']` → `spec.containers[name=web].image`. */
export function formatPath(path: readonly Segment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'object') text += `[name=${segment.name}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text || '(object)';
}

function namedItems(list: readonly unknown[]): boolean {
  const names = list.map((item) => (isRecord(item) && typeof item.name === 'string' ? item.name : undefined));
  return names.every((n) => n !== undefined) && new Set(names).size === names.length;
}

function unionKeys(first: readonly string[], second: readonly string[]): string[] {
  return [...first, ...second.filter((k) => !first.includes(k))];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

// Small helpers over parsed YAML.

/** `value` if it is an array, else an empty one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value at `path` (keys) inside `value`, or undefined where the path leaves the objects. */
export function getIn(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) && Object.hasOwn(current, key) ? current[key] : undefined;
  return current;
}

/** Deletes the field at `path` inside `value`, if its parent object exists. */
export function deleteIn(value: Record<string, unknown>, path: readonly string[]): void {
  const parent = getIn(value, path.slice(0, -1));
  if (isRecord(parent)) delete parent[path[path.length - 1]];
}

/** One changed field. `before` or `after` is `undefined` when the field is absent on that side. */
export interface FieldChange {
  /** e.g. `spec.template.spec.containers[name=web].image`. */
  readonly path: string;
  /** The value before the change; `undefined`: the field was absent. */
  readonly before: unknown;
  /** The value after the change; `undefined`: the field is absent. */
  readonly after: unknown;
}
