// Vendoring CRDs into imports/crds/, byte for byte (docs/server-check.md "Vendored CRDs"): the
// pinned operators' releases (scripts/vendor-crds.mjs) and the CRDs a user brings
// (`npm run import -- FILE`) are kept the same way, so one reader serves synth, tests and the
// server check.
//
// imports/crds/VENDORED.json is the list of what is vendored, one entry per upstream file:
//   upstreamFile  the file's name, e.g. cnpg-v1.30.0.yaml
//   upstream      where it comes from: "<owner>/<repo> <tag>", or what the user said (--source)
//   sha256        of the whole upstream file
//   classes       kinds that get typed L1 classes from `cdk8s import`, with the version imported
//                 (every vendored kind gets a strict validator either way)
//   documents     every CustomResourceDefinition of the file: kind, group, the vendored copy
//                 (imports/crds/<dir>/<CRD name>.yaml), and its byte range and sha256 in the
//                 upstream file, so `tail -c +$((offset+1)) FILE | head -c length` reproduces it
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { sha256 } from './sources.mjs';

export { sha256 };

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

/** The CustomResourceDefinitions of a file, each with its exact bytes and their range. */
export function crdDocuments(bytes) {
  const documents = [];
  for (const { offset, length } of documentRanges(bytes)) {
    const slice = bytes.subarray(offset, offset + length);
    const crd = parse(slice.toString('utf8'));
    if (!crd || crd.kind !== 'CustomResourceDefinition' || !crd.spec?.names?.kind || !crd.spec.group) continue;
    documents.push({ crd, slice, offset, length });
  }
  return documents;
}

/** The vendoring record (VENDORED.json) of `crdsDir`, or an empty one. */
export function readVendored(crdsDir) {
  const file = join(crdsDir, 'VENDORED.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
}

export function writeVendored(crdsDir, record) {
  mkdirSync(crdsDir, { recursive: true });
  writeFileSync(join(crdsDir, 'VENDORED.json'), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * Copies every CRD of one upstream file into `crdsDir/<file without .yaml>/`, replacing an earlier
 * copy of the same file, and returns its VENDORED.json entry. `classes` picks the kinds that get
 * typed L1 classes: an object { Kind: version }, or 'all' for every kind at its storage version.
 * Throws when the file holds no CRD, or lacks a kind `classes` names.
 */
export function vendorFile(crdsDir, upstreamFile, bytes, { upstream, classes }) {
  const documents = crdDocuments(bytes);
  if (documents.length === 0) throw new Error(`${upstreamFile}: no CustomResourceDefinition in it (a CRD has apiVersion apiextensions.k8s.io/v1 and kind CustomResourceDefinition)`);
  const dir = upstreamFile.replace(/\.ya?ml$/, '');
  rmSync(join(crdsDir, dir), { recursive: true, force: true });
  mkdirSync(join(crdsDir, dir), { recursive: true });
  const entries = documents.map(({ crd, slice, offset, length }) => {
    const file = `${dir}/${crd.metadata.name}.yaml`;
    writeFileSync(join(crdsDir, file), slice);
    return { kind: crd.spec.names.kind, group: crd.spec.group, file, offset, length, sha256: sha256(slice) };
  });
  const chosen = classes === 'all'
    ? Object.fromEntries(documents.map(({ crd }) => [crd.spec.names.kind, (crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0]).name]))
    : classes;
  const missing = Object.keys(chosen).filter((kind) => !entries.some((d) => d.kind === kind));
  if (missing.length) throw new Error(`${upstreamFile}: no CustomResourceDefinition for ${missing.join(', ')}`);
  return { upstreamFile, upstream, sha256: sha256(bytes), classes: chosen, documents: entries };
}

/** Adds or replaces `entry` (by upstreamFile) in the record, keeping the others in order. */
export function withEntry(record, entry) {
  const i = record.findIndex((r) => r.upstreamFile === entry.upstreamFile);
  return i < 0 ? [...record, entry] : record.map((r, j) => (j === i ? entry : r));
}

/**
 * The vendored documents of one entry as parsed CRDs, checking each copy's sha256: imports/ must
 * come from the upstream release, not from a local edit.
 */
export function readEntryCrds(crdsDir, entry) {
  return [...entry.documents].sort((a, b) => a.offset - b.offset).map((doc) => {
    const path = join(crdsDir, doc.file);
    const bytes = readFileSync(path);
    if (sha256(bytes) !== doc.sha256) throw new Error(`${path}: sha256 differs from VENDORED.json; vendored CRDs are unchanged upstream copies (re-vendor the upstream file instead of editing the copy)`);
    return parse(bytes.toString('utf8'));
  });
}

/**
 * Vendors a local CRD file a user brings into `crdsDir` (`npm run import -- FILE` in the library's
 * repository, `cdk8s-constructs import FILE` in a project): every kind gets classes, `source`
 * (what the user said, e.g. "example/widget-operator v2.1.0") is recorded with the sha256.
 * Throws an Error whose message is the user's problem (no such file, not YAML, no CRD in it).
 */
export function vendorLocalFile(crdsDir, file, displayName, source) {
  if (!existsSync(file)) throw new Error(`${displayName}: no such file`);
  if (!/\.ya?ml$/.test(file)) throw new Error(`${displayName}: expected a YAML file of CustomResourceDefinitions`);
  const entry = vendorFile(crdsDir, basename(file), readFileSync(file), { upstream: source ?? `local file ${displayName}`, classes: 'all' });
  writeVendored(crdsDir, withEntry(readVendored(crdsDir), entry));
  return entry;
}
