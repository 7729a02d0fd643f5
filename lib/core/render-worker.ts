import { availableParallelism } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { CURRENT_THREAD, runRenderJob, type Later, type RenderedJob, type RenderJob, type RenderThread } from './render-thread';

/**
 * Synth's second thread. The synth CLI builds and renders each app on the main thread and hands
 * its objects to a worker thread, which validates them against their upstream schemas and writes
 * their YAML (runRenderJob) while the main thread builds the next app. That is about a third of
 * the work per app; at 1000 pairs, `--check` went from 4.3 to 3.3 s (docs/performance.md).
 *
 * Synth stays synchronous: a job's result is read by blocking on a shared counter the worker
 * bumps after each reply (Atomics.wait), then taking the reply off a MessagePort without the
 * event loop (receiveMessageOnPort). Replies can be read in any order; each job is its own.
 *
 * A worker that stops (its script does not load, it runs out of memory) or does not answer in
 * time is given up: the jobs not yet answered are done on the calling thread, with the same
 * results, and `failure` says why. A job that throws (a bug) is thrown when its result is read,
 * as on the calling thread.
 */

/** What a RenderWorker runs, and when it starts a thread. */
export interface RenderWorkerProps {
  /** The worker's script, which calls serveRenderJobs(): the build writes `.build/render-worker.js`. */
  readonly file: string;
  /**
   * The fewest jobs (one per app and environment, plus one per environment for its ArgoCD objects)
   * for which a worker thread is started; a run with fewer does them on the calling thread. A
   * worker thread takes 30 to 45 ms to start on this machine and then compiles the validators and
   * the YAML emitter again, which a run of a dozen jobs does not earn back (docs/performance.md).
   * @default 32
   */
  readonly minJobs?: number;
  /**
   * How long to wait for the worker's next answer before giving it up (a job takes milliseconds;
   * a worker that ran out of memory never answers, and cannot say so).
   * @default 10000
   */
  readonly patienceMs?: number;
}

/**
 * Where the synth CLI sends render jobs: to a worker thread when the run is large enough
 * (`minJobs`) and the machine has two CPUs or more, else to the calling thread. The results are
 * the same either way.
 */
export class RenderWorker implements RenderThread {
  private readonly props: RenderWorkerProps;
  private readonly minJobs: number;
  private connection?: WorkerConnection;
  private closed = false;

  constructor(props: RenderWorkerProps) {
    this.props = props;
    this.minJobs = props.minJobs ?? 32;
  }

  /**
   * Starts the worker thread, once, if `jobs` is at least `minJobs` and there is a second CPU for
   * it: before the first job, so it starts while the first app is built.
   */
  public expectJobs(jobs: number): void {
    if (!this.closed && !this.connection && jobs >= this.minJobs && availableParallelism() > 1) this.connection = new WorkerConnection(this.props.file, this.props.patienceMs ?? 10_000);
  }

  public submit(job: RenderJob): Later<RenderedJob> {
    if (this.closed) throw new Error('the render worker was closed');
    return (this.connection ?? CURRENT_THREAD).submit(job);
  }

  /** Whether a worker thread was started. */
  public get started(): boolean {
    return this.connection !== undefined;
  }

  /** Why the worker was given up, its remaining jobs done on the calling thread; undefined while it answers. */
  public get failure(): string | undefined {
    return this.connection?.failure;
  }

  /** Stops the worker thread, if one was started (once; later calls do nothing). Results not yet read are lost. */
  public close(): void {
    this.closed = true;
    this.connection?.close();
  }
}

/** node:worker_threads, loaded only where a thread is started or serves: a small run never needs it (3 ms). */
function threads(): typeof import('node:worker_threads') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:worker_threads');
}

/** Index in the shared Int32Array: how many replies the worker has posted (bumped once more when it stops). */
const ANSWERED = 0;
/** Index in the shared Int32Array: 1 once the worker thread has stopped. */
const STOPPED = 1;
/** The id of the reply a worker posts when its script fails to load. */
const LOAD_FAILED = -1;

interface Request {
  readonly id: number;
  readonly job: RenderJob;
}

type Reply =
  | { readonly id: number; readonly result: RenderedJob }
  | { readonly id: number; readonly error: { readonly name: string; readonly message: string; readonly stack?: string } };

/** What the worker is started with. */
interface RenderWorkerData {
  /** The worker's script: a bundle that calls serveRenderJobs(). */
  readonly file: string;
  /** Where replies go (the other end is read with receiveMessageOnPort). */
  readonly replies: MessagePort;
  /** ANSWERED and STOPPED, shared with the main thread. */
  readonly signal: Int32Array;
}

/**
 * The worker's first code: mark the shared STOPPED flag when the thread ends for any reason, and
 * report a script that fails to load instead of leaving the main thread waiting.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
process.on('exit', () => {
  Atomics.store(workerData.signal, ${STOPPED}, 1);
  Atomics.add(workerData.signal, ${ANSWERED}, 1);
  Atomics.notify(workerData.signal, ${ANSWERED});
});
try {
  require(workerData.file);
} catch (error) {
  workerData.replies.postMessage({ id: ${LOAD_FAILED}, error: { name: 'Error', message: String(error && error.message), stack: error && error.stack } });
  throw error;
}
`;

/** A worker thread running `file` (which calls serveRenderJobs()); it does not keep the process alive. */
class WorkerConnection implements RenderThread {
  /** Why the worker was given up; from then on, jobs are done on the calling thread. */
  public failure?: string;
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  private readonly received = new Map<number, Reply>();
  /** Jobs whose results were not read yet: done here if the worker is given up. */
  private readonly unread = new Map<number, RenderJob>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly file: string, private readonly patienceMs: number) {
    const { MessageChannel, Worker } = threads();
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    const data: RenderWorkerData = { file, replies: port2, signal: this.signal };
    this.worker = new Worker(BOOT, { eval: true, workerData: data, transferList: [port2] });
    // A worker that stops is reported by the next wait (STOPPED); without a listener, its 'error'
    // event would end this process from the event loop instead.
    this.worker.on('error', () => undefined);
    this.worker.unref();
    this.replies.unref();
  }

  public submit(job: RenderJob): Later<RenderedJob> {
    if (this.failure) return CURRENT_THREAD.submit(job);
    const id = this.nextId++;
    this.unread.set(id, job);
    this.worker.postMessage({ id, job } satisfies Request);
    // Read as often as wanted, like CURRENT_THREAD's results: the reply is taken off the port once.
    let outcome: { readonly result: RenderedJob } | { readonly error: unknown } | undefined;
    return () => {
      if (!outcome) {
        try {
          outcome = { result: this.wait(id) };
        } catch (error) {
          outcome = { error };
        }
      }
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    };
  }

  public close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
    this.replies.close();
  }

  private wait(id: number): RenderedJob {
    const job = this.unread.get(id)!;
    this.unread.delete(id);
    for (;;) {
      const reply = this.received.get(id);
      if (reply) {
        this.received.delete(id);
        if ('error' in reply) throw Object.assign(new Error(reply.error.message), { name: reply.error.name, stack: reply.error.stack });
        return reply.result;
      }
      if (this.failure) return runRenderJob(job);
      const seen = Atomics.load(this.signal, ANSWERED);
      const message = threads().receiveMessageOnPort(this.replies);
      if (message) {
        const next = message.message as Reply;
        this.received.set(next.id, next);
        continue;
      }
      if (Atomics.load(this.signal, STOPPED) === 1) {
        const failed = this.received.get(LOAD_FAILED);
        this.giveUp(`the render worker (${this.file}) stopped${failed && 'error' in failed ? `: ${failed.error.message}` : ''}`);
      } else if (Atomics.wait(this.signal, ANSWERED, seen, this.patienceMs) === 'timed-out') {
        this.giveUp(`the render worker (${this.file}) gave no answer for ${this.patienceMs} ms`);
      }
    }
  }

  private giveUp(why: string): void {
    this.failure = why;
    this.close();
  }
}

/** In the worker's script: does every job the main thread sends, in order, until it is stopped. */
export function serveRenderJobs(): void {
  const { parentPort, workerData } = threads();
  if (!parentPort) throw new Error('serveRenderJobs() runs in the worker thread a RenderWorker starts');
  const { replies, signal } = workerData as RenderWorkerData;
  parentPort.on('message', ({ id, job }: Request) => {
    let reply: Reply;
    try {
      reply = { id, result: runRenderJob(job) };
    } catch (error) {
      reply = { id, error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) } };
    }
    replies.postMessage(reply);
    Atomics.add(signal, ANSWERED, 1);
    Atomics.notify(signal, ANSWERED);
  });
}
