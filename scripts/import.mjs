#!/usr/bin/env node
// Regenerates imports/ from the pinned upstream CRDs and Kubernetes schema, vendored in the repo:
// imports/crds/ (the upstream documents of the kinds below, byte for byte, recorded in
// imports/crds/VENDORED.json; scripts/vendor-crds.mjs copies them in) and imports/schemas/.
//
//   npm run import [-- --crds DIR --k8s-schema FILE]
//
// Two outputs, both committed:
//   imports/<group>.ts          typed L1 classes, by `cdk8s import`, for the kinds below only
//   imports/validators/*.js     ajv standalone validators for every kind the library emits,
//                               made strict (see strictify) so a field the API server would
//                               prune or reject fails synth instead of vanishing in the cluster.
// Synth and tests read only these generated files, never the pinned sources.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { parseAllDocuments, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const crdDir = resolve(root, flag('--crds', 'imports/crds'));
const k8sSchemaFile = resolve(root, flag('--k8s-schema', 'imports/schemas/kubernetes-v1.28.0-definitions.json'));
const out = join(root, 'imports');

/** The CRD kinds the library emits, by pinned file, with the one version it emits. */
const CRDS = [
  { file: 'cnpg-v1.30.0.yaml', upstream: 'cloudnative-pg/cloudnative-pg v1.30.0', kinds: { Cluster: 'v1', ScheduledBackup: 'v1', Backup: 'v1' } },
  { file: 'barman-cloud-v0.14.0.yaml', upstream: 'cloudnative-pg/plugin-barman-cloud v0.14.0', kinds: { ObjectStore: 'v1' } },
  { file: 'gateway-api-standard-v1.6.1.yaml', upstream: 'kubernetes-sigs/gateway-api v1.6.1 (standard channel)', kinds: { Gateway: 'v1', HTTPRoute: 'v1', ReferenceGrant: 'v1' } },
  { file: 'envoy-gateway-v1.9.0.yaml', upstream: 'envoyproxy/gateway v1.9.0', kinds: { SecurityPolicy: 'v1alpha1', BackendTrafficPolicy: 'v1alpha1' } },
  { file: 'sealed-secrets-v0.36.6.yaml', upstream: 'bitnami-labs/sealed-secrets v0.36.6', kinds: { SealedSecret: 'v1alpha1' } },
  { file: 'external-secrets-v2.9.0.yaml', upstream: 'external-secrets/external-secrets v2.9.0', kinds: { ExternalSecret: 'v1', SecretStore: 'v1' } },
  { file: 'argo-cd-v3.5.1.yaml', upstream: 'argoproj/argo-cd v3.5.1', kinds: { Application: 'v1alpha1', AppProject: 'v1alpha1' } },
  { file: 'prometheus-operator-v0.93.0.yaml', upstream: 'prometheus-operator/prometheus-operator v0.93.0', kinds: { PodMonitor: 'v1', PrometheusRule: 'v1' } },
];

/** Core kinds the library emits; their L1 classes ship in cdk8s-plus-28, their schema is pinned here. */
const CORE_KINDS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.PersistentVolumeClaim',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.networking.v1.Ingress',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.RoleBinding',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.core.v1.Pod',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.apps.v1.DaemonSet',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
];

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * The vendored documents of one upstream file, in upstream order, as one YAML text, and the
 * upstream file's sha256 as recorded when they were copied. A vendored file whose bytes changed
 * since is refused: imports/ must come from the upstream release, not from a local edit.
 */
function vendoredCrds(upstreamFile) {
  const record = JSON.parse(readFileSync(join(crdDir, 'VENDORED.json'), 'utf8')).find((r) => r.upstreamFile === upstreamFile);
  if (!record) throw new Error(`${join(crdDir, 'VENDORED.json')}: no entry for ${upstreamFile}; run scripts/vendor-crds.mjs`);
  const texts = [...record.documents].sort((a, b) => a.offset - b.offset).map((doc) => {
    const path = join(crdDir, doc.file);
    if (sha256(path) !== doc.sha256) throw new Error(`${path}: sha256 differs from VENDORED.json; vendored CRDs are unchanged upstream copies`);
    return readFileSync(path, 'utf8');
  });
  return { text: texts.join(''), upstreamSha256: record.sha256 };
}

/** Removes what run() generates, and nothing else: imports/ also holds the vendored sources. */
function removeGenerated() {
  for (const name of readdirSync(out)) {
    if (name.endsWith('.ts') || name === 'validators' || name === 'UPSTREAM.json') rmSync(join(out, name), { recursive: true, force: true });
  }
}

/**
 * Closes the gap between an OpenAPI schema and what the API server keeps: structural schemas
 * prune unknown fields (k8s.io/apiextensions-apiserver pkg/apiserver/schema/pruning), and
 * built-in types drop them, so every object with declared properties gets
 * additionalProperties: false unless it says x-kubernetes-preserve-unknown-fields.
 */
function strictify(node) {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' || key === 'x-kubernetes-validations') continue; // prose and CEL: not checked here
    copy[key] = key === 'properties' || key === 'definitions'
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strictify(v)]))
      : strictify(value);
  }
  // Formats become plain keywords so the generated code needs no format runtime. int32 is enforced
  // (the API server rejects values outside it); string formats such as date-time are not checked
  // here because the API server itself accepts any string for most of them.
  if (copy.format === 'int32') Object.assign(copy, { minimum: -2147483648, maximum: 2147483647 });
  delete copy.format;
  if (typeof copy.pattern === 'string' && copy.pattern.includes('(?i)')) copy.pattern = caseInsensitive(copy.pattern);
  if (copy['x-kubernetes-int-or-string'] === true && copy.type === undefined && copy.anyOf === undefined) {
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

function run() {
  const k8s = JSON.parse(readFileSync(k8sSchemaFile, 'utf8')).definitions;
  const objectMetaId = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  // Core kinds reference the pinned definitions; CRD metadata references ObjectMeta from them.
  const defs = Object.fromEntries(Object.entries(k8s).map(([id, s]) => [id, strictify(s)]));
  for (const id of CORE_KINDS) defs[id] = withoutStatus(defs[id]);

  const kinds = {}; // "apiVersion/Kind" -> { module, schema }
  const groupVersionKind = (def) => def['x-kubernetes-group-version-kind'][0];
  for (const id of CORE_KINDS) {
    const gvk = groupVersionKind(k8s[id]);
    const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
    kinds[`${apiVersion}/${gvk.kind}`] = { module: 'core', schema: { $ref: `k8s:defs#/definitions/${id}` } };
  }

  const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
  const upstream = [];
  removeGenerated();
  for (const spec of CRDS) {
    const vendored = vendoredCrds(spec.file);
    const selected = [];
    for (const doc of parseAllDocuments(vendored.text)) {
      const crd = doc.toJS();
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const version = spec.kinds[crd.spec.names.kind];
      if (!version) continue;
      const served = crd.spec.versions.find((v) => v.name === version && v.served);
      if (!served) throw new Error(`${spec.file}: ${crd.spec.names.kind} does not serve ${version}`);
      // Import only the version the library emits: fewer, unambiguous classes.
      selected.push({ ...crd, spec: { ...crd.spec, versions: [served] } });
      const schema = withoutStatus(strictify(served.schema.openAPIV3Schema));
      // CRD schemas leave metadata open; the API server applies ObjectMeta to it, so do we.
      schema.properties.metadata = { $ref: `k8s:defs#/definitions/${objectMetaId}` };
      schema.properties.apiVersion = { const: `${crd.spec.group}/${version}` };
      schema.properties.kind = { const: crd.spec.names.kind };
      schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
      const key = `${crd.spec.group}/${version}/${crd.spec.names.kind}`;
      kinds[key] = { module: crd.spec.group, schema };
    }
    const missing = Object.keys(spec.kinds).filter((k) => !selected.some((c) => c.spec.names.kind === k));
    if (missing.length) throw new Error(`${spec.file}: no CRD for ${missing.join(', ')}`);
    const tmp = join(work, spec.file);
    writeFileSync(tmp, selected.map((c) => stringify(c)).join('---\n'));
    execFileSync(join(root, 'node_modules/.bin/cdk8s'), ['import', tmp, '--output', out, '--language', 'typescript', '--no-check-upgrade'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: work });
    upstream.push({ file: spec.file, upstream: spec.upstream, kinds: spec.kinds, sha256: vendored.upstreamSha256 });
  }
  rmSync(work, { recursive: true, force: true });

  // One standalone module per API group, loaded only when synth meets that group; within a module
  // the shared definitions are emitted once.
  const exportName = (key) => key.replace(/[^A-Za-z0-9]/g, '_');
  const keys = Object.keys(kinds).sort();
  const modules = [...new Set(keys.map((k) => kinds[k].module))].sort();
  mkdirSync(join(out, 'validators'), { recursive: true });
  for (const module of modules) {
    const ajv = new Ajv({ code: { source: true, esm: false, lines: false }, strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'k8s:defs', definitions: defs });
    const refs = {};
    for (const key of keys.filter((k) => kinds[k].module === module)) {
      ajv.addSchema(kinds[key].schema, `kind:${key}`);
      refs[exportName(key)] = `kind:${key}`;
    }
    writeFileSync(join(out, 'validators', `${module}.js`), `/* Generated by scripts/import.mjs from pinned upstream schemas: do not edit. */\n${standaloneCode(ajv, refs)}\n`);
  }
  const index = keys.map((k) => `  '${k}': () => require('./${kinds[k].module}.js').${exportName(k)},`);
  writeFileSync(join(out, 'validators', 'index.js'), [
    '/* Generated by scripts/import.mjs: do not edit. */',
    "'use strict';",
    '/** Strict schema validators by "apiVersion/Kind"; each API group\'s module loads on first use. */',
    'exports.validators = {',
    ...index,
    '};',
    '',
  ].join('\n'));
  writeFileSync(join(out, 'validators', 'index.d.ts'), [
    '/* Generated by scripts/import.mjs: do not edit. */',
    "import type { ValidateFunction } from 'ajv';",
    '/** Strict schema validators by "apiVersion/Kind"; each API group\'s module loads on first use. */',
    'export declare const validators: Readonly<Record<string, () => ValidateFunction>>;',
    '',
  ].join('\n'));

  upstream.push({ file: basename(k8sSchemaFile), upstream: 'Kubernetes API v1.28.0 (definitions published for cdk8s import k8s@1.28.0)', kinds: CORE_KINDS, sha256: sha256(k8sSchemaFile) });
  writeFileSync(join(out, 'UPSTREAM.json'), `${JSON.stringify(upstream, null, 2)}\n`);
  console.log(`imports/: ${readdirSync(out).filter((f) => f.endsWith('.ts')).length} modules, ${keys.length} validated kinds`);
}

run();
