import { Type, type TObject, type TOptional, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { IConstruct } from 'constructs';
import { UserError, type Problem } from './errors';
import type { PodPeer } from './network-peer';
import { secretSourceProblem } from './secret-source';
import { closestKey, describeSchema } from './values';

/**
 * Props checked at run time. TypeScript checks a construct's props where the caller is
 * TypeScript; a JavaScript caller, a cast or a value read from JSON can still pass a string where
 * an `ISecretSource` goes, a number where a string goes, a misspelt prop or a value outside an
 * enumeration. Without a check, such a value surfaces later as a TypeError inside the library
 * (exit 70, "a bug in the library") or as a silently wrong manifest. Each construct declares the
 * shape of its props once, with TypeBox (the schema language of the overlays, lib/core/values.ts),
 * and checks what it was given against it before it reads anything (`checkProps`): a wrong shape
 * is a `UserError` naming the construct, the prop's path and what the prop takes (exit 2).
 *
 * The shape states types, enumerations and known keys only; what a construct checks itself (a
 * DNS name, a port range, a quantity) stays in its validation, one implementation per rule.
 * `PropsShape<P>` makes the compiler hold the shape to the props interface: a prop added to the
 * interface without a shape, or a shape for a prop the interface lacks, does not compile.
 */

/** A schema for each prop of `P`, optional props wrapped in `Type.Optional`. */
export type PropsShape<P> = { readonly [K in keyof Required<P>]: undefined extends P[K] ? TOptional<TSchema> : TSchema };

/** What a reference shape (`referenceShape`) adds to its schema: how to say that a value is not one. */
export interface ReferenceOptions {
  /**
   * The problem with `value` at `path`, when it is not the reference.
   * @default "prop <path> is <the value>; it takes <what>"
   */
  readonly explain?: (value: unknown, path: string) => string;
}

/**
 * The shape of a construct's props: an object with exactly these props (an unknown prop, a
 * misspelt one say, is refused with the nearest known name).
 */
export function propsShape<P>(what: string, properties: PropsShape<P>): TObject {
  return Type.Object(properties as unknown as TProperties, { additionalProperties: false, description: what });
}

/**
 * A plain value object of the props (resources, a volume, an autoscaler): exactly these keys.
 * `PropsShape<T>` holds it to its interface.
 */
export function valueShape<T>(what: string, properties: PropsShape<T>): TObject {
  return Type.Object(properties as unknown as TProperties, { additionalProperties: false, description: what });
}

/**
 * A reference to another construct or to an existing resource (a Gateway, a Service, an
 * `ImageContract`): an object with at least these members, which may have any others (a
 * construct has many). A value that is not one is reported once, at the prop, as `what`.
 */
export function referenceShape(what: string, members: TProperties, options: ReferenceOptions = {}): TObject {
  return Type.Object(members, { description: what, reference: true, ...options });
}

/** One of these strings: an enumeration prop such as a strategy. */
export function oneOf<const T extends readonly string[]>(values: T, description?: string): TUnion {
  return Type.Union(values.map((v) => Type.Literal(v)), { description: description ?? `one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

/** A map of strings to strings: environment, labels, headers. */
export function stringMap(description = 'a map of strings to strings'): TSchema {
  return Type.Record(Type.String(), Type.String(), { description });
}

/** A list of strings: a command, hostnames, tags. */
export function stringList(description = 'a list of strings'): TSchema {
  return Type.Array(Type.String(), { description });
}

/**
 * An `ISecretSource`: the SealedSecret or ExternalSecret itself, or `SecretSource.fromSecretName`.
 * Its problem is `secretSourceProblem`'s, which names the fix for 0.1's bare Secret name.
 */
export const SECRET_SOURCE_SHAPE = referenceShape(
  'an ISecretSource: the SealedSecret or ExternalSecret itself, or SecretSource.fromSecretName(name)',
  { name: Type.String({ minLength: 1 }), keys: Type.Optional(Type.Array(Type.String())) },
  { explain: (value, path) => secretSourceProblem(value, path) ?? `${path} is not an ISecretSource` },
);

/** An `IServiceRef`: a construct's `service`, or `ServiceRef.fromServiceAttributes`. */
export const SERVICE_REF_SHAPE = referenceShape(
  "an IServiceRef: a construct's service (WebService.service), or ServiceRef.fromServiceAttributes({ name, namespace, ports })",
  { name: Type.String({ minLength: 1 }), namespace: Type.String({ minLength: 1 }) },
);

/** A `PodPeer`: pods by their namespace and labels. */
export const POD_PEER_SHAPE = valueShape<PodPeer>('a PodPeer: { namespace?, podLabels }', { namespace: Type.Optional(Type.String()), podLabels: stringMap() });

/** A `NetworkPeer`: a construct standing for its pods (`IConnectable`), or pods by labels (`PodPeer`). */
export const NETWORK_PEER_SHAPE = Type.Union([
  referenceShape('an IConnectable', { connections: Type.Object({ peer: Type.Object({}) }) }),
  POD_PEER_SHAPE,
], { description: 'a NetworkPeer: a construct that stands for its pods (a WebService, a Gateway, a TailscaleFunnel, declaredClient(...)), or { namespace?, podLabels }' });

/** An `ImageContract`. */
export const IMAGE_CONTRACT_SHAPE = referenceShape('an ImageContract (new ImageContract({ repository, ... }))', {
  repository: Type.String(),
  props: Type.Object({}),
  matches: Type.Function([], Type.Unknown()),
});

/**
 * Checks `props` of `construct` against its declared `shape`; throws a UserError naming the
 * construct, each wrong prop's path, what was given and what the prop takes. Call it first in the
 * constructor, before anything reads the props.
 */
export function checkProps(construct: IConstruct, shape: TObject, props: unknown): void {
  if (Value.Check(shape, props)) return;
  const where = construct.node.path;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new UserError({ where, message: `the props are ${shown(props)}; they must be an object`, allowed: describeSchema(shape) });
  }
  throw new UserError(propProblems(shape, props).map((p) => ({ where, ...p })));
}

/** The problems of `props` against `shape`, each with its prop path (`volumes[0].source.secret`), once. */
export function propProblems(shape: TObject, props: unknown): Array<Omit<Problem, 'where'>> {
  const problems: Array<Omit<Problem, 'where'>> = [];
  const seen = new Set<string>();
  for (const problem of [...Value.Errors(shape, props)].flatMap((e) => explainError(shape, props, e))) {
    const key = `${problem.message}|${problem.allowed ?? ''}`;
    if (!seen.has(key)) problems.push(problem);
    seen.add(key);
  }
  return problems;
}

function explainError(root: TSchema, props: unknown, error: ValueError): Array<Omit<Problem, 'where'>> {
  const segments = error.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  // A reference is one thing to its user: a problem inside it is reported at the prop.
  const reference = referenceAbove(root, segments);
  if (reference) {
    const path = propPath(reference.segments);
    const value = valueAt(props, reference.segments);
    // Value.Errors looks for required members among a value's own properties, Value.Check (the
    // verdict) also among inherited ones: a construct's methods and getters. A reference that
    // passes the check is one, whatever Errors found inside it.
    if (Value.Check(reference.schema, value)) return [];
    const explain = (reference.schema as ReferenceOptions).explain;
    return [explain ? { message: `prop ${explain(value, path)}` } : { message: `prop ${path} is ${shown(value)}; it takes ${describeSchema(reference.schema)}` }];
  }
  const path = propPath(segments);
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const parent = error.schema as TObject;
      const known = Object.keys(parent.properties ?? {});
      const key = segments[segments.length - 1];
      const close = closestKey(key, known);
      return [{
        message: segments.length === 1 ? `unknown prop "${key}"` : `unknown key "${key}" in prop ${propPath(segments.slice(0, -1))}`,
        allowed: `${known.length > 0 ? known.join(', ') : 'no keys'}${close ? ` (did you mean "${close}"?)` : ''}`,
      }];
    }
    case ValueErrorType.ObjectRequiredProperty:
      return [{ message: `prop ${path} is required but missing`, allowed: describeSchema(error.schema) }];
    case ValueErrorType.Union: {
      // A union of objects is told apart by its keys: when the keys given pick one branch, its
      // errors say what is wrong inside it.
      const branch = branchByKeys(error.schema as TUnion, error.value);
      if (branch !== undefined) return [...error.errors[branch]].flatMap((e) => explainError(root, props, e));
      return [{ message: `prop ${path} is ${shown(error.value)}`, allowed: describeSchema(error.schema) }];
    }
    default:
      return [{ message: `prop ${path} is ${shown(error.value)}`, allowed: describeSchema(error.schema) ?? error.message }];
  }
}

/** The branch of `union` whose keys `value` has, when exactly one branch has any of them. */
function branchByKeys(union: TUnion, value: unknown): number | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const given = Object.keys(value);
  const matching = union.anyOf
    .map((branch, i) => ({ i, keys: Object.keys((branch as TObject).properties ?? {}) }))
    .filter(({ keys }) => keys.some((k) => given.includes(k)));
  return matching.length === 1 ? matching[0].i : undefined;
}

/** The outermost reference schema on the way to `segments`, with its own segments. */
function referenceAbove(root: TSchema, segments: readonly string[]): { schema: TSchema; segments: readonly string[] } | undefined {
  let schema: TSchema | undefined = root;
  for (let i = 0; i <= segments.length && schema; i++) {
    if ((schema as { reference?: boolean }).reference) return { schema, segments: segments.slice(0, i) };
    if (i === segments.length) break;
    schema = childSchema(schema, segments[i]);
  }
  return undefined;
}

/** The schema of `key` inside `schema`: a property, a list's items, a map's values; through a union only when every branch agrees. */
function childSchema(schema: TSchema, key: string): TSchema | undefined {
  const properties = schema.properties as Record<string, TSchema> | undefined;
  if (properties && Object.hasOwn(properties, key)) return properties[key];
  if (schema.items && !Array.isArray(schema.items)) return schema.items as TSchema;
  const patterns = schema.patternProperties as Record<string, TSchema> | undefined;
  if (patterns) return Object.values(patterns)[0];
  if (Array.isArray(schema.anyOf)) {
    const children = (schema.anyOf as TSchema[]).map((s) => childSchema(s, key)).filter((s): s is TSchema => s !== undefined);
    return children.length === 1 ? children[0] : undefined;
  }
  return undefined;
}

/** `["volumes", "0", "source"]` as `volumes[0].source`. */
function propPath(segments: readonly string[]): string {
  if (segments.length === 0) return '(the props)';
  return segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : /^[A-Za-z_$][\w$]*$/.test(s) ? `${i === 0 ? '' : '.'}${s}` : `[${JSON.stringify(s)}]`)).join('');
}

function valueAt(value: unknown, segments: readonly string[]): unknown {
  return segments.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** A value as a message shows it: strings quoted, objects briefly. */
function shown(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}`;
}
