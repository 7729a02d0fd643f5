import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { parseDocument } from 'yaml';
import { guideFiles, guideProject, synthGuideProject } from '../guide-files';
import { ROOT } from '../helpers';

// docs/gitea-example.md, file for file and in-process: the guide's files are written into a
// scratch project whose `@platform/cdk8s-constructs/<entry>` imports resolve to this repository's
// lib/<entry> (what the package's entries are built from, scripts/package/package.json), then
// the CLI's own function synthesizes it. test/package/package.test.ts proves that the packed
// package works the same way in a real project; this test is about the example, and spawns nothing.
jest.mock('@platform/cdk8s-constructs/apps', () => jest.requireActual('../../lib/apps'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/cnpg', () => jest.requireActual('../../lib/cnpg'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/core', () => jest.requireActual('../../lib/core'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/gateway', () => jest.requireActual('../../lib/gateway'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/secrets', () => jest.requireActual('../../lib/secrets'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/tailscale', () => jest.requireActual('../../lib/tailscale'), { virtual: true });

const GUIDE = join(ROOT, 'docs', 'gitea-example.md');
const files = guideFiles(GUIDE);
/** What the guide shows as output: blocks whose info string is `text output:<name>`. */
const shown = (name: string) => files.get(`output:${name}`) ?? '';

/** A scratch project holding the guide's files, with `edit` applied to them. */
const project = (edit?: (path: string, content: string) => string) => guideProject(files, 'gitea-example', edit);
/** `npm run synth` in the project, in-process: the exit code and what it printed. */
const synth = synthGuideProject;

describe('docs/gitea-example.md', () => {
  const root = project();
  const scratch = [root];
  afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const read = (env: string, file: string) => parseDocument(readFileSync(join(root, 'dist', env, 'gitea', file), 'utf8')).toJS();

  test('the app is written with the library alone: no raw objects, no label sets copied from its internals', () => {
    const app = files.get('apps/gitea.ts')!;
    expect(app).not.toMatch(/\bk8s\b|Kube[A-Z]|ApiObject|addJsonPatch|from 'cdk8s/);
    expect(app).not.toMatch(/app\.kubernetes\.io|gateway\.envoyproxy\.io|tailscale\.com|cnpg\.io/);
  });

  test('staging and prod synthesize, with the files the guide lists', () => {
    const result = synth(root);
    expect(result.stderr.trim()).toBe('');
    expect(result.code).toBe(0);
    const listed = shown('dist/prod/gitea').split('\n').map((line) => line.trim().split(/\s+/)[0]).filter(Boolean).sort();
    expect(readdirSync(join(root, 'dist', 'prod', 'gitea')).sort()).toEqual(listed);
    // Staging: the same but for the admin entrance's hostname and production's database monitoring.
    const staging = listed
      .filter((f) => !/^(podmonitor|prometheusrule)-/.test(f))
      .map((f) => f.replace('ingress-gitea-admin-funnel', 'ingress-gitea-staging-admin-funnel'));
    expect(readdirSync(join(root, 'dist', 'staging', 'gitea')).sort()).toEqual(staging.sort());
  });

  test('the repositories volume: a ReadWriteOnce claim on the environment\'s class, never pruned, written by one pod that is replaced, not rolled', () => {
    const claim = read('prod', 'persistentvolumeclaim-gitea-repositories.yaml');
    expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'block-retain', resources: { requests: { storage: '50Gi' } } });
    expect(claim.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
    const deployment = read('prod', 'deployment-gitea.yaml');
    expect(deployment.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'repositories', persistentVolumeClaim: { claimName: 'gitea-repositories' } });
    expect(deployment.spec.template.spec.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'repositories', mountPath: '/var/lib/gitea' }, { name: 'writable-etc-gitea', mountPath: '/etc/gitea' }]));
  });

  test('the entrances: HTTPS on the Gateway, the admin on the tailnet only, and only their proxies reach the pods', () => {
    expect(read('prod', 'httproute-gitea.yaml').spec.hostnames).toEqual(['git.example.org']);
    const admin = read('prod', 'ingress-gitea-admin-funnel.yaml');
    expect(admin.spec).toMatchObject({ ingressClassName: 'tailscale', tls: [{ hosts: ['gitea-admin'] }] });
    expect(admin.metadata.annotations?.['tailscale.com/funnel']).toBeUndefined();
    const [rule] = read('prod', 'networkpolicy-gitea-ingress.yaml').spec.ingress;
    expect(rule.from.map((peer: { podSelector: { matchLabels: Record<string, string> } }) => peer.podSelector.matchLabels)).toEqual([
      { 'gateway.envoyproxy.io/owning-gateway-name': 'gitea', 'gateway.envoyproxy.io/owning-gateway-namespace': 'gitea' },
      { 'tailscale.com/parent-resource': 'gitea-admin-funnel', 'tailscale.com/parent-resource-ns': 'gitea', 'tailscale.com/parent-resource-type': 'ingress' },
    ]);
  });

  test('the database archives through the Barman Cloud plugin with the ExternalSecret\'s credentials, and admits Gitea', () => {
    const cluster = read('prod', 'cluster-gitea-db.yaml');
    expect(cluster.spec.plugins).toEqual([expect.objectContaining({ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'gitea-backups' } })]);
    expect(read('prod', 'scheduledbackup-gitea-db-backup.yaml').spec).toMatchObject({ method: 'plugin', schedule: '0 0 3 * * *' });
    expect(read('prod', 'objectstore-gitea-backups.yaml').spec.configuration.s3Credentials.accessKeyId.name).toBe(read('prod', 'externalsecret-gitea-backup-s3.yaml').spec.target.name);
    const clients = read('prod', 'networkpolicy-gitea-db-ingress.yaml').spec.ingress.flatMap((r: { from: unknown[] }) => r.from);
    expect(clients).toContainEqual(expect.objectContaining({ podSelector: { matchLabels: read('prod', 'deployment-gitea.yaml').spec.selector.matchLabels } }));
  });

  test('the guide\'s errors: two replicas on the ReadWriteOnce volume, a negative size', () => {
    const replicas = project((path, content) => (path === 'apps/gitea.ts' ? content.replace('replicas: 1,', 'replicas: 2,') : content));
    const size = project((path, content) => (path === 'overlays/staging/gitea.yaml' ? content.replace('repositoriesSize: 10Gi', 'repositoriesSize: -10Gi') : content));
    scratch.push(replicas, size);
    for (const [dir, name] of [[replicas, 'replicas'], [size, 'size']] as const) {
      const result = synth(dir);
      expect(result.code).toBe(2);
      // The line of apps/gitea.ts is compared as a line of that file: jest maps the stacks of code
      // it transformed a few lines off, so the exact number is checked where the real CLI runs
      // (test/pipeline/engine/bundle-errors.e2e.test.ts).
      const anyLine = (text: string) => text.replace(/apps\/gitea\.ts:\d+:\d+ /g, 'apps/gitea.ts:<line>:<column> ');
      expect(anyLine(result.stderr)).toBe(anyLine(shown(name)));
    }
  });

  test('the guide\'s TypeScript type-checks against the library (strict, in-process)', () => {
    const app = join(root, 'apps', 'index.ts');
    const program = ts.createProgram([app], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      baseUrl: ROOT,
      paths: { '@platform/cdk8s-constructs/*': ['lib/*'] },
    });
    const diagnostics = program.getSourceFiles().filter((f) => f.fileName.startsWith(root))
      .flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])
      .map((d) => `${d.file?.fileName.slice(root.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
