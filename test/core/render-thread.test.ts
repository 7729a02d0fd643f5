import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ApiObject } from 'cdk8s';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import { UserError } from '../../lib/core/errors';
import { renderAppFiles } from '../../lib/core/output';
import { CURRENT_THREAD, runRenderJob, type RenderJob, type RenderThread } from '../../lib/core/render-thread';
import { validateObject, type KubeObject } from '../../lib/core/schema-validation';
import { synthesize } from '../../lib/core/synth';
import { declareExisting, restrictedDeployment, ROOT } from '../helpers';

const configMap = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'value' }, ...extra });

describe('runRenderJob and CURRENT_THREAD', () => {
  test('valid objects: no problems, and the files renderAppFiles writes', () => {
    const objects = [configMap('a'), configMap('b')];
    const result = CURRENT_THREAD.submit({ objects, wheres: ['x/a', 'x/b'], files: { objects, header: '# h' } })();
    expect(result.problems).toEqual([]);
    expect(result.files).toEqual(renderAppFiles(objects, '# h'));
  });

  test('an invalid object: validateObject\'s problems, named by its construct path, and no files', () => {
    const bad = configMap('b', { bogus: true });
    const result = runRenderJob({ objects: [configMap('a'), bad], wheres: ['x/a', 'x/b'], files: { objects: [configMap('a'), bad], header: '# h' } });
    expect(result.problems).toEqual(validateObject(bad, 'x/b'));
    expect(result.problems.map((p) => p.where)).toEqual(['x/b (ConfigMap b) bogus']);
    expect(result.files).toBeUndefined();
  });

  test('no files unless asked for', () => {
    expect(runRenderJob({ objects: [configMap('a')], wheres: ['x/a'] })).toEqual({ problems: [] });
  });

  test('a job that throws (a bug) throws when its result is read, not when it is submitted', () => {
    const twice = [configMap('same'), configMap('same')];
    const read = CURRENT_THREAD.submit({ objects: twice, wheres: ['x/1', 'x/2'], files: { objects: twice, header: '#' } });
    expect(read).toThrow('two objects render to configmap-same.yaml');
  });
});

/**
 * A test app whose overlay picks what goes wrong: a construct validation (reported at once), an
 * object the upstream schema rejects that also breaks the policy (only the schema problem is
 * reported, as before the render thread existed), or the policy alone.
 */
const faulty = (name: string): AppDefinition => defineApp({
  name,
  description: 'test app whose overlay chooses its fault',
  values: Type.Object({ fault: Type.Union(['none', 'construct', 'schema', 'policy', 'bug-in-job', 'bug-in-build'].map((f) => Type.Literal(f))) }, { additionalProperties: false }),
  build(chart, values) {
    restrictedDeployment(chart, name, { escalate: values.fault === 'schema' || values.fault === 'policy' });
    if (values.fault === 'schema') new ApiObject(chart, 'odd', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-odd` }, spec: { replicas: 1 } });
    if (values.fault === 'construct') chart.node.addValidation({ validate: () => [`${name} refuses to build`] });
    // Two objects one file would hold: a bug renderAppFiles finds, in the render job.
    if (values.fault === 'bug-in-job') for (const id of ['one', 'two']) new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-twice` } });
    if (values.fault === 'bug-in-build') throw new Error(`${name}: a bug in build()`);
  },
});

/** Runs each job only when its result is read, after everything submitted before: as late as a busy worker. */
function lateThread(): RenderThread & { jobs: number; expected?: number } {
  const thread = {
    jobs: 0,
    expected: undefined as number | undefined,
    expectJobs(jobs: number) {
      thread.expected = jobs;
    },
    submit(job: RenderJob) {
      thread.jobs++;
      return () => runRenderJob(job);
    },
  };
  return thread;
}

describe('synthesize with a render thread', () => {
  const apps = ['a', 'b', 'c', 'd'].map(faulty);
  let overlays: string;
  beforeAll(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'render-thread-')), 'overlays');
    for (const env of ['cfp-sandbox', 'cfp-staging']) {
      mkdirSync(join(overlays, env), { recursive: true });
      writeFileSync(join(overlays, env, 'environment.yaml'), readFileSync(join(ROOT, 'overlays', env, 'environment.yaml')));
      // The test apps emit no Namespace: their namespaces are declared as existing.
      declareExisting(overlays, env, { namespaces: ['a', 'b', 'c', 'd'] });
    }
  });
  afterAll(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const write = (env: string, faults: Record<string, string>) => {
    for (const [app, fault] of Object.entries(faults)) writeFileSync(join(overlays, env, `${app}.yaml`), `namespace: ${app}\nfault: ${fault}\n`);
  };
  const problemsWith = (thread: RenderThread) => {
    try {
      synthesize({ apps, overlaysDir: overlays, renderThread: thread });
    } catch (error) {
      if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}`);
      throw error;
    }
    throw new Error('expected a UserError');
  };

  test('problems come in the order of the work, whichever thread validates and however late', () => {
    write('cfp-sandbox', { a: 'policy', b: 'schema', c: 'construct', d: 'none' });
    write('cfp-staging', { a: 'schema', b: 'none', c: 'policy', d: 'construct' });
    writeFileSync(join(overlays, 'cfp-sandbox', 'nope.yaml'), 'namespace: nope\n');
    try {
      const here = problemsWith(CURRENT_THREAD);
      expect(here.map((p) => p.replace(/: .*/s, ''))).toEqual([
        'a/web (Deployment a/a)', // cfp-sandbox/a.yaml: the policy
        'b/odd (ConfigMap b/b-odd) spec', // cfp-sandbox/b.yaml: the schema, not also the policy
        'c', // cfp-sandbox/c.yaml: a construct validation
        'overlays/cfp-sandbox/nope.yaml', // no such app
        'a/odd (ConfigMap a/a-odd) spec', // cfp-staging
        'c/web (Deployment c/c)',
        'd',
      ]);
      expect(here[0]).toBe('a/web (Deployment a/a): [rule pss-restricted] container "web" allows privilege escalation');
      expect(here[1]).toBe('b/odd (ConfigMap b/b-odd) spec: is not a field of this kind in the pinned upstream schema; the API server would drop or reject it');
      expect(problemsWith(lateThread())).toEqual(here);
    } finally {
      rmSync(join(overlays, 'cfp-sandbox', 'nope.yaml'));
    }
  });

  test('faults of app code (two objects with one name, a throw in build()) are input problems, in the order of the work', () => {
    write('cfp-sandbox', { a: 'bug-in-job', b: 'bug-in-build', c: 'none', d: 'none' });
    write('cfp-staging', { a: 'none', b: 'none', c: 'none', d: 'none' });
    const here = problemsWith(CURRENT_THREAD);
    // The line of the throw (under ts-jest, of its transpiled code: test/cli/exit-codes.test.ts checks the mapped line of a real bundle).
    expect(here.map((p) => p.replace(/: .*/s, ''))).toEqual(['a/two', expect.stringMatching(/^test\/core\/render-thread\.test\.ts:\d+:\d+$/)]);
    expect(here[1]).toMatch(/app b threw Error: b: a bug in build\(\) while building for environment cfp-sandbox/);
    expect(problemsWith(lateThread())).toEqual(here);
  });

  test('the same files either way; expectJobs() is told the number of jobs first', () => {
    write('cfp-sandbox', { a: 'none', b: 'none', c: 'none', d: 'none' });
    write('cfp-staging', { a: 'none', b: 'none', c: 'none', d: 'none' });
    const late = lateThread();
    const files = synthesize({ apps, overlaysDir: overlays, renderThread: late }).files;
    expect(files).toEqual(synthesize({ apps, overlaysDir: overlays }).files);
    expect(late.expected).toBe(2 * 4 + 2); // a job per pair and one per environment's ArgoCD objects
    expect(late.jobs).toBe(late.expected);

    const narrowed = lateThread();
    synthesize({ apps, overlaysDir: overlays, renderThread: narrowed, appNames: ['b'] });
    expect(narrowed.expected).toBe(2); // --app writes no environment files
    expect(narrowed.jobs).toBe(2);
  });
});
