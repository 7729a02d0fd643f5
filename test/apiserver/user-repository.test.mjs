// The server check as a library user runs it (docs/first-app.md, "The server check in your
// repository"): the package's command, `cdk8s-constructs server-check`, from the package
// `npm run build:lib` builds, run in another team's project on that project's dist/ with the CRD
// it vendored (the guide's widgets.yaml, with its CEL rule, which only the server evaluates). Run
// by `npm run test:server` after scripts/server-check/build.mjs; `--no-build`: the binaries must
// be the ones cached for this repository's Go sources, found by the same key from the package's
// copy of them. (test/package/user-repository.e2e.test.ts builds such a project by the guide and
// synthesizes it; here its dist/ is written directly, so this tier needs no registry.)
//
// Time budget: building the package up to 2 minutes; the server check (a control plane started,
// 40-odd CRDs installed) up to 6 minutes; with the function check of one environment up to 10.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { ensureBinary, ROOT } from '../../scripts/server-check/control-plane.mjs';

const MINUTE = 60_000;

/** The guide's ```<lang> <path> block. */
function guideBlock(path) {
  const text = readFileSync(join(ROOT, 'docs', 'first-app.md'), 'utf8');
  const match = new RegExp(`^\`\`\`\\w+ ${path.replace(/[.#]/g, '\\$&')}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(text);
  if (!match) throw new Error(`docs/first-app.md has no ${path} block`);
  return match[1];
}

function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const widget = (name, spec) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'hello' }, spec });
const restricted = { runAsNonRoot: true, runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
const deployment = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hello', namespace: 'hello' },
  spec: {
    replicas: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'hello' } },
    template: { metadata: { labels: { 'app.kubernetes.io/name': 'hello' } }, spec: { containers: [{ name: 'hello', image: 'ghcr.io/example/hello:1.4.2', securityContext: restricted }] } },
  },
};

function writeDist(dir, environments) {
  for (const [environment, objects] of Object.entries(environments)) {
    for (const object of objects) {
      const file = join(dir, environment, 'gallery', `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`);
      mkdirSync(join(dir, environment, 'gallery'), { recursive: true });
      writeFileSync(file, stringify(object));
    }
  }
}

describe('cdk8s-constructs server-check in another team\'s repository', () => {
  let work;
  let project;
  let command;
  let binaries;

  before(async () => {
    binaries = { apiserver: await ensureBinary({ build: false }), kwok: await ensureBinary({ target: 'kwok', build: false }).catch(() => undefined) };
    // Inside this repository: the package's scripts resolve their dependencies (yaml, ajv) from its node_modules, as from a project's.
    mkdirSync(join(ROOT, '.build'), { recursive: true });
    work = mkdtempSync(join(ROOT, '.build', 'user-server-check-'));
    const built = await run(process.execPath, [join(ROOT, 'scripts', 'build-lib.mjs'), '--out', join(work, 'package')], { cwd: ROOT });
    assert.equal(built.code, 0, built.stderr);
    command = join(work, 'package', 'scripts', 'cdk8s-constructs.mjs');
    project = join(work, 'my-deployments');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-deployments', private: true }));
    // What `cdk8s-constructs import widgets.yaml` vendors (its first step, the package's own function).
    writeFileSync(join(work, 'widgets.yaml'), guideBlock('widgets.yaml#adding-a-crd'));
    const { vendorLocalFile } = await import(join(work, 'package', 'scripts', 'import', 'vendor.mjs'));
    vendorLocalFile(join(project, 'imports', 'crds'), join(work, 'widgets.yaml'), 'widgets.yaml', 'example/widget-operator v2.1.0');
    writeDist(join(project, 'dist'), {
      dev: [deployment, widget('gallery', { size: 3, colour: 'green' })],
      broken: [widget('too-big', { size: 30 }), widget('shaped', { size: 2, shape: 'round' }), widget('red', { size: 7, colour: 'red' })],
    });
    writeDist(join(project, 'dist-dev'), { dev: [deployment, widget('gallery', { size: 3, colour: 'red' })] });
  }, { timeout: 2 * MINUTE });

  after(() => rmSync(work, { recursive: true, force: true }));

  test('sends the project\'s dist/ to the cached kube-apiserver with its own CRD: each refusal listed with the server\'s message (exit 1); the corrected twins accepted', { timeout: 6 * MINUTE }, async () => {
    const result = await run(process.execPath, [command, 'server-check', '--no-build'], { cwd: project });
    assert.equal(result.code, 1, `${result.stdout}\n${result.stderr}`);
    // The binary of this repository's sources, found from the package's copy of them.
    assert.match(result.stdout, new RegExp(`kube-apiserver ready with \\d+ CRDs in [\\d.]+ s \\(${binaries.apiserver.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
    assert.match(result.stdout, /^dev: 2 objects, 2 accepted, 0 rejected$/m);
    assert.match(result.stdout, /^broken: 3 objects, 0 accepted, 3 rejected$/m);
    assert.match(result.stdout, /✗ dist\/broken\/gallery\/widget-too-big\.yaml: Widget hello\/too-big[\s\S]*?spec\.size: Invalid value: 30: spec\.size in body should be less than or equal to 10/);
    assert.match(result.stdout, /✗ dist\/broken\/gallery\/widget-shaped\.yaml: Widget hello\/shaped[\s\S]*?\.spec\.shape: field not declared in schema/);
    // The CRD's CEL rule: what synth does not evaluate, the server does.
    assert.match(result.stdout, /✗ dist\/broken\/gallery\/widget-red\.yaml: Widget hello\/red[\s\S]*?a red widget is at most size 5/);
    assert.equal(result.stderr.trim(), 'cdk8s-constructs server-check: 3 failures (listed above)');
  });

  test('--function applies the environment for real: the Deployment gets its ready replica from the controllers and KWOK; the Widget is accepted (CEL: red at size 3)', { timeout: 10 * MINUTE }, async (t) => {
    if (!binaries.kwok) return t.skip('no KWOK binary cached (Go 1.26 builds it: npm run test:server)');
    const result = await run(process.execPath, [command, 'server-check', '--dist', 'dist-dev', '--function', '--no-build'], { cwd: project });
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^dev: 2 objects, 2 accepted, 0 rejected$/m);
    assert.match(result.stdout, /^dev: function check: 1 of 1 healthy, 0 refused/m);
    assert.match(result.stdout, /✓ dist-dev\/dev\/gallery\/deployment-hello\.yaml: Deployment hello\/hello: 1\/1 ready/);
  });
});
