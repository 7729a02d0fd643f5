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

/** Typed L1 classes for the kinds `entry.classes` names, each at the one version named. */
function importClasses(root, out, work, entry, crds) {
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
  execFileSync(join(root, 'node_modules/.bin/cdk8s'), ['import', tmp, '--output', out, '--language', 'typescript', '--no-check-upgrade'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: work });
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
      importClasses(root, out, work, entry, crds);
      const storage = Object.fromEntries(crds.map((c) => [c.spec.names.kind, (c.spec.versions.find((v) => v.storage) ?? c.spec.versions[0]).name]));
      upstream.push({ file: entry.upstreamFile, upstream: entry.upstream, kinds: storage, classes: entry.classes, sha256: entry.sha256 });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  // Standalone modules loaded only when synth meets one of their kinds: one per built-in API group
  // (its kinds share definitions, emitted once, and only those its kinds reach), one per CRD kind.
  const exportName = (key) => key.replace(/[^A-Za-z0-9]/g, '_');
  const keys = Object.keys(kinds).sort();
  const modules = [...new Set(keys.map((k) => kinds[k].module))].sort();
  mkdirSync(join(out, 'validators'), { recursive: true });
  for (const module of modules) {
    const ajv = new Ajv({ code: { source: true, esm: false, lines: false }, strict: false, validateFormats: false });
    ajv.addSchema({ $id: DEFS, definitions: defs });
    const refs = {};
    for (const key of keys.filter((k) => kinds[k].module === module)) {
      ajv.addSchema(kinds[key].schema, `kind:${key}`);
      refs[exportName(key)] = `kind:${key}`;
    }
    writeFileSync(join(out, 'validators', `${module}.js`), `/* Generated by scripts/import.mjs from vendored upstream schemas: do not edit. */\n${standaloneCode(ajv, refs)}\n`);
  }
  writeFileSync(join(out, 'validators', 'index.js'), [
    '/* Generated by scripts/import.mjs: do not edit. */',
    "'use strict';",
    `/** The Kubernetes release whose API the built-in kinds' schemas were dumped from (imports/kubernetes/). */`,
    `exports.kubernetesRelease = '${record.release}';`,
    '/** Strict schema validators by "apiVersion/Kind"; a built-in group\'s or a CRD kind\'s module loads on first use. */',
    'exports.validators = {',
    ...keys.map((k) => `  '${k}': () => require('./${kinds[k].module}.js').${exportName(k)},`),
    '};',
    '/** Where each kind\'s schema comes from: "kubernetes" (built in), or the vendored CRD file (imports/crds/VENDORED.json). */',
    'exports.sources = {',
    ...keys.map((k) => `  '${k}': '${kinds[k].source}',`),
    '};',
    '',
  ].join('\n'));
  writeFileSync(join(out, 'validators', 'index.d.ts'), [
    '/* Generated by scripts/import.mjs: do not edit. */',
    "import type { ValidateFunction } from 'ajv';",
    '/** The Kubernetes release whose API the built-in kinds\' schemas were dumped from (imports/kubernetes/), e.g. "v1.34.4". */',
    'export declare const kubernetesRelease: string;',
    '/** Strict schema validators by "apiVersion/Kind"; a built-in group\'s or a CRD kind\'s module loads on first use. */',
    'export declare const validators: Readonly<Record<string, () => ValidateFunction>>;',
    '/** Where each kind\'s schema comes from: "kubernetes" (built in), or the vendored CRD file (imports/crds/VENDORED.json). */',
    'export declare const sources: Readonly<Record<string, string>>;',
    '',
  ].join('\n'));

  upstream.push({
    file: 'kubernetes/VENDORED.json',
    upstream: `Kubernetes ${record.release} (kube-apiserver /openapi/v3, imports/kubernetes/${record.release}/)`,
    kinds: keys.filter((k) => kinds[k].source === 'kubernetes'),
    sha256: sha256(readFileSync(join(out, 'kubernetes', 'VENDORED.json'))),
  });
  writeFileSync(join(out, 'UPSTREAM.json'), `${JSON.stringify(upstream, null, 2)}\n`);
  log(`imports/: ${readdirSync(out).filter((f) => f.endsWith('.ts')).length} class modules; ${keys.length} validated kinds (${builtIn} built into Kubernetes ${record.release}, ${keys.length - builtIn} from ${upstream.length - 1} vendored CRD files)`);
}
