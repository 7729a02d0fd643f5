import { readFileSync, rmSync, writeFileSync, appendFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { apps as repoApps } from '../../../apps';
import { defineApp, type AppDefinition } from '../../../lib/core/app';
import { EXIT, runCli } from '../../../lib/pipeline/engine/cli';
import { readTree } from '../../../lib/pipeline/engine/output';
import { ServiceRef } from '../../../lib/core/service-ref';
import { dnsLabel } from '../../../lib/core/values';
import { TailscaleFunnel } from '../../../lib/tailscale/tailscale-funnel';
import { declareExisting, scratchRoot } from '../../helpers';
import { ECHO_EXISTING } from '../../reliability/fixtures';

/** A second app, so narrowing and cross-app rules have something to work on. */
const echo = defineApp({
  name: 'echo',
  description: 'test app',
  values: Type.Object({ hostname: dnsLabel() }, { additionalProperties: false }),
  build(chart, values) {
    new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'echo', namespace: values.namespace }), port: 80, hostname: values.hostname });
  },
});
const apps = [...repoApps, echo] as readonly AppDefinition[];

/** Adds the echo app to pal-e-prod, its namespace and Service declared as existing (as pal-e-docs's are). */
function addEcho(root: string, hostname: string): void {
  declareExisting(join(root, 'overlays'), 'pal-e-prod', ECHO_EXISTING);
  writeFileSync(join(root, 'overlays/pal-e-prod/echo.yaml'), `namespace: echo\nhostname: ${hostname}\n`);
}

function run(root: string, ...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runCli(argv, { root, apps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}


// The time budget of each test here: a copy of the project and one or more in-process synths,
// which a loaded machine stretches well past jest's 5 s default.
jest.setTimeout(120_000);
describe('npm run synth', () => {
  let root: string;
  beforeEach(() => {
    root = scratchRoot();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('writes dist/<env>/<app>/ and then reports it up to date', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    const first = run(root);
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(/^pal-e-prod: 1 app, 1 object, 7 files, 7 written \(\d+ ms\)$/m);
    expect(readTree(join(root, 'dist')).has('pal-e-prod/pal-e-docs-api/ingress-pal-e-docs-api-funnel.yaml')).toBe(true);
    const second = run(root).stdout;
    expect(second).toMatch(/dist\/: up to date/);
    expect(second).toMatch(/^pal-e-prod: 1 app, 1 object, 7 files, 0 written \(\d+ ms\)$/m);
  });

  test('--check passes on the committed dist/ and fails, listing files, when it drifts', () => {
    expect(run(root, '--check').code).toBe(EXIT.ok);
    const file = join(root, 'dist/pal-e-prod/pal-e-docs-api/ingress-pal-e-docs-api-funnel.yaml');
    appendFileSync(file, '# hand edit\n');
    writeFileSync(join(root, 'dist/pal-e-prod/stray.yaml'), 'kind: Stray\n');
    const result = run(root, '--check');
    expect(result.code).toBe(EXIT.drift);
    expect(result.stderr).toMatch(/changed {2}pal-e-prod\/pal-e-docs-api\/ingress-pal-e-docs-api-funnel.yaml/);
    expect(result.stderr).toMatch(/removed {2}pal-e-prod\/stray.yaml/);
    expect(readFileSync(file, 'utf8')).toMatch(/# hand edit/);
  });

  test('bad input: one clear error with file and field, no stack trace, dist/ untouched', () => {
    const before = readTree(join(root, 'dist'));
    writeFileSync(join(root, 'overlays/pal-e-prod/pal-e-docs-api.yaml'), 'namespace: pal-e-docs\nbackend: {service: pal-e-docs, port: http}\nhostname: pal-e-docs-api\nfunnel: yes-please\n');
    const result = run(root);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/overlays\/pal-e-prod\/pal-e-docs-api.yaml:4:9 funnel: "yes-please" must be boolean/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(readTree(join(root, 'dist'))).toEqual(before);
  });

  test('a construct rule broken by overlay values names the overlay line and key, the construct and the app', () => {
    writeFileSync(join(root, 'overlays/pal-e-prod/pal-e-docs-api.yaml'), 'namespace: pal-e-docs\nbackend: {service: pal-e-docs, port: 443}\nhostname: pal-e-docs-api\nfunnel: true\n');
    const result = run(root);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^overlays\/pal-e-prod\/pal-e-docs-api\.yaml:2:38 backend\.port: backend port 443 .* \(refused by pal-e-docs-api\/api-funnel\) \(app pal-e-docs-api, environment pal-e-prod, values from overlays\/pal-e-prod\/pal-e-docs-api.yaml\)$/m);
  });

  test('an overlay file for an app that does not exist is an error', () => {
    writeFileSync(join(root, 'overlays/pal-e-prod/pal-e-doc-api.yaml'), 'namespace: x\n');
    expect(run(root).stderr).toMatch(/overlays\/pal-e-prod\/pal-e-doc-api.yaml: names no app "pal-e-doc-api"/);
  });

  test('--env and --app narrow the run and leave the rest of dist/ alone', () => {
    addEcho(root, 'echo');
    expect(run(root)).toMatchObject({ code: EXIT.ok, stderr: '' });
    const funnel = join(root, 'dist/pal-e-prod/pal-e-docs-api/ingress-pal-e-docs-api-funnel.yaml');
    appendFileSync(funnel, '# kept\n');
    writeFileSync(join(root, 'overlays/pal-e-prod/echo.yaml'), 'namespace: echo\nhostname: echo2\n');
    const narrowed = run(root, '--env', 'pal-e-prod', '--app', 'echo');
    expect(narrowed.code).toBe(EXIT.ok);
    expect(readFileSync(funnel, 'utf8')).toMatch(/# kept/);
    expect(readTree(join(root, 'dist')).has('pal-e-prod/echo/ingress-echo2-funnel.yaml')).toBe(true);
    expect(readTree(join(root, 'dist')).has('pal-e-prod/echo/ingress-echo-funnel.yaml')).toBe(false);
    expect(run(root, '--env', 'nowhere').stderr).toMatch(/--env: names no environment "nowhere"/);
    expect(run(root, '--app', 'nothing').stderr).toMatch(/--app: names no app "nothing"/);
  });

  test('removing an app from an environment removes its directory from dist/', () => {
    addEcho(root, 'echo');
    expect(run(root).code).toBe(EXIT.ok);
    expect([...readTree(join(root, 'dist')).keys()].some((p) => p.startsWith('pal-e-prod/echo/'))).toBe(true);
    unlinkSync(join(root, 'overlays/pal-e-prod/echo.yaml'));
    expect(run(root).code).toBe(EXIT.ok);
    expect([...readTree(join(root, 'dist')).keys()].some((p) => p.startsWith('pal-e-prod/echo/'))).toBe(false);
  });

  test('two apps claiming one tailnet hostname in an environment is an error naming both', () => {
    addEcho(root, 'pal-e-docs-api');
    const result = run(root);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/pal-e-docs-api\/api-funnel: tailnet hostname "pal-e-docs-api" is already taken in environment pal-e-prod by echo\/funnel \(app echo\); app pal-e-docs-api claims it too/);
  });

  test('an environment directory without environment.yaml is an error naming the directory, and dist/ is unchanged', () => {
    const before = readTree(join(root, 'dist'));
    unlinkSync(join(root, 'overlays/pal-e-prod/environment.yaml'));
    const result = run(root);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/^overlays\/pal-e-prod\/: has no environment.yaml$/m);
    expect(result.stderr).toMatch(/fix: every environment directory needs the cluster facts in environment.yaml/);
    expect(readTree(join(root, 'dist'))).toEqual(before);
  });

  test('an environment.yaml without stage is an error at its file, line and key', () => {
    writeFileSync(join(root, 'overlays/pal-e-prod/environment.yaml'), 'cluster: pal-e\n');
    const result = run(root);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toMatch(/overlays\/pal-e-prod\/environment.yaml:1:1 stage: is required but missing/);
  });

  test('--help prints usage; unknown options are bad input', () => {
    expect(run(root, '--help').stdout).toMatch(/^Usage: npm run synth/);
    const bad = run(root, '--evn', 'x');
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.stderr).toMatch(/command line: Unknown option '--evn'/);
  });
});
