#!/usr/bin/env node
// npm run bench [-- options]: measures the performance targets (docs/performance.md) with whole
// processes, as users run them, and reports medians. Not part of npm test.
//
//   equal work  codeforphilly's three environments, synthesized by one run of what `npm run synth`
//               runs (its package.json script, without npm's own start), against
//               `kubectl kustomize` over the three overlays of ../shared/bench/kustomize-anchor
//               (one process each), interleaved; target: ratio synth/kustomize <= 1.
//   scale       synthetic projects (scripts/bench/project.mjs) of 100 and 1000 (environment, app)
//               pairs: a synth into an empty directory (fresh) and a --check of that output;
//               targets: 1000 pairs under 5 s on one thread, t(1000)/t(100) <= 11 (linear).
//
// With --before DIR (another checkout of this repository, `npm ci` done there), every figure is
// measured for both trees in the same run, interleaved, so they share the machine's load.
//
// Options:
//   --before DIR   also measure this checkout (e.g. the commit before a change)
//   --node PATH    the node binary that builds and runs synth (default: the one running this)
//   --runs N       runs per tree for equal work (default 9)
//   --scale-runs N runs per tree, size and scenario for scale (default 3)
//   --sizes LIST   scale sizes (default 100,1000)
//   --only LIST    equal-work,scale (default both)
//   --anchor DIR   the kustomize tree (default ../shared/bench/kustomize-anchor)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateProject } from './bench/project.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    before: { type: 'string' },
    node: { type: 'string' },
    runs: { type: 'string', default: '9' },
    'scale-runs': { type: 'string', default: '3' },
    sizes: { type: 'string', default: '100,1000' },
    only: { type: 'string', default: 'equal-work,scale' },
    anchor: { type: 'string', default: resolve(root, '..', 'shared', 'bench', 'kustomize-anchor') },
  },
});
const node = opts.node ? resolve(opts.node) : process.execPath;
const runs = Math.max(1, Number(opts.runs));
const scaleRuns = Math.max(1, Number(opts['scale-runs']));
const sizes = opts.sizes.split(',').map(Number).filter((n) => n > 0);
const only = new Set(opts.only.split(','));
const tmp = mkdtempSync(join(tmpdir(), 'cdk8s-bench-'));

/** The trees measured: this one ("after") and, with --before, the other ("before"). */
const trees = [
  ...(opts.before ? [{ name: 'before', root: resolve(opts.before) }] : []),
  { name: 'after', root },
].map((tree) => ({ ...tree, synth: synthCommand(tree.root) }));

/** What `npm run synth` runs in `dir`, without npm: its package.json script, split, without `node`. */
function synthCommand(dir) {
  const script = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts.synth.split(/\s+/);
  if (script[0] !== 'node') throw new Error(`${dir}: the synth script does not start with node: ${script.join(' ')}`);
  return script.slice(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const spread = (xs) => `wall ${ms(median(xs)).padStart(7)} (min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))})`;
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * GNU time, where installed, reports a process's CPU time (user + system, all its threads): on a
 * machine shared with other work, wall time measures the other work too, CPU time much less.
 */
const gnuTime = spawnSync('/usr/bin/time', ['-f', '%U %S', 'true'], { encoding: 'utf8' }).stderr?.trim().match(/^[\d.]+ [\d.]+$/) ? '/usr/bin/time' : undefined;

/** Runs a process to completion: its wall time and (with GNU time) CPU time in ms; stdout goes to a file or nowhere. */
function time(command, args, { cwd, stdoutFile, expect = 0 }) {
  const fd = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const cpuFile = join(tmp, 'cpu-time');
  const [file, argv] = gnuTime ? [gnuTime, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const child = spawnSync(file, argv, { cwd, stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (typeof fd === 'number') closeSync(fd);
  if (child.error) throw child.error;
  if (child.status !== expect) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${child.status}:\n${child.stderr}`);
  const cpu = gnuTime ? readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(' ').reduce((sum, x) => sum + Number(x) * 1000, 0) : Number.NaN;
  return { wall, cpu };
}

/** Wall and CPU time of many runs: medians, and the spread of wall time. */
function report(samples) {
  const cpu = samples.map((s) => s.cpu);
  return `${spread(samples.map((s) => s.wall))}, CPU ${Number.isNaN(cpu[0]) ? 'n/a' : ms(median(cpu))}`;
}
const wallOf = (samples) => median(samples.map((s) => s.wall));
const cpuOf = (samples) => median(samples.map((s) => s.cpu));

/** One synth of `tree` in `cwd` (its root or a synthetic project made from it), with synth's ARGS. */
const synth = (tree, cwd, ...args) => time(node, [...tree.synth, ...args], { cwd });

function equalWork() {
  const overlaysDir = join(opts.anchor, 'overlays');
  if (!existsSync(overlaysDir)) return say(`equal work: skipped, ${overlaysDir} does not exist`);
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) return say('equal work: skipped, kubectl is not installed');
  const overlays = readdirSync(overlaysDir).filter((d) => existsSync(join(overlaysDir, d, 'kustomization.yaml'))).sort();
  const args = (out) => ['--quiet', '--app', 'codeforphilly', '--env', 'cfp-sandbox,cfp-staging,cfp-prod', '--out', out];
  const kustomize = (i) => overlays.map((o) => time('kubectl', ['kustomize', join(overlaysDir, o)], { cwd: tmp, stdoutFile: join(tmp, `kustomize-${i}-${o}.yaml`) })).reduce((a, b) => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu }));
  say(`equal work: codeforphilly x3 environments, \`node ${trees.at(-1).synth.join(' ')} ${args('<empty dir>').join(' ')}\``);
  say(`  against kubectl kustomize over ${overlays.join(', ')} of ${opts.anchor}; ${runs} interleaved runs after a warm-up; load average at start ${load()}`);
  const samples = { kustomize: [] };
  for (const tree of trees) {
    samples[tree.name] = [];
    synth(tree, tree.root, ...args(join(tmp, `warm-${tree.name}`))); // builds if needed, fills the compile cache
  }
  kustomize('warm');
  for (let i = 0; i < runs; i++) {
    const steps = [...trees.map((tree) => () => samples[tree.name].push(synth(tree, tree.root, ...args(join(tmp, `cfp-${tree.name}-${i}`))))), () => samples.kustomize.push(kustomize(i))];
    // Each run starts with another of them, so none always runs first.
    for (let k = 0; k < steps.length; k++) steps[(i + k) % steps.length]();
  }
  say(`  kubectl kustomize x${overlays.length}: ${report(samples.kustomize)}`);
  for (const tree of trees) {
    const ratio = wallOf(samples[tree.name]) / wallOf(samples.kustomize);
    const cpuRatio = cpuOf(samples[tree.name]) / cpuOf(samples.kustomize);
    say(`  synth, ${tree.name.padEnd(6)}:      ${report(samples[tree.name])}; ratio synth/kustomize ${ratio.toFixed(2)} wall, ${cpuRatio.toFixed(2)} CPU (target <= 1.00)`);
  }
  say(`  load average at end ${load()}`);
}

function scale() {
  say();
  say(`scale: synthetic projects (scripts/bench/project.mjs), ${scaleRuns} runs per tree, size and scenario after a warm-up; load average at start ${load()}`);
  say('  fresh = synth into an empty directory; check = synth --check against that output');
  const results = {};
  for (const size of sizes) {
    const projects = trees.map((tree) => {
      const dir = join(tmp, `scale-${tree.name}-${size}`);
      const project = generateProject(tree.root, dir, size);
      synth(tree, dir, '--quiet', '--out', 'out-current'); // builds, fills the compile cache, writes the output --check compares with
      return { tree, dir, project };
    });
    for (const { tree } of projects) results[`${tree.name}-${size}`] = { fresh: [], check: [] };
    for (let i = 0; i < scaleRuns; i++) {
      for (let k = 0; k < projects.length; k++) {
        const { tree, dir } = projects[(i + k) % projects.length];
        const result = results[`${tree.name}-${size}`];
        result.fresh.push(synth(tree, dir, '--quiet', '--out', `out-${i}`));
        rmSync(join(dir, `out-${i}`), { recursive: true, force: true });
        result.check.push(synth(tree, dir, '--quiet', '--check', '--out', 'out-current'));
      }
    }
    const { project } = projects[0];
    say(`  ${size} pairs (${project.apps} apps over ${project.environments} environments), load average now ${load()}:`);
    for (const { tree } of projects) {
      const result = results[`${tree.name}-${size}`];
      say(`    ${tree.name.padEnd(6)} fresh ${report(result.fresh)}`);
      say(`    ${tree.name.padEnd(6)} check ${report(result.check)}`);
    }
    for (const { dir } of projects) rmSync(dir, { recursive: true, force: true });
  }
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  if (small === large) return;
  for (const tree of trees) {
    for (const scenario of ['fresh', 'check']) {
      const [big, little] = [results[`${tree.name}-${large}`][scenario], results[`${tree.name}-${small}`][scenario]];
      say(`  ${tree.name.padEnd(6)} ${scenario.padEnd(5)}: ${large} pairs in ${ms(wallOf(big))} wall, ${ms(cpuOf(big))} CPU (target < 5 s); t(${large})/t(${small}) = ${(wallOf(big) / wallOf(little)).toFixed(2)} wall, ${(cpuOf(big) / cpuOf(little)).toFixed(2)} CPU for x${large / small} pairs (linear: <= ${(large / small) * 1.1})`);
    }
  }
}

try {
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  say(`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
  say(`node ${nodeVersion} (${node}); ${cpus()[0]?.model ?? 'unknown CPU'} x ${cpus().length}; trees: ${trees.map((t) => `${t.name} ${t.root}`).join(', ')}`);
  say();
  if (only.has('equal-work')) equalWork();
  if (only.has('scale')) scale();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
