/**
 * A minimal object of every kind imports/ validates, built from the vendored sources themselves
 * (imports/kubernetes/ and imports/crds/): its required fields, each with the simplest value its
 * schema allows. The schema tests use them to show that every kind synthesizes, whichever kinds
 * exist, without a hand-kept list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { ROOT } from '../../helpers';

interface Schema {
  readonly type?: string;
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: Schema | boolean;
  readonly items?: Schema;
  readonly minItems?: number;
  readonly minProperties?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly 'x-kubernetes-int-or-string'?: boolean;
}

/** Strings tried, in order, against a `pattern`: names, hosts, URLs, durations, CIDRs, quantities. */
const CANDIDATES = ['sample', 'a', 'Sample', '1', 'sample.example.com', 'https://example.com', 'http://example.com', '1m', '30s', '1h', '10.0.0.0/24',
  '10.0.0.1', '1Gi', 'sample-1', 'sample_1', '0 0 * * *', 'a=b', 'sample:1', '/sample', 'v1', 'sample/sample', 'sha256:' + 'a'.repeat(64), '00:00', 'Sample.Sample', '-'];

function pick(schema: Schema): string {
  const { pattern } = schema;
  const min = schema.minLength ?? 0;
  const fits = (s: string) => s.length >= min && (schema.maxLength === undefined || s.length <= schema.maxLength) && (pattern === undefined || safeRegExp(pattern).test(s));
  return CANDIDATES.find(fits) ?? (fits('x'.repeat(Math.max(min, 1))) ? 'x'.repeat(Math.max(min, 1)) : 'sample');
}

function safeRegExp(pattern: string): RegExp {
  try {
    return new RegExp(pattern.replace('(?i)', ''), pattern.includes('(?i)') ? 'iu' : 'u');
  } catch {
    return new RegExp(pattern.replace('(?i)', ''), pattern.includes('(?i)') ? 'i' : '');
  }
}

/** The simplest value `schema` accepts; `resolve` follows a `$ref`. */
function minimal(schema: Schema, resolve: (ref: string) => Schema, depth = 0): unknown {
  if (depth > 40) return {};
  if (schema.$ref) return minimal(resolve(schema.$ref), resolve, depth + 1);
  if (schema.allOf?.length) return minimal(Object.assign({}, ...schema.allOf.map((s) => (s.$ref ? resolve(s.$ref) : s)), { allOf: undefined }) as Schema, resolve, depth + 1);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema['x-kubernetes-int-or-string']) return 1;
  const branch = schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (branch && !schema.type) return minimal(branch, resolve, depth + 1);
  switch (schema.type) {
    case 'string': return pick(schema);
    case 'integer': case 'number': return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean': return false;
    case 'array': return Array.from({ length: schema.minItems ?? 0 }, () => minimal(schema.items ?? {}, resolve, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      // The root's spec too when it is optional: it is where the required fields of most kinds are.
      for (const key of depth === 0 && schema.properties?.spec ? [...(schema.required ?? []), 'spec'] : schema.required ?? []) {
        if (key === 'status' || key in out) continue;
        out[key] = minimal(schema.properties?.[key] ?? {}, resolve, depth + 1);
      }
      if ((schema.minProperties ?? 0) > Object.keys(out).length) {
        const [first] = Object.keys(schema.properties ?? {}).filter((k) => !(k in out));
        if (first) out[first] = minimal(schema.properties?.[first] ?? {}, resolve, depth + 1);
        else if (typeof schema.additionalProperties === 'object') out.sample = minimal(schema.additionalProperties, resolve, depth + 1);
      }
      return out;
    }
  }
}

/** A minimal object of one kind, with its "apiVersion/Kind" and whether it has an object `spec`. */
export interface MinimalObject {
  readonly key: string;
  readonly object: Record<string, unknown>;
  /** Whether the kind's top-level `spec` declares properties (so an unknown field can be put there). */
  readonly hasSpec: boolean;
}

const withIdentity = (apiVersion: string, kind: string, body: unknown): Record<string, unknown> => ({
  ...(body as Record<string, unknown>),
  apiVersion,
  kind,
  metadata: { name: 'sample' },
});

/** A minimal object of every built-in kind of the dumped Kubernetes release. */
export function minimalBuiltInObjects(): MinimalObject[] {
  const record = JSON.parse(readFileSync(join(ROOT, 'imports/kubernetes/VENDORED.json'), 'utf8')) as { documents: { path: string; file: string }[] };
  const documents = record.documents.filter((d) => /^api\/v1$|^apis\/[^/]+\/[^/]+$/.test(d.path))
    .map((d) => JSON.parse(readFileSync(join(ROOT, 'imports/kubernetes', d.file), 'utf8')) as { components: { schemas: Record<string, Schema> }; paths: Record<string, Record<string, { 'x-kubernetes-action'?: string; 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }; requestBody?: { content: Record<string, { schema: Schema }> } }>> });
  const schemas: Record<string, Schema> = Object.assign({}, ...documents.map((d) => d.components.schemas));
  const resolve = (ref: string) => schemas[ref.replace('#/components/schemas/', '')];
  const out = new Map<string, MinimalObject>();
  for (const document of documents) {
    for (const [path, operations] of Object.entries(document.paths)) {
      const post = operations.post;
      const gvk = post?.['x-kubernetes-group-version-kind'];
      if (!post || post['x-kubernetes-action'] !== 'post' || path.includes('{name}') || !gvk) continue;
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const schema = resolve(Object.values(post.requestBody?.content ?? {})[0]?.schema.$ref ?? '');
      const spec = schema.properties?.spec;
      const specSchema = spec?.allOf?.[0]?.$ref ? resolve(spec.allOf[0].$ref) : spec;
      out.set(`${apiVersion}/${gvk.kind}`, { key: `${apiVersion}/${gvk.kind}`, object: withIdentity(apiVersion, gvk.kind, minimal(schema, resolve)), hasSpec: Boolean(specSchema?.properties) });
    }
  }
  return [...out.values()];
}

interface Crd { spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Schema } }[] } }

/** A minimal object of every served version of every vendored CRD. */
export function minimalCrdObjects(): MinimalObject[] {
  const vendored = JSON.parse(readFileSync(join(ROOT, 'imports/crds/VENDORED.json'), 'utf8')) as { documents: { file: string }[] }[];
  const none = (): Schema => ({});
  return vendored.flatMap((entry) => entry.documents.flatMap((doc) => {
    const crd = load(readFileSync(join(ROOT, 'imports/crds', doc.file), 'utf8')) as Crd;
    return crd.spec.versions.filter((v) => v.served).map((v) => {
      const apiVersion = `${crd.spec.group}/${v.name}`;
      const schema = v.schema?.openAPIV3Schema ?? {};
      return { key: `${apiVersion}/${crd.spec.names.kind}`, object: withIdentity(apiVersion, crd.spec.names.kind, minimal(schema, none)), hasSpec: Boolean(schema.properties?.spec?.properties) };
    });
  }));
}
