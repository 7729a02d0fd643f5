import { statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, type Problem } from '../../core/errors';
import type { FileTree } from './output';

/** What a run is about to do to the output, and where its environments come from. */
export interface EnvironmentRemovalCheck {
  /** The output as it is. */
  readonly current: FileTree;
  /** The output as the run would leave it. */
  readonly next: FileTree;
  /** The overlays directory (absolute). */
  readonly overlaysDir: string;
  /** How to print the overlays directory, e.g. `overlays`. */
  readonly overlaysDisplay: string;
  /** How to print the output directory, e.g. `dist`. */
  readonly outDisplay: string;
  /** `--prune-environments`: the user says the removals are meant. */
  readonly prune: boolean;
}

/**
 * Deleting a whole environment from the output is never a side effect. An environment is a
 * top-level directory of the output (`dist/<env>/`); a run removes one only when it is gone on
 * purpose, which here means: its overlay directory (`overlays/<env>/`) no longer exists, and the
 * run keeps at least one other environment. Removing the overlay directory is how an
 * environment is retired; a run that would leave no environment of the current output at all
 * (a wrong checkout, a wrong `--out`, a renamed everything), or would remove one whose overlay
 * directory is still there, is refused, listing what it would remove, unless `--prune-environments`
 * says the removal is meant. (An `overlays/` with no environment at all is refused earlier, by
 * synthesize.)
 *
 * Returns one note per environment removed, for the run to print; throws a UserError otherwise.
 */
export function checkEnvironmentRemovals(check: EnvironmentRemovalCheck): string[] {
  const filesIn = (tree: FileTree) => {
    const counts = new Map<string, number>();
    for (const path of tree.keys()) {
      const slash = path.indexOf('/');
      if (slash > 0) counts.set(path.slice(0, slash), (counts.get(path.slice(0, slash)) ?? 0) + 1);
    }
    return counts;
  };
  const before = filesIn(check.current);
  const after = filesIn(check.next);
  const removed = [...before.keys()].filter((env) => !after.has(env)).sort();
  if (removed.length === 0) return [];
  const listed = removed.map((env) => `${check.outDisplay}/${env}/ (${counted(before.get(env)!, 'file')})`).join(', ');
  const problems: Problem[] = [];
  if (!check.prune) {
    const kept = [...before.keys()].filter((env) => after.has(env));
    if (kept.length === 0) {
      problems.push({
        where: `${check.outDisplay}/`,
        message: `this run would remove every environment in it and keep none: ${listed}`,
        hint: `if ${check.overlaysDisplay}/ is not what you expect (another branch, a partial checkout, the wrong --out), fix that first; to remove them on purpose, run again with --prune-environments`,
      });
    } else {
      for (const env of removed.filter((e) => isDirectory(join(check.overlaysDir, e)))) {
        problems.push({
          where: `${check.outDisplay}/${env}/`,
          message: `this run would remove it (${counted(before.get(env)!, 'file')}) although ${check.overlaysDisplay}/${env}/ still exists`,
          hint: `an environment is retired by deleting ${check.overlaysDisplay}/${env}/; to remove its output anyway, run again with --prune-environments`,
        });
      }
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return removed.map((env) => `removed ${check.outDisplay}/${env}/ (${counted(before.get(env)!, 'file')}): ${isDirectory(join(check.overlaysDir, env)) ? '--prune-environments' : `${check.overlaysDisplay}/${env}/ is gone`}`);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
