import { closest, distance } from 'fastest-levenshtein';
import { Type, type TSchema, type TString, type TInteger, type StringOptions } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN, DNS1035_LABEL_PATTERN } from './dns';
import { LABEL_VALUE_PATTERN, LABEL_VALUE_RULE, QUALIFIED_NAME_PATTERN, QUALIFIED_NAME_RULE } from './labels';

/**
 * Schema building blocks for overlay files. An app declares its overlay with these (TypeBox), so
 * the JSON Schema that ajv checks and the TypeScript type the app code reads are one definition.
 * Each carries a `description`: it is what an error shows as "allowed".
 *
 * A `pattern` a reader cannot be expected to decode carries `patternErrorMessage`, the rule in
 * words. It is the keyword editors already read (vscode-json-languageservice and
 * redhat-developer/yaml-language-server src/languageservice/parser/jsonParser07.ts report
 * `schema.patternErrorMessage || schema.errorMessage || 'String does not match the pattern of ...'`),
 * and synth's overlay errors print it after the value instead of the regular expression. Written to
 * read after the value: `"Web_1" must be ...`.
 */

/** Schema options for a string that must match `pattern`, explained in words as `rule` (see above). */
export function patternRule(pattern: string, rule: string): { readonly pattern: string; readonly patternErrorMessage: string } {
  return { pattern, patternErrorMessage: rule };
}

/** A label or annotation key (a qualified name), for the keys of label maps. */
const LABEL_KEY_PATTERN_RULE = patternRule(QUALIFIED_NAME_PATTERN, QUALIFIED_NAME_RULE);

/** A Secret key: the rule of the API server's IsConfigMapKey (k8s.io/apimachinery validation.go). */
export const SECRET_KEY_PATTERN = patternRule('^[-._a-zA-Z0-9]+$', 'must be a Secret key: letters, digits, "-", "_" and "." only');

/** An environment variable name a shell can export: letter or "_" first, then letters, digits and "_". */
export const ENV_VAR_NAME_PATTERN = patternRule('^[A-Za-z_][A-Za-z0-9_]*$', 'must be an environment variable name: letters, digits and "_", not starting with a digit');

/** Whether `key` is a valid Secret (or ConfigMap) key: SECRET_KEY_PATTERN, for constructs. */
export function isSecretKey(key: string): boolean {
  return new RegExp(SECRET_KEY_PATTERN.pattern).test(key);
}

/** Whether `name` is an environment variable name: ENV_VAR_NAME_PATTERN, for constructs. */
export function isEnvVarName(name: string): boolean {
  return new RegExp(ENV_VAR_NAME_PATTERN.pattern).test(name);
}

/** A PostgreSQL identifier as CloudNativePG takes it for databases and owners: lower-case, no quoting needed. */
export const POSTGRES_IDENTIFIER_PATTERN = patternRule('^[a-z_][a-z0-9_]*$', 'must be a PostgreSQL name that needs no quoting: lower-case letters, digits and "_", not starting with a digit');

/** The rule of an RFC 1123 label, in words. */
export const DNS_LABEL_RULE = 'must be a DNS label: lower-case letters, digits and "-", starting and ending with a letter or digit';

/**
 * The rules of patterns used for map keys (`Type.Record(Type.String(SECRET_KEY_PATTERN), ...)`):
 * a JSON Schema `patternProperties` has no place for the key schema's `patternErrorMessage`, so
 * the overlay reader looks the pattern up here to explain a refused key.
 */
export const KEY_PATTERN_RULES: ReadonlyMap<string, string> = new Map([SECRET_KEY_PATTERN, ENV_VAR_NAME_PATTERN, LABEL_KEY_PATTERN_RULE].map((p) => [p.pattern, p.patternErrorMessage]));

/**
 * A map of Kubernetes labels (pod labels of a client, extra labels of an object): keys qualified
 * names, values label values, as the API server validates them (ValidateLabels,
 * k8s.io/apimachinery pkg/apis/meta/v1/validation).
 */
export function labelMap(options: { description?: string; minProperties?: number } = {}) {
  return Type.Record(Type.String(LABEL_KEY_PATTERN_RULE), Type.String({ ...patternRule(LABEL_VALUE_PATTERN, LABEL_VALUE_RULE), maxLength: 63 }), { additionalProperties: false, ...options });
}

/** An RFC 1123 label: namespace and object names. */
export function dnsLabel(options: StringOptions = {}): TString {
  return Type.String({ ...patternRule(DNS_LABEL_PATTERN, DNS_LABEL_RULE), maxLength: 63, description: 'a DNS label: lower-case letters, digits and "-", at most 63 characters', ...options });
}

/** An RFC 1035 label: Service names (must start with a letter). */
export function serviceName(options: StringOptions = {}): TString {
  return Type.String({
    ...patternRule(DNS1035_LABEL_PATTERN, 'must be a Service name (an RFC 1035 label): lower-case letters, digits and "-", starting with a letter and ending with a letter or digit'),
    maxLength: 63,
    description: 'a Service name: lower-case letters, digits and "-", starting with a letter, at most 63 characters',
    ...options,
  });
}

/** An RFC 1123 subdomain: storage classes, issuers, hostnames. */
export function dnsSubdomain(options: StringOptions = {}): TString {
  return Type.String({
    ...patternRule(
      `^${DNS_LABEL_PATTERN.slice(1, -1)}(\\.${DNS_LABEL_PATTERN.slice(1, -1)})*$`,
      'must be a DNS subdomain: DNS labels (lower-case letters, digits and "-", starting and ending with a letter or digit) joined by "."',
    ),
    maxLength: 253,
    description: 'a DNS subdomain: dot-separated DNS labels, at most 253 characters',
    ...options,
  });
}

/** A TCP/UDP port number. */
export function portNumber(options: { description?: string } = {}): TInteger {
  return Type.Integer({ minimum: 1, maximum: 65535, description: 'a port number from 1 to 65535', ...options });
}

/**
 * A Kubernetes resource quantity such as `10Gi` or `500m`: the API's quantity syntax
 * (k8s.io/apimachinery resource.Quantity) without a minus sign, since no size, request or limit
 * an overlay gives may be negative.
 */
export function quantity(options: StringOptions = {}): TString {
  return Type.String({
    ...patternRule('^(\\+?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', 'must be a Kubernetes quantity of 0 or more: a number with an optional suffix such as Gi, Mi, k or m (e.g. 10Gi, 250m)'),
    description: 'a Kubernetes quantity of 0 or more, such as 10Gi, 512Mi or 250m',
    ...options,
  });
}

/** What a schema allows, in words, for the "allowed" line of an error: its description, else its values or type. */
export function describeSchema(schema: TSchema | undefined): string | undefined {
  if (!schema) return undefined;
  if (typeof schema.description === 'string') return schema.description;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map((s) => describeSchema(s) ?? s.type).join(' or ');
  if (typeof schema.type === 'string') return `a value of type ${schema.type}`;
  return undefined;
}

/**
 * The nearest known key, for "did you mean": at most two edits away, or a known key the unknown
 * one starts or ends with (`storageClassName` for `storageClass`, the name Kubernetes objects use).
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(key, [...known]);
  if (distance(key, best) <= 2) return best;
  return known.filter((k) => k.length >= 4 && (key.startsWith(k) || key.endsWith(k))).sort((a, b) => b.length - a.length)[0];
}
