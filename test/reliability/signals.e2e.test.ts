import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import fc from 'fast-check';
import { readTree } from '../../lib/pipeline/engine/output';
import { ROOT } from '../helpers';
import { SEED } from './fixtures';

/*
 * Real processes writing dist/ with the real writer (write-driver.ts, bundled by esbuild), stopped
 * by signals at seeded random points of the write:
 * - SIGINT (Ctrl-C), SIGTERM: the writer holds them until its synchronous write is done, so no
 *   `.dist.next-*` is ever left, without any repair, and dist/ is the old or the new tree;
 * - SIGKILL: cannot be held; the next run repairs, and writes exactly the fresh output.
 * And the writer run as another user (nobody) on a dist/ it may not change: exit 2 naming the
 * path and the fix, dist/ unchanged, nothing left behind.
 *
 * Budget: about 15 short runs of node; the test's timeout is 90 s for a machine busy with others.
 */

const FILES = 400;
const KILLS = { SIGINT: 4, SIGTERM: 2, SIGKILL: 3 } as const;

interface Exit { readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly stderr: string; readonly ms: number }

describe('a write stopped by a signal, or run by a user who may not write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signals-'));
  const driver = join(dir, 'write-driver.js');
  const work = join(dir, 'work');
  const dist = join(work, 'dist');

  beforeAll(async () => {
    await build({ entryPoints: [join(ROOT, 'test', 'reliability', 'write-driver.ts')], bundle: true, platform: 'node', target: 'node20', outfile: driver, logLevel: 'error', absWorkingDir: ROOT });
    mkdirSync(work);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tree = (state: string) => {
    const t = new Map<string, string>();
    for (let i = 0; i < FILES; i++) t.set(`env-${i % 8}/app-${i % 13}/file-${i}.yaml`, `state: ${state}\nindex: ${i}\n${'#'.repeat(400)}\n`);
    return t;
  };
  const equal = (a: Map<string, string>, b: Map<string, string>) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
  const leftovers = () => readdirSync(work).filter((f) => f.startsWith('.dist.'));

  /** Runs the driver; `kill` is sent `delay` ms after it says it is writing. */
  function run(state: string, kill?: { signal: NodeJS.Signals; delay: number }, command: readonly string[] = []): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const [cmd, ...args] = [...command, process.execPath, driver, dist, state, String(FILES)];
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', () => {
        if (kill && !timer) timer = setTimeout(() => child.kill(kill.signal), kill.delay);
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr, ms: performance.now() - started });
      });
    });
  }

  test('SIGINT and SIGTERM leave no temporary tree and a complete dist/; after SIGKILL the next run repairs', async () => {
    const first = await run('A');
    expect(first.code).toBe(0);
    const second = await run('B');
    expect(second.code).toBe(0);
    const writeMs = (first.ms + second.ms) / 2;
    const plan = [...Object.entries(KILLS)].flatMap(([signal, n]) => Array.from({ length: n }, () => signal as NodeJS.Signals));
    const delays = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { seed: SEED, numRuns: plan.length });
    let current = 'B';
    const landed: Record<string, number> = {};
    for (const [i, signal] of plan.entries()) {
      const target = current === 'A' ? 'B' : 'A';
      const exit = await run(target, { signal, delay: Math.round(delays[i] * writeMs) });
      const outcome = exit.signal === signal ? 'stopped' : exit.code === 0 ? 'finished first' : `exit ${exit.code}: ${exit.stderr}`;
      landed[`${signal} ${outcome}`] = (landed[`${signal} ${outcome}`] ?? 0) + 1;
      expect(['stopped', 'finished first']).toContain(outcome);
      if (signal !== 'SIGKILL') {
        // Held until the write was done: nothing to repair.
        expect(leftovers()).toEqual([]);
        const now = readTree(dist);
        expect(equal(now, tree(current)) || equal(now, tree(target))).toBe(true);
        if (equal(now, tree(target))) current = target;
      } else {
        // The next run repairs what the kill left, and writes exactly the fresh output.
        const clean = await run(target);
        expect(clean.code).toBe(0);
        expect(equal(readTree(dist), tree(target))).toBe(true);
        expect(leftovers()).toEqual([]);
        current = target;
      }
    }
    process.stdout.write(`signals: ${plan.length} signals (seed ${SEED}), write about ${Math.round(writeMs)} ms: ${JSON.stringify(landed)}\n`);
  }, 90_000);

  test('run as another user on a dist/ it may not change: exit 2 with the path and the fix, nothing changed, nothing left', async () => {
    const probe = (() => {
      try {
        execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true'], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    })();
    if (!probe) {
      process.stdout.write('signals: skipped the other-user case: setpriv cannot switch to uid 65534 here (not root)\n');
      return;
    }
    if (!existsSync(dist)) expect((await run('A')).code).toBe(0);
    const before = readTree(dist);
    // The directory holding dist/ is writable by everyone, dist/ itself only by its owner (root).
    chmodSync(dir, 0o755);
    chmodSync(work, 0o777);
    const exit = await run('C', undefined, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(new RegExp(`${dist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\S*: cannot replace the files in this directory \\(EACCES`));
    expect(exit.stderr).toMatch(/fix: you \(uid 65534\) may not write there: run synth as the owner/);
    expect(equal(readTree(dist), before)).toBe(true);
    expect(leftovers()).toEqual([]);
  }, 30_000);
});
