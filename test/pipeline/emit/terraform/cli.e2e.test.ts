import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../../../apps';
import { EXIT, runCli } from '../../../../lib/pipeline/engine/cli';
import { readTree } from '../../../../lib/pipeline/engine/output';
import { parseDocument } from 'yaml';
import { scratchRoot } from '../../../helpers';
import { manageLegacyFunnel, testApps } from './scenario';

function run(root: string, argv: string[], appList = apps) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runCli(argv, { root, apps: appList, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const LEGACY_FUNNEL = { kind: 'Ingress', namespace: 'pal-e-docs', name: 'pal-e-docs-funnel' };

/** Sets terraform.adopt in pal-e-prod's environment.yaml (through the document: the section is not the file's last). */
function adopt(root: string, entries: ReadonlyArray<Record<string, string>>): void {
  const file = join(root, 'overlays/pal-e-prod/environment.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['terraform', 'adopt'], entries);
  writeFileSync(file, doc.toString({ flowCollectionPadding: false }));
}


// The time budget of each test here: a copy of the project and one or more in-process synths,
// which a loaded machine stretches well past jest's 5 s default.
jest.setTimeout(120_000);
describe('npm run synth -- --target terraform', () => {
  let root: string;
  beforeEach(() => {
    root = scratchRoot({ dist: false });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('writes dist-terraform/<env>/cdk.tf.json for each environment with a terraform: section, then reports it up to date', () => {
    const first = run(root, ['--target', 'terraform']);
    expect(first).toMatchObject({ code: EXIT.ok, stderr: '' });
    expect(first.stdout).toMatch(/^pal-e-prod: 1 app, 1 resources \(0 typed, 1 kubernetes_manifest\), 0 imports$/m);
    expect(first.stdout).toMatch(/^cfp-prod: skipped \(no terraform: section in overlays\/cfp-prod\/environment.yaml\)$/m);
    expect([...readTree(join(root, 'dist-terraform')).keys()]).toEqual(['pal-e-prod/cdk.tf.json']);
    expect(existsSync(join(root, 'dist'))).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['dist-terraform', 'overlays']); // no leftovers of the atomic write, no cdktf.out
    expect(run(root, ['--target', 'terraform']).stdout).toMatch(/dist-terraform\/: up to date/);
    expect(run(root, ['--target', 'terraform', '--check'])).toMatchObject({ code: EXIT.ok });
  });

  test('--check reports a stack edited by hand; a run replaces it, once no file synth did not write is in the way', () => {
    run(root, ['--target', 'terraform']);
    const file = join(root, 'dist-terraform/pal-e-prod/cdk.tf.json');
    writeFileSync(file, '{}\n');
    const check = run(root, ['--target', 'terraform', '--check']);
    expect(check.code).toBe(EXIT.drift);
    expect(check.stderr).toContain('changed  pal-e-prod/cdk.tf.json');
    // A file synth did not write stops the run (a synth replaces the directory whole), and stays.
    writeFileSync(join(root, 'dist-terraform/keep.txt'), 'not ours\n');
    const refused = run(root, ['--target', 'terraform', '--env', 'pal-e-prod']);
    expect(refused.code).toBe(EXIT.badInput);
    expect(refused.stderr).toContain('dist-terraform/keep.txt: was not written by synth');
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
    expect(existsSync(join(root, 'dist-terraform/keep.txt'))).toBe(true);
    rmSync(join(root, 'dist-terraform/keep.txt'));
    expect(run(root, ['--target', 'terraform', '--env', 'pal-e-prod']).code).toBe(EXIT.ok);
    expect(readFileSync(file, 'utf8')).toContain('"kubernetes_manifest"');
  });

  test('Terraform working files inside dist-terraform/ are an error, before synth would delete them', () => {
    run(root, ['--target', 'terraform']);
    mkdirSync(join(root, 'dist-terraform/pal-e-prod/.terraform/providers'), { recursive: true });
    writeFileSync(join(root, 'dist-terraform/pal-e-prod/.terraform.lock.hcl'), '# lock\n');
    const result = run(root, ['--target', 'terraform']);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain('dist-terraform/pal-e-prod/.terraform: is a Terraform working file inside the generated directory');
    expect(result.stderr).toContain('dist-terraform/pal-e-prod/.terraform.lock.hcl: is a Terraform working file');
    expect(existsSync(join(root, 'dist-terraform/pal-e-prod/.terraform.lock.hcl'))).toBe(true);
  });

  test('an environment without terraform: is an error naming its file and what to add; nothing is written', () => {
    const result = run(root, ['--target', 'terraform', '--env', 'cfp-sandbox']);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain('overlays/cfp-sandbox/environment.yaml: has no `terraform:` section, which --target terraform needs');
    expect(result.stderr).toContain('kubeconfigPath: "~/.kube/config"');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'dist-terraform'))).toBe(false);
  });

  test('an adoption that matches no object of the stack is an error naming the file, line and field', () => {
    adopt(root, [LEGACY_FUNNEL]);
    const result = run(root, ['--target', 'terraform', '--env', 'pal-e-prod']);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^overlays\/pal-e-prod\/environment\.yaml:\d+:\d+ terraform\.adopt\.0: Ingress pal-e-docs\/pal-e-docs-funnel matches no object of environment pal-e-prod/m);
    expect(result.stderr).toContain('allowed: Ingress objects emitted here: pal-e-docs/pal-e-docs-api-funnel (app pal-e-docs-api)');
    expect(existsSync(join(root, 'dist-terraform'))).toBe(false);
  });

  test('the same adoption works once the app describes the object (manageLegacyFunnel)', () => {
    adopt(root, [LEGACY_FUNNEL]);
    manageLegacyFunnel(join(root, 'overlays'));
    const result = run(root, ['--target', 'terraform', '--env', 'pal-e-prod'], testApps);
    expect(result).toMatchObject({ code: EXIT.ok, stderr: '' });
    expect(result.stdout).toContain('pal-e-prod: 1 app, 2 resources (0 typed, 2 kubernetes_manifest), 1 import');
  });

  test('an adopt entry naming an object twice, or with a typo in a key, is an error', () => {
    manageLegacyFunnel(join(root, 'overlays'));
    adopt(root, [LEGACY_FUNNEL, LEGACY_FUNNEL]);
    const twice = run(root, ['--target', 'terraform'], testApps);
    expect(twice.code).toBe(EXIT.badInput);
    expect(twice.stderr).toMatch(/terraform\.adopt\.1: Ingress pal-e-docs\/pal-e-docs-funnel is already adopted by terraform\.adopt\.0/);
    adopt(root, [LEGACY_FUNNEL, LEGACY_FUNNEL, { kind: 'Ingress', namespce: 'pal-e-docs', name: 'x' }]);
    const typo = run(root, ['--target', 'terraform'], testApps);
    expect(typo.stderr).toMatch(/environment\.yaml:\d+:\d+ terraform\.adopt\.2\.namespce: unknown key "namespce"/);
  });

  test('a relative kubeconfig path is refused by the environment schema', () => {
    const file = join(root, 'overlays/pal-e-prod/environment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('kubeconfigPath: "~/.kube/config"', 'kubeconfigPath: kube/config'));
    const result = run(root, ['--target', 'terraform']);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/overlays\/pal-e-prod\/environment\.yaml:\d+:\d+ terraform\.kubeconfigPath: "kube\/config" must be an absolute path or start with ~\/, with no spaces/);
  });

  test('a bad overlay gives the same error as YAML synth, and nothing is written', () => {
    appendFileSync(join(root, 'overlays/pal-e-prod/pal-e-docs-api.yaml'), 'hostnme: typo\n');
    const yaml = run(root, []);
    const terraform = run(root, ['--target', 'terraform']);
    expect(yaml.code).toBe(EXIT.badInput);
    expect(terraform).toEqual(yaml);
    expect(terraform.stderr).toContain('hostnme: unknown key "hostnme"');
    expect(existsSync(join(root, 'dist-terraform'))).toBe(false);
  });

  test('a construct rule broken by overlay values gives the same error as YAML synth', () => {
    const file = join(root, 'overlays/pal-e-prod/environment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('reservedHostnames: [pal-e-docs, pal-e-production]', 'reservedHostnames: [pal-e-docs, pal-e-production, pal-e-docs-api]'));
    const yaml = run(root, []);
    const terraform = run(root, ['--target', 'terraform']);
    expect(yaml.code).toBe(EXIT.badInput);
    expect(terraform).toEqual(yaml);
    expect(terraform.stderr).toContain('pal-e-docs-api/api-funnel');
    expect(terraform.stderr).not.toMatch(/\n\s+at /);
  });

  test('--app cannot narrow a stack, and --target takes yaml or terraform', () => {
    const narrowed = run(root, ['--target', 'terraform', '--app', 'pal-e-docs-api']);
    expect(narrowed.code).toBe(EXIT.badInput);
    expect(narrowed.stderr).toContain('--app: cannot be combined with --target terraform');
    const unknown = run(root, ['--target', 'helm']);
    expect(unknown.code).toBe(EXIT.badInput);
    expect(unknown.stderr).toContain('--target: "helm" is not a target');
    expect(run(root, ['--help']).stdout).toMatch(/--target T {5}yaml \(default\)/);
  });
});
