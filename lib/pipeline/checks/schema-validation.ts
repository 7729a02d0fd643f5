import type { ErrorObject } from 'ajv';
import { validators } from '../../../imports/validators';
import type { Problem } from '../../core/errors';

/** A rendered Kubernetes object. */
export interface KubeObject {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** The object's metadata: name, namespace, labels, annotations. */
  readonly metadata: {
    /** The object's name; every object synth writes has one. */
    readonly name?: string;
    /** The namespace; absent for cluster-scoped objects. */
    readonly namespace?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/**
 * Kinds that may be written without a schema, each with the reason. Empty: every kind the
 * library emits has a strict validator generated from its pinned upstream schema.
 */
export const UNVALIDATED_KINDS: Readonly<Record<string, string>> = {};

/** Validators already taken from their API group's module, by "apiVersion/Kind". */
const loaded = new Map<string, ReturnType<(typeof validators)[string]>>();

/**
 * Checks one object against the strict schema of its apiVersion and kind (see
 * scripts/import.mjs). `where` names the construct that made it.
 */
export function validateObject(object: KubeObject, where: string): Problem[] {
  const key = `${object.apiVersion}/${object.kind}`;
  let validate = loaded.get(key);
  if (validate === undefined) {
    const load = Object.hasOwn(validators, key) ? validators[key] : undefined;
    if (load) loaded.set(key, (validate = load()));
  }
  if (validate && validate(object)) return [];
  const id = `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '(unnamed)'}`;
  if (!validate) {
    if (Object.hasOwn(UNVALIDATED_KINDS, key)) return [];
    return [{
      where: `${where} (${id})`,
      message: `${key} has no upstream schema, so it cannot be validated`,
      hint: 'add the kind to scripts/import.mjs and run `npm run import`, or list it in UNVALIDATED_KINDS with a reason',
    }];
  }
  return (validate.errors ?? []).map((error) => ({
    where: `${where} (${id}) ${fieldPath(error)}`,
    message: describe(error),
  }));
}

function fieldPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '') || '(object)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a field of this kind in the pinned upstream schema; the API server would drop or reject it';
    case 'required':
      return 'is required by the upstream schema';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${error.message ?? 'is invalid'} (upstream schema)`;
  }
}
