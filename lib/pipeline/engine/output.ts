import { constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { DumpOptions } from 'js-yaml';
import { blockYaml } from './output-yaml';
import { objectFileNames } from '../checks/rendered';
import { UserError, type Problem } from '../../core/errors';
import { byKey } from '../../core/order';
import { fileSystemProblem, isSystemError, NODE_FS, type OutputFs } from './output-fs';
import type { KubeObject } from '../checks/schema-validation';

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
  return blockYaml(value, YAML_OPTIONS);
}

/**
 * Files for one app in one environment: one YAML file per object, named by kind and name
 * (namespace added only when two objects would share a file), and a kustomization.yaml listing
 * them, so the directory works both with `kubectl apply -k` and as an ArgoCD directory source.
 */
export function renderAppFiles(objects: readonly KubeObject[], header: string): Map<string, string> {
  const fileNames = objectFileNames(objects);
  const files = new Map<string, string>();
  objects.forEach((o, i) => {
    const name = fileNames[i];
    if (files.has(name)) throw new Error(`two objects render to ${name}`);
    files.set(name, toYaml(o));
  });
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
      // A link to a directory inside the output is not walked (it could lead anywhere, even back
      // up): its files count as missing, and a write refuses the link with its reason.
      else if (!entry.isSymbolicLink() || statSync(full, { throwIfNoEntry: false })?.isFile()) tree.set(relative(dir, full).split('\\').join('/'), readFileSync(full, 'utf8'));
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


/** What a write, or the repair before it, did besides writing the tree. */
export interface WriteReport {
  /** Repairs of what an earlier run left behind, one sentence each (a set-aside output put back, a leftover removed). */
  readonly notes: readonly string[];
  /** Leftovers that could not be removed, with the fix; the output itself is complete. */
  readonly warnings: readonly string[];
}

/** How the writer reaches the file system and talks about paths. */
export interface WriteOptions {
  /** The file-system calls. @default node:fs */
  readonly fs?: OutputFs;
  /** How to print a path. @default as it is (absolute) */
  readonly show?: (path: string) => string;
  /**
   * Whether the process of this id is running: a leftover named after a running process is the
   * temporary tree of a synth running now, and is left alone.
   * @default a signal-0 probe; this process counts as not running (it writes nothing meanwhile)
   */
  readonly isRunning?: (pid: number) => boolean;
}

/**
 * The directory that holds the output: `outDir` itself or, when `outDir` is a symbolic link (to a
 * shared checkout, a mounted volume), the directory it finally points to. The link is kept: the
 * tree is swapped in at the link's target, inside the target's own parent, so the rename stays
 * on one file system and atomic. Refused (a UserError naming the reason) when `outDir` or its
 * target is a file, a loop of links, or a link into a directory that does not exist.
 */
export function outputLocation(outDir: string, options: WriteOptions = {}): string {
  const fs = options.fs ?? NODE_FS;
  const show = options.show ?? ((path: string) => path);
  let path = outDir;
  for (let hops = 0; ; hops++) {
    let stat;
    try {
      stat = fs.lstatSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw asUserError(error, 'look at the output directory', show);
    }
    const via = path === outDir ? '' : `links to ${path}, which `;
    if (stat?.isSymbolicLink()) {
      if (hops >= 32) throw new UserError({ where: show(outDir), message: `${via || ''}is a loop of symbolic links`, hint: 'point the link at a real directory (ln -sfn DIR dist)' });
      path = resolve(dirname(path), fs.readlinkSync(path));
      continue;
    }
    if (stat && !stat.isDirectory()) {
      throw new UserError({ where: show(outDir), message: `${via}is a file, not a directory`, hint: 'move the file away (synth writes a directory there), or write elsewhere with --out DIR' });
    }
    if (!stat && via && !fs.lstatSync(dirname(path), { throwIfNoEntry: false })?.isDirectory()) {
      throw new UserError({ where: show(outDir), message: `links to ${path}, whose directory ${dirname(path)} does not exist`, hint: 'create that directory, or point the link at an existing one (ln -sfn DIR dist)' });
    }
    return path;
  }
}

/**
 * Replaces the output with `tree` so that, at every instant, it holds either the previous
 * complete output or the new one, never a mix:
 *
 * 1. what an earlier run left behind is repaired or removed (recoverInterruptedWrite);
 * 2. every directory the swap changes is checked for write permission first, so a run that could
 *    not finish fails before it changes anything (a UserError with the path and the fix);
 * 3. the new tree is written in full to a sibling `.<name>.next-<pid>` directory;
 * 4. the output is renamed to `.<name>.prev-<pid>` and the new directory renamed into its place;
 * 5. the previous tree is removed; if that fails, the output is complete and a warning says what
 *    is left (the next run removes it).
 *
 * rename(2) of a directory within its parent is atomic. A failure before step 4 removes the new
 * tree and leaves the output as it was; a failure between the two renames puts the old one back.
 * When `outDir` is a symbolic link, its target is replaced and the link kept (outputLocation).
 *
 * SIGINT, SIGTERM and SIGHUP that arrive while this runs take effect once it is done (the write
 * is synchronous and short): the process then stops as the signal asked, with nothing
 * half-written. SIGKILL cannot be held; the next run repairs what it leaves.
 */
export function writeTreeAtomically(outDir: string, tree: FileTree, options: WriteOptions = {}): WriteReport {
  holdSignalsUntilWritten();
  try {
    return writeTree(outDir, tree, options);
  } catch (error) {
    throw asUserError(error, 'write the output', options.show ?? ((path: string) => path));
  }
}

function writeTree(outDir: string, tree: FileTree, options: WriteOptions): WriteReport {
  const fs = options.fs ?? NODE_FS;
  const show = options.show ?? ((path: string) => path);
  refuseEscapingPaths(tree, show(outDir));
  const target = outputLocation(outDir, options);
  const repaired = repair(outDir, target, options);
  const parent = dirname(target);
  const name = basename(target);
  const next = join(parent, `.${name}.next-${process.pid}`);
  const prev = join(parent, `.${name}.prev-${process.pid}`);
  const hadPrevious = fs.lstatSync(target, { throwIfNoEntry: false }) !== undefined;
  checkWritable(target, hadPrevious, fs, show);

  try {
    removeTree(fs, next);
    fs.mkdirSync(next, { recursive: true });
    const reuse = unchangedFileLinker(fs, hadPrevious ? target : undefined, next);
    const made = new Set<string>([next]);
    for (const [path, content] of [...tree].sort(byKey)) {
      const file = join(next, path);
      const dir = dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      if (!reuse(path, content, file)) fs.writeFileSync(file, content);
    }
  } catch (error) {
    discard(fs, next);
    throw asUserError(error, 'write the new output', show, `${show(outDir)} is as it was`);
  }
  if (hadPrevious) {
    try {
      fs.renameSync(target, prev);
    } catch (error) {
      discard(fs, next);
      throw asUserError(error, 'set the current output aside', show, `${show(outDir)} is as it was`);
    }
  }
  try {
    fs.renameSync(next, target);
  } catch (error) {
    const restored = !hadPrevious || attempt(() => fs.renameSync(prev, target));
    discard(fs, next);
    throw asUserError(error, 'move the new output into place', show, restored ? `${show(outDir)} is as it was` : `the previous output is in ${show(prev)}, which the next run puts back`);
  }
  const warnings = [...repaired.warnings];
  if (hadPrevious) {
    try {
      removeTree(fs, prev);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      warnings.push(leftoverWarning(error, prev, show));
    }
  }
  return { notes: repaired.notes, warnings };
}

/**
 * Defence in depth behind the name checks (lib/pipeline/checks/object-names.ts): every path of the
 * tree must stay inside the output directory. A path is "/"-separated segments, none empty, "."
 * or "..", with no "\\" or NUL, and not absolute; anything else is refused before anything is
 * written (a UserError naming the path, as the name that made it came from the input).
 */
export function refuseEscapingPaths(tree: FileTree, outDisplay: string): void {
  const problems: Problem[] = [];
  for (const path of tree.keys()) {
    const segments = path.split('/');
    const bad = isAbsolute(path) || /[\\\0]/.test(path) || segments.some((s) => s === '' || s === '.' || s === '..');
    if (bad || relative('/out', resolve('/out', path)).startsWith('..')) {
      problems.push({
        where: `${outDisplay}/${JSON.stringify(path)}`,
        message: 'is not a path inside the output directory (empty, ".", ".." or absolute segments, or a backslash); nothing was written',
        hint: 'object names become file names: give the object a name of its kind\'s format',
      });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
}

/**
 * Repairs what an interrupted run left beside the output: when the output is missing but a
 * complete previous tree was set aside, that tree is put back; every other leftover
 * (`.<name>.next-*`, `.<name>.prev-*`) is removed, unless the synth that made it is still
 * running. What was done is returned as notes; a leftover that cannot be removed (its directory
 * is not writable) is a warning, not a failure: it is in nobody's way.
 */
export function recoverInterruptedWrite(outDir: string, options: WriteOptions = {}): WriteReport {
  try {
    return repair(outDir, outputLocation(outDir, options), options);
  } catch (error) {
    throw asUserError(error, 'repair the output', options.show ?? ((path: string) => path));
  }
}

/**
 * Repairs beside the output's real directory `target`; when `outDir` is a link, leftovers beside
 * the link (from before it was one) are removed too.
 */
function repair(outDir: string, target: string, options: WriteOptions): WriteReport {
  const fs = options.fs ?? NODE_FS;
  const show = options.show ?? ((path: string) => path);
  const isRunning = options.isRunning ?? processIsRunning;
  const notes: string[] = [];
  const warnings: string[] = [];
  const found = (dir: string, name: string) => {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch (error) {
      if (isSystemError(error) && error.code === 'ENOENT') return [];
      throw asUserError(error, 'read the directory that holds the output', show);
    }
    return entries.flatMap((file) => {
      const match = new RegExp(`^\\.${escapeRegExp(name)}\\.(next|prev)-(.*)$`).exec(file);
      if (!match) return [];
      const pid = /^\d+$/.test(match[2]) ? Number(match[2]) : undefined;
      if (pid !== undefined && pid !== process.pid && isRunning(pid)) {
        notes.push(`left ${show(join(dir, file))} alone: the synth that writes it (process ${pid}) is still running`);
        return [];
      }
      return [{ file, path: join(dir, file), kind: match[1] as 'next' | 'prev' }];
    });
  };
  const leftovers = found(dirname(target), basename(target));
  const besideLink = target === outDir ? [] : found(dirname(outDir), basename(outDir));
  if (leftovers.length + besideLink.length === 0) return { notes, warnings };
  let remaining = [...leftovers, ...besideLink];
  if (fs.lstatSync(target, { throwIfNoEntry: false }) === undefined) {
    const newest = leftovers
      .filter((l) => l.kind === 'prev' && fs.lstatSync(l.path, { throwIfNoEntry: false })?.isDirectory())
      .map((l) => ({ ...l, mtime: fs.statSync(l.path).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file))[0];
    if (newest) {
      try {
        fs.renameSync(newest.path, target);
      } catch (error) {
        throw asUserError(error, `put back the previous output, set aside by an interrupted run, as ${show(target)}`, show);
      }
      notes.push(`put back ${show(target)} from ${show(newest.path)}: a run was interrupted between setting the old output aside and moving the new one in`);
      remaining = remaining.filter((l) => l.path !== newest.path);
    }
  }
  for (const leftover of remaining) {
    try {
      removeTree(fs, leftover.path);
      notes.push(`removed ${show(leftover.path)}, left by an interrupted run (${leftover.kind === 'next' ? 'a new output never moved in' : 'an old output set aside'})`);
    } catch (error) {
      if (!isSystemError(error)) throw error;
      warnings.push(leftoverWarning(error, leftover.path, show));
    }
  }
  return { notes, warnings };
}

function leftoverWarning(error: NodeJS.ErrnoException, leftover: string, show: (path: string) => string): string {
  const problem = fileSystemProblem(error, 'remove it', show);
  return `${show(leftover)}, left by an earlier run, could not be removed: ${problem.where}: ${problem.message}; ${problem.hint}. It is in nobody's way, and the next run tries again.`;
}

/**
 * Fails before anything changes when the swap could not finish: the output's parent (the new tree
 * and the set-aside old one are created and renamed there), the output and every directory in it
 * (its entries are removed with the old tree) must be writable, and nothing inside the output may
 * be a symbolic link (the swap would replace the link by a directory and leave its target stale).
 */
function checkWritable(target: string, exists: boolean, fs: OutputFs, show: (path: string) => string): void {
  const problems: Problem[] = [];
  const check = (dir: string, doing: string) => {
    try {
      fs.accessSync(dir, constants.W_OK);
    } catch (error) {
      if (!isSystemError(error) || error.code === 'ENOENT') {
        if (isSystemError(error)) return; // a parent created with the new tree
        throw error;
      }
      problems.push(fileSystemProblem(error, doing, show));
    }
  };
  check(dirname(target), `create the new output in ${show(dirname(target))}, beside ${show(target)}`);
  const walk = (dir: string) => {
    check(dir, 'replace the files in this directory');
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      throw asUserError(error, 'read the current output', show);
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        problems.push({
          where: show(full),
          message: 'is a symbolic link inside the output: a synth replaces the output whole, so the link would become a directory and its target be left stale',
          hint: `remove the link (its target is not touched) and let synth write there, or link ${show(target)} itself instead`,
        });
      } else if (entry.isDirectory()) {
        walk(full);
      }
    }
  };
  if (exists) walk(target);
  if (problems.length > 0) throw new UserError(problems.map((p) => ({ ...p, message: `${p.message}; nothing was changed` })));
}

/**
 * Unchanged files are hard-linked from the current output into the new tree instead of written
 * again: creating a file costs far more than linking one (about 0.7 ms against 20 µs on the
 * benchmark machine, see docs/performance.md), and a re-synth mostly rewrites what is already
 * there. Only a plain file a fresh write would reproduce exactly is reused: same bytes, the mode
 * a new file gets, this user's, and no other links. Returns whether `file` was linked.
 */
function unchangedFileLinker(fs: OutputFs, outDir: string | undefined, next: string): (path: string, content: string, file: string) => boolean {
  if (outDir === undefined) return () => false;
  const newFileMode = fs.statSync(next).mode & 0o666; // what the umask leaves of 0o666, as for the directory's 0o777
  const uid = process.getuid?.();
  let linking = true;
  return (path, content, file) => {
    if (!linking) return false;
    const previous = join(outDir, path);
    try {
      const stat = fs.lstatSync(previous, { throwIfNoEntry: false });
      if (!stat?.isFile() || stat.nlink !== 1 || (stat.mode & 0o7777) !== newFileMode || (uid !== undefined && stat.uid !== uid)) return false;
      const bytes = Buffer.from(content);
      if (stat.size !== bytes.length || !fs.readFileSync(previous).equals(bytes)) return false;
    } catch (error) {
      if (!isSystemError(error)) throw error; // a simulated crash in tests: not a reason to write instead
      return false;
    }
    try {
      fs.linkSync(previous, file);
      return true;
    } catch (error) {
      if (!isSystemError(error)) throw error;
      linking = false; // no hard links here (another filesystem, an immutable file): write everything
      return false;
    }
  };
}

/** Removes a file or a directory tree; fails with the path that could not be removed. */
function removeTree(fs: OutputFs, path: string): void {
  const stat = fs.lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return;
  if (!stat.isDirectory()) {
    fs.unlinkSync(path);
    return;
  }
  for (const entry of fs.readdirSync(path)) removeTree(fs, join(path, entry));
  fs.rmdirSync(path);
}

/** Best effort, after a failure that is being reported: removes the half-written new tree. */
function discard(fs: OutputFs, dir: string): void {
  attempt(() => removeTree(fs, dir));
}

function attempt(action: () => void): boolean {
  try {
    action();
    return true;
  } catch {
    return false; // the failure being reported is the one that matters
  }
}

/** A system error as a UserError (the file system's state is the user's to fix); anything else as it is. */
function asUserError(error: unknown, doing: string, show: (path: string) => string, state?: string): unknown {
  if (!isSystemError(error)) return error;
  const problem = fileSystemProblem(error, doing, show);
  return new UserError({ ...problem, message: state ? `${problem.message}; ${state}` : problem.message });
}

/** Reads the current output for comparison (readTree), with file-system errors as UserErrors. */
export function readOutput(outDir: string, show: (path: string) => string = (path) => path): Map<string, string> {
  try {
    return readTree(outDir);
  } catch (error) {
    throw asUserError(error, 'read the current output', show);
  }
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it exists, as another user's
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const HELD_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Makes the signals that usually end a process take effect after the write instead of in the
 * middle of it. The write is synchronous, so a listener runs only once it is over; the one
 * turn of the event loop scheduled here delivers a signal that arrived meanwhile even if the
 * program has nothing else to do (else it would be lost when the process ends).
 */
function holdSignalsUntilWritten(): void {
  for (const signal of HELD_SIGNALS) if (!process.listeners(signal).includes(stopAfterWrite)) process.on(signal, stopAfterWrite);
  setImmediate(() => undefined);
}

/** Stops the process as the signal asked (same exit status), now that no write is under way. */
function stopAfterWrite(signal: NodeJS.Signals): void {
  for (const held of HELD_SIGNALS) process.removeListener(held, stopAfterWrite);
  process.kill(process.pid, signal);
}
