import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ApiObject } from 'cdk8s';
import { apps as repoApps } from '../../../apps';
import { WebService, type WebServiceProps } from '../../../lib/apps/web-service';
import { defineApp, type AppDefinition } from '../../../lib/core/app';
import { SecretSource } from '../../../lib/core/secret-source';
import { EXIT, runCli, TERRAFORM_PACKAGES } from '../../../lib/pipeline/engine/cli';
import { UserError } from '../../../lib/core/errors';
import { requireOptional } from '../../../lib/pipeline/engine/optional-dependency';
import { readTree } from '../../../lib/pipeline/engine/output';
import { ROOT, scratchProject } from '../../helpers';

/*
 * The misuses of issue 22, each through the CLI (runCli, in-process) on a scratch copy of the
 * project: what the user did, the exit code, the message, and dist/ afterwards. The bundle's
 * source-mapped line for a throw in build() and the missing cdktf are in bundle-errors.e2e.test.ts;
 * interruptions and permission faults as properties in test/reliability/.
 */

function run(root: string, argv: readonly string[], apps: readonly AppDefinition[] = repoApps) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runCli(argv, { root, apps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const chattrWorks = (() => {
  try {
    const dir = join(ROOT, 'node_modules', '.cache-chattr-probe');
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('chattr', ['+i', dir], { stdio: 'pipe' });
      execFileSync('chattr', ['-i', dir], { stdio: 'pipe' });
      return true;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    return false;
  }
})();


// The time budget of each test here: a copy of the project and one or more in-process synths,
// which a loaded machine stretches well past jest's 5 s default.
jest.setTimeout(120_000);
describe('misuse of overlays/ and dist/', () => {
  let root: string;
  let dist: string;
  beforeEach(() => {
    root = scratchProject();
    dist = join(root, 'dist');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('an empty overlays/ is an error, and dist/ keeps all its files', () => {
    const before = readTree(dist);
    rmSync(join(root, 'overlays'), { recursive: true });
    mkdirSync(join(root, 'overlays'));
    const result = run(root, []);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^overlays\/: holds no environment directory, so a run would delete everything in dist\/$/m);
    expect(readTree(dist)).toEqual(before);
  });

  test('a run that would remove every environment in dist/ says what and refuses; --prune-environments allows it', () => {
    const before = readTree(dist);
    // Another project's overlays, or a renamed everything: one environment, none of dist/'s.
    const overlays = join(root, 'overlays');
    for (const env of readdirSync(overlays)) if (env !== 'cfp-sandbox') rmSync(join(overlays, env), { recursive: true });
    renameSync(join(overlays, 'cfp-sandbox'), join(overlays, 'sandbox-2'));
    const refused = run(root, []);
    expect(refused.code).toBe(EXIT.badInput);
    expect(refused.stderr).toMatch(/^dist\/: this run would remove every environment in it and keep none: dist\/cfp-prod\/ \(\d+ files\), dist\/cfp-sandbox\/ \(\d+ files\), .*dist\/railiance01-prod\/ \(\d+ files\)$/m);
    expect(refused.stderr).toMatch(/fix: .*run again with --prune-environments/);
    expect(readTree(dist)).toEqual(before);

    const pruned = run(root, ['--prune-environments']);
    expect(pruned.code).toBe(EXIT.ok);
    expect(readdirSync(dist)).toEqual(['sandbox-2']);
  });

  test('an environment whose overlay directory is gone is removed, and the run says so', () => {
    rmSync(join(root, 'overlays', 'cfp-staging'), { recursive: true });
    const result = run(root, []);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^note: removed dist\/cfp-staging\/ \(\d+ files\): overlays\/cfp-staging\/ is gone$/m);
    expect(existsSync(join(dist, 'cfp-staging'))).toBe(false);
    expect(existsSync(join(dist, 'cfp-prod'))).toBe(true);
  });

  test('a symlinked dist/ is written through: the link stays, its target holds the new output, nothing is left beside either', () => {
    const shared = join(root, 'shared', 'checkout');
    mkdirSync(shared, { recursive: true });
    renameSync(dist, join(shared, 'dist'));
    symlinkSync('shared/checkout/dist', dist);
    appendFileSync(join(root, 'overlays', 'cfp-sandbox', 'environment.yaml'), '');
    writeFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), readFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), 'utf8').replace(/^namespace: .*$/m, 'namespace: cfp-relinked'));
    const result = run(root, ['--env', 'cfp-sandbox']);
    expect(result.code).toBe(EXIT.ok);
    expect(lstatSync(dist).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dist)).toBe('shared/checkout/dist');
    // The kustomization behind the link is this run's: it lists the renamed Namespace's file, not the old one.
    const kustomization = readFileSync(join(shared, 'dist', 'cfp-sandbox', 'codeforphilly', 'kustomization.yaml'), 'utf8');
    expect(kustomization).toMatch(/^ {2}- namespace-cfp-relinked\.yaml$/m);
    expect(kustomization).not.toMatch(/namespace-codeforphilly-rewrite-sandbox\.yaml/);
    expect([...readTree(join(shared, 'dist'))].some(([path, content]) => path.startsWith('cfp-sandbox/codeforphilly/') && content.includes('namespace: cfp-relinked'))).toBe(true);
    expect(readdirSync(shared)).toEqual(['dist']);
    expect(readdirSync(root).filter((f) => f.startsWith('.dist'))).toEqual([]);
    expect(run(root, ['--check']).code).toBe(EXIT.ok);
  });

  test('a link inside dist/ is refused with the reason, and dist/ is unchanged', () => {
    const elsewhere = join(root, 'elsewhere');
    renameSync(join(dist, 'cfp-sandbox'), elsewhere);
    symlinkSync(elsewhere, join(dist, 'cfp-sandbox'));
    writeFileSync(join(root, 'overlays', 'cfp-prod', 'codeforphilly.yaml'), `${readFileSync(join(root, 'overlays', 'cfp-prod', 'codeforphilly.yaml'), 'utf8')}# edited\n`);
    appendFileSync(join(dist, 'cfp-prod', 'codeforphilly', 'kustomization.yaml'), '# edited\n'); // something for the run to change
    const result = run(root, []);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^dist\/cfp-sandbox: is a symbolic link inside the output: a synth replaces the output whole, so the link would become a directory and its target be left stale; nothing was changed$/m);
    expect(lstatSync(join(dist, 'cfp-sandbox')).isSymbolicLink()).toBe(true);
  });

  (chattrWorks ? test : test.skip)('an immutable folder in dist/ (chattr +i): exit 2 with the path and the fix, nothing changed or left; after the fix the run succeeds', () => {
    const folder = join(dist, 'cfp-sandbox', 'codeforphilly');
    const before = readTree(dist);
    writeFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), readFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), 'utf8').replace(/^namespace: .*$/m, 'namespace: cfp-frozen'));
    execFileSync('chattr', ['+i', folder]);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        // The same, every time: no leftover makes a later run fail differently.
        const result = run(root, ['--env', 'cfp-sandbox']);
        expect(result.code).toBe(EXIT.badInput);
        expect(result.stderr).toMatch(/^dist\/cfp-sandbox\/codeforphilly: cannot replace the files in this directory \(EPERM: access failed\); nothing was changed$/m);
        expect(result.stderr).toMatch(/fix: .*remove it with `sudo chattr -i dist\/cfp-sandbox\/codeforphilly`/);
        expect(result.stderr).not.toMatch(/internal error/);
        expect(readTree(dist)).toEqual(before);
        expect(readdirSync(root).filter((f) => f.startsWith('.dist'))).toEqual([]);
      }
    } finally {
      execFileSync('chattr', ['-i', folder]);
    }
    expect(run(root, ['--env', 'cfp-sandbox']).code).toBe(EXIT.ok);
  });
  if (!chattrWorks) process.stdout.write('misuse: the chattr case is skipped: chattr +i is not possible here (not root, or no immutable flag on this file system)\n');

  test('leftovers of earlier runs (.dist.prev-*, .dist.next-*) do not break the next run, which removes them and says so', () => {
    cpSync(join(dist, 'cfp-sandbox'), join(root, '.dist.next-4194399', 'cfp-sandbox'), { recursive: true });
    cpSync(dist, join(root, '.dist.prev-4194398'), { recursive: true });
    writeFileSync(join(root, '.dist.prev-x'), 'a file, not a tree');
    writeFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), `${readFileSync(join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml'), 'utf8')}# edited\n`);
    const result = run(root, ['--env', 'cfp-sandbox']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toMatch(/^note: removed \.dist\.next-4194399, left by an interrupted run \(a new output never moved in\)$/m);
    expect(result.stdout).toMatch(/^note: removed \.dist\.prev-4194398, left by an interrupted run/m);
    expect(readdirSync(root).filter((f) => f.startsWith('.dist'))).toEqual([]);
  });

  test('dist/ missing after a run died between its two renames: the next run puts the previous output back and says so', () => {
    const before = readTree(dist);
    renameSync(dist, join(root, '.dist.prev-4194397'));
    const result = run(root, ['--check']);
    expect(result.stdout).toMatch(/^note: put back dist from \.dist\.prev-4194397: a run was interrupted/m);
    expect(result.code).toBe(EXIT.ok);
    expect(readTree(dist)).toEqual(before);
  });

  test('dist is a file: refused with the reason', () => {
    rmSync(dist, { recursive: true });
    writeFileSync(dist, 'not a directory');
    const result = run(root, ['--env', 'cfp-sandbox']);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^dist: is a file, not a directory$/m);
  });
});

describe('overlays that are not what synth reads', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('Latin-1 bytes in an overlay: refused with file, line and column, nothing written', () => {
    const file = join(root, 'overlays', 'cfp-sandbox', 'environment.yaml');
    const good = readFileSync(file);
    const before = readTree(join(root, 'dist'));
    // "codeforphilly sandbox on Linode LKE, caf\xe9" as an editor set to Latin-1 saves it.
    writeFileSync(file, Buffer.from(good.toString('utf8').replace(/^description: (.*)$/m, 'description: $1, caf\u00e9'), 'latin1'));
    try {
      const result = run(root, ['--env', 'cfp-sandbox']);
      expect(result.code).toBe(EXIT.badInput);
      expect(result.stderr).toMatch(/^overlays\/cfp-sandbox\/environment\.yaml:3:\d+: is not valid UTF-8: byte 0xe9 at offset \d+ is not part of a UTF-8 character$/m);
      expect(result.stderr).toMatch(/fix: convert the file to UTF-8/);
      expect(readTree(join(root, 'dist'))).toEqual(before);
    } finally {
      writeFileSync(file, good);
    }
  });

  test('two YAML documents in one overlay: a message for the user, not advice for the YAML library', () => {
    const file = join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}---\nnamespace: second\n`);
    try {
      const result = run(root, ['--env', 'cfp-sandbox']);
      expect(result.code).toBe(EXIT.badInput);
      const line = good.split('\n').length;
      expect(result.stderr).toMatch(new RegExp(`^overlays/cfp-sandbox/codeforphilly\\.yaml:${line}: holds more than one YAML document \\(a second one starts at line ${line}\\); an overlay is one document$`, 'm'));
      expect(result.stderr).not.toMatch(/parseAllDocuments/);
    } finally {
      writeFileSync(file, good);
    }
  });
});

/** A test app whose overlay picks a fault of app code. */
const faulty = defineApp({
  name: 'faulty',
  description: 'test app whose overlay chooses its fault',
  values: Type.Object({ fault: Type.Union([Type.Literal('two-named-alike'), Type.Literal('unnamed'), Type.Literal('type-error'), Type.Literal('wrong-props'), Type.Literal('right-props')]) }, { additionalProperties: false }),
  build(chart, values) {
    // Props as a JavaScript caller (or a cast) can pass them: a number as a string, a Secret's
    // bare name for an ISecretSource, a misspelt prop, a value outside an enumeration.
    const javascript = (props: Record<string, unknown>) => props as unknown as WebServiceProps;
    const secret = SecretSource.fromSecretName('web-db-app');
    if (values.fault === 'wrong-props') new WebService(chart, 'web', javascript({ name: 'web', image: 'ghcr.io/example/web:1.0.0', port: '8080', healthPath: '/healthz', replica: 2, strategy: 'Rolling', secretEnv: { DATABASE_URL: { secret: 'web-db-app', key: 'uri' } } }));
    if (values.fault === 'right-props') new WebService(chart, 'web', javascript({ name: 'web', image: 'ghcr.io/example/web:1.0.0', port: 8080, healthPath: '/healthz', replicas: 2, strategy: 'RollingUpdate', secretEnv: { DATABASE_URL: { secret, key: 'uri' } } }));
    if (values.fault === 'two-named-alike') for (const id of ['first', 'second']) new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    if (values.fault === 'unnamed') new ApiObject(chart, 'nameless', { apiVersion: 'v1', kind: 'ConfigMap' });
    if (values.fault === 'type-error') (values as unknown as { missing: { port: number } }).missing.port.toFixed();
  },
});

describe('app code at fault: exit 2, naming the app, the environment and where', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const withFault = (fault: string) => writeFileSync(join(root, 'overlays', 'cfp-sandbox', 'faulty.yaml'), `namespace: faulty\nfault: ${fault}\n`);
  const apps = [...repoApps, faulty];

  test('two objects with one name: both construct paths', () => {
    withFault('two-named-alike');
    const result = run(root, ['--env', 'cfp-sandbox'], apps);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^(?:\/\S*\/)?test\/pipeline\/engine\/misuse\.e2e\.test\.ts:\d+:\d+ faulty\/second: ConfigMap "settings" in namespace faulty is also rendered by faulty\/first: two objects with one name \(app faulty, environment cfp-sandbox, values from overlays\/cfp-sandbox\/faulty\.yaml\)$/m);
  });

  test('an object with no name: its construct path', () => {
    withFault('unnamed');
    const result = run(root, ['--env', 'cfp-sandbox'], apps);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^(?:\/\S*\/)?test\/pipeline\/engine\/misuse\.e2e\.test\.ts:\d+:\d+ faulty\/nameless: ConfigMap has no metadata\.name; every object needs an explicit name \(app faulty, environment cfp-sandbox, values from overlays\/cfp-sandbox\/faulty\.yaml\)$/m);
  });

  test('a TypeError in build(): the app, the environment and the file it was thrown in, no stack', () => {
    withFault('type-error');
    const result = run(root, ['--env', 'cfp-sandbox'], apps);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^(?:\/\S*\/)?test\/pipeline\/engine\/misuse\.e2e\.test\.ts:\d+:\d+: app faulty threw TypeError: Cannot read properties of undefined \(reading 'port'\) \(app faulty, environment cfp-sandbox, values from overlays\/cfp-sandbox\/faulty\.yaml\)$/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    // The throw is in the app's own code, so the hint says to fix that line, not the library.
    expect(result.stderr).toContain("fix: fix the app's code at that line");
  });

  test('props of the wrong shape, as JavaScript passes them: exit 2, each prop path and what it takes, at the line that built the construct', () => {
    withFault('wrong-props');
    const result = run(root, ['--env', 'cfp-sandbox'], apps);
    expect(result.code).toBe(EXIT.badInput);
    const context = '\\(app faulty, environment cfp-sandbox, values from overlays/cfp-sandbox/faulty\\.yaml\\)';
    const at = '^(?:/\\S*/)?test/pipeline/engine/misuse\\.e2e\\.test\\.ts:\\d+:\\d+ faulty/web: ';
    expect(result.stderr).toMatch(new RegExp(`${at}unknown prop "replica" ${context}\\n {2}allowed: .*\\(did you mean "replicas"\\?\\)$`, 'm'));
    expect(result.stderr).toMatch(new RegExp(`${at}prop port is the string "8080" ${context}\\n {2}allowed: a port number$`, 'm'));
    expect(result.stderr).toMatch(new RegExp(`${at}prop strategy is the string "Rolling" ${context}\\n {2}allowed: one of "RollingUpdate", "Recreate"$`, 'm'));
    expect(result.stderr).toMatch(new RegExp(`${at}prop secretEnv\\.DATABASE_URL\\.secret is the string "web-db-app"; it takes an ISecretSource: .*SecretSource\\.fromSecretName\\("web-db-app"\\) ${context}$`, 'm'));
    expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
    // The corrected twin builds: what is left are the environment's own checks, not the props' shape.
    withFault('right-props');
    expect(run(root, ['--env', 'cfp-sandbox'], apps).stderr).not.toMatch(/prop |unknown prop/);
  });

  test('two apps with one name: one error naming the duplicate, not schema errors', () => {
    const twin = { ...faulty };
    const result = run(root, ['--env', 'cfp-sandbox'], [...repoApps, faulty, twin]);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr.split('\n').filter((l) => !l.startsWith(' ') && !l.startsWith('error'))).toEqual([
      `apps/index.ts: lists two different apps named "faulty" (entries ${repoApps.length + 1} and ${repoApps.length + 2} of the list)`,
    ]);
  });

  test('an app listed twice: refused, not silently de-duplicated', () => {
    const result = run(root, ['--env', 'cfp-sandbox'], [...repoApps, faulty, faulty]);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^apps\/index\.ts: lists the app "faulty" twice \(entries \d+ and \d+ of the list\)$/m);
  });

  test('a fault inside the library: exit 70, where to report it, and the stack', () => {
    // An apps list that fails when read: nothing a user could have written in an overlay or an app.
    const broken = new Proxy([...repoApps], { get: (target, key) => (key === 'forEach' ? () => { throw new TypeError('library fault'); } : Reflect.get(target, key)) });
    const result = run(root, ['--env', 'cfp-sandbox'], broken);
    expect(result.code).toBe(EXIT.internal);
    expect(result.stderr).toMatch(/^internal error: a bug in the library, not in your input or your app code$/m);
    expect(result.stderr).toMatch(/^Please report it to the maintainers of @platform\/cdk8s-constructs .*, with the command you ran, this message and the stack below:$/m);
    expect(result.stderr).toMatch(/^TypeError: library fault\n\s+at /m);
  });
});

describe('a missing optional dependency', () => {
  test('names the feature and the exact install command; exit 2', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const load = () => requireOptional(() => require('cdktf-not-installed-here'), '--target terraform', TERRAFORM_PACKAGES);
    // The real module name is not installable here, so its error stands in for cdktf's.
    const missing = () => requireOptional(() => {
      throw Object.assign(new Error("Cannot find module 'cdktf'\nRequire stack:\n- .build/terraform.js"), { code: 'MODULE_NOT_FOUND' });
    }, '--target terraform', TERRAFORM_PACKAGES);
    expect(load).toThrow(/Cannot find module 'cdktf-not-installed-here'/); // not one of its packages: not reworded
    expect(missing).toThrow(UserError);
    expect(missing).toThrow(/--target terraform: needs the package cdktf, which is not installed in this project\n[\s\S]*fix: npm install --save-dev --save-exact cdktf@0\.21\.0 @cdktf\/provider-kubernetes@12\.1\.1/);
  });

  test('the versions it names are the library\'s optional peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'scripts', 'package', 'package.json'), 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    // Each package --target terraform names is an optional peer, at the version the peer pins
    // (cdk8s-cli, the import command's optional peer, is another).
    for (const [name, version] of Object.entries(TERRAFORM_PACKAGES)) {
      expect({ name, optional: manifest.peerDependenciesMeta[name]?.optional, version: manifest.peerDependencies[name] }).toEqual({ name, optional: true, version });
    }
    expect(Object.keys(TERRAFORM_PACKAGES).sort()).toEqual(['@cdktf/provider-kubernetes', 'cdktf']);
  });
});
