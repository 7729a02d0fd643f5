import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { dump, type DumpOptions } from 'js-yaml';
import { byKey } from './order';
import type { KubeObject } from './schema-validation';

/** Generated files by path relative to the output directory, e.g. `pal-e-prod/app/ingress-x.yaml`. */
export type FileTree = ReadonlyMap<string, string>;

/**
 * js-yaml's emitter for output: it writes plain JSON-shaped documents about twice as fast as the
 * `yaml` package's (which builds a node tree per document first; `yaml` still reads overlays, for
 * its line positions). No line folding, no anchors, keys in construction order, double quotes.
 */
const YAML_OPTIONS: DumpOptions = { lineWidth: -1, noRefs: true, sortKeys: false, quoteStyle: 'double' };

/** Serializes one object the same way every time: keys in construction order, no folding, no anchors. */
export function toYaml(value: unknown): string {
  return dump(value, YAML_OPTIONS);
}

/**
 * Files for one app in one environment: one YAML file per object, named by kind and name
 * (namespace added only when two objects would share a file), and a kustomization.yaml listing
 * them, so the directory works both with `kubectl apply -k` and as an ArgoCD directory source.
 */
export function renderAppFiles(objects: readonly KubeObject[], header: string): Map<string, string> {
  const base = (o: KubeObject) => `${o.kind.toLowerCase()}-${o.metadata.name}`;
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(base(o), (counts.get(base(o)) ?? 0) + 1);
  const files = new Map<string, string>();
  for (const o of objects) {
    const name = counts.get(base(o))! > 1 && o.metadata.namespace
      ? `${o.kind.toLowerCase()}-${o.metadata.namespace}-${o.metadata.name}.yaml`
      : `${base(o)}.yaml`;
    if (files.has(name)) throw new Error(`two objects render to ${name}`);
    files.set(name, toYaml(o));
  }
  const names = [...files.keys()].sort();
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names };
  const sorted = new Map<string, string>(names.map((n) => [n, files.get(n)!]));
  sorted.set('kustomization.yaml', `${header}\n${toYaml(kustomization)}`);
  return sorted;
}

/** Reads every file under `dir` into a tree (empty when `dir` does not exist). */
export function readTree(dir: string): Map<string, string> {
  const tree = new Map<string, string>();
  if (!existsSync(dir)) return tree;
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else tree.set(relative(dir, full).split('\\').join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return tree;
}

/** Which files differ between two trees. */
export interface TreeDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export function diffTrees(current: FileTree, next: FileTree): TreeDiff {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [path, content] of next) {
    const old = current.get(path);
    if (old === undefined) added.push(path);
    else if (old !== content) changed.push(path);
  }
  for (const path of current.keys()) if (!next.has(path)) removed.push(path);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/**
 * Replaces `outDir` with `tree` so that, at every instant, `outDir` holds either the previous
 * complete output or the new one, never a mix:
 *
 * 1. the new tree is written in full to a sibling `.dist.next-<pid>` directory;
 * 2. `outDir` is renamed to `.dist.prev-<pid>` and the new directory renamed into its place;
 * 3. the previous tree is removed.
 *
 * rename(2) of a directory is atomic; between the two renames `outDir` briefly does not exist,
 * and `recoverInterruptedWrite` (run before every synth) puts the previous output back if a run
 * died exactly there. Leftovers of killed runs are removed the same way.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree): void {
  recoverInterruptedWrite(outDir);
  const parent = dirname(outDir);
  const name = basename(outDir);
  const next = join(parent, `.${name}.next-${process.pid}`);
  const prev = join(parent, `.${name}.prev-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  mkdirSync(next, { recursive: true });
  const reuse = unchangedFileLinker(outDir, next);
  const made = new Set<string>([next]);
  for (const [path, content] of [...tree].sort(byKey)) {
    const file = join(next, path);
    const dir = dirname(file);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (!reuse(path, content, file)) writeFileSync(file, content);
  }
  const hadPrevious = existsSync(outDir);
  if (hadPrevious) renameSync(outDir, prev);
  renameSync(next, outDir);
  if (hadPrevious) rmSync(prev, { recursive: true, force: true });
}

/**
 * Unchanged files are hard-linked from the current output into the new tree instead of written
 * again: creating a file costs far more than linking one (about 0.7 ms against 20 µs on the
 * benchmark machine, see docs/performance.md), and a re-synth mostly rewrites what is already
 * there. Only a plain file a fresh write would reproduce exactly is reused: same bytes, the mode
 * a new file gets, this user's, and no other links. Returns whether `file` was linked.
 */
function unchangedFileLinker(outDir: string, next: string): (path: string, content: string, file: string) => boolean {
  if (!existsSync(outDir)) return () => false;
  const newFileMode = statSync(next).mode & 0o666; // what the umask leaves of 0o666, as for the directory's 0o777
  const uid = process.getuid?.();
  let linking = true;
  return (path, content, file) => {
    if (!linking) return false;
    const previous = join(outDir, path);
    try {
      const stat = lstatSync(previous, { throwIfNoEntry: false });
      if (!stat?.isFile() || stat.nlink !== 1 || (stat.mode & 0o7777) !== newFileMode || (uid !== undefined && stat.uid !== uid)) return false;
      const bytes = Buffer.from(content);
      if (stat.size !== bytes.length || !readFileSync(previous).equals(bytes)) return false;
    } catch {
      return false;
    }
    try {
      linkSync(previous, file);
      return true;
    } catch {
      linking = false; // no hard links here (another filesystem, or not supported): write everything
      return false;
    }
  };
}

/**
 * Repairs what a killed run left behind: if `outDir` is missing but a complete previous tree
 * was set aside, it is restored; half-written next trees are deleted.
 */
export function recoverInterruptedWrite(outDir: string): void {
  const parent = dirname(outDir);
  const name = basename(outDir);
  if (!existsSync(parent)) return;
  const leftovers = readdirSync(parent).filter((f) => f.startsWith(`.${name}.next-`) || f.startsWith(`.${name}.prev-`));
  const previous = leftovers
    .filter((f) => f.startsWith(`.${name}.prev-`))
    .map((f) => join(parent, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!existsSync(outDir) && previous.length > 0) renameSync(previous.shift()!, outDir);
  for (const f of leftovers) rmSync(join(parent, f), { recursive: true, force: true });
}
