// Generates imports/ from the vendored sources (scripts/import/sources.mjs, vendor.mjs):
//   imports/validators/*.js         ajv standalone validators, one module per built-in API group
//                                   (<group>.js) and per CRD kind (<group>.<Kind>.js), for every
//                                   kind the Kubernetes dump serves and every served version of
//                                   every vendored CRD, made strict (see strictify) so a field the
//                                   API server would prune or reject fails synth instead of
//                                   vanishing in the cluster
//   imports/validators/index.js     by "apiVersion/Kind": a loader that requires the group's module
//                                   on first use, and where the schema came from
//   imports/<group>.ts              typed L1 classes, by `cdk8s import`, for the kinds each
//                                   VENDORED.json entry lists under `classes`
//   imports/UPSTREAM.json           what was generated from which release, with sha256
// Synth and tests read only these generated files, never the sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { stringify } from 'yaml';
import { readEntryCrds, readVendored } from './vendor.mjs';
import { readKubernetesDocuments, readKubernetesRecord, sha256 } from './sources.mjs';

const DEFS = 'k8s:defs';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * Closes the gap between an OpenAPI schema and what the API server keeps: structural schemas
 * prune unknown fields (k8s.io/apiextensions-apiserver pkg/apiserver/schema/pruning), and
 * built-in types drop them (or refuse them, with fieldValidation=Strict), so every object with
 * declared properties gets additionalProperties: false unless it says
 * x-kubernetes-preserve-unknown-fields. References between the Kubernetes schemas
 * (`#/components/schemas/<name>`) point into one shared set of definitions.
 */
export function strictify(node) {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'x-kubernetes-validations') continue; // prose and CEL: not checked here
    copy[key] = key === 'properties' || key === 'definitions'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strictify(v)]))
      : strictify(value);
  }
  if (typeof copy.$ref === 'string' && copy.$ref.startsWith('#/components/schemas/')) copy.$ref = `${DEFS}#/definitions/${copy.$ref.slice('#/components/schemas/'.length)}`;
  // Formats become plain keywords so the generated code needs no format runtime. int32 is enforced
  // (the API server rejects values outside it); string formats such as date-time are not checked
  // here because the API server itself accepts any string for most of them.
  if (copy.format === 'int32') Object.assign(copy, { minimum: -2147483648, maximum: 2147483647 });
  delete copy.format;
  if (typeof copy.pattern === 'string' && copy.pattern.includes('(?i)')) copy.pattern = caseInsensitive(copy.pattern);
  if (copy['x-kubernetes-int-or-string'] === true && copy.type === undefined && copy.anyOf === undefined && copy.oneOf === undefined) {
    copy.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (copy.properties && copy.additionalProperties === undefined && copy['x-kubernetes-preserve-unknown-fields'] !== true) {
    copy.additionalProperties = false;
  }
  return copy;
}

/**
 * The API server evaluates `pattern` with Go's RE2, where `(?i)` makes the rest of the pattern
 * case-insensitive; JavaScript has no inline flags (PrometheusRule's `^(?i)(abort|warn)?$`), so
 * each letter after it becomes a class of both cases. Escapes and bracket classes are kept as they are.
 */
function caseInsensitive(pattern) {
  const [head, tail] = [pattern.slice(0, pattern.indexOf('(?i)')), pattern.slice(pattern.indexOf('(?i)') + 4)];
  let out = '';
  let inClass = false;
  for (let i = 0; i < tail.length; i++) {
    const c = tail[i];
    if (c === '\\') { out += c + (tail[++i] ?? ''); continue; }
    if (c === '[') inClass = true;
    if (c === ']') inClass = false;
    out += !inClass && /[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return head + out;
}

/** A root object schema without `status`: the server ignores status written through the main resource. */
function withoutStatus(schema) {
  const { status: _status, ...properties } = schema.properties ?? {};
  return { ...schema, properties };
}

const apiVersionOf = ({ group, version }) => (group ? `${group}/${version}` : version);

/**
 * The Kubernetes definitions (merged from every group version's document: their names are fully
 * qualified, and a name shared by two documents is the same type) and the kinds a client can
 * create: the body of each `post` on a collection path, as kube-apiserver lists them.
 */
function kubernetesKinds(documents) {
  const defs = {};
  const kinds = {};
  for (const { document } of documents) {
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) defs[name] ??= strictify(schema);
    for (const [path, operations] of Object.entries(document.paths ?? {})) {
      const post = operations.post;
      if (!post || post['x-kubernetes-action'] !== 'post' || path.includes('{name}')) continue;
      const gvk = post['x-kubernetes-group-version-kind'];
      const ref = Object.values(post.requestBody?.content ?? {})[0]?.schema?.$ref ?? '';
      const name = ref.replace('#/components/schemas/', '');
      if (!defs[name]) throw new Error(`kubernetes dump: POST ${path} takes ${ref || 'no schema'}, which the document does not define`);
      kinds[`${apiVersionOf(gvk)}/${gvk.kind}`] = { module: gvk.group || 'core', definition: name, source: 'kubernetes' };
    }
  }
  for (const { definition } of Object.values(kinds)) defs[definition] = withoutStatus(defs[definition]);
  for (const [key, kind] of Object.entries(kinds)) kinds[key] = { ...kind, schema: { $ref: `${DEFS}#/definitions/${kind.definition}` } };
  return { defs, kinds };
}

/** The validated kinds of one vendored CRD file: every served version of every CRD in it. */
function crdKinds(crds, upstreamFile) {
  const kinds = {};
  for (const crd of crds) {
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const source = version.schema?.openAPIV3Schema;
      if (!source) throw new Error(`${upstreamFile}: ${crd.metadata.name} ${version.name} has no openAPIV3Schema`);
      const schema = withoutStatus(strictify(source));
      // CRD schemas leave metadata open; the API server applies ObjectMeta to it, so do we.
      schema.properties.metadata = { $ref: `${DEFS}#/definitions/${OBJECT_META}` };
      schema.properties.apiVersion = { const: `${crd.spec.group}/${version.name}` };
      schema.properties.kind = { const: crd.spec.names.kind };
      schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
      schema.additionalProperties ??= false;
      // One module per CRD kind (all its versions): a CRD's schema shares nothing with another's but
      // ObjectMeta, and the large ones (Argo CD's ApplicationSet) must not load with their neighbours.
      kinds[`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`] = { module: `${crd.spec.group}.${crd.spec.names.kind}`, schema, source: upstreamFile };
    }
  }
  return kinds;
}

/** Removes what generate() writes, and nothing else: imports/ also holds the vendored sources. */
function removeGenerated(out) {
  for (const name of readdirSync(out)) {
    if (name.endsWith('.ts') || name === 'validators' || name === 'UPSTREAM.json') rmSync(join(out, name), { recursive: true, force: true });
  }
}

/** Typed L1 classes for the kinds `entry.classes` names, each at the one version named, by `cdk8s` (cdk8s-cli's command). */
function importClasses(cdk8s, out, work, entry, crds) {
  const selected = [];
  for (const crd of crds) {
    const version = entry.classes[crd.spec.names.kind];
    if (!version) continue;
    const served = crd.spec.versions.find((v) => v.name === version && v.served);
    if (!served) throw new Error(`${entry.upstreamFile}: ${crd.spec.names.kind} does not serve ${version}`);
    // Only the version the classes are for: fewer, unambiguous classes.
    selected.push({ ...crd, spec: { ...crd.spec, versions: [served] } });
  }
  if (selected.length === 0) return;
  const tmp = join(work, entry.upstreamFile);
  writeFileSync(tmp, selected.map((c) => stringify(c)).join('---\n'));
  execFileSync(cdk8s, ['import', tmp, '--output', out, '--language', 'typescript', '--no-check-upgrade'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: work });
}

/**
 * ajv's `ucs2length` (ajv/dist/runtime/ucs2length.js, from punycode.ucs2.decode), which
 * minLength/maxLength call: the length in code points, as the API server counts a string's length
 * (k8s.io/kube-openapi pkg/validation/validate: utf8.RuneCountInString). Written into a project's
 * validator modules instead of ajv's `require`, so they load whichever ajv the project's
 * node_modules holds at its top (eslint, for one, brings ajv 6, which has no such file).
 */
const UCS2LENGTH = `function ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  let value;
  while (pos < len) {
    length++;
    value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len) {
      value = str.charCodeAt(pos);
      if ((value & 0xfc00) === 0xdc00) pos++;
    }
  }
  return length;
}`;

/**
 * Writes the standalone validators of `kinds` into `dir`, loaded only when synth meets one of
 * their kinds: one module per built-in API group (its kinds share definitions, emitted once, and
 * only those its kinds reach), one per CRD kind; and index.js (with .d.ts), the loader by
 * "apiVersion/Kind" and where each schema came from. `release` is the library's Kubernetes
 * release; a project's validators (generateProject) have none and depend on no package.
 */
function writeValidators(dir, defs, kinds, { release, generatedBy = 'scripts/import.mjs' } = {}) {
  const exportName = (key) => key.replace(/[^A-Za-z0-9]/g, '_');
  const keys = Object.keys(kinds).sort();
  const modules = [...new Set(keys.map((k) => kinds[k].module))].sort();
  mkdirSync(dir, { recursive: true });
  for (const module of modules) {
    const ajv = new Ajv({ code: { source: true, esm: false, lines: false }, strict: false, validateFormats: false });
    ajv.addSchema({ $id: DEFS, definitions: defs });
    const refs = {};
    for (const key of keys.filter((k) => kinds[k].module === module)) {
      ajv.addSchema(kinds[key].schema, `kind:${key}`);
      refs[exportName(key)] = `kind:${key}`;
    }
    let code = standaloneCode(ajv, refs);
    if (!release) {
      const runtime = 'require("ajv/dist/runtime/ucs2length").default';
      code = code.includes(runtime) ? `${UCS2LENGTH}\n${code.split(runtime).join('ucs2length')}` : code;
      const other = /require\((["'][^"']+["'])\)/.exec(code);
      if (other) throw new Error(`the validator of ${module} requires ${other[1]}; a project's validators must load without packages (a bug in scripts/import/generate.mjs)`);
    }
    writeFileSync(join(dir, `${module}.js`), `/* Generated by ${generatedBy} from vendored upstream schemas: do not edit. */\n${code}\n`);
  }
  const sourceDoc = release
    ? '/** Where each kind\'s schema comes from: "kubernetes" (built in), or the vendored CRD file (imports/crds/VENDORED.json). */'
    : '/** Where each kind\'s schema comes from: the vendored CRD file (imports/crds/VENDORED.json). */';
  writeFileSync(join(dir, 'index.js'), [
    `/* Generated by ${generatedBy}: do not edit. */`,
    "'use strict';",
    ...(release ? [
      `/** The Kubernetes release whose API the built-in kinds' schemas were dumped from (imports/kubernetes/). */`,
      `exports.kubernetesRelease = '${release}';`,
    ] : []),
    '/** Strict schema validators by "apiVersion/Kind"; a built-in group\'s or a CRD kind\'s module loads on first use. */',
    'exports.validators = {',
    ...keys.map((k) => `  '${k}': () => require('./${kinds[k].module}.js').${exportName(k)},`),
    '};',
    sourceDoc,
    'exports.sources = {',
    ...keys.map((k) => `  '${k}': '${kinds[k].source}',`),
    '};',
    '',
  ].join('\n'));
  writeFileSync(join(dir, 'index.d.ts'), [
    `/* Generated by ${generatedBy}: do not edit. */`,
    "import type { ValidateFunction } from 'ajv';",
    ...(release ? [
      '/** The Kubernetes release whose API the built-in kinds\' schemas were dumped from (imports/kubernetes/), e.g. "v1.34.4". */',
      'export declare const kubernetesRelease: string;',
    ] : []),
    '/** Strict schema validators by "apiVersion/Kind"; a built-in group\'s or a CRD kind\'s module loads on first use. */',
    'export declare const validators: Readonly<Record<string, () => ValidateFunction>>;',
    sourceDoc,
    'export declare const sources: Readonly<Record<string, string>>;',
    '',
  ].join('\n'));
}

/**
 * The definitions a CRD's validator needs from the Kubernetes dump: ObjectMeta (crdKinds gives
 * every CRD's `metadata` its schema) and every definition it reaches, strict. The library package
 * ships them (imports/crd-definitions.json, scripts/build-lib.mjs) so a project generates its
 * validators without the dump.
 */
export function crdDefinitions(root) {
  const out = join(root, 'imports');
  const record = readKubernetesRecord(out);
  if (!record) throw new Error('imports/kubernetes/VENDORED.json is missing: run `npm run import -- --kubernetes` once');
  const { defs } = kubernetesKinds(readKubernetesDocuments(out, record));
  const closure = {};
  const visit = (name) => {
    if (closure[name]) return;
    if (!defs[name]) throw new Error(`kubernetes dump: ${name} is referenced but not defined`);
    closure[name] = defs[name];
    JSON.stringify(defs[name], (key, value) => {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(`${DEFS}#/definitions/`)) visit(value.slice(`${DEFS}#/definitions/`.length));
      return value;
    });
  };
  visit(OBJECT_META);
  return { release: record.release, definitions: closure };
}

/**
 * Generates a library user's imports/ from the CRDs vendored in their project (`cdk8s-constructs
 * import`, scripts/cdk8s-constructs.mjs): `<project>/imports/validators/` (strict validators for
 * every served version of every vendored CRD whose kind the library does not already validate;
 * synth consults them after the library's, lib/pipeline/engine/project-schemas.ts),
 * `<project>/imports/<group>.ts` (typed L1 classes by `cdk8s import`, run with `cdk8s`) and
 * `<project>/imports/UPSTREAM.json`. `library` is what the installed library validates:
 * { sources: "apiVersion/Kind" -> its source, release, definitions } (scripts/import/project.mjs).
 * Returns { kinds: the keys validated, skipped: [{ key, by }] served by the library already }.
 */
export function generateProject(project, { library, cdk8s, log = console.log }) {
  const out = join(project, 'imports');
  const crdsDir = join(out, 'crds');
  const kinds = {};
  const skipped = [];
  const upstream = [];
  const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
  mkdirSync(out, { recursive: true });
  removeGenerated(out);
  try {
    for (const entry of readVendored(crdsDir)) {
      const crds = readEntryCrds(crdsDir, entry);
      for (const [key, kind] of Object.entries(crdKinds(crds, entry.upstreamFile))) {
        if (Object.hasOwn(library.sources, key)) skipped.push({ key, by: library.sources[key] });
        else if (kinds[key]) throw new Error(`${entry.upstreamFile}: ${key} is also served by ${kinds[key].source}; remove one of them from imports/crds/VENDORED.json`);
        else kinds[key] = kind;
      }
      importClasses(cdk8s, out, work, entry, crds);
      const storage = Object.fromEntries(crds.map((c) => [c.spec.names.kind, (c.spec.versions.find((v) => v.storage) ?? c.spec.versions[0]).name]));
      upstream.push({ file: entry.upstreamFile, upstream: entry.upstream, kinds: storage, classes: entry.classes, sha256: entry.sha256 });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  writeValidators(join(out, 'validators'), library.definitions, kinds, { generatedBy: 'cdk8s-constructs import' });
  writeFileSync(join(out, 'UPSTREAM.json'), `${JSON.stringify(upstream, null, 2)}\n`);
  for (const { key, by } of skipped) log(`  ${key}: already validated by the library (${by === 'kubernetes' ? `Kubernetes ${library.release}` : by}); its schema is used`);
  log(`imports/: ${readdirSync(out).filter((f) => f.endsWith('.ts')).length} class modules; ${Object.keys(kinds).length} validated kinds from ${upstream.length} vendored CRD files (synth checks them after the library's, Kubernetes ${library.release})`);
  return { kinds: Object.keys(kinds).sort(), skipped };
}

export function generate(root, log = console.log) {
  const out = join(root, 'imports');
  const crdsDir = join(out, 'crds');
  const record = readKubernetesRecord(out);
  if (!record) throw new Error('imports/kubernetes/VENDORED.json is missing: run `npm run import -- --kubernetes` once (it needs the server check\'s kube-apiserver, docs/server-check.md)');
  const { defs, kinds } = kubernetesKinds(readKubernetesDocuments(out, record));
  const builtIn = Object.keys(kinds).length;

  const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
  const upstream = [];
  removeGenerated(out);
  try {
    for (const entry of readVendored(crdsDir)) {
      const crds = readEntryCrds(crdsDir, entry);
      const found = crdKinds(crds, entry.upstreamFile);
      for (const key of Object.keys(found)) {
        if (kinds[key]) throw new Error(`${entry.upstreamFile}: ${key} is also served by ${kinds[key].source === 'kubernetes' ? `Kubernetes ${record.release}` : kinds[key].source}; remove one of them from imports/crds/VENDORED.json`);
      }
      Object.assign(kinds, found);
      importClasses(join(root, 'node_modules/.bin/cdk8s'), out, work, entry, crds);
      const storage = Object.fromEntries(crds.map((c) => [c.spec.names.kind, (c.spec.versions.find((v) => v.storage) ?? c.spec.versions[0]).name]));
      upstream.push({ file: entry.upstreamFile, upstream: entry.upstream, kinds: storage, classes: entry.classes, sha256: entry.sha256 });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const keys = Object.keys(kinds).sort();
  writeValidators(join(out, 'validators'), defs, kinds, { release: record.release });

  upstream.push({
    file: 'kubernetes/VENDORED.json',
    upstream: `Kubernetes ${record.release} (kube-apiserver /openapi/v3, imports/kubernetes/${record.release}/)`,
    kinds: keys.filter((k) => kinds[k].source === 'kubernetes'),
    sha256: sha256(readFileSync(join(out, 'kubernetes', 'VENDORED.json'))),
  });
  writeFileSync(join(out, 'UPSTREAM.json'), `${JSON.stringify(upstream, null, 2)}\n`);
  log(`imports/: ${readdirSync(out).filter((f) => f.endsWith('.ts')).length} class modules; ${keys.length} validated kinds (${builtIn} built into Kubernetes ${record.release}, ${keys.length - builtIn} from ${upstream.length - 1} vendored CRD files)`);
}
