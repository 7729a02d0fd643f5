import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { parseDocument } from 'yaml';
import { guideFiles, guideProject, synthGuideProject } from '../guide-files';
import { ROOT } from '../helpers';

// docs/miniflux-example.md, file for file and in-process, as test/docs/gitea-example.e2e.test.ts
// does for Gitea: the guide's files in a scratch project whose `@platform/cdk8s-constructs/<entry>`
// imports resolve to lib/<entry>, synthesized by the CLI's own function; nothing is spawned.
jest.mock('@platform/cdk8s-constructs/apps', () => jest.requireActual('../../lib/apps'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/cnpg', () => jest.requireActual('../../lib/cnpg'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/core', () => jest.requireActual('../../lib/core'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/gateway', () => jest.requireActual('../../lib/gateway'), { virtual: true });
jest.mock('@platform/cdk8s-constructs/secrets', () => jest.requireActual('../../lib/secrets'), { virtual: true });

// The time budget: three scratch projects synthesized in-process, and one strict type-check.
jest.setTimeout(60_000);

const GUIDE = join(ROOT, 'docs', 'miniflux-example.md');
const files = guideFiles(GUIDE);
/** What the guide shows as output: blocks whose info string is `text output:<name>`. */
const shown = (name: string) => files.get(`output:${name}`) ?? '';

/** A scratch project holding the guide's files, with `edit` applied to them. */
const project = (edit?: (path: string, content: string) => string) => guideProject(files, 'miniflux-example', edit);
/** `npm run synth` in the project, in-process: the exit code and what it printed. */
const synth = synthGuideProject;

describe('docs/miniflux-example.md', () => {
  const root = project();
  const scratch = [root];
  afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const read = (env: string, file: string) => parseDocument(readFileSync(join(root, 'dist', env, 'miniflux', file), 'utf8')).toJS();

  test('the app is written with the library alone: no raw objects, no label sets copied from its internals', () => {
    const app = files.get('apps/miniflux.ts')!;
    expect(app).not.toMatch(/\bk8s\b|Kube[A-Z]|ApiObject|addJsonPatch|from 'cdk8s/);
    expect(app).not.toMatch(/app\.kubernetes\.io|gateway\.envoyproxy\.io|tailscale\.com|cnpg\.io/);
  });

  test('staging and prod synthesize, with the files the guide lists', () => {
    const result = synth(root);
    expect(result.stderr.trim()).toBe('');
    expect(result.code).toBe(0);
    const listed = shown('dist/prod/miniflux').split('\n').map((line) => line.trim().split(/\s+/)[0]).filter(Boolean).sort();
    expect(readdirSync(join(root, 'dist', 'prod', 'miniflux')).sort()).toEqual(listed);
    const staging = listed
      .filter((f) => !/^(podmonitor|prometheusrule)-/.test(f))
      .map((f) => f.replace('ingress-miniflux-admin-funnel', 'ingress-miniflux-staging-admin-funnel'));
    expect(readdirSync(join(root, 'dist', 'staging', 'miniflux')).sort()).toEqual(staging.sort());
  });

  test('stateless and autoscaled: no spec.replicas, an autoscaler from the overlay\'s min to max, a disruption budget, rolling updates', () => {
    const deployment = read('prod', 'deployment-miniflux.yaml');
    expect(deployment.spec).not.toHaveProperty('replicas');
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate' });
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    const hpa = read('prod', 'horizontalpodautoscaler-miniflux.yaml');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'miniflux' }, minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(read('prod', 'poddisruptionbudget-miniflux.yaml').spec.maxUnavailable).toBe(1);
  });

  test('the image\'s contract: user 65534, readiness on /readiness, liveness on /liveness, a 60 s startup budget, no migration or scheduler in the pods', () => {
    const pod = read('prod', 'deployment-miniflux.yaml').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true });
    const [container] = pod.containers;
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/liveness', port: 'http' });
    expect(container.startupProbe).toEqual({ httpGet: { path: '/liveness', port: 'http' }, periodSeconds: 5, failureThreshold: 12 });
    expect(container.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'miniflux-db-app', key: 'uri' } } }]);
    expect(read('prod', 'configmap-miniflux-env.yaml').data).toEqual({ BASE_URL: 'https://reader.example.org/', CREATE_ADMIN: '1', DISABLE_SCHEDULER_SERVICE: '1', RUN_MIGRATIONS: '0' });
  });

  test('the migration: the image\'s own command, as a Sync hook before the Deployment, admitted by the database', () => {
    const job = read('prod', 'job-miniflux-migrate.yaml');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
    const wave = (o: { metadata: { annotations?: Record<string, string> } }) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    expect(wave(job)).toBeLessThan(wave(read('prod', 'deployment-miniflux.yaml')));
    const [container] = job.spec.template.spec.containers;
    expect(container.command).toEqual(['/usr/bin/miniflux', '-migrate']);
    expect(container.env).toEqual(read('prod', 'deployment-miniflux.yaml').spec.template.spec.containers[0].env);
    // The database admits the pods of the Job, of the Deployment and of each CronJob: some peer's labels are all theirs.
    const peers: Array<Record<string, string>> = read('prod', 'networkpolicy-miniflux-db-ingress.yaml').spec.ingress
      .flatMap((r: { from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }) => r.from.map((p) => p.podSelector.matchLabels));
    const admitted = (labels: Record<string, string>) => peers.some((peer) => Object.entries(peer).every(([k, v]) => labels[k] === v));
    expect(admitted(job.spec.template.metadata.labels)).toBe(true);
    expect(admitted(read('prod', 'deployment-miniflux.yaml').spec.template.metadata.labels)).toBe(true);
    for (const cron of ['cronjob-miniflux-refresh-feeds.yaml', 'cronjob-miniflux-cleanup.yaml']) expect(admitted(read('prod', cron).spec.jobTemplate.spec.template.metadata.labels)).toBe(true);
    // ... and not the Gateway's proxies, say.
    expect(admitted({ 'gateway.envoyproxy.io/owning-gateway-name': 'miniflux' })).toBe(false);
  });

  test('the scheduler\'s work, once: CronJobs for feeds and cleanup with the image\'s flags', () => {
    const refresh = read('prod', 'cronjob-miniflux-refresh-feeds.yaml');
    expect(refresh.spec).toMatchObject({ schedule: '*/10 * * * *', concurrencyPolicy: 'Forbid' });
    expect(refresh.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(['/usr/bin/miniflux', '-refresh-feeds']);
    expect(read('prod', 'cronjob-miniflux-cleanup.yaml').spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(['/usr/bin/miniflux', '-run-cleanup-tasks']);
  });

  test('two entrances: the public route redirects user administration to the tailnet entrance, first, and serves the rest', () => {
    const route = read('prod', 'httproute-miniflux.yaml');
    expect(route.spec.hostnames).toEqual(['reader.example.org']);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/users' } }, { path: { type: 'Exact', value: '/user/create' } }, { path: { type: 'Exact', value: '/user/save' } }],
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'miniflux-admin.tail0000.ts.net', statusCode: 302 } }],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ kind: 'Service', name: 'miniflux', port: 8080 }] },
    ]);
    const admin = read('prod', 'ingress-miniflux-admin-funnel.yaml');
    expect(admin.spec).toMatchObject({ ingressClassName: 'tailscale', defaultBackend: { service: { name: 'miniflux', port: { number: 8080 } } } });
    expect(admin.metadata.annotations?.['tailscale.com/funnel']).toBeUndefined();
    const [rule] = read('prod', 'networkpolicy-miniflux-ingress.yaml').spec.ingress;
    expect(rule.from.map((peer: { podSelector: { matchLabels: Record<string, string> } }) => peer.podSelector.matchLabels)).toEqual([
      { 'gateway.envoyproxy.io/owning-gateway-name': 'miniflux', 'gateway.envoyproxy.io/owning-gateway-namespace': 'miniflux' },
      { 'tailscale.com/parent-resource': 'miniflux-admin-funnel', 'tailscale.com/parent-resource-ns': 'miniflux', 'tailscale.com/parent-resource-type': 'ingress' },
    ]);
  });

  test('the guide\'s errors: a public path inside the tailnet-only part, a Secret\'s bare name', () => {
    const paths = project((path, content) => (path === 'apps/miniflux.ts' ? content.replace('route: { gateway, hostnames: [values.hostname] },', "route: { gateway, hostnames: [values.hostname], paths: [{ value: '/' }, { value: '/users/export' }] },") : content));
    const shape = project((path, content) => (path === 'apps/miniflux.ts' ? content.replace('envFromSecrets: [admin],', "envFromSecrets: ['miniflux-admin-user' as never],") : content));
    scratch.push(paths, shape);
    for (const [dir, name] of [[shape, 'shape'], [paths, 'paths']] as const) {
      expect(readFileSync(join(dir, 'apps', 'miniflux.ts'), 'utf8')).not.toBe(files.get('apps/miniflux.ts'));
      const result = synth(dir);
      expect(result.code).toBe(2);
      // The line of apps/miniflux.ts is compared as a line of that file (jest maps the stacks of
      // code it transformed a few lines off; the real CLI's lines: bundle-errors.e2e.test.ts).
      const anyLine = (text: string) => text.replace(/apps\/miniflux\.ts:\d+:\d+ /g, 'apps/miniflux.ts:<line>:<column> ');
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
  });
});
