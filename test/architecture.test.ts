import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * The import rule of lib/: each room sits on a floor, and a file may import only from its own
 * room or from a room on a lower floor. Rooms on one floor are independent of each other (the
 * Tailscale integration knows nothing of the Gateway one). The generated L1 classes in imports/
 * are the ground everyone stands on. A new folder under lib/ must be given a floor here.
 */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['imports'],
  ['lib/core'],
  ['lib/secrets', 'lib/tailscale', 'lib/gateway'],
  ['lib/cnpg'],
  ['lib/apps'],
  ['lib/pipeline/checks'],
  ['lib/pipeline/emit'],
  ['lib/pipeline/engine'],
  ['lib/pipeline/review'],
  // The package entry points re-export the rooms below them.
  ['lib/pipeline/index.ts', 'lib/index.ts'],
];

const ROOT = resolve(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The room (a FLOORS entry) a repository path belongs to: the longest entry that contains it. */
function roomOf(path: string): string | undefined {
  const rel = relative(ROOT, path).split('\\').join('/');
  let best: string | undefined;
  for (const room of FLOORS.flat()) {
    if ((rel === room || rel.startsWith(`${room}/`)) && (!best || room.length > best.length)) best = room;
  }
  return best;
}

const floorOf = (room: string): number => FLOORS.findIndex((floor) => floor.includes(room));

/** Every relative import of `file` (static, dynamic, require and `import type`), as absolute paths. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((i) => i.fileName).filter((spec) => spec.startsWith('.')).map((spec) => resolve(dirname(file), spec));
}

/** How an import from `file` to `target` stands to the rule. */
function classify(file: string, target: string): 'ok' | 'up' | 'across' | 'unplaced' {
  const [from, to] = [roomOf(file), roomOf(target)];
  if (!from) return 'unplaced';
  if (!to || to === from) return 'ok';
  const [a, b] = [floorOf(from), floorOf(to)];
  return b > a ? 'up' : b === a ? 'across' : 'ok';
}

/** Every import of lib/ that breaks the rule, as "from -> to (why)". */
function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'lib'))) {
    if (!roomOf(file)) found.push(`${relative(ROOT, file)} is in no room of FLOORS`);
    for (const target of importsOf(file)) {
      const verdict = classify(file, target);
      if (verdict === 'up') found.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}: ${roomOf(file)} imports ${roomOf(target)}, a higher floor`);
      if (verdict === 'across') found.push(`${relative(ROOT, file)} -> ${relative(ROOT, target)}: ${roomOf(file)} and ${roomOf(target)} share a floor and stay independent`);
    }
  }
  return found;
}

describe('the import rule of lib/', () => {
  it('every import goes down a floor or stays in its room', () => {
    expect(violations()).toEqual([]);
  });

  it('catches an upward import and an import across one floor', () => {
    // The rule is only worth having if it can fail: the same classification on made-up edges.
    const edge = (from: string, to: string) => classify(join(ROOT, from), join(ROOT, to));
    expect(edge('lib/pipeline/checks/references.ts', 'lib/pipeline/engine/synth.ts')).toBe('up');
    expect(edge('lib/core/app.ts', 'lib/cnpg/cnpg-database.ts')).toBe('up');
    expect(edge('lib/pipeline/emit/argocd-delivery.ts', 'lib/pipeline/engine/render.ts')).toBe('up');
    expect(edge('lib/tailscale/tailscale-funnel.ts', 'lib/gateway/gateway.ts')).toBe('across');
    expect(edge('lib/pipeline/review/diff-cli.ts', 'lib/pipeline/engine/synth.ts')).toBe('ok');
    expect(edge('lib/pipeline/engine/synth.ts', 'lib/pipeline/engine/render.ts')).toBe('ok');
    expect(edge('lib/stray/file.ts', 'lib/core/app.ts')).toBe('unplaced');
  });

  it('every room of lib/pipeline says what it owns in a README', () => {
    for (const room of ['checks', 'emit', 'engine', 'review']) {
      const readme = readFileSync(join(ROOT, 'lib/pipeline', room, 'README.md'), 'utf8');
      expect(readme).toMatch(/^# lib\/pipeline\/\w+: .+/m);
    }
  });
});
