import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readTree } from '../../lib/pipeline/engine/output';
import { ROOT, scratchProject } from '../helpers';

// `npm run new-app -- NAME --env ENV` in a scratch copy of the project: what it writes
// synthesizes as it is, and every refusal writes nothing. That the app it writes type-checks is
// proved where the library is used as a package (test/package/package.e2e.test.ts runs tsc over an
// app new-app wrote there): the same source but for its imports, against the declarations, where
// a type-check of this whole scratch project would compile lib/ once more.

/** Every test here spawns node (new-app, the build, synth): seconds each on a busy machine. */
const SPAWNS = 60_000;

function newApp(root: string, ...argv: string[]) {
  const result = spawnSync(process.execPath, ['scripts/new-app.mjs', ...argv], { cwd: root, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function synth(root: string, ...argv: string[]) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  const result = spawnSync(process.execPath, ['.build/main.js', ...argv], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The objects of dist/<env>/<app>/ by kind. */
function objectsOf(root: string, env: string, app: string): Map<string, Record<string, any>> {
  const objects = new Map<string, Record<string, any>>();
  for (const [path, content] of readTree(join(root, 'dist', env, app))) {
    if (path === 'kustomization.yaml') continue;
    for (const doc of parseAllDocuments(content)) objects.set(doc.toJS().kind, doc.toJS());
  }
  return objects;
}

describe('npm run new-app', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
  }, SPAWNS);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('creates the app, registers it and writes an overlay that synthesizes as it is', () => {
    const created = newApp(root, 'billing-api', '--env', 'cfp-sandbox');
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('npm run synth -- --app billing-api --env cfp-sandbox');

    const index = readFileSync(join(root, 'apps', 'index.ts'), 'utf8');
    expect(index).toContain("import { billingApi } from './billing-api';\n");
    // Added to the list, in order, the other apps kept as they were.
    const listed = (text: string) => /export const apps\b[^=]*= \[([^\]]*)\]/.exec(text)![1].split(', ');
    const before = listed(readFileSync(join(ROOT, 'apps', 'index.ts'), 'utf8'));
    expect(listed(index)).toEqual([...before, 'billingApi'].sort());
    expect(readFileSync(join(root, 'apps', 'billing-api.ts'), 'utf8')).toMatch(/new WebService\(chart, 'Web', \{\n {6}name: 'billing-api',/);

    // The namespace is declared, so the reference check (which --app runs too) finds it; the file keeps its comments.
    const environment = readFileSync(join(root, 'overlays', 'cfp-sandbox', 'environment.yaml'), 'utf8');
    expect(environment).toMatch(/^existing:\n {2}namespaces: \[billing-api\] {2}# TO CONFIRM: billing-api exists and is not this repository's/m);
    expect(environment).toContain(readFileSync(join(ROOT, 'overlays', 'cfp-sandbox', 'environment.yaml'), 'utf8').split('\n')[1]);

    const result = synth(root, '--app', 'billing-api', '--env', 'cfp-sandbox');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const objects = objectsOf(root, 'cfp-sandbox', 'billing-api');
    expect([...objects.keys()].sort()).toEqual(['Deployment', 'Service', 'ServiceAccount']);
    expect(objects.get('Deployment')!.metadata).toMatchObject({ name: 'billing-api', namespace: 'billing-api' });
    expect(objects.get('Deployment')!.spec.template.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/example/billing-api:0.1.0',
      readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
    });
    expect(objects.get('Service')!.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  }, SPAWNS);

  test('in a production environment the overlay pins a digest, which production requires', () => {
    expect(newApp(root, 'ledger', '--env', 'pal-e-prod').code).toBe(0);
    expect(readFileSync(join(root, 'overlays', 'pal-e-prod', 'environment.yaml'), 'utf8')).toMatch(/^ {2}namespaces: \[pal-e-docs, ledger\]/m);
    expect(readFileSync(join(root, 'overlays', 'pal-e-prod', 'ledger.yaml'), 'utf8')).toMatch(/^image: ghcr\.io\/example\/ledger@sha256:0{64} {2}# TO CONFIRM/m);
    const result = synth(root, '--app', 'ledger', '--env', 'pal-e-prod');
    expect(result.stderr).toBe('');
    expect(objectsOf(root, 'pal-e-prod', 'ledger').get('Deployment')!.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  }, SPAWNS);

  describe('refuses, with exit 2 and nothing written', () => {
    const untouched = (fn: () => { code: number | null; stderr: string }) => {
      const before = [readTree(join(root, 'apps')), readTree(join(root, 'overlays'))];
      const result = fn();
      expect(result.code).toBe(2);
      expect([readTree(join(root, 'apps')), readTree(join(root, 'overlays'))]).toEqual(before);
      return result.stderr;
    };

    test('an existing app', () => {
      expect(untouched(() => newApp(root, 'codeforphilly', '--env', 'cfp-sandbox'))).toBe([
        'error: 2 problems in the input; nothing was written',
        'apps/codeforphilly.ts: already exists',
        '  fix: choose another name, or add an overlay for the existing app',
        'overlays/cfp-prod/codeforphilly.yaml: already exists: an app of that name is deployed there',
        '  fix: choose another name',
        '',
      ].join('\n'));
      // An app whose file has another name is found by its defineApp name.
      writeFileSync(join(root, 'apps', 'renamed.ts'), "export const x = defineApp({\n  name: 'side-car',\n});\n");
      try {
        expect(untouched(() => newApp(root, 'side-car', '--env', 'cfp-sandbox'))).toMatch(/^app name "side-car": is taken by apps\/renamed\.ts$/m);
      } finally {
        rmSync(join(root, 'apps', 'renamed.ts'));
      }
    }, SPAWNS);

    test('a name that is not a DNS label (it names the Service)', () => {
      expect(untouched(() => newApp(root, 'Billing_API', '--env', 'cfp-sandbox'))).toMatch(/^app name "Billing_API": is not a DNS-1035 label/m);
      expect(untouched(() => newApp(root, '9lives', '--env', 'cfp-sandbox'))).toMatch(/^app name "9lives": is not a DNS-1035 label/m);
      expect(untouched(() => newApp(root, 'a'.repeat(64), '--env', 'cfp-sandbox'))).toMatch(/is 64 characters long; at most 63 are allowed/);
    }, SPAWNS);

    test('a name it cannot turn into valid code: reserved words, strict-mode words, the generated file\'s own imports (corrected twin: a longer name is fine)', () => {
      const names = ['delete', 'class', 'new', 'in', 'if', 'do', 'for', 'default', 'enum', 'let', 'static', 'yield', 'await', 'public', 'interface', 'arguments', 'eval', 'undefined', 'define-app', 'port-number'];
      for (const name of names) {
        expect(untouched(() => newApp(root, name, '--env', 'cfp-sandbox'))).toMatch(new RegExp(`^app name "${name}": would be exported as \`[A-Za-z]+\`, which .*: apps/${name}\\.ts would not compile$`, 'm'));
      }
      // "deleter" exports `deleter`: valid code; checked up to the write (an unknown environment keeps the tree untouched).
      expect(untouched(() => newApp(root, 'deleter', '--env', 'nowhere'))).not.toMatch(/would not compile/);
    }, SPAWNS * 2);

    test('an unknown environment, listing the known ones', () => {
      const stderr = untouched(() => newApp(root, 'queue', '--env', 'cfp-dev'));
      expect(stderr).toMatch(/^--env: names no environment "cfp-dev"\n {2}allowed: cfp-prod, cfp-sandbox, cfp-staging, /m);
    }, SPAWNS);

    test('a missing name or environment, and unknown flags', () => {
      expect(untouched(() => newApp(root))).toMatch(/command line: names no app[\s\S]*--env: is required/);
      expect(untouched(() => newApp(root, 'queue', '--env', 'cfp-sandbox', '--force'))).toMatch(/Unknown option '--force'/);
    }, SPAWNS);

    test('an apps/index.ts it cannot edit safely, saying what to add by hand', () => {
      const index = join(root, 'apps', 'index.ts');
      const original = readFileSync(index, 'utf8');
      writeFileSync(index, original.replace(/export const apps[^\n]*/, 'export const apps = loadApps();'));
      try {
        expect(untouched(() => newApp(root, 'queue', '--env', 'cfp-sandbox'))).toMatch(/fix: add the app yourself: import \{ queue \} from '\.\/queue'; and queue in the list/);
      } finally {
        writeFileSync(index, original);
      }
    }, SPAWNS);
  });
});
