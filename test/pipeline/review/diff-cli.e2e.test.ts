import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../../apps';
import { EXIT, runCli } from '../../../lib/pipeline/engine/cli';
import { readTree } from '../../../lib/pipeline/engine/output';
import { DIFF_EXIT, runDiffCli } from '../../../lib/pipeline/review/diff-cli';
import type { ServerCheckOutcome, ServerUpgradeCheck } from '../../../lib/pipeline/review/server-upgrade-check';
import { scratchProject, scratchRoot } from '../../helpers';

function diff(root: string, ...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runDiffCli(argv, { root, apps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** Rewrites one line of the sandbox overlay, the way a developer would edit it. */
function editSandboxOverlay(root: string, from: RegExp, to: string): void {
  const file = join(root, 'overlays/cfp-sandbox/codeforphilly.yaml');
  const text = readFileSync(file, 'utf8');
  if (!from.test(text)) throw new Error(`overlay has no line matching ${from}`);
  writeFileSync(file, text.replace(from, to));
}

/** A new sandbox image, as a developer bumps it once the publisher has pushed the tag (publishedImages in environment.yaml). */
function newSandboxImage(root: string, tag: string): void {
  const environment = join(root, 'overlays/cfp-sandbox/environment.yaml');
  writeFileSync(environment, readFileSync(environment, 'utf8').replace('tags: [sandbox]', `tags: [sandbox, ${tag}]`));
  editSandboxOverlay(root, /^image: .*$/m, `image: ghcr.io/codeforphilly/codeforphilly-ng:${tag}`);
}


// The time budget of each test here: a copy of the project and one or more in-process synths,
// which a loaded machine stretches well past jest's 5 s default.
jest.setTimeout(120_000);
describe('npm run diff', () => {
  let synthesized: string;
  let root: string;
  beforeAll(() => {
    // A dist/ that matches the code, whatever state the working tree's dist/ is in; each test edits a copy.
    synthesized = scratchRoot({ dist: false });
    expect(runCli(['--quiet'], { root: synthesized, apps, stdout: () => undefined, stderr: () => undefined, env: {}, color: false })).toBe(EXIT.ok);
  });
  afterAll(() => rmSync(synthesized, { recursive: true, force: true }));
  beforeEach(() => {
    root = scratchRoot({ from: synthesized });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('no change: exit 0, says so', () => {
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.ok);
    expect(result.stdout).toBe('No changes: dist/ matches a fresh synth.');
  });

  test('an image tag change is listed by field and needs no flag; dist/ is not written', () => {
    const before = readTree(join(root, 'dist'));
    newSandboxImage(root, 'sandbox-2');
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.ok);
    expect(result.stdout).toContain([
      'cfp-sandbox/codeforphilly',
      '  ~ Deployment codeforphilly-rewrite-sandbox/codeforphilly',
      '      spec.template.spec.containers[name=web].image: "ghcr.io/codeforphilly/codeforphilly-ng:sandbox" → "ghcr.io/codeforphilly/codeforphilly-ng:sandbox-2"',
    ].join('\n'));
    expect(result.stdout).toMatch(/^1 object differs from dist\/ in cfp-sandbox: 1 changed, 0 added, 0 removed, 0 moved\.$/m);
    expect(result.stdout).not.toMatch(/warning/);
    expect(result.stderr).toBe('');
    expect(readTree(join(root, 'dist'))).toEqual(before);
  });

  test('a shrinking volume fails the sync: exit 3, and neither --accept-risk nor its id passes it', () => {
    const id = 'volume-shrink:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/codeforphilly-data';
    editSandboxOverlay(root, /^ {2}data: 10Gi$/m, '  data: 8Gi');
    const refused = diff(root);
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('warning: 1 risky change: a sync cannot apply it, or it loses data');
    expect(refused.stdout).toContain('! cfp-sandbox/codeforphilly PersistentVolumeClaim codeforphilly-rewrite-sandbox/codeforphilly-data [volume-shrink] (fails the sync: fix it)');
    expect(refused.stdout).toContain('spec.resources.requests.storage shrinks from 10Gi to 8Gi: Kubernetes refuses to shrink a claim, so the sync fails');
    expect(refused.stderr).toMatch(/^error: 1 change fails \(exit 3\): the API server or an operator's webhook refuses it, so it cannot be accepted, only fixed/);
    // No trailer is offered for it: there is nothing to accept.
    expect(refused.stderr).not.toContain('Risk-Accepted:');

    for (const flags of [['--accept-risk'], ['--accept', id]]) {
      const attempt = diff(root, ...flags);
      expect(attempt.code).toBe(DIFF_EXIT.riskNotAccepted);
      expect(attempt.stdout).not.toContain('(accepted)');
      expect(attempt.stderr).toContain(`    ${id}`);
    }
    expect(diff(root, '--accept', id).stderr).toContain(`${id} (an acceptance names it: --accept; it accepts nothing)`);

    // Its corrected twin, a larger volume, is no risk at all.
    editSandboxOverlay(root, /^ {2}data: 8Gi$/m, '  data: 12Gi');
    expect(diff(root).code).toBe(DIFF_EXIT.ok);
  });

  /** Leaves an extra claim in the scratch dist/ that synth no longer writes: its removal loses data. */
  function strandClaim(name: string): string {
    const file = join(root, 'dist/cfp-sandbox/codeforphilly', `persistentvolumeclaim-${name}.yaml`);
    writeFileSync(file, readFileSync(join(root, 'dist/cfp-sandbox/codeforphilly/persistentvolumeclaim-codeforphilly-private.yaml'), 'utf8').replace('name: codeforphilly-private', `name: ${name}`));
    return `stateful-removal:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/${name}`;
  }

  test('a removal that loses data exits 3 with the warning; --accept-risk exits 0 and still warns', () => {
    strandClaim('codeforphilly-old');
    const refused = diff(root);
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(refused.stdout).toContain('! cfp-sandbox/codeforphilly PersistentVolumeClaim codeforphilly-rewrite-sandbox/codeforphilly-old [stateful-removal]');
    expect(refused.stderr).toMatch(/^error: 1 risky change not acknowledged \(exit 3\)/);

    const accepted = diff(root, '--accept-risk');
    expect(accepted.code).toBe(DIFF_EXIT.ok);
    expect(accepted.stdout).toContain('[stateful-removal]');
    expect(accepted.stdout).toContain('1 risky change acknowledged with --accept-risk.');
    expect(accepted.stderr).toBe('');
  });

  test('a risk is accepted by its id alone: another object\'s id accepts nothing and is reported stale', () => {
    const id = strandClaim('codeforphilly-old');
    const refused = diff(root);
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(refused.stdout).toContain(`    id: ${id}`);
    expect(refused.stderr).toContain(`    Risk-Accepted: ${id}`);
    expect(refused.stderr).toContain(`  or locally: npm run diff -- --accept ${id}`);

    const accepted = diff(root, '--accept', id);
    expect(accepted.code).toBe(DIFF_EXIT.ok);
    expect(accepted.stdout).toContain('[stateful-removal] (accepted)');
    expect(accepted.stdout).toContain(`1 risky change accepted by name: ${id} (--accept).`);
    expect(accepted.stdout).not.toContain('stale');

    const other = 'stateful-removal:cfp-sandbox/PersistentVolumeClaim/codeforphilly-rewrite-sandbox/codeforphilly-older';
    const wrong = diff(root, '--accept', other);
    expect(wrong.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(wrong.stdout).toContain('note: 1 acceptance matches no risky change of this diff (stale, or misspelt); it accepts nothing');
    expect(wrong.stdout).toContain(`  ${other} (--accept); did you mean ${id}?`);
  });

  test('a re-sealed Secret that a Deployment reads through envFrom: the diff says its pods will not restart, and how to roll them', () => {
    editSandboxOverlay(root, /^( {4}CFP_JWT_SIGNING_KEY: )AgCn/m, '$1AgCo');
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.ok);
    expect(result.stdout).toContain([
      'note: 1 workload will not restart for a changed Secret or ConfigMap it reads',
      '~ cfp-sandbox/codeforphilly Secret codeforphilly-rewrite-sandbox/codeforphilly-secrets changed (through SealedSecret codeforphilly-rewrite-sandbox/codeforphilly-secrets): spec.encryptedData.CFP_JWT_SIGNING_KEY',
      '    pods of Deployment codeforphilly-rewrite-sandbox/codeforphilly read it as environment variables; its pod template does not change, so they will not restart until rolled',
      '    environment variables are read once, when a container starts: running containers keep the old values',
      '    fix: after the sync, once the sealed-secrets controller has updated the Secret: kubectl rollout restart deployment/codeforphilly -n codeforphilly-rewrite-sandbox',
    ].join('\n'));
  });

  test('a changed env ConfigMap of WebService needs no note: its checksum on the pod template rolls the pods', () => {
    editSandboxOverlay(root, /^dataBranch: fixture$/m, 'dataBranch: fixture-2');
    const result = diff(root);
    expect(result.stdout).toMatch(/~ ConfigMap codeforphilly-rewrite-sandbox\/codeforphilly-env/);
    expect(result.stdout).toMatch(/spec\.template\.metadata\.annotations\["platform\.internal\/config-checksum"\]/);
    expect(result.stdout).not.toContain('will not restart');
  });

  test('a namespace change is reported as moves of every object, and the Namespace as a likely rename', () => {
    editSandboxOverlay(root, /^namespace: codeforphilly-rewrite-sandbox$/m, 'namespace: cfp-sandbox');
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(result.stdout).toContain('  > PersistentVolumeClaim codeforphilly-data: namespace codeforphilly-rewrite-sandbox → cfp-sandbox');
    expect(result.stdout).not.toMatch(/^ {2}- PersistentVolumeClaim/m);
    expect(result.stdout).toContain('PersistentVolumeClaim codeforphilly-rewrite-sandbox/codeforphilly-data [namespace-move]');
    expect(result.stdout).toContain('Namespace codeforphilly-rewrite-sandbox [likely-rename]');
  });

  test('--env narrows both sides: other environments are neither synthesized nor reported removed', () => {
    newSandboxImage(root, 'sandbox-2');
    expect(diff(root, '--env', 'cfp-prod').stdout).toBe('No changes: dist/ matches a fresh synth.');
    expect(diff(root, '--env', 'cfp-sandbox', '--app', 'codeforphilly').stdout).toMatch(/1 object differs from dist\/ in cfp-sandbox/);
  });

  test('bad input: exit 2 with the same problem format as synth, no stack trace', () => {
    editSandboxOverlay(root, /^pushTimeoutSeconds: .*$/m, 'pushTimeoutSeconds: soon');
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.badInput);
    expect(result.stderr).toMatch(/^error: bad input; nothing was compared\noverlays\/cfp-sandbox\/codeforphilly.yaml:\d+:\d+ pushTimeoutSeconds: /);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('a hand-broken dist/ file is bad input naming the file', () => {
    writeFileSync(join(root, 'dist/cfp-sandbox/codeforphilly/service-codeforphilly.yaml'), 'kind: [oops\n');
    const result = diff(root);
    expect(result.code).toBe(DIFF_EXIT.badInput);
    expect(result.stderr).toMatch(/dist\/cfp-sandbox\/codeforphilly\/service-codeforphilly.yaml(:\d+)?: is not valid YAML/);
  });

  test('--help prints usage with the exit codes; unknown options are bad input; colour only when asked', () => {
    const help = diff(root, '--help');
    expect(help.code).toBe(DIFF_EXIT.ok);
    expect(help.stdout).toMatch(/^Usage: npm run diff/);
    expect(help.stdout).toMatch(/3 a risky change not accepted/);
    const bad = diff(root, '--acept-risk');
    expect(bad.code).toBe(DIFF_EXIT.badInput);
    expect(bad.stderr).toMatch(/command line: Unknown option '--acept-risk'/);

    editSandboxOverlay(root, /^ {2}data: 10Gi$/m, '  data: 8Gi');
    expect(diff(root).stdout).not.toContain('\u001b[');
    const stdout: string[] = [];
    runDiffCli([], { root, apps, stdout: (l) => stdout.push(l), stderr: () => undefined, env: {}, color: true });
    expect(stdout.join('\n')).toContain('\u001b[31m');
  });
});

describe('npm run diff with the real server (docs/server-check.md)', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
    expect(runCli(['--quiet'], { root, apps, stdout: () => undefined, stderr: () => undefined, env: {}, color: false })).toBe(EXIT.ok);
    newSandboxImage(root, 'sandbox-2');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function diffWithServer(outcome: ServerCheckOutcome, ...argv: string[]) {
    const stdout: string[] = [];
    const calls: { before: string[]; after: string[] }[] = [];
    const check: ServerUpgradeCheck = (before, after) => {
      calls.push({ before: [...before.keys()], after: [...after.keys()] });
      return outcome;
    };
    const code = runDiffCli(argv, { root, apps, stdout: (l) => stdout.push(l), stderr: () => undefined, env: {}, color: false }, check);
    return { code, stdout: stdout.join('\n'), calls };
  }

  test('is given the committed output and the fresh synth; its refusals are marked as the server\'s and count as risks', () => {
    const refused = diffWithServer({
      kind: 'checked', objects: 12, baseRefused: [], unhealthy: [], functional: { ran: [] },
      refused: [{ environment: 'cfp-sandbox', file: 'synth/cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml', object: 'Deployment codeforphilly-rewrite-sandbox/codeforphilly', update: true, status: 422, message: 'spec.selector: Invalid value: ...: field is immutable' }],
    });
    expect(refused.calls).toHaveLength(1);
    expect(refused.calls[0].before).toContain('cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml');
    expect(refused.calls[0].after).toContain('cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml');
    expect(refused.stdout).toContain('! synth/cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml Deployment codeforphilly-rewrite-sandbox/codeforphilly (update) [kube-apiserver, HTTP 422] (fails the sync: fix it)');
    expect(refused.code).toBe(DIFF_EXIT.riskNotAccepted);
    expect(diffWithServer({ kind: 'checked', objects: 12, baseRefused: [], unhealthy: [], functional: { ran: [] }, refused: [] }).stdout).toContain('kube-apiserver (real server): all 12 objects accepted');
  });

  test('a refusal fails the sync: it cannot be accepted, not even by its own id', () => {
    const id = 'kube-apiserver:cfp-sandbox/Deployment/codeforphilly-rewrite-sandbox/codeforphilly';
    const outcome: ServerCheckOutcome = {
      kind: 'checked', objects: 12, baseRefused: [], unhealthy: [], functional: { ran: [] },
      refused: [{ environment: 'cfp-sandbox', file: 'synth/cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml', object: 'Deployment codeforphilly-rewrite-sandbox/codeforphilly', update: true, status: 422, message: 'field is immutable' }],
    };
    expect(diffWithServer(outcome).stdout).toContain('[kube-apiserver, HTTP 422] (fails the sync: fix it)');
    for (const flags of [['--accept', id], ['--accept-risk']]) {
      const attempt = diffWithServer(outcome, ...flags);
      expect(attempt.code).toBe(DIFF_EXIT.riskNotAccepted);
      expect(attempt.stdout).not.toContain('accepted by name');
    }
  });

  test('what the function check finds not working cannot be accepted; its healthy twin passes', () => {
    const id = 'function:cfp-sandbox/Deployment/codeforphilly-rewrite-sandbox/codeforphilly';
    const outcome: ServerCheckOutcome = {
      kind: 'checked', objects: 12, baseRefused: [], refused: [],
      functional: { ran: ['cfp-sandbox: 4 of 5 healthy in 41 s'] },
      unhealthy: [{ environment: 'cfp-sandbox', file: 'synth/cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml', object: 'Deployment codeforphilly-rewrite-sandbox/codeforphilly', summary: '0/1 ready', reason: 'no pods: pods "codeforphilly-" is forbidden: error looking up service account codeforphilly-rewrite-sandbox/codeforphilly: serviceaccount "codeforphilly" not found' }],
    };
    const failing = diffWithServer(outcome);
    expect(failing.stdout).toContain('function check (real controllers, KWOK nodes) cfp-sandbox: 4 of 5 healthy in 41 s');
    expect(failing.stdout).toContain('! synth/cfp-sandbox/codeforphilly/deployment-codeforphilly.yaml Deployment codeforphilly-rewrite-sandbox/codeforphilly: 0/1 ready [function check] (does not work: fix it)');
    expect(failing.stdout).toContain('serviceaccount "codeforphilly" not found');
    expect(failing.code).toBe(DIFF_EXIT.riskNotAccepted);
    for (const flags of [['--accept', id], ['--accept-risk']]) expect(diffWithServer(outcome, ...flags).code).toBe(DIFF_EXIT.riskNotAccepted);

    const healthy = diffWithServer({ ...outcome, unhealthy: [], functional: { ran: ['cfp-sandbox: 5 of 5 healthy in 40 s'] } });
    expect(healthy.code).toBe(DIFF_EXIT.ok);
    expect(healthy.stdout).not.toContain('[function check]');
    expect(diffWithServer({ ...outcome, unhealthy: [], functional: { skipped: 'SERVER_CHECK_FUNCTION=off' } }).stdout).toContain('function check skipped: SERVER_CHECK_FUNCTION=off');
  });

  test('unavailable: says it was skipped, and the static rules decide alone', () => {
    const skipped = diffWithServer({ kind: 'unavailable', reason: 'no control plane built' });
    expect(skipped.stdout).toContain('kube-apiserver check skipped: no control plane built');
    expect(skipped.code).toBe(DIFF_EXIT.ok);
  });
});
