/**
 * Read-only views of a rendered manifest (plain JSON), for the rules that hold on every object of
 * a kind however it was built: an integration's check reads the object as synth renders it, so
 * the construct that emits it and the output policy share one implementation. These readers never
 * assume a field is present or has the right type.
 */

/** A rendered manifest, or any JSON object inside one. */
export type Manifest = Record<string, unknown>;

/** Whether `value` is a JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Manifest {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` if it is a JSON object, else an empty one. */
export function record(value: unknown): Manifest {
  return isRecord(value) ? value : {};
}

/** The JSON objects in `value` if it is an array, else none. */
export function list(value: unknown): Manifest[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** `value` if it is a string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
