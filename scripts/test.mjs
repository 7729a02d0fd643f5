#!/usr/bin/env node
// `npm test`, the fast tier, in two phases (issue 33: a fresh clone's `npm test` within 45 s, a
// warm one within 30 s, on 2 cores; docs/performance.md, "npm test"):
//
//   1. at once, each its own process: the type-check (`npm run typecheck`), the lint
//      (`npm run lint`) and the drift check (`npm run check`: dist/ matches a fresh synth).
//      None reads what another writes. The check goes first because it also compiles the apps'
//      overlay validators (.build/overlay-validators), which every unit suite then loads instead
//      of compiling them with ajv (test/jest-setup.ts): in a fresh clone that saves the unit tier
//      several seconds of CPU.
//   2. the unit tests (`jest --selectProjects unit`), with the cores to themselves. Arguments
//      after `npm test --` go to jest, e.g. `npm test -- test/gateway`.
//
// A phase-1 step's output is printed when it ends, whole, under its name, so three outputs never
// interleave. If one fails, its output is printed, the unit tests are not run, and the exit
// status is 1, as `a && b && c` did before.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs `command`, collecting its output; resolves with its exit status, output and wall time. */
function collect(name, command, args) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', (error) => resolve({ name, status: 1, output: `${error.message}\n`, seconds: 0 }));
    child.on('close', (code, signal) => resolve({
      name, status: code ?? 1, output: Buffer.concat(chunks).toString() + (signal ? `(ended by ${signal})\n` : ''),
      seconds: (performance.now() - started) / 1000,
    }));
  });
}

const phase1 = await Promise.all([
  collect('type-check', npm, ['run', '-s', 'typecheck']),
  collect('lint', npm, ['run', '-s', 'lint']),
  collect('drift check', npm, ['run', '-s', 'check']),
]);
for (const step of phase1) {
  const output = step.output.trimEnd();
  console.log(`${step.status === 0 ? 'ok' : 'FAILED'}: ${step.name} (${step.seconds.toFixed(1)} s)${output ? `\n${output}` : ''}`);
}
const failed = phase1.filter((s) => s.status !== 0);
if (failed.length > 0) {
  console.error(`\nnpm test: ${failed.map((s) => s.name).join(', ')} failed (output above); the unit tests were not run.`);
  process.exit(1);
}

const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const unit = spawn(process.execPath, [jest, '--selectProjects', 'unit', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
unit.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
