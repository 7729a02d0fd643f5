import { ApiObject } from 'cdk8s';

/**
 * The fields an imported L1 class drops when it serializes an object. Those classes (the ones
 * `cdk8s import` generates, and cdk8s-plus-28's `k8s`) override `toJson()` to pass the resolved
 * object through a typed serializer that copies only the fields it knows, under their wire names,
 * after JSON patches are applied. A misspelt field added with `addJsonPatch`, or a field written
 * under its wire name (`isWALArchiver`) where the class takes its own (`isWalArchiver`), would
 * vanish without a word, never reaching the schema check. So the object is also rendered the way
 * `ApiObject` itself renders it, and every field there without a counterpart in the typed output
 * is reported. Keys are matched ignoring case, since the classes' names differ from the wire
 * names only in case (`repoUrl`/`repoURL`); where the typed output holds a plain value and the raw
 * one an object, the raw object is a wrapper the serializer unwraps (Quantity, IntOrString).
 * `raw` is `rawJson(object)`, `typed` is `object.toJson()`, both rendered by the caller.
 */
export function droppedFields(raw: unknown, typed: unknown): string[] {
  const dropped: string[] = [];
  walk(raw, typed, '', dropped);
  return dropped;
}

/**
 * The object as `ApiObject` itself renders it (patches applied, no typed serializer), or
 * undefined where the class does not override `toJson`, so nothing can be dropped.
 */
export function rawJson(object: ApiObject): unknown {
  return object.toJson === ApiObject.prototype.toJson ? undefined : ApiObject.prototype.toJson.call(object);
}

function walk(raw: unknown, typed: unknown, path: string, dropped: string[]): void {
  if (Array.isArray(raw)) {
    if (!Array.isArray(typed)) return;
    raw.forEach((item, i) => walk(item, typed[i], `${path}[${i}]`, dropped));
    return;
  }
  if (!isRecord(raw) || !isRecord(typed)) return;
  const byLowerCase = new Map(Object.keys(typed).map((k) => [k.toLowerCase(), k]));
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const field = path ? `${path}.${key}` : key;
    const match = Object.hasOwn(typed, key) ? key : byLowerCase.get(key.toLowerCase());
    if (match === undefined) dropped.push(field);
    else walk(value, typed[match], field, dropped);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
