#!/usr/bin/env node
// Copies the pinned upstream CRDs the library uses into imports/crds/, unchanged: a one-time step
// when an upstream version changes, not part of any other command (docs/server-check.md).
//
//   node scripts/vendor-crds.mjs --from DIR [--k8s-schema FILE]
//   node scripts/vendor-crds.mjs --verify --from DIR
//
// DIR holds the upstream release files named in imports/UPSTREAM.json (e.g. cnpg-v1.30.0.yaml).
// For each such file, every document that defines a kind listed there is written to
// imports/crds/<file without .yaml>/<CRD name>.yaml as the exact bytes of the upstream file from
// that document's `---` line up to the next one: byte range [offset, offset + length) of the
// upstream file, so `tail -c +$((offset+1)) FILE | head -c length` reproduces it. The other
// documents (kinds the library does not emit) are left out. imports/crds/VENDORED.json records,
// per upstream file, its release and sha256, and per document the kind, offset, length and sha256.
// The Kubernetes API schema (one JSON file) is copied whole to imports/schemas/.
//
// --verify re-reads DIR and checks that every recorded sha256, offset and length still holds.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const from = option('--from');
if (!from) {
  console.error('usage: node scripts/vendor-crds.mjs [--verify] --from DIR-OF-UPSTREAM-CRD-FILES [--k8s-schema FILE]');
  process.exit(2);
}
const crdsOut = join(root, 'imports', 'crds');
const schemasOut = join(root, 'imports', 'schemas');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Splits a multi-document YAML file at its `---` lines, keeping each document's exact bytes. */
export function documentRanges(bytes) {
  const starts = [];
  let lineStart = 0;
  while (lineStart < bytes.length) {
    const newline = bytes.indexOf(0x0a, lineStart);
    const lineEnd = newline < 0 ? bytes.length : newline;
    if (/^---[ \t\r]*$/.test(bytes.subarray(lineStart, lineEnd).toString('latin1'))) starts.push(lineStart);
    lineStart = lineEnd + 1;
  }
  if (starts[0] !== 0) starts.unshift(0);
  return starts.map((offset, i) => ({ offset, length: (starts[i + 1] ?? bytes.length) - offset }));
}

function vendor() {
  const upstream = JSON.parse(readFileSync(join(root, 'imports', 'UPSTREAM.json'), 'utf8'));
  const record = [];
  rmSync(crdsOut, { recursive: true, force: true });
  for (const entry of upstream.filter((e) => e.file.endsWith('.yaml'))) {
    const bytes = readFileSync(join(from, entry.file));
    const dir = entry.file.replace(/\.yaml$/, '');
    const documents = [];
    for (const { offset, length } of documentRanges(bytes)) {
      const slice = bytes.subarray(offset, offset + length);
      const crd = parse(slice.toString('utf8'));
      if (!crd || crd.kind !== 'CustomResourceDefinition' || !(crd.spec.names.kind in entry.kinds)) continue;
      const file = join(dir, `${crd.metadata.name}.yaml`);
      mkdirSync(join(crdsOut, dir), { recursive: true });
      writeFileSync(join(crdsOut, file), slice);
      documents.push({ kind: crd.spec.names.kind, file, offset, length, sha256: sha256(slice) });
    }
    const missing = Object.keys(entry.kinds).filter((k) => !documents.some((d) => d.kind === k));
    if (missing.length) throw new Error(`${entry.file}: no CustomResourceDefinition for ${missing.join(', ')}`);
    record.push({ upstreamFile: entry.file, upstream: entry.upstream, sha256: sha256(bytes), documents });
  }
  writeFileSync(join(crdsOut, 'VENDORED.json'), `${JSON.stringify(record, null, 2)}\n`);

  const schema = option('--k8s-schema') ?? join(from, '..', 'schemas', 'kubernetes-v1.28.0-definitions.json');
  rmSync(schemasOut, { recursive: true, force: true });
  mkdirSync(schemasOut, { recursive: true });
  copyFileSync(schema, join(schemasOut, basename(schema)));
  const schemaRecord = [{ upstreamFile: basename(schema), upstream: 'Kubernetes API v1.28.0 (definitions published for cdk8s import k8s@1.28.0)', sha256: sha256(readFileSync(schema)), copiedWhole: true }];
  writeFileSync(join(schemasOut, 'VENDORED.json'), `${JSON.stringify(schemaRecord, null, 2)}\n`);
  console.log(`imports/crds/: ${record.reduce((n, r) => n + r.documents.length, 0)} documents from ${record.length} upstream files; imports/schemas/: ${basename(schema)}`);
}

function verify() {
  const problems = [];
  for (const entry of JSON.parse(readFileSync(join(crdsOut, 'VENDORED.json'), 'utf8'))) {
    const bytes = readFileSync(join(from, entry.upstreamFile));
    if (sha256(bytes) !== entry.sha256) problems.push(`${entry.upstreamFile}: upstream sha256 differs from the one recorded`);
    for (const doc of entry.documents) {
      const vendored = readFileSync(join(crdsOut, doc.file));
      const slice = bytes.subarray(doc.offset, doc.offset + doc.length);
      if (sha256(vendored) !== doc.sha256) problems.push(`${doc.file}: sha256 differs from the one recorded`);
      if (!slice.equals(vendored)) problems.push(`${doc.file}: not byte-identical to ${entry.upstreamFile} bytes ${doc.offset}..${doc.offset + doc.length}`);
    }
  }
  for (const entry of JSON.parse(readFileSync(join(schemasOut, 'VENDORED.json'), 'utf8'))) {
    if (sha256(readFileSync(join(schemasOut, entry.upstreamFile))) !== entry.sha256) problems.push(`imports/schemas/${entry.upstreamFile}: sha256 differs from the one recorded`);
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log('imports/crds/ and imports/schemas/: every vendored file is byte-identical to its upstream range');
}

if (args.includes('--verify')) verify();
else vendor();
