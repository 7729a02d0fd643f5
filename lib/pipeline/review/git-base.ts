import { execFileSync } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { UserError } from '../../core/errors';
import type { FileTree } from '../engine/output';

// `npm run diff -- --base <ref>`: the committed output of another commit, read from git itself
// (no checkout, no temporary directory), and the acceptances the change's own commits carry.

/** The commit trailer that accepts one risky change by its id (see `riskId`). */
export const RISK_ACCEPTED_TRAILER = 'Risk-Accepted';

/** The base a change is compared with. */
export interface GitBase {
  /** The merge base of `ref` and HEAD, whose output is compared with. */
  readonly commit: string;
  /** Its output directory's files, relative to that directory, as `readTree` gives them. */
  readonly tree: FileTree;
  /** Every `Risk-Accepted:` trailer of the commits in `ref..HEAD`, with the commit that carries it. */
  readonly accepted: readonly { readonly id: string; readonly commit: string }[];
  /** How many commits `ref..HEAD` holds. */
  readonly commits: number;
}

/**
 * Reads the output directory `out` (relative to `root`) as it is at the merge base of `ref` and
 * HEAD, and the `Risk-Accepted` trailers of the commits in `ref..HEAD`. The merge base, not `ref`
 * itself: on a pull request's merge commit the two are the same, and on a branch that the base
 * has moved past, the base's newer changes are not the branch's. Throws a UserError when `root`
 * is not in a git repository or `ref` is not a commit of it.
 */
export function readGitBase(root: string, ref: string, out: string): GitBase {
  const git = (args: readonly string[], input?: string) => runGit(root, args, input);
  if (isAbsolute(out) || out.split('/').includes('..')) {
    throw new UserError({ where: 'command line --out', message: `"${out}" is outside the project, and --base reads the output directory from git`, allowed: 'a path inside the project, e.g. dist' });
  }
  let prefix: string;
  try {
    prefix = git(['rev-parse', '--show-prefix']).toString('utf8').trim();
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UserError({
      where: 'command line --base',
      message: missing ? 'needs git, which is not installed (or not on PATH)' : `needs a git repository, and ${root} is not in one`,
      hint: 'run it in a clone of the repository, or compare with a directory instead: `--out <dir>`',
    });
  }
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UserError({
      where: 'command line --base',
      message: `"${ref}" is not a commit of the git repository at ${root}`,
      hint: 'fetch it first (`git fetch origin main`, then `--base origin/main`); in GitHub Actions, check out with `fetch-depth: 0` so the base branch is there',
    });
  }
  let commit: string;
  try {
    commit = git(['merge-base', ref, 'HEAD']).toString('utf8').trim();
  } catch {
    throw new UserError({ where: 'command line --base', message: `"${ref}" and HEAD have no common history`, hint: 'fetch the full history (`git fetch --unshallow`, or `fetch-depth: 0` in GitHub Actions)' });
  }
  const dir = `${prefix}${out.replace(/^\.\//, '')}`.replace(/\/+$/, '');
  return { commit, tree: readTreeAt(git, commit, dir), ...trailers(git, ref) };
}

function readTreeAt(git: (args: readonly string[], input?: string) => Buffer, commit: string, dir: string): FileTree {
  // One `ls-tree` for the names and one `cat-file --batch` for every blob: two processes, however large dist/ is.
  const entries = git(['ls-tree', '-r', '-z', '--full-tree', commit, '--', dir]).toString('utf8').split('\0').filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type, sha] = line.slice(0, tab).split(' ');
      return { type, sha, path: line.slice(tab + 1) };
    })
    .filter((e) => e.type === 'blob');
  const tree = new Map<string, string>();
  if (entries.length === 0) return tree;
  const output = git(['cat-file', '--batch'], entries.map((e) => `${e.sha}\n`).join(''));
  let offset = 0;
  for (const entry of entries) {
    const header = output.subarray(offset, output.indexOf(0x0a, offset)).toString('utf8');
    const size = Number(header.split(' ')[2]);
    const start = offset + Buffer.byteLength(header) + 1;
    tree.set(entry.path.slice(dir.length + 1), output.subarray(start, start + size).toString('utf8'));
    offset = start + size + 1;
  }
  return tree;
}

function trailers(git: (args: readonly string[]) => Buffer, ref: string): Pick<GitBase, 'accepted' | 'commits'> {
  const records = git(['log', '-z', `--format=%h%n%(trailers:key=${RISK_ACCEPTED_TRAILER},valueonly)`, `${ref}..HEAD`]).toString('utf8').split('\0').filter(Boolean);
  const accepted = records.flatMap((text) => {
    const [commit, ...values] = text.split('\n');
    // The id is the value's first word; what follows is the author's note (why it is safe).
    return values.map((v) => v.trim().split(/\s+/)[0]).filter(Boolean).map((id) => ({ id, commit }));
  });
  return { accepted, commits: records.length };
}

function runGit(cwd: string, args: readonly string[], input?: string): Buffer {
  return execFileSync('git', [...args], { cwd, input, maxBuffer: 256 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
}
