import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { default as Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Static, TSchema } from '@sinclair/typebox';
import { load as loadYaml } from 'js-yaml';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { deliveryProblem } from '../../core/delivery';
import { EnvironmentSchema, type Environment } from '../../core/environment';
import { closestKey, describeSchema, KEY_PATTERN_RULES } from '../../core/values';
import { UserError, type Problem } from '../../core/errors';
import { OverlaySource } from './overlay-source';
import { hasOwnKey, withoutPrototypes } from '../../core/user-keys';
import { gatewayTopologyProblems } from '../../core/gateway-topology';
import { publishedImagesProblems } from '../../core/published-images';
import { yamlPositions } from '../checks/yaml-positions';

/**
 * Reads one overlay file and checks it against its schema. Every error names the file, the line,
 * the field path, the value found and what is allowed; all problems of a file are reported at once.
 */
export function readOverlay<S extends TSchema>(file: string, displayPath: string, schema: S): Static<S> {
  return readOverlayWithSource(file, displayPath, schema).values;
}

/** `readOverlay`, with where each value came from (to point construct errors at the overlay line). */
export function readOverlayWithSource<S extends TSchema>(file: string, displayPath: string, schema: S): { values: Static<S>; source: OverlaySource } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UserError({ where: displayPath, message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` });
  }
  return parseOverlayWithSource(decodeOverlay(bytes, displayPath), displayPath, schema);
}

/**
 * An overlay's bytes as text. YAML is Unicode text and synth reads it as UTF-8: bytes that are
 * not UTF-8 (Latin-1 from an old editor, a binary file) are refused with the line of the first
 * one, instead of becoming U+FFFD in dist/. A UTF-8 byte order mark is dropped, as YAML allows.
 */
export function decodeOverlay(bytes: Uint8Array, displayPath: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
    const column = at - bytes.subarray(0, at).lastIndexOf(0x0a);
    throw new UserError({
      where: `${displayPath}:${line}:${column}`,
      message: `is not valid UTF-8: byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at} is not part of a UTF-8 character`,
      allowed: 'UTF-8 text (YAML files are Unicode)',
      hint: `convert the file to UTF-8 (for text saved as Latin-1: \`iconv -f latin1 -t utf-8 ${displayPath} -o ${displayPath}.utf8\` and move it into place), or retype the character in an editor that saves UTF-8`,
    });
  }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence (RFC 3629, section 4). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let length: number;
    let min = 0x80;
    let max = 0xbf;
    if (b < 0x80) length = 1;
    else if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) min = 0xa0; // no overlong forms
      if (b === 0xed) max = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f; // nothing above U+10FFFF
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? min : 0x80) || c > (k === 1 ? max : 0xbf)) return i;
    }
    i += length;
  }
  return bytes.length;
}

/** Parses overlay text (YAML) and validates it; exported for tests and property checks. */
export function parseOverlay<S extends TSchema>(text: string, displayPath: string, schema: S): Static<S> {
  return parseOverlayWithSource(text, displayPath, schema).values;
}

/** `parseOverlay`, with where each value came from. */
export function parseOverlayWithSource<S extends TSchema>(text: string, displayPath: string, schema: S): { values: Static<S>; source: OverlaySource } {
  const quick = quickValues(text);
  if (quick !== undefined && compile(schema)(quick)) return { values: withoutPrototypes(quick) as Static<S>, source: OverlaySource.fromText(displayPath, text) };
  // The full parse: the yaml library's document, with the position of every node for the errors.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) {
    throw new UserError(doc.errors.map((e): Problem => {
      if (e.code === 'MULTIPLE_DOCS') {
        // The yaml library's own message advises its API (parseAllDocuments), which is no help here.
        const second = secondDocumentLine(text);
        return {
          where: second ? `${displayPath}:${second}` : displayPath,
          message: `holds more than one YAML document${second ? ` (a second one starts at line ${second})` : ''}; an overlay is one document`,
          hint: 'remove the `---` line and merge the keys into one document, or move the second document into a file of its own',
        };
      }
      const pos = e.linePos?.[0];
      return { where: pos ? `${displayPath}:${pos.line}:${pos.col}` : displayPath, message: `is not valid YAML: ${e.message.split('\n')[0]}` };
    }));
  }
  let value: unknown;
  try {
    // Aliases to missing anchors and alias bombs (more than 100 expansions) fail here.
    value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    throw new UserError({ where: displayPath, message: `is not valid YAML: ${(error as Error).message.split('\n')[0]}`, hint: 'overlays need no YAML anchors or aliases; write the values out' });
  }
  const validate = compile(schema);
  // Overlay maps have no prototype: a key from the overlay ("constructor", "toString") looked up in
  // them finds only what the overlay holds (lib/core/user-keys.ts).
  if (validate(value)) return { values: withoutPrototypes(value) as Static<S>, source: OverlaySource.fromDocument(displayPath, doc, lineCounter) };
  throw new UserError(describeErrors(validate.errors ?? [], value, displayPath, doc, lineCounter, schema));
}

/**
 * An overlay's values the quick way, or undefined where only the full parse may answer. js-yaml
 * (which writes dist/ already) builds them straight from its parser's events, with no syntax tree
 * and no positions: several times faster than the yaml library's document, which synth then needs
 * only for an overlay with an error, and OverlaySource only when a message asks where a value came
 * from. Both read YAML 1.2's core schema (js-yaml's default, without merge keys; the yaml library's
 * default for a document without a %YAML directive), and they agree on every scalar and structure
 * test/pipeline/engine/overlay-quick-parse.test.ts compares them on, save what goes to the full
 * parse here: anything js-yaml refuses (the yaml library then names the line and column), a
 * directive (`%YAML 1.1` changes the schema), an alias (the full parse caps their expansions), a
 * document that is not a mapping, and a number beyond a double's range, which js-yaml keeps as a
 * string where the yaml library reads Infinity. Exported for that test.
 */
export function quickValues(text: string): Record<string, unknown> | undefined {
  if (OUT_OF_RANGE_EXPONENT.test(text) || /^%/m.test(text)) return undefined;
  let value: unknown;
  try {
    value = loadYaml(text, { maxAliases: 0 });
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

/**
 * A number standing alone with an exponent of three digits or more, which the two parsers may read
 * differently (above); inside a longer word (a commit such as 6e8e707) it is no number.
 */
const OUT_OF_RANGE_EXPONENT = /(?:^|[\s:,[{])[-+]?(?:\.\d+|\d+(?:\.\d*)?)[eE][-+]?\d{3,}(?=[\s,\]}]|$)/m;

/** The line where a second YAML document starts (its `---` or `...` marker), if any. */
function secondDocumentLine(text: string): number | undefined {
  const lines = text.split('\n');
  let content = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^(---|\.\.\.)(\s|$)/.test(line)) {
      if (content || line.startsWith('...')) return line.startsWith('...') ? i + 2 : i + 1;
      content = true; // a leading --- opens the first document
    } else if (!/^\s*(#.*)?$/.test(line) && !line.startsWith('%')) {
      content = true;
    }
  }
  return undefined;
}

/**
 * The ajv options every overlay schema is compiled with, at run time here and ahead of time by
 * scripts/build.mjs: all problems of a file at once; `verbose` for the schema of each error (the
 * "allowed" part of a message); not strict, because TypeBox adds keywords ajv does not know.
 */
export const OVERLAY_AJV_OPTIONS: Readonly<Options> = { allErrors: true, strict: false, verbose: true };

/**
 * The key of a schema among compiled validators: the SHA-256 of its JSON, as `s<hex>` (an
 * identifier, so it can name an export of ajv's standalone code).
 */
export function overlaySchemaKey(schema: TSchema): string {
  return `s${createHash('sha256').update(JSON.stringify(schema)).digest('hex')}`;
}

/** Validators compiled ahead of time, by schema key; each loads its module on first use. */
export type CompiledOverlayValidators = Readonly<Record<string, (() => ValidateFunction) | undefined>>;

let precompiled: CompiledOverlayValidators | undefined;

/**
 * Validators compiled ahead of time with ajv's standalone code (with {@link OVERLAY_AJV_OPTIONS}),
 * by {@link overlaySchemaKey}. The synth CLI's bundle registers the ones scripts/build.mjs made
 * for its apps, so a run compiles no schema; a schema that is not among them is compiled with
 * ajv when first used, as without them. `undefined` forgets them.
 */
export function useCompiledOverlayValidators(validators: CompiledOverlayValidators | undefined): void {
  precompiled = validators;
}

const compiled = new WeakMap<TSchema, ValidateFunction>();
let ajv: Ajv | undefined;

function compile(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = precompiled && compiledAheadOfTime(precompiled, schema);
    if (!fn) {
      // Loaded on first use only: where every schema was compiled ahead of time, ajv (and its
      // start-up) is never needed.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ajv ??= new (require('ajv') as typeof import('ajv')).default(OVERLAY_AJV_OPTIONS);
      fn = ajv.compile(schema);
    }
    compiled.set(schema, fn);
  }
  return fn;
}

function compiledAheadOfTime(validators: CompiledOverlayValidators, schema: TSchema): ValidateFunction | undefined {
  let key: string;
  try {
    key = overlaySchemaKey(schema);
  } catch {
    return undefined; // not JSON (a BigInt default, say), so never compiled ahead of time
  }
  return Object.hasOwn(validators, key) ? validators[key]?.() : undefined;
}

function describeErrors(errors: readonly ErrorObject[], value: unknown, file: string, doc: Document, lines: LineCounter, root: TSchema): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of pickErrors(errors)) {
    const segments = pointerSegments(error.instancePath);
    let field = segments;
    let message: string;
    let allowed: string | undefined;
    switch (error.keyword) {
      case 'additionalProperties': {
        const key = String(error.params.additionalProperty);
        field = [...segments, key];
        const parent = error.parentSchema as { properties?: object; patternProperties?: object };
        const known = Object.keys(parent.properties ?? {});
        const keyRules = Object.keys(parent.patternProperties ?? {}).map((p) => KEY_PATTERN_RULES.get(p) ?? `must match the pattern ${p}`);
        message = keyRules.length > 0 ? `key "${key}" ${keyRules.join(' or ')}` : `unknown key "${key}"`;
        allowed = known.length ? `keys ${known.join(', ')}` : keyRules.length > 0 ? describeSchema(error.parentSchema as TSchema) : 'no keys here';
        const close = closestKey(key, known);
        if (close) allowed += ` (did you mean "${close}"?)`;
        break;
      }
      case 'required':
        field = [...segments, String(error.params.missingProperty)];
        message = 'is required but missing';
        allowed = describeSchema(subSchema(root, field));
        break;
      case 'pattern': {
        // The rule in words where the schema has it (patternErrorMessage, lib/core/values.ts), not the regular expression.
        const rule = (error.parentSchema as { patternErrorMessage?: unknown } | undefined)?.patternErrorMessage;
        message = `${show(valueAt(value, segments))} ${typeof rule === 'string' ? rule : error.message ?? 'is not allowed'}`;
        allowed = describeSchema(error.parentSchema as TSchema | undefined);
        break;
      }
      default:
        message = `${show(valueAt(value, segments))} ${error.message ?? 'is not allowed'}`;
        allowed = describeSchema(error.parentSchema as TSchema | undefined);
    }
    const where = `${file}${position(doc, lines, field, error.keyword === 'additionalProperties')} ${field.length ? field.join('.') : '(top level)'}`;
    const key = `${where}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ where, message, allowed });
  }
  return problems;
}

/** ajv reports each failed branch of anyOf; keep the most specific error per location. */
function pickErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const deepest = new Map<string, ErrorObject>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const key = e.keyword === 'additionalProperties' || e.keyword === 'required' ? `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}` : e.instancePath;
    if (!deepest.has(key)) deepest.set(key, e);
  }
  return deepest.size ? [...deepest.values()] : [...errors];
}

function pointerSegments(pointer: string): string[] {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' && hasOwnKey(v, k) ? (v as Record<string, unknown>)[k] : undefined), value);
}

function subSchema(root: TSchema, path: readonly string[]): TSchema | undefined {
  let schema: TSchema | undefined = root;
  for (const k of path) {
    if (!schema) return undefined;
    const properties = schema.properties as Record<string, TSchema> | undefined;
    schema = (hasOwnKey(properties, k) ? properties?.[k] : undefined) ?? (schema.items as TSchema | undefined);
  }
  return schema;
}

function show(value: unknown): string {
  if (value === undefined) return 'the value';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return 'a self-referencing value'; // a YAML alias inside its own anchor
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function position(doc: Document, lines: LineCounter, path: readonly string[], atKey: boolean): string {
  let node: unknown = doc.contents;
  let last: YamlNode | undefined = doc.contents ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      last = (pair.key as YamlNode) ?? last;
      node = pair.value;
      if (node && !(atKey && key === path[path.length - 1])) last = (pair.value as YamlNode) ?? last;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      if (node) last = node as YamlNode;
    } else {
      break;
    }
  }
  const offset = last?.range?.[0];
  if (offset === undefined) return '';
  const pos = lines.linePos(offset);
  return `:${pos.line}:${pos.col}`;
}

/** Reads and validates `overlays/<name>/environment.yaml`. */
export function loadEnvironment(overlaysDir: string, name: string, displayDir: string): Environment {
  const file = `${displayDir}/${name}/environment.yaml`;
  const values = readOverlay(join(overlaysDir, name, 'environment.yaml'), file, EnvironmentSchema);
  // What the schema cannot say: the gateways named in the topology are declared, the tag patterns compile.
  const found: Array<{ path: ReadonlyArray<string | number>; message: string; hint?: string }> = [...gatewayTopologyProblems(values), ...publishedImagesProblems(values.publishedImages)];
  if (found.length > 0) {
    const positions = yamlPositions(join(overlaysDir, name, 'environment.yaml'));
    throw new UserError(found.map((p) => ({ where: `${file}${positions.get(p.path.map(String).join('\u0000')) ?? ''} ${p.path.join('.')}`, message: p.message, ...(p.hint ? { hint: p.hint } : {}) })));
  }
  const environment = { ...values, name, file };
  const problem = deliveryProblem(environment);
  if (problem) throw problem;
  return environment;
}
