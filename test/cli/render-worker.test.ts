import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { apps } from '../../apps';
import { runCli } from '../../lib/core/cli';
import { readTree } from '../../lib/core/output';
import { runRenderJob, type RenderJob } from '../../lib/core/render-thread';
import { RenderWorker } from '../../lib/core/render-worker';
import type { KubeObject } from '../../lib/core/schema-validation';
import { scratchProject } from '../helpers';

const configMap = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'value' }, ...extra });

// The render worker as the synth CLI runs it: the script the build writes (.build/render-worker.js)
// on a worker thread, driven from this thread. Results must be the ones runRenderJob gives here.
// RenderWorker starts no thread on a machine with one CPU: those tests need two.
const withThreads = availableParallelism() > 1 ? test : test.skip;

describe('the render worker', () => {
  let root: string;
  let script: string;
  beforeAll(() => {
    root = scratchProject();
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, encoding: 'utf8' });
    expect(built.status).toBe(0);
    script = join(root, '.build', 'render-worker.js');
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const valid: RenderJob = { objects: [configMap('a'), configMap('b')], wheres: ['x/a', 'x/b'], files: { objects: [configMap('a'), configMap('b')], header: '# h' } };
  const invalid: RenderJob = { objects: [configMap('a', { bogus: 1 }), configMap('b', { data: { key: 2 } })], wheres: ['x/a', 'x/b'], files: { objects: [configMap('a')], header: '# h' } };
  const failing: RenderJob = { objects: [], wheres: [], files: { objects: [configMap('same'), configMap('same')], header: '#' } };

  withThreads('answers jobs as this thread would, read in any order; a bug in a job is thrown when read', () => {
    const worker = new RenderWorker({ file: script, minJobs: 0 });
    try {
      worker.expectJobs(1);
      expect(worker.started).toBe(true);
      const [first, second, third] = [worker.submit(valid), worker.submit(invalid), worker.submit(failing)];
      expect(third).toThrow('two objects render to configmap-same.yaml');
      expect(third).toThrow('two objects render to configmap-same.yaml'); // read again: the same
      expect(second()).toEqual(runRenderJob(invalid));
      expect(second().problems.map((p) => p.where)).toEqual(['x/a (ConfigMap a) bogus', 'x/b (ConfigMap b) data.key']);
      expect(first()).toEqual(runRenderJob(valid));
      expect(first().files?.get('configmap-a.yaml')).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  key: value\n');
    } finally {
      worker.close();
    }
  });

  test('fewer jobs than minJobs: no thread is started and the jobs are done here', () => {
    const worker = new RenderWorker({ file: script, minJobs: 4 });
    worker.expectJobs(3);
    expect(worker.submit(valid)()).toEqual(runRenderJob(valid));
    expect(worker.started).toBe(false);
    worker.close();
    expect(() => worker.submit(valid)).toThrow('the render worker was closed');
  });

  withThreads('a worker whose script does not load is given up at once: its jobs are done here, and failure says why', () => {
    const worker = new RenderWorker({ file: join(root, '.build', 'no-such-worker.js'), minJobs: 0 });
    worker.expectJobs(2);
    const started = Date.now();
    const results = [worker.submit(valid), worker.submit(invalid)];
    expect(results.map((result) => result())).toEqual([runRenderJob(valid), runRenderJob(invalid)]);
    expect(Date.now() - started).toBeLessThan(5_000); // not the 10 s of patience
    expect(worker.failure).toMatch(/^the render worker \(.*no-such-worker\.js\) stopped: Cannot find module/);
    expect(worker.submit(valid)()).toEqual(runRenderJob(valid)); // later jobs too
    worker.close();
  });

  withThreads('a worker that stops partway, or stops answering, is given up: the rest is done here, the same', () => {
    // Dies on its second job, before answering it: its exit handlers run, as on an uncaught error.
    const dying = join(root, 'dying-worker.js');
    writeFileSync(dying, `let n = 0;\nrequire('node:worker_threads').parentPort.on('message', () => { if (++n === 2) process.exit(1); });\nrequire(${JSON.stringify(script)});\n`);
    const worker = new RenderWorker({ file: dying, minJobs: 0 });
    worker.expectJobs(3);
    const results = [worker.submit(valid), worker.submit(invalid), worker.submit(valid)];
    expect(results.map((result) => result())).toEqual([runRenderJob(valid), runRenderJob(invalid), runRenderJob(valid)]);
    expect(worker.failure).toMatch(/stopped$/);
    worker.close();

    // Never answers (as a worker that ran out of memory, whose exit handlers do not run).
    const stuck = join(root, 'stuck-worker.js');
    writeFileSync(stuck, 'setInterval(() => undefined, 1000);\n');
    const silent = new RenderWorker({ file: stuck, minJobs: 0, patienceMs: 300 });
    silent.expectJobs(2);
    const late = [silent.submit(invalid), silent.submit(valid)];
    expect(late.map((result) => result())).toEqual([runRenderJob(invalid), runRenderJob(valid)]);
    expect(silent.failure).toBe(`the render worker (${stuck}) gave no answer for 300 ms`);
    silent.close();
  });

  describe('in the CLI', () => {
    /** What --check prints when dist/ is current: the committed dist/'s file count, whatever it is today. */
    const upToDate = () => `dist/ matches a fresh synth (${readTree(join(root, 'dist')).size} files).`;
    const run = (argv: string[], minJobs = 0) => {
      const out: string[] = [];
      const err: string[] = [];
      const status = runCli(argv, { root, apps, stdout: (l) => out.push(l), stderr: (l) => err.push(l), color: false, renderWorker: { file: script, minJobs } });
      return { status, out: out.join('\n'), err: err.join('\n') };
    };

    test('a synth through the worker matches dist/ as the single thread does', () => {
      // Whether each RenderWorker the CLI made had started its thread when the CLI closed it.
      const started: boolean[] = [];
      const close = RenderWorker.prototype.close;
      const spy = jest.spyOn(RenderWorker.prototype, 'close').mockImplementation(function (this: RenderWorker) {
        started.push(this.started);
        close.call(this);
      });
      try {
        expect(run(['--check'])).toEqual({ status: 0, out: upToDate(), err: '' });
        expect(started).toEqual([availableParallelism() > 1]); // on one CPU, no thread
        expect(run(['--check', '--single-thread'])).toEqual({ status: 0, out: upToDate(), err: '' });
        expect(run(['--check'], 1000)).toEqual({ status: 0, out: upToDate(), err: '' });
        expect(started).toEqual([availableParallelism() > 1, false]); // none made for --single-thread; none started below minJobs
      } finally {
        spy.mockRestore();
      }
    });

    test('bad input: the same report, word for word, with and without the worker', () => {
      const sandbox = join(root, 'overlays', 'cfp-sandbox', 'codeforphilly.yaml');
      const prod = join(root, 'overlays', 'cfp-prod', 'codeforphilly.yaml');
      const [sandboxText, prodText] = [readFileSync(sandbox, 'utf8'), readFileSync(prod, 'utf8')];
      try {
        // In three environments: an exception the policy finds stale, a name no app has, and an
        // overlay value its schema refuses.
        writeFileSync(prod, `${prodText}policyExceptions:\n  - rule: pss-restricted\n    kind: Deployment\n    name: codeforphilly\n    reason: a test\n`);
        writeFileSync(join(root, 'overlays', 'cfp-prod', 'nope.yaml'), 'namespace: nope\n');
        writeFileSync(sandbox, sandboxText.replace(/^namespace: .*$/m, 'namespace: Not_A_Label'));
        const worker = run(['--out', '.build/out']);
        const single = run(['--out', '.build/out', '--single-thread']);
        expect(worker.status).toBe(2);
        expect(worker.err.split('\n').filter((line) => line.startsWith('overlays/')).map((line) => line.replace(/:\d+:\d+ .*|: .*/, ''))).toEqual([
          'overlays/cfp-prod/codeforphilly.yaml',
          'overlays/cfp-prod/nope.yaml',
          'overlays/cfp-sandbox/codeforphilly.yaml',
        ]);
        expect(worker).toEqual(single);
      } finally {
        writeFileSync(sandbox, sandboxText);
        writeFileSync(prod, prodText);
        rmSync(join(root, 'overlays', 'cfp-prod', 'nope.yaml'), { force: true });
      }
    });

    withThreads('a worker given up is a warning; the output is the same', () => {
      const stuck = join(root, 'stuck-worker.js');
      writeFileSync(stuck, 'setInterval(() => undefined, 1000);\n');
      const out: string[] = [];
      const err: string[] = [];
      const status = runCli(['--check'], { root, apps, stdout: (l) => out.push(l), stderr: (l) => err.push(l), color: false, renderWorker: { file: stuck, minJobs: 0, patienceMs: 300 } });
      expect({ status, out, err }).toEqual({
        status: 0,
        out: [upToDate()],
        err: [`warning: the render worker (${stuck}) gave no answer for 300 ms; the rest was done on the main thread`],
      });
    });

    test('--help lists --single-thread; the worker\'s bundle holds no cdk8s', () => {
      expect(run(['--help']).out).toContain('--single-thread');
      expect(readFileSync(join(root, '.build', 'render-worker.bundle.js'), 'utf8')).not.toContain('node_modules/cdk8s/');
    });
  });
});
