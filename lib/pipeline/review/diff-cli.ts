import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { EXIT, parseCommandLine, type CliContext } from '../engine/cli';
import { formatProblems, internalErrorLines, UserError } from '../../core/errors';
import { readTree, type FileTree } from '../engine/output';
import { synthesize } from '../engine/synth';
import { readGitBase, RISK_ACCEPTED_TRAILER } from './git-base';
import { restartNotes, type RestartNote } from './restart-notes';
import { functionRiskId, renderServerOutcome, serverRiskId, type ServerUpgradeCheck } from './server-upgrade-check';
import { diffManifests, parseManifestTrees, refOfChange, RISK_CLASS, riskId, type FieldChange, type ManifestDiff, type ObjectChange, type ObjectRef, type Risk } from './manifest-diff';

/**
 * Exit codes of `npm run diff`. 0, 2 and 70 mean what they mean for synth; 3 is new and
 * distinct from synth's 1 (drift), so CI can tell "risky change to acknowledge" apart.
 */
export const DIFF_EXIT = { ok: 0, riskNotAccepted: 3, badInput: EXIT.badInput, internal: EXIT.internal } as const;

const HELP = `Usage: npm run diff -- [options]

Synthesizes in memory (nothing is written) and compares the result with dist/, object by object:
objects added, removed, moved between namespaces, and the fields that changed. Warns about
changes a sync cannot apply or that lose data: immutable fields, shrinking volumes, removed or
renamed PersistentVolumeClaims, StatefulSets, CNPG Clusters, ObjectStores and ScheduledBackups,
and namespace moves. Notes the workloads whose pods will not restart for a changed Secret or
ConfigMap they read. See docs/reviewing-changes.md.

Where the local control plane is built (\`npm run test:server\` builds it), a change is also sent
to a real kube-apiserver: the committed output applied, the new output dry-run over it; its
refusals are marked [kube-apiserver] and count as risks (docs/server-check.md). Where KWOK is
built too, each environment whose objects changed then goes through the function check: applied
for real with the controllers, scheduler and KWOK nodes running, every workload, Job, Service,
claim and disruption budget judged; what does not work is marked [function check].
SERVER_CHECK=off skips both, SERVER_CHECK=build builds the control plane first,
SERVER_CHECK_FUNCTION=off skips the function check.

Options:
  --env NAME      only this environment (repeat or comma-separate for several)
  --app NAME      only this app (repeat or comma-separate for several)
  --base REF      compare with the output directory as committed at the merge base of REF and
                  HEAD (e.g. origin/main), read from git; the ${RISK_ACCEPTED_TRAILER}: trailers
                  of the commits in REF..HEAD accept risks (CI: docs/reviewing-changes.md#in-ci)
  --accept ID     accept one risky change by the id its warning prints (repeat or comma-separate)
  --accept-risk   acknowledge every risky change: still print the warnings, but exit 0
  --out DIR       the output directory to compare with (default: dist)
  --change DIR    review another checkout's committed output directory (DIR/dist, e.g. a pull
                  request's) with this checkout's rules, instead of synthesizing this checkout;
                  with --base, the base and the trailers are read from DIR's git history. CI runs
                  the base branch's review this way, so a change to the rules cannot review itself
  --help          show this help

A change the API server or an operator's webhook refuses (an immutable field, a smaller volume,
a [kube-apiserver] refusal) fails the sync, and one the function check finds not working does
not work: neither can be accepted, only fixed. A change that
loses data or availability (a removal, a rename, a namespace move) can be accepted.

Exit codes: 0 no change, only safe changes, or every risk accepted (--accept, ${RISK_ACCEPTED_TRAILER}:,
or --accept-risk), 3 a risky change not accepted or one that fails the sync, 2 bad input (overlay, construct props, unreadable
dist/, a --base that is not a commit), 70 internal error. An acceptance that matches no risk is
reported as stale and does not change the exit code.`;

/** One acceptance of a risk, and where it came from (`--accept`, `commit 1a2b3c4`). */
interface Acceptance {
  readonly id: string;
  readonly from: string;
}

/**
 * Runs the diff CLI and returns its exit code; never throws. Writes nothing to disk. With
 * `serverCheck` (diff.ts passes the real one, docs/server-check.md), a change is also sent to a
 * local kube-apiserver as an upgrade from the committed output, and its refusals are risks.
 */
export function runDiffCli(argv: readonly string[], context: CliContext, serverCheck?: ServerUpgradeCheck): number {
  const out = context.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = context.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const paint = painter(context.color ?? (Boolean(process.stdout.isTTY) && !(context.env ?? process.env).NO_COLOR));
  try {
    const args = parseDiffArgs(argv);
    if (args.help) {
      out(HELP);
      return DIFF_EXIT.ok;
    }
    // --change DIR: the change is another checkout's committed output (a pull request's), reviewed
    // by this checkout's code (the base branch's), which the change cannot alter; else a fresh
    // synth of this checkout.
    const changeRoot = args.change === undefined ? undefined : resolve(context.root, args.change);
    const changed: { readonly files: FileTree; readonly display: string } = changeRoot
      ? { files: inScope(readChangeOutput(changeRoot, args.out, args.change!), args.env, args.app), display: `${args.change}/${args.out}` }
      : {
        files: synthesize({
          apps: context.apps,
          overlaysDir: join(context.root, 'overlays'),
          root: context.root,
          environments: args.env,
          appNames: args.app,
          // A narrowed run (--app) checks references against the other apps' committed output.
          outputDir: resolve(context.root, args.out),
        }).files,
        display: 'synth',
      };
    // The base and the trailers that accept risks are read from the change's repository.
    const base = args.base === undefined ? undefined : readGitBase(changeRoot ?? context.root, args.base, args.out);
    const display = base ? `${args.base}:${args.out}` : args.out;
    const committed = inScope(base ? base.tree : readTree(resolve(context.root, args.out)), args.env, args.app);
    const result = { files: changed.files };
    const parsed = parseManifestTrees(committed, result.files, { beforeDisplay: display, afterDisplay: changed.display });
    const diff = diffManifests(parsed.before, parsed.after);

    if (base) {
      const trailers = base.accepted.length;
      out(`Comparing with ${args.out}/ at ${base.commit.slice(0, 12)}, the merge base of ${args.base} and HEAD; ${base.commits} commit${base.commits === 1 ? '' : 's'} since, ${trailers} ${RISK_ACCEPTED_TRAILER} trailer${trailers === 1 ? '' : 's'}.`);
      out('');
    }
    for (const line of renderChanges(diff, display, paint)) out(line);
    const server = serverCheck && diff.changes.length > 0 ? serverCheck(committed, result.files, { before: display, after: changed.display }) : undefined;
    if (server) {
      out('');
      for (const line of renderServerOutcome(server, display)) out(line);
    }
    const notes = restartNotes(diff.changes, parsed.after);
    if (notes.length > 0) {
      out('');
      for (const line of renderRestartNotes(notes, paint)) out(line);
    }

    const acceptances: Acceptance[] = [...args.accept.map((id) => ({ id, from: '--accept' })), ...(base?.accepted.map((a) => ({ id: a.id, from: `commit ${a.commit}` })) ?? [])];
    const refused = server?.kind === 'checked' ? server.refused : [];
    const unhealthy = server?.kind === 'checked' ? server.unhealthy : [];
    const certain = [...refused.map((f) => serverRiskId(f)), ...unhealthy.map((f) => functionRiskId(f))];
    const ids = [...diff.risks.map((r) => riskId(r)), ...certain];
    // What the server or a webhook refuses fails the sync, and what the real controllers cannot
    // make work does not work, whatever a reviewer says: such a risk cannot be accepted, only
    // fixed (RISK_CLASS).
    const failing = [...diff.risks.filter((r) => RISK_CLASS[r.rule] === 'sync-fails').map((r) => riskId(r)), ...certain];
    const accepted = new Set(acceptances.map((a) => a.id).filter((id) => ids.includes(id) && !failing.includes(id)));
    if (diff.risks.length > 0) {
      out('');
      for (const line of renderRisks(diff.risks, paint, accepted)) out(line);
    }
    const stale = acceptances.filter((a) => !ids.includes(a.id));
    if (stale.length > 0) {
      out('');
      for (const line of renderStale(stale, ids, paint)) out(line);
    }
    if (ids.length === 0) return DIFF_EXIT.ok;

    const count = (n: number) => `${n} risky change${n === 1 ? '' : 's'}`;
    if (failing.length > 0) {
      const tried = acceptances.filter((a) => failing.includes(a.id));
      const [it, they] = failing.length === 1 ? ['it', 'it'] : ['them', 'they'];
      const why = [
        failing.length > unhealthy.length ? `the API server or an operator's webhook refuses ${it}` : undefined,
        unhealthy.length > 0 ? `the real controllers cannot make ${it} work` : undefined,
      ].filter((w) => w !== undefined).join(', or ');
      err(paint.red(`error: ${failing.length === 1 ? '1 change fails' : `${failing.length} changes fail`} (exit ${DIFF_EXIT.riskNotAccepted}): ${why}, so ${they} cannot be accepted, only fixed`));
      for (const id of failing) err(`    ${id}${tried.some((a) => a.id === id) ? ` (an acceptance names it: ${tried.filter((a) => a.id === id).map((a) => a.from).join(', ')}; it accepts nothing)` : ''}`);
      err('  fix: follow each warning\'s fix: line (a new name for an object whose immutable fields change, a larger volume instead of a smaller one)');
      return DIFF_EXIT.riskNotAccepted;
    }
    const open = ids.filter((id) => !accepted.has(id));
    if (open.length === 0) {
      out(paint.yellow(`${count(ids.length)} accepted by name: ${acceptances.filter((a) => accepted.has(a.id)).map((a) => `${a.id} (${a.from})`).join(', ')}.`));
      return DIFF_EXIT.ok;
    }
    if (args.acceptRisk) {
      out(paint.yellow(`${count(ids.length)} acknowledged with --accept-risk.`));
      return DIFF_EXIT.ok;
    }
    err(paint.red(`error: ${count(open.length)} not acknowledged (exit ${DIFF_EXIT.riskNotAccepted})`));
    err('  fix: change the code so the warnings go away, or, if the change is intended and its consequences handled, accept each risk by its id:');
    err(`  in a commit message of the change, one trailer per risk (CI reads them with --base; docs/reviewing-changes.md#in-ci)`);
    for (const id of open) err(`    ${RISK_ACCEPTED_TRAILER}: ${id}`);
    err(`  or locally: npm run diff -- ${open.map((id) => `--accept ${id}`).join(' ')}`);
    return DIFF_EXIT.riskNotAccepted;
  } catch (error) {
    if (error instanceof UserError) {
      err(paint.red(`error: ${error.problems.length === 1 ? 'bad input' : `${error.problems.length} problems in the input`}; nothing was compared`));
      err(formatProblems(error.problems));
      return DIFF_EXIT.badInput;
    }
    const [headline, ...rest] = internalErrorLines(error);
    err(paint.red(headline));
    for (const line of rest) err(line);
    return DIFF_EXIT.internal;
  }
}

/**
 * The change listing, grouped by `<environment>/<app>`, then a one-line summary:
 *
 *     cfp-sandbox/codeforphilly
 *       ~ Deployment codeforphilly-sandbox/codeforphilly
 *           spec.template.spec.containers[name=web].image: "…:sandbox" → "…:sandbox-2"
 *       + ConfigMap codeforphilly-sandbox/extra
 */
export function renderChanges(diff: ManifestDiff, display: string, paint: Painter = painter(false)): string[] {
  if (diff.changes.length === 0) return [`No changes: ${display}/ matches a fresh synth.`];
  const lines: string[] = [];
  let group = '';
  for (const change of diff.changes) {
    const ref = refOfChange(change);
    const heading = ref.app ? `${ref.environment}/${ref.app}` : ref.environment || '(top level)';
    if (heading !== group) {
      if (group) lines.push('');
      lines.push(paint.bold(heading));
      group = heading;
    }
    lines.push(...renderChange(change, paint));
  }
  const count = (type: ObjectChange['type']) => diff.changes.filter((c) => c.type === type).length;
  const environments = [...new Set(diff.changes.map((c) => refOfChange(c).environment))];
  lines.push('');
  lines.push(`${diff.changes.length} object${diff.changes.length === 1 ? ' differs' : 's differ'} from ${display}/ in ${environments.join(', ')}: ${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${count('moved')} moved.`);
  return lines;
}

/** The warnings, one block per risk, in the shape of the synth errors (`fix:` lines), each with the id that accepts it. */
export function renderRisks(risks: readonly Risk[], paint: Painter = painter(false), accepted: ReadonlySet<string> = new Set()): string[] {
  const lines = [paint.red(`warning: ${risks.length} risky change${risks.length === 1 ? '' : 's'}: a sync cannot apply ${risks.length === 1 ? 'it' : 'them'}, or ${risks.length === 1 ? 'it loses' : 'they lose'} data`)];
  for (const risk of risks) {
    const id = riskId(risk);
    const failing = RISK_CLASS[risk.rule] === 'sync-fails';
    lines.push(`${paint.red('!')} ${location(risk.object)} ${describe(risk.object)} [${risk.rule}]${failing ? ' (fails the sync: fix it)' : accepted.has(id) ? ' (accepted)' : ''}`);
    lines.push(`    ${risk.message}`);
    // The other rules name their values in the message already.
    if (risk.rule === 'immutable-field') for (const field of risk.fields) lines.push(`      ${formatField(field)}`);
    lines.push(`    fix: ${risk.hint}`);
    lines.push(`    see: ${risk.source}`);
    if (!failing) lines.push(`    id: ${id}`);
  }
  return lines;
}

/**
 * The workloads whose pods keep running on the old content of a Secret or ConfigMap that the
 * change rewrites: a note, not a risk (the sync succeeds), with the command that rolls them.
 */
export function renderRestartNotes(notes: readonly RestartNote[], paint: Painter = painter(false)): string[] {
  const workloads = new Set(notes.map((n) => n.workload)).size;
  const lines = [paint.yellow(`note: ${workloads} workload${workloads === 1 ? '' : 's'} will not restart for a changed Secret or ConfigMap ${workloads === 1 ? 'it reads' : 'they read'}`)];
  for (const note of notes) {
    const target = `${note.reads.kind} ${note.reads.namespace}/${note.reads.name}`;
    const via = note.source.kind === note.reads.kind ? '' : ` (through ${describe(note.source)})`;
    lines.push(`${paint.yellow('~')} ${location(note.workload)} ${target} changed${via}: ${note.fields.map((f) => f.path).join(', ')}`);
    lines.push(`    pods of ${describe(note.workload)} read it as ${note.how.join(' and ')}; its pod template does not change, so they will not restart until rolled`);
    if (note.how.includes('environment variables')) lines.push('    environment variables are read once, when a container starts: running containers keep the old values');
    if (note.how.includes('mounted files')) lines.push('    mounted files are updated in place (not those under subPath), but a process that read them at start keeps the old values');
    lines.push(`    fix: after the sync${note.writtenBy ? `, once ${note.writtenBy} has updated the Secret` : ''}: ${note.command}`);
  }
  return lines;
}

/** Acceptances that match no risk of this diff: a risk that went away, or a misspelt id. */
function renderStale(stale: readonly Acceptance[], ids: readonly string[], paint: Painter): string[] {
  const lines = [paint.yellow(`note: ${stale.length} acceptance${stale.length === 1 ? ' matches' : 's match'} no risky change of this diff (stale, or misspelt); ${stale.length === 1 ? 'it accepts' : 'they accept'} nothing`)];
  for (const a of stale) lines.push(`  ${a.id} (${a.from})${ids.length > 0 ? `; did you mean ${closest(a.id, [...ids])}?` : ''}`);
  return lines;
}

function renderChange(change: ObjectChange, paint: Painter): string[] {
  switch (change.type) {
    case 'added':
      return [paint.green(`  + ${describe(change.after)}`)];
    case 'removed':
      return [paint.red(`  - ${describe(change.before)}`)];
    case 'moved':
      return [
        paint.yellow(`  > ${change.after.kind} ${change.after.name}: namespace ${change.before.namespace} → ${change.after.namespace}`),
        ...change.fields.map((f) => `      ${formatField(f)}`),
      ];
    case 'changed': {
      const lines = [paint.yellow(`  ~ ${describe(change.after)}`)];
      if (change.before.app !== change.after.app) lines.push(`      (was generated by app ${change.before.app || '(none)'}: ${change.before.file})`);
      return [...lines, ...change.fields.map((f) => `      ${formatField(f)}`)];
    }
  }
}

/** `Deployment codeforphilly-sandbox/codeforphilly`, or `Namespace codeforphilly-sandbox`. */
function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace === undefined ? '' : `${ref.namespace}/`}${ref.name}`;
}

function location(ref: ObjectRef): string {
  return ref.app ? `${ref.environment}/${ref.app}` : ref.environment;
}

/** `path: before → after`, values as JSON; `(absent)` for a missing side; long values shortened. */
function formatField(field: FieldChange): string {
  return `${field.path}: ${formatValue(field.before)} → ${formatValue(field.after)}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  const limit = 160;
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length} characters)`;
}

/** Keeps the committed files a narrowed run covers, so other environments and apps are not reported removed. */
function inScope(tree: FileTree, environments?: readonly string[], apps?: readonly string[]): FileTree {
  // By directory, not by the apps the run synthesized: an app whose overlay was deleted is in
  // scope of `--app <it>`, and its objects are reported removed.
  return new Map([...tree].filter(([path]) => {
    const [environment, app] = path.split('/');
    return (!environments || environments.includes(environment)) && (!apps || apps.includes(app));
  }));
}

interface DiffArgs {
  readonly change?: string;
  readonly env?: string[];
  readonly app?: string[];
  readonly base?: string;
  readonly accept: string[];
  readonly acceptRisk: boolean;
  readonly help: boolean;
  readonly out: string;
}

function parseDiffArgs(argv: readonly string[]): DiffArgs {
  const parsed = parseCommandLine(argv, {
    'accept-risk': { type: 'boolean', default: false },
    accept: { type: 'string', multiple: true },
    base: { type: 'string' },
    out: { type: 'string', default: 'dist' },
    change: { type: 'string' },
  }, 'npm run diff -- --help');
  return {
    env: parsed.env,
    app: parsed.app,
    base: parsed.text('base'),
    accept: parsed.list('accept'),
    acceptRisk: parsed.flag('accept-risk'),
    help: parsed.help,
    out: (parsed.text('out') ?? 'dist').replace(/\/+$/, ''),
    change: parsed.text('change')?.replace(/\/+$/, ''),
  };
}

/** The committed output of the checkout at `root` (`--change`): a UserError when there is none. */
function readChangeOutput(root: string, out: string, display: string): FileTree {
  if (!existsSync(join(root, out))) {
    throw new UserError({ where: 'command line --change', message: `${display}/${out} does not exist: --change names a checkout of the change, whose committed ${out}/ is reviewed`, hint: 'check the change out there first (in CI: actions/checkout with path: change)' });
  }
  return readTree(join(root, out));
}

/** ANSI colours, or none: colour only when writing to a terminal. */
export interface Painter {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly bold: (text: string) => string;
}

function painter(color: boolean): Painter {
  const wrap = (open: number, close: number) => (text: string) => (color ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), bold: wrap(1, 22) };
}
