import type { Problem } from './errors';
import { renderAppFiles } from './output';
import { validateObject, type KubeObject } from './schema-validation';

/** A result that may still be in the making on another thread: calling it waits for it. */
export type Later<T> = () => T;

/** Work synth hands over once a chart is rendered: schema validation, then the YAML files. */
export interface RenderJob {
  /** The objects to validate against their upstream schemas (validateObject). */
  readonly objects: readonly KubeObject[];
  /** The construct path of each object, for messages: `wheres[i]` made `objects[i]`. */
  readonly wheres: readonly string[];
  /**
   * Objects to write as YAML files, usually `objects` after the policy added its annotations.
   * Rendered only when no object has a problem. @default nothing is rendered
   */
  readonly files?: RenderFiles;
}

/** What RenderJob.files asks for: renderAppFiles(objects, header). */
export interface RenderFiles {
  /** The objects, one file each. */
  readonly objects: readonly KubeObject[];
  /** The comment line at the top of the directory's kustomization.yaml. */
  readonly header: string;
}

/** What a RenderJob produced. */
export interface RenderedJob {
  /** Every schema problem, in the order of `objects`. */
  readonly problems: readonly Problem[];
  /** The files, by name, when `files` was asked for and `problems` is empty. @default none: not asked for, or problems */
  readonly files?: ReadonlyMap<string, string>;
}

/**
 * Where rendered objects are validated and written as YAML: on the calling thread
 * (CURRENT_THREAD), or on a worker thread (lib/core/render-worker.ts) while the calling thread
 * builds the next app. Either way a job's result is the same, and an error a job throws (a bug:
 * user errors are problems) is thrown again when its result is read.
 */
export interface RenderThread {
  /** Starts a job; its result is read by calling what this returns. */
  submit(job: RenderJob): Later<RenderedJob>;
  /**
   * Told, before the first job, how many jobs a run will submit (RenderWorker starts a thread only
   * for many). A thread without it is not told.
   * @default undefined
   */
  readonly expectJobs?: (jobs: number) => void;
}

/** Does a job where it is asked for: validation, and the files when nothing failed it. */
export function runRenderJob(job: RenderJob): RenderedJob {
  const problems = job.objects.flatMap((object, i) => validateObject(object, job.wheres[i]));
  if (problems.length > 0 || !job.files) return { problems };
  return { problems, files: renderAppFiles(job.files.objects, job.files.header) };
}

/** Jobs done at once, on the thread that submits them: what the library does unless told otherwise. */
export const CURRENT_THREAD: RenderThread = {
  submit(job) {
    let result: RenderedJob;
    try {
      result = runRenderJob(job);
    } catch (error) {
      return () => {
        throw error;
      };
    }
    return () => result;
  },
};
