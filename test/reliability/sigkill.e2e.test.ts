import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { readTree, recoverInterruptedWrite } from '../../lib/pipeline/engine/output';
import { scratchProject } from '../helpers';
import { SEED } from './fixtures';

/*
 * Interrupted runs: the bundled CLI (what `npm run synth` runs) is killed with SIGKILL at random
 * points, and after the repair every run starts with (recoverInterruptedWrite), dist/ must be the
 * previous complete output or the new one, byte for byte, with no leftovers.
 *
 * The scratch project has ENVIRONMENTS copies of the codeforphilly sandbox and nothing else (the
 * first run replaces the committed environments, hence --prune-environments), and
 * two overlay states, A and B, that differ in every environment, so every run writes: in half
 * the environments every file changes (the namespace), in the other half a few (the data branch),
 * and the rest of the files are hard-linked from the previous tree, so both ways a file reaches
 * the new tree are interrupted. Many environments make the write a good part of the run.
 *
 * Kill points, seeded: about half at a random delay over the whole run (from spawn to the end of
 * a calibration run), a third at a random delay after the new tree's directory appears (fs.watch)
 * within the write time, the rest within a few ms after dist/ is renamed (the old tree is being
 * removed). The two renames are microseconds apart, so no timing lands between them reliably;
 * test/pipeline/engine/output.test.ts builds that state by hand. Where each kill landed is read from the
 * leftovers, and the distribution is printed. No production code knows it is being tested.
 */

const ENVIRONMENTS = 16;
const KILLS = 32;
/** Kills timed from the swap land within this many ms of it, while the old tree is removed. */
const SWAP_WINDOW_MS = 8;

type Tree = Map<string, string>;

describe('a synth killed with SIGKILL leaves dist/ as the previous or the new complete output', () => {
  let root: string;
  let dist: string;
  let overlays: string;
  const stateText: Record<'A' | 'B', Map<string, string>> = { A: new Map(), B: new Map() };

  beforeAll(() => {
    root = scratchProject();
    dist = join(root, 'dist');
    overlays = join(root, 'overlays');
    execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'pipe' });
    const environment = readFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), 'utf8');
    const overlay = readFileSync(join(overlays, 'cfp-sandbox/codeforphilly.yaml'), 'utf8');
    rmSync(overlays, { recursive: true });
    for (let i = 0; i < ENVIRONMENTS; i++) {
      const env = `copy-${String(i).padStart(2, '0')}`;
      mkdirSync(join(overlays, env), { recursive: true });
      writeFileSync(join(overlays, env, 'environment.yaml'), environment);
      const file = `${env}/codeforphilly.yaml`;
      for (const state of ['A', 'B'] as const) {
        const text = i % 2 === 0
          ? overlay.replace(/^namespace: .*$/m, `namespace: codeforphilly-${state.toLowerCase()}`)
          : overlay.replace(/^dataBranch: .*$/m, `dataBranch: fixture-${state.toLowerCase()}`);
        if (text === overlay) throw new Error(`the overlay of ${file} did not change`);
        stateText[state].set(file, text);
      }
    }
  }, 120_000); // copies and builds a project: seconds, more on a busy machine

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const setState = (state: 'A' | 'B') => {
    for (const [file, text] of stateText[state]) writeFileSync(join(overlays, file), text);
  };

  /** One run of the bundled CLI, killed `delay` ms after spawn or after its new tree appears (or never). */
  function run(kill?: { after: 'spawn' | 'write' | 'swap'; delay: number }): Promise<{ code: number | null; signal: string | null; writeStart?: number; swapped?: number; exited: number }> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      let writeStart: number | undefined;
      let swapped: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const child = spawn(process.execPath, [join(root, '.build/main.js'), '--quiet', '--out', dist, '--prune-environments'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const killer = () => child.kill('SIGKILL');
      const watcher = watch(root, (_event, file) => {
        const now = performance.now() - started;
        if (writeStart === undefined && file?.startsWith('.dist.next-')) {
          writeStart = now;
          if (kill?.after === 'write') timer = setTimeout(killer, kill.delay);
        }
        if (writeStart !== undefined && swapped === undefined && file === 'dist') {
          swapped = now;
          if (kill?.after === 'swap') timer = setTimeout(killer, kill.delay);
        }
      });
      if (kill?.after === 'spawn') timer = setTimeout(killer, kill.delay);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        watcher.close();
        if (code !== null && code !== 0) reject(new Error(`synth failed (${code}): ${stderr}`));
        else resolve({ code, signal, writeStart, swapped, exited: performance.now() - started });
      });
    });
  }

  /** Where a kill landed, read from what it left behind (before any repair). */
  function landing(previous: Tree, next: Tree): string {
    const leftovers = readdirSync(root).filter((f) => f.startsWith('.dist.'));
    const nextDir = leftovers.some((f) => f.startsWith('.dist.next-'));
    const prevDir = leftovers.some((f) => f.startsWith('.dist.prev-'));
    if (!existsSync(dist)) return prevDir ? 'between the two renames' : 'unexpected: dist/ gone, nothing set aside';
    const current = readTree(dist);
    if (equal(current, previous)) return nextDir && !prevDir ? 'writing the new tree' : !nextDir && !prevDir ? 'before the write' : `unexpected: previous tree with ${leftovers.join(', ')}`;
    if (equal(current, next)) return prevDir ? 'after the swap, removing the old tree' : nextDir ? 'unexpected: new tree with a next directory' : 'after the write (completed)';
    return 'unexpected: dist/ is neither tree';
  }

  test(`${KILLS} kills at seeded random points`, async () => {
    // Calibration, and the two complete outputs: A, then B (dist/ starts as the committed output).
    setState('A');
    const first = await run();
    const treeA = readTree(dist);
    setState('B');
    const second = await run();
    const treeB = readTree(dist);
    expect(treeA.size).toBeGreaterThan(ENVIRONMENTS * 14);
    expect(equal(treeA, treeB)).toBe(false);
    // Estimates of the run and write times, refined by every run that gets that far: the machine is shared.
    let runTime = (first.exited + second.exited) / 2;
    let writeTime = [first, second].map((r) => (r.swapped ?? r.exited) - (r.writeStart ?? 0)).reduce((a, b) => a + b) / 2;

    const strategy = fc.oneof({ weight: 3, arbitrary: fc.constant('spawn' as const) }, { weight: 2, arbitrary: fc.constant('write' as const) }, { weight: 1, arbitrary: fc.constant('swap' as const) });
    const points = fc.sample(fc.record({ after: strategy, fraction: fc.double({ min: 0, max: 1, noNaN: true }) }), { seed: SEED, numRuns: KILLS });
    const landed: Record<string, number> = {};
    const byStrategy: Record<string, Record<string, number>> = { spawn: {}, write: {}, swap: {} };
    let current: { name: 'A' | 'B'; tree: Tree } = { name: 'B', tree: treeB };
    for (const point of points) {
      const target = current.name === 'A' ? { name: 'B' as const, tree: treeB } : { name: 'A' as const, tree: treeA };
      setState(target.name);
      const { after } = point;
      // From spawn: over the whole run. From the write's start: over the write, a little past its end.
      // From the swap (the rename of dist/): over the removal of the old tree.
      const delay = Math.round(point.fraction * (after === 'spawn' ? runTime * 1.05 : after === 'write' ? writeTime * 1.1 : SWAP_WINDOW_MS));
      const observed = await run({ after, delay });
      if (observed.writeStart !== undefined && observed.swapped !== undefined) writeTime = 0.7 * writeTime + 0.3 * (observed.swapped - observed.writeStart);
      if (observed.signal === null) runTime = 0.7 * runTime + 0.3 * observed.exited;
      const where = landing(current.tree, target.tree);
      landed[where] = (landed[where] ?? 0) + 1;
      byStrategy[after][where] = (byStrategy[after][where] ?? 0) + 1;
      expect(where).not.toMatch(/^unexpected/);

      // What the next run does first: repair. Then dist/ is one complete tree, and nothing is left over.
      recoverInterruptedWrite(dist);
      const repaired = readTree(dist);
      const isPrevious = equal(repaired, current.tree);
      expect(isPrevious || equal(repaired, target.tree)).toBe(true);
      expect(readdirSync(root).filter((f) => f.startsWith('.dist.'))).toEqual([]);
      if (!isPrevious) current = target;
    }

    const midWrite = (landed['writing the new tree'] ?? 0) + (landed['between the two renames'] ?? 0) + (landed['after the swap, removing the old tree'] ?? 0);
    process.stdout.write(`SIGKILL: ${KILLS} kills (seed ${SEED}); calibrated run ${Math.round(runTime)} ms, write ${Math.round(writeTime)} ms; `
      + `${treeA.size} files; ${midWrite} mid-write\n  landed: ${JSON.stringify(landed)}\n  delay from spawn: ${JSON.stringify(byStrategy.spawn)}\n`
      + `  delay from the write's start: ${JSON.stringify(byStrategy.write)}\n  delay from the swap: ${JSON.stringify(byStrategy.swap)}\n`);
    // The kills must exercise the write, not only start-up: a good share lands inside it.
    expect(midWrite).toBeGreaterThanOrEqual(KILLS / 4);
  }, 300_000); // 34 synth runs one after the other: about a minute alone, several on a busy machine
});

function equal(a: Tree, b: Tree): boolean {
  if (a.size !== b.size) return false;
  for (const [path, content] of a) if (b.get(path) !== content) return false;
  return true;
}
