import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileTree } from '../engine/output';

/** One object kube-apiserver refused, as scripts/server-check/upgrade.mjs reports it. */
export interface ServerFinding {
  /** The environment the object is in. */
  readonly environment: string;
  /** Its file, relative to dist/. */
  readonly file: string;
  /** `Deployment codeforphilly-prod/codeforphilly`. */
  readonly object: string;
  /** True when the object existed in the base: an update, where immutable fields apply. */
  readonly update: boolean;
  /** The HTTP status of the refusal, e.g. 422. */
  readonly status: number;
  /** The server's own message. */
  readonly message: string;
}

/**
 * An object the function check found not working in an environment the change touches: refused
 * when applied for real, or not healthy once the controllers acted on it (a Deployment short of
 * its ready replicas, a Job not complete, a Service without ready endpoints, a claim not Bound, a
 * disruption budget that blocks every disruption). scripts/server-check/function.mjs judges it.
 */
export interface FunctionFinding {
  /** The environment the object is in. */
  readonly environment: string;
  /** Its file, relative to dist/. */
  readonly file: string;
  /** `Deployment codeforphilly-prod/codeforphilly`. */
  readonly object: string;
  /** What the controllers made of it: `0/2 ready`, `Pending`, `refused when applied for real`. */
  readonly summary: string;
  /** Why, in the controllers' (or the server's) own words. */
  readonly reason: string;
}

/** What the real server said about an upgrade, or why it could not be asked. */
export type ServerCheckOutcome = ServerChecked | ServerUnavailable;

/** The server was asked. */
export interface ServerChecked {
  /** Discriminator. */
  readonly kind: 'checked';
  /** The new revision's objects it refused. */
  readonly refused: readonly ServerFinding[];
  /** The base revision's objects it refused when they were applied. */
  readonly baseRefused: readonly ServerFinding[];
  /** How many objects were checked. */
  readonly objects: number;
  /** The function check of the changed environments: what does not work (empty when all does). */
  readonly unhealthy: readonly FunctionFinding[];
  /** The function check's summary line per environment, or why it did not run. */
  readonly functional: FunctionCheckRan | FunctionCheckSkipped;
}

/** The function check ran on the environments whose objects changed. */
export interface FunctionCheckRan {
  /** One line per environment: `cfp-sandbox: 5 of 5 healthy in 41 s`. */
  readonly ran: readonly string[];
}

/** The function check did not run. */
export interface FunctionCheckSkipped {
  /** Why: `SERVER_CHECK_FUNCTION=off`, or KWOK is not built here. */
  readonly skipped: string;
}

/** The server could not be asked (not built, turned off). */
export interface ServerUnavailable {
  /** Discriminator. */
  readonly kind: 'unavailable';
  /** Why, for the report. */
  readonly reason: string;
}

/** Asks the real server about an upgrade from `before` to `after` (both laid out like dist/). */
export type ServerUpgradeCheck = (before: FileTree, after: FileTree, labels: { readonly before: string; readonly after: string }) => ServerCheckOutcome;

/** Starting kube-apiserver, installing the CRDs and applying two revisions: generous for a busy machine. */
const TIMEOUT_MS = 15 * 60 * 1000;

/**
 * The server check of docs/server-check.md as `npm run diff` uses it: the committed output is
 * applied for real to a local kube-apiserver, the fresh synth sent over it with dryRun=All. Runs
 * only where the control plane is already built (`npm run test:server` builds it) unless
 * `SERVER_CHECK=build`; `SERVER_CHECK=off` skips it. The function check of each environment the
 * change touches runs after it where KWOK is built too (`SERVER_CHECK_FUNCTION=off` skips it). A
 * separate process: the control plane and its client are scripts of this repository, not part of
 * the library.
 */
export function serverUpgradeCheck(root: string, env: NodeJS.ProcessEnv = process.env): ServerUpgradeCheck {
  return (before, after, labels) => {
    if (env.SERVER_CHECK === 'off') return { kind: 'unavailable', reason: 'SERVER_CHECK=off' };
    const script = join(root, 'scripts', 'server-check', 'upgrade.mjs');
    if (!existsSync(script)) return { kind: 'unavailable', reason: `${script} not found` };
    const work = mkdtempSync(join(tmpdir(), 'diff-server-check-'));
    try {
      writeTree(join(work, 'before'), before);
      writeTree(join(work, 'after'), after);
      const run = spawnSync(process.execPath, [
        script, '--json', '--before', join(work, 'before'), '--after', join(work, 'after'), '--before-label', labels.before, '--after-label', labels.after,
        ...(env.SERVER_CHECK === 'build' ? ['--build'] : []),
        ...(env.SERVER_CHECK_FUNCTION === 'off' ? [] : ['--function']),
      ], { cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20, env });
      const report = parseReport(run.stdout);
      if (report && 'unavailable' in report) return { kind: 'unavailable', reason: String(report.unavailable) };
      if (!report || !('refused' in report)) {
        const why = run.error?.message ?? (report && 'error' in report ? String(report.error) : run.stderr.trim().split('\n').slice(-3).join(' '));
        throw new Error(`the server check failed (${run.signal ?? `exit ${run.status}`}): ${why}`);
      }
      return { kind: 'checked', refused: report.refused, baseRefused: report.baseRefused, objects: report.environments.reduce((n, e) => n + e.objects, 0), ...functional(report.function, env) };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}

interface Report {
  readonly refused: ServerFinding[];
  readonly baseRefused: ServerFinding[];
  readonly environments: { readonly objects: number }[];
  /** Present with --function: the changed environments' verdicts, or why there were none. */
  readonly function?: { readonly unavailable: string } | { readonly environments: readonly FunctionReport[] };
}

/** One environment's function check as upgrade.mjs reports it. */
interface FunctionReport {
  readonly environment: string;
  readonly judged: number;
  readonly healthy: number;
  readonly seconds: number;
  readonly failing: readonly FunctionFinding[];
}

function functional(report: Report['function'], env: NodeJS.ProcessEnv): Pick<ServerChecked, 'unhealthy' | 'functional'> {
  if (env.SERVER_CHECK_FUNCTION === 'off') return { unhealthy: [], functional: { skipped: 'SERVER_CHECK_FUNCTION=off' } };
  if (!report) return { unhealthy: [], functional: { skipped: 'the server check did not report it' } };
  if ('unavailable' in report) return { unhealthy: [], functional: { skipped: report.unavailable } };
  return {
    unhealthy: report.environments.flatMap((e) => e.failing),
    functional: { ran: report.environments.map((e) => `${e.environment}: ${e.healthy} of ${e.judged} healthy in ${e.seconds} s`) },
  };
}

function parseReport(stdout: string): Report | { unavailable: unknown } | { error: unknown } | undefined {
  const last = stdout.trim().split('\n').pop();
  if (!last) return undefined;
  try {
    return JSON.parse(last) as Report | { unavailable: unknown } | { error: unknown };
  } catch {
    return undefined;
  }
}

function writeTree(dir: string, tree: FileTree): void {
  for (const [path, content] of tree) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** The lines `npm run diff` prints for the server's findings, each marked as the real server's. */
export function renderServerOutcome(outcome: ServerCheckOutcome, display: string): string[] {
  if (outcome.kind === 'unavailable') return [`kube-apiserver check skipped: ${outcome.reason}`];
  const lines: string[] = [];
  if (outcome.refused.length === 0) {
    lines.push(`kube-apiserver (real server): all ${outcome.objects} objects accepted as an upgrade from ${display}/ (applied for real, then the new output with dryRun=All).`);
  } else {
    lines.push(`kube-apiserver (real server) refused ${outcome.refused.length} object${outcome.refused.length === 1 ? '' : 's'} as an upgrade from ${display}/:`);
    for (const f of outcome.refused) {
      // The server refuses it, so the sync fails: a refusal cannot be accepted, only fixed.
      lines.push(`! ${f.file} ${f.object}${f.update ? ' (update)' : ''} [kube-apiserver, HTTP ${f.status}] (fails the sync: fix it)`);
      for (const line of f.message.split('\n')) lines.push(`    ${line}`);
    }
  }
  for (const f of outcome.baseRefused) lines.push(`  note: ${display}/ itself was refused: ${f.file} ${f.object}: ${f.message}`);
  if ('skipped' in outcome.functional) {
    lines.push(`function check skipped: ${outcome.functional.skipped}`);
    return lines;
  }
  if (outcome.functional.ran.length === 0) lines.push('function check: no environment\'s objects changed.');
  for (const line of outcome.functional.ran) lines.push(`function check (real controllers, KWOK nodes) ${line}`);
  for (const f of outcome.unhealthy) {
    // The controllers could not make it work: the sync may succeed, but the system does not.
    lines.push(`! ${f.file} ${f.object}: ${f.summary} [function check] (does not work: fix it)`);
    if (f.reason) lines.push(`    ${f.reason}`);
  }
  return lines;
}

/** The id of what the function check found not working: `function:<environment>/<Kind>/<namespace>/<name>`. */
export function functionRiskId(finding: FunctionFinding): string {
  return `function:${finding.environment}/${finding.object.replace(' ', '/')}`;
}

/** The id of a refusal of the real server, as the diff lists it: `kube-apiserver:<environment>/<Kind>/<namespace>/<name>`. */
export function serverRiskId(finding: ServerFinding): string {
  return `kube-apiserver:${finding.environment}/${finding.object.replace(' ', '/')}`;
}
