import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from './schema-validation';

/** Generated files by path relative to the output directory, e.g. `pal-e-prod/app/ingress-x.yaml`. */
export type FileTree = ReadonlyMap<string, string>;

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false } as const;

/** Serializes one object the same way every time: keys in construction order, no folding, no anchors. */
export function toYaml(value: unknown): string {
  return stringify(value, YAML_OPTIONS);
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
  for (const [path, content] of [...tree].sort(([a], [b]) => a.localeCompare(b))) {
    const file = join(next, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  mkdirSync(next, { recursive: true });
  const hadPrevious = existsSync(outDir);
  if (hadPrevious) renameSync(outDir, prev);
  renameSync(next, outDir);
  if (hadPrevious) rmSync(prev, { recursive: true, force: true });
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
