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

/**
 * The object rendered as `object.toJson()` (`json`) and as `rawJson(object)` (`raw`), resolving it
 * once where that gives the same result. The classes `cdk8s import` generates (and cdk8s-plus-28's
 * `k8s`) render as `{ ...GVK, ...toJson_Props(super.toJson()) }`: ApiObject's rendering (every
 * token resolved, patches applied: most of the cost) passed through a serializer that builds new
 * objects and mutates nothing. For those, ApiObject's rendering is made once and handed to the
 * class's `toJson` as its `super.toJson()`. Any other override of `toJson` (one that might change
 * what `super.toJson()` returned) is called as it stands, and the raw rendering made apart.
 */
export function renderWithRaw(object: ApiObject): { json: unknown; raw: unknown } {
  const base = apiObjectToJson();
  if (object.toJson === ApiObject.prototype.toJson) return { json: object.toJson(), raw: undefined };
  if (!isGeneratedSerializer(object.toJson)) return { json: object.toJson(), raw: base.call(object) };
  // ApiObject's rendering, which a construct validation of the same chart may have made already (renderingOnce).
  const raw = ApiObject.prototype.toJson.call(object);
  rendered = { object, raw };
  try {
    return { json: object.toJson(), raw };
  } finally {
    rendered = undefined;
  }
}

/** The rendering `super.toJson()` returns while renderWithRaw calls a generated class's toJson. */
let rendered: { readonly object: ApiObject; readonly raw: unknown } | undefined;
let original: (() => unknown) | undefined;
/** ApiObject's rendering of each object, while one chart renders (renderingOnce); undefined otherwise. */
let renderings: Map<ApiObject, unknown> | undefined;

/**
 * Runs `render` (a chart's construct validations, then the rendering of its objects) with
 * ApiObject's own rendering made once per object: a construct validation that checks what it
 * renders (`checkGateway(resource.toJson())`) and the rendering after it share it. Only for an
 * object whose class renders purely, ApiObject's own `toJson` or a generated serializer, which
 * builds a new object from `super.toJson()` and mutates nothing; any other override of `toJson`
 * might change what `super.toJson()` returned, so it is rendered afresh every time. Nothing may
 * change the construct tree while `render` runs, as nothing does between cdk8s's own validation
 * and synthesis.
 */
export function renderingOnce<T>(render: () => T): T {
  apiObjectToJson();
  const outer = renderings;
  renderings = new Map();
  try {
    return render();
  } finally {
    renderings = outer;
  }
}

/**
 * ApiObject's own toJson. On first use, ApiObject.prototype.toJson is replaced, once, by one that
 * returns `rendered.raw` for `rendered.object` and renders every other object as before:
 * `super.toJson()` is looked up on ApiObject.prototype when it is called, and replacing it for
 * each call instead would make V8 drop what it compiled for every ApiObject.
 */
function apiObjectToJson(): () => unknown {
  if (!original) {
    const base = ApiObject.prototype.toJson;
    original = base;
    const hook = function (this: ApiObject): unknown {
      if (rendered !== undefined && rendered.object === this) return rendered.raw;
      if (renderings === undefined || !(this.toJson === hook || isGeneratedSerializer(this.toJson))) return base.call(this);
      if (renderings.has(this)) return renderings.get(this);
      const raw = base.call(this);
      renderings.set(this, raw);
      return raw;
    };
    ApiObject.prototype.toJson = hook;
  }
  return original;
}

/** `toJson() { const resolved = super.toJson(); return { ...X.GVK, ...toJson_XProps(resolved) }; }`, as generated. */
const GENERATED_TO_JSON = /^toJson\(\)\s*\{\s*const (\w+) = super\.toJson\(\);\s*return \{\s*\.\.\.[\w$.]+\.GVK,\s*\.\.\.toJson_[\w$]+\(\1\),?\s*\};?\s*\}$/;
const generated = new WeakMap<object, boolean>();

/** Whether `toJson` is a generated class's (GENERATED_TO_JSON), by its source; once per class. */
function isGeneratedSerializer(toJson: () => unknown): boolean {
  let known = generated.get(toJson);
  if (known === undefined) {
    known = GENERATED_TO_JSON.test(Function.prototype.toString.call(toJson));
    generated.set(toJson, known);
  }
  return known;
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
