#!/usr/bin/env node
// npm run bench [-- options]: times whole synth processes and reports medians. Not part of
// npm test; what the numbers mean, and the last results, are in docs/performance.md.
//
//   full       full synth of this repo: `node .build/main.js --quiet --out <tmp>` (after one
//              build, timed and reported on its own);
//   kustomize  equal work: codeforphilly's three environments against `kubectl kustomize` over
//              the three overlays of ../shared/bench/kustomize-anchor, interleaved, as a ratio;
//   scale      synthetic projects (scripts/bench/project.mjs) of 10, 100 and 1000 (environment,
//              app) pairs, built with the repo's own scripts/build.mjs and synthesized with full
//              validation: into an empty directory, into the previous output after one overlay
//              changed, and --check (also with --single-thread); wall time, peak RSS, growth;
//   cdk8s      (only when asked) plain cdk8s, N charts in one App, for reference.
//
// Options:
//   --runs N          timed runs per measurement for full and kustomize (default 9)
//   --scale-runs N    timed runs per scale size and scenario (default 3)
//   --sizes LIST      scale sizes (default 10,100,1000)
//   --only LIST       any of full,kustomize,scale,cdk8s (default full,kustomize,scale)
//   --tmp DIR         where the scratch projects and outputs go (default: the OS temp dir; file
//                     creation cost depends on its filesystem, see docs/performance.md)
//   --profile         also one `node --cpu-prof` run of the full synth and of the largest scale
//                     size; prints the functions with the most self time
//   --json FILE       also write the results as JSON
//   --keep            keep the scratch directory (printed at the end)
//   --node PATH       the node binary that runs synth (default: the one running the bench), to
//                     compare Node.js releases on one build; builds use the bench's own node,
//                     except under `npm run synth`, which runs wholly on PATH's first node (PATH)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatSummary, summarise } from './bench/cpu-profile.mjs';
import { ENVIRONMENTS, generateProject } from './bench/project.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '9' },
    'scale-runs': { type: 'string', default: '3' },
    sizes: { type: 'string', default: '10,100,1000' },
    only: { type: 'string', default: 'full,kustomize,scale' },
    tmp: { type: 'string' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    node: { type: 'string' },
  },
});
/** The node that runs synth; builds and helpers use the bench's own. */
const synthNode = opts.node ? resolve(opts.node) : process.execPath;
const runs = Math.max(1, Number(opts.runs));
const scaleRuns = Math.max(1, Number(opts['scale-runs']));
const sizes = opts.sizes.split(',').map(Number).filter((n) => n > 0);
const only = new Set(opts.only.split(','));
if (opts.tmp) mkdirSync(opts.tmp, { recursive: true });
const tmp = mkdtempSync(join(opts.tmp ? resolve(opts.tmp) : tmpdir(), 'cdk8s-bench-'));
const results = { date: new Date().toISOString(), command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`, machine: machine() };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x >= 10000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
const say = (line = '') => process.stdout.write(`${line}\n`);
const spread = (xs) => `median ${ms(median(xs))} (min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))})`;

/** GNU time reports a child's peak RSS without touching the child; without it a preload does. */
const gnuTime = existsSync('/usr/bin/time') && /^\d+$/.test(spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).stderr?.trim() ?? '') ? '/usr/bin/time' : undefined;
const rssPreload = pathToFileURL(join(root, 'scripts', 'bench', 'rss.mjs')).href;

/**
 * Runs one process to completion, wall time measured around it. stdout goes to a file or
 * nowhere. With `rss`, also its peak resident set size in KiB. `expect` is the exit code.
 */
function run(command, args, { cwd = root, stdoutFile, rss = false, expect = 0, env: baseEnv = process.env } = {}) {
  const rssFile = rss ? join(tmp, `rss-${process.pid}`) : undefined;
  const fd = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  let [file, argv, env] = [command, args, baseEnv];
  if (rssFile && gnuTime) [file, argv] = [gnuTime, ['-f', '%M', '-o', rssFile, command, ...args]];
  else if (rssFile) [argv, env] = [['--import', rssPreload, ...args], { ...baseEnv, BENCH_RSS_FILE: rssFile }];
  const started = process.hrtime.bigint();
  const child = spawnSync(file, argv, { cwd, env, stdio: ['ignore', fd, 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  if (typeof fd === 'number') closeSync(fd);
  if (child.error) throw child.error;
  if (child.status !== expect) throw new Error(`${command} ${args.join(' ')} exited ${child.status}:\n${child.stderr}`);
  let maxRssKiB;
  if (rssFile) {
    maxRssKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile);
  }
  return { ms: wall, maxRssKiB };
}

function machine() {
  const cpu = cpus();
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return {
    cpu: `${cpu[0]?.model ?? 'unknown'} x ${cpu.length}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: release(),
    node: synthNode === process.execPath ? process.version : `${spawnSync(synthNode, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${synthNode}) for synth, ${process.version} for builds`,
    kubectl: kubectl.status === 0 ? kubectl.stdout.trim().split('\n').join('; ') : 'not installed',
    tmp: opts.tmp ? resolve(opts.tmp) : tmpdir(),
    loadAverageAtStart: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

function countFiles(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}

function buildRepo() {
  const build = run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet', '--force']);
  const size = statSync(join(root, '.build', 'main.bundle.js')).size;
  say(`build: node scripts/build.mjs (esbuild) ${ms(build.ms)}, .build/main.bundle.js ${(size / 1024).toFixed(0)} KiB (not included in the synth times)`);
  results.build = { ms: build.ms, bundleBytes: size };
}

function profileRun(label, args, cwd) {
  const dir = join(tmp, `profile-${label}`);
  run(synthNode, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...args], { cwd });
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')));
  const summary = summarise(file, { top: 15, root: cwd });
  say(`  profile (node --cpu-prof, one run${opts.keep ? `; ${file}` : ''}):`);
  say(formatSummary(summary).replace(/^/gm, '  '));
  results.profiles ??= {};
  results.profiles[label] = summary;
}

function benchFull() {
  say();
  say(`full synth: node .build/main.js --quiet --out <empty dir>, ${runs} runs after 1 warm-up`);
  const out = (i) => join(tmp, `full-${i}`);
  run(synthNode, ['.build/main.js', '--quiet', '--out', out('warm')]);
  const files = countFiles(out('warm'));
  rmSync(out('warm'), { recursive: true, force: true });
  const samples = [];
  for (let i = 0; i < runs; i++) {
    samples.push(run(synthNode, ['.build/main.js', '--quiet', '--out', out(i)], { rss: true }));
    rmSync(out(i), { recursive: true, force: true });
  }
  const wall = samples.map((s) => s.ms);
  const rss = median(samples.map((s) => s.maxRssKiB));
  say(`  ${files} files: ${spread(wall)}, peak RSS ${mib(rss)}`);
  results.full = { files, medianMs: median(wall), samplesMs: wall, maxRssKiB: rss };
  if (opts.profile) profileRun('full', ['.build/main.js', '--quiet', '--out', out('profile')], root);
}

function benchKustomize() {
  say();
  const anchor = resolve(root, '..', 'shared', 'bench', 'kustomize-anchor');
  const overlaysDir = join(anchor, 'overlays');
  if (!existsSync(overlaysDir)) {
    say(`equal work vs kustomize: skipped, ${overlaysDir} does not exist`);
    results.kustomize = { skipped: `${overlaysDir} missing` };
    return;
  }
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) {
    say('equal work vs kustomize: skipped, kubectl is not installed');
    results.kustomize = { skipped: 'kubectl missing' };
    return;
  }
  // One kustomization per overlay directory (the anchor has overlays/{sandbox,staging,prod} over base/).
  const overlays = readdirSync(overlaysDir).filter((d) => existsSync(join(overlaysDir, d, 'kustomization.yaml'))).sort();
  const envs = 'cfp-sandbox,cfp-staging,cfp-prod';
  say(`equal work: node .build/main.js --quiet --app codeforphilly --env ${envs} (one process) against`);
  say(`  kubectl kustomize over ${overlays.length} overlays of ${anchor} (${overlays.join(', ')}; one process each, output to a file),`);
  say(`  ${runs} interleaved runs after 1 warm-up, alternating which goes first`);
  const synthArgs = (out) => ['.build/main.js', '--quiet', '--app', 'codeforphilly', '--env', envs, '--out', out];
  const current = join(tmp, 'cfp-current');
  const synthFresh = (i) => run(synthNode, synthArgs(join(tmp, `cfp-${i}`))).ms;
  const synthCurrent = () => run(synthNode, synthArgs(current)).ms;
  // NODE_EXTRA_CA_CERTS makes Node 20 read and parse that certificate file while it starts, before
  // any code of ours runs (about 30 ms here; Node 22 defers it). Synth opens no connection, so
  // where the machine sets it, synth is also timed without it (docs/performance.md).
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _unset, ...envWithoutCa } = process.env;
  const synthFreshWithoutCa = (i) => run(synthNode, synthArgs(join(tmp, `cfp-noca-${i}`)), { env: envWithoutCa }).ms;
  // What a user types: npm's own start, the build's up-to-date check (nothing changed), and synth.
  const npmEnv = { ...process.env, PATH: `${dirname(synthNode)}${delimiter}${process.env.PATH}` }; // npm and its scripts run on synthNode
  const npmRun = (i) => run('npm', ['run', '--silent', 'synth', '--', ...synthArgs(join(tmp, `cfp-npm-${i}`)).slice(1)], { env: npmEnv }).ms;
  const kustomize = (i) => overlays.reduce((total, overlay) => total + run('kubectl', ['kustomize', join(overlaysDir, overlay)], { stdoutFile: join(tmp, `kustomize-${i}-${overlay}.yaml`) }).ms, 0);
  synthFresh('warm');
  synthCurrent();
  npmRun('warm');
  kustomize('warm');
  if (extraCa) synthFreshWithoutCa('warm');
  const fresh = [];
  const upToDate = [];
  const viaNpm = [];
  const withoutCa = [];
  const kust = [];
  for (let i = 0; i < runs; i++) {
    const steps = [() => fresh.push(synthFresh(i)), () => kust.push(kustomize(i)), () => upToDate.push(synthCurrent()), () => viaNpm.push(npmRun(i))];
    if (extraCa) steps.push(() => withoutCa.push(synthFreshWithoutCa(i)));
    for (const step of i % 2 === 0 ? steps : steps.reverse()) step();
    for (const dir of [`cfp-${i}`, `cfp-npm-${i}`, `cfp-noca-${i}`]) rmSync(join(tmp, dir), { recursive: true, force: true });
  }
  const ratio = median(fresh) / median(kust);
  const pairRatio = median(fresh.map((x, i) => x / kust[i]));
  say(`  synth x3, empty output dir:      ${spread(fresh)}`);
  say(`  synth x3, output up to date:     ${spread(upToDate)} (reads and compares, writes nothing)`);
  say(`  npm run synth -- (same options): ${spread(viaNpm)} (npm's start, the build's up-to-date check, synth)`);
  say(`  kubectl kustomize x${overlays.length}:             ${spread(kust)}`);
  say(`  ratio synth/kustomize: ${ratio.toFixed(2)} (median of per-run ratios ${pairRatio.toFixed(2)}; up to date ${(median(upToDate) / median(kust)).toFixed(2)}; through npm ${(median(viaNpm) / median(kust)).toFixed(2)}); target <= 1.00: ${ratio <= 1 ? 'met' : 'NOT met'}`);
  if (extraCa) {
    const ratioWithoutCa = median(withoutCa) / median(kust);
    say(`  this machine sets NODE_EXTRA_CA_CERTS=${extraCa}; synth x3 without it: ${spread(withoutCa)}, ratio ${ratioWithoutCa.toFixed(2)} (median of per-run ratios ${median(withoutCa.map((x, i) => x / kust[i])).toFixed(2)}); target <= 1.00: ${ratioWithoutCa <= 1 ? 'met' : 'NOT met'}`);
    results.kustomize_without_extra_ca_certs = { synthMedianMs: median(withoutCa), ratio: ratioWithoutCa, synthSamplesMs: withoutCa };
  }
  results.kustomize = { overlays, synthMedianMs: median(fresh), synthUpToDateMedianMs: median(upToDate), npmRunMedianMs: median(viaNpm), kustomizeMedianMs: median(kust), ratio, pairRatio, synthSamplesMs: fresh, synthUpToDateSamplesMs: upToDate, npmRunSamplesMs: viaNpm, kustomizeSamplesMs: kust };
}

/** Creating `count` files in a fresh directory tree with plain Node, as a floor for the writes. */
function filesystemFloor(dir, count, dirs) {
  const script = `const fs=require('fs'),p=require('path');const [d,n,k]=process.argv.slice(1);const s='x'.repeat(1500);
for(let i=0;i<+n;i++){const sub=p.join(d,'d'+(i%+k));fs.mkdirSync(sub,{recursive:true});fs.writeFileSync(p.join(sub,'f'+i+'.yaml'),s);}`;
  const r = run(process.execPath, ['-e', script, dir, String(count), String(dirs)]);
  rmSync(dir, { recursive: true, force: true });
  return r.ms;
}

function benchScale() {
  say();
  say(`scale: synthetic projects (scripts/bench/project.mjs) over ${ENVIRONMENTS.length} environments, ${scaleRuns} runs per size and scenario after 1 warm-up:`);
  say('  fresh  = synth into an empty directory (every file created);');
  say('  update = synth into the previous output after one overlay value changed (one file rewritten);');
  say('  check  = synth --check against up-to-date output (what npm test runs);');
  say('  check, one thread = the same with --single-thread (no render worker; lib/core/render-worker.ts)');
  const rows = [];
  for (const size of sizes) {
    const dir = join(tmp, `scale-${size}`);
    const project = generateProject(root, dir, size);
    const build = run(process.execPath, [join(dir, 'scripts', 'build.mjs'), '--quiet'], { cwd: dir });
    const cli = join(dir, '.build', 'main.js');
    const current = join(dir, 'out-current');
    const synth = (out, ...extra) => run(synthNode, [cli, '--quiet', '--out', out, ...extra], { cwd: dir, rss: true });
    synth(current);
    const files = countFiles(current);
    // The value the update scenario flips: the replicas of the first app in the first environment.
    const overlayFile = join(dir, 'overlays', ENVIRONMENTS[0].name, 'web-0000.yaml');
    const flip = (i) => {
      const text = readFileSync(overlayFile, 'utf8');
      const flipped = text.replace(/^replicas: \d+$/m, `replicas: ${i % 2 === 0 ? 2 : 1}`);
      if (flipped === text) throw new Error(`${overlayFile}: no replicas value to change`);
      writeFileSync(overlayFile, flipped);
    };
    const fresh = [];
    const update = [];
    const check = [];
    const checkOneThread = [];
    for (let i = 0; i < scaleRuns; i++) {
      const out = join(dir, `out-${i}`);
      fresh.push(synth(out));
      rmSync(out, { recursive: true, force: true });
      flip(i);
      update.push(synth(current));
      check.push(synth(current, '--check'));
      checkOneThread.push(synth(current, '--check', '--single-thread'));
    }
    const floorMs = filesystemFloor(join(dir, 'floor'), files, project.pairs);
    const scenario = (samples) => ({ medianMs: median(samples.map((s) => s.ms)), samplesMs: samples.map((s) => s.ms), maxRssKiB: median(samples.map((s) => s.maxRssKiB)) });
    const row = { size, ...project, files, buildMs: build.ms, fresh: scenario(fresh), update: scenario(update), check: scenario(check), checkOneThread: scenario(checkOneThread), filesystemFloorMs: floorMs };
    rows.push(row);
    say(`  ${String(size).padStart(5)} pairs (${project.apps} apps, ${files} files; build ${ms(build.ms)}, not included):`);
    say(`        fresh  ${ms(row.fresh.medianMs).padStart(8)}  peak RSS ${mib(row.fresh.maxRssKiB)}  (creating ${files} files with plain writeFileSync alone: ${ms(floorMs)})`);
    say(`        update ${ms(row.update.medianMs).padStart(8)}  peak RSS ${mib(row.update.maxRssKiB)}`);
    say(`        check  ${ms(row.check.medianMs).padStart(8)}  peak RSS ${mib(row.check.maxRssKiB)}`);
    say(`        check, one thread ${ms(row.checkOneThread.medianMs).padStart(8)}  peak RSS ${mib(row.checkOneThread.maxRssKiB)}`);
    if (opts.profile && size === Math.max(...sizes)) profileRun(`scale-${size}`, [cli, '--quiet', '--out', join(dir, 'out-profile')], dir);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const growth = (k) => `${k} x${(b[k].medianMs / a[k].medianMs).toFixed(2)}`;
    b.growth = Object.fromEntries(['fresh', 'update', 'check'].map((k) => [k, b[k].medianMs / a[k].medianMs]));
    say(`  growth ${a.size} -> ${b.size} pairs (x${b.size / a.size}): time ${['fresh', 'update', 'check'].map(growth).join(', ')}; peak RSS (fresh) x${(b.fresh.maxRssKiB / a.fresh.maxRssKiB).toFixed(2)}`);
  }
  const [r100, r1000] = [rows.find((r) => r.size === 100), rows.find((r) => r.size === 1000)];
  if (r1000) {
    for (const k of ['fresh', 'update', 'check']) {
      const linear = r100 ? `, t(1000)/t(100) = ${(r1000[k].medianMs / r100[k].medianMs).toFixed(2)} (target <= 11: ${r1000[k].medianMs / r100[k].medianMs <= 11 ? 'met' : 'NOT met'})` : '';
      say(`  target 1000 pairs < 5 s, ${k}: ${r1000[k].medianMs < 5000 ? 'met' : 'NOT met'} (${ms(r1000[k].medianMs)})${linear}`);
    }
  }
  results.scale = rows;
}

function benchPlainCdk8s() {
  say();
  say('plain cdk8s for reference (scripts/bench/plain-cdk8s.mjs): N charts x 10 ConfigMaps in one App, App.synthYaml(), against one App per chart as lib/core/synth.ts does');
  const child = spawnSync(process.execPath, [join(root, 'scripts', 'bench', 'plain-cdk8s.mjs'), '100,200,400,800,1600'], { cwd: root, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  const rows = child.stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const [i, r] of rows.entries()) {
    const prev = rows[i - 1];
    const g = prev ? ` (x${(r.oneAppMs / prev.oneAppMs).toFixed(1)} / x${(r.appPerChartMs / prev.appPerChartMs).toFixed(1)} for x${r.charts / prev.charts} charts)` : '';
    say(`  ${String(r.charts).padStart(5)} charts: one App ${ms(r.oneAppMs).padStart(8)}, one App per chart ${ms(r.appPerChartMs).padStart(7)}${g}`);
  }
  results.plainCdk8s = rows;
}

try {
  say(`machine: ${Object.entries(results.machine).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  buildRepo();
  if (only.has('full')) benchFull();
  if (only.has('kustomize')) benchKustomize();
  if (only.has('scale')) benchScale();
  if (only.has('cdk8s')) benchPlainCdk8s();
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify(results, null, 2)}\n`);
} finally {
  if (opts.keep) say(`\nkept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
