import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Node, type IConstruct } from 'constructs';
import { REPORT_BUGS, UserError } from '../../core/errors';

/** Which build of which app failed. */
export interface AppCodeContext {
  /** The app's name. */
  readonly app: string;
  /** Paths are printed relative to this directory. @default process.cwd() */
  readonly root?: string;
}

/** One frame of a stack trace: a file, and a 1-based line and column in it. */
export interface StackFrame {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A frame's file relative to `root` when it is inside it (`apps/web.ts`), else as it is, and the
 * frame as `file:line:column`.
 */
export function frameText(frame: StackFrame, root: string = process.cwd()): string {
  const rel = relative(root, frame.file);
  const file = isAbsolute(frame.file) && !rel.startsWith('..') ? rel.split(sep).join('/') : frame.file;
  return `${file}:${frame.line}:${frame.column}`;
}

/** The frames of the project's own code, innermost first: files on disk outside node_modules. */
function projectFrames(stack: string | undefined): StackFrame[] {
  const frames = stack ? sourceMapped(stackFrames(stack)) : [];
  return frames.filter((f) => !f.file.split(/[\\/]/).includes('node_modules') && isAbsolute(f.file));
}

/** The library's own `lib/` directory, as loaded from source (tests, this repository's tools). */
const LIBRARY_DIR = resolve(__dirname, '..', '..');

/**
 * The innermost frame of the user's code in `stack`: the first frame outside node_modules and
 * outside the library (its `lib/` directory, which a project's bundle maps its frames back to;
 * where the library is a dependency, it is in node_modules); the first frame outside
 * node_modules when every one is in the library.
 */
export function userFrame(stack: string | undefined, root: string = process.cwd()): StackFrame | undefined {
  const ours = projectFrames(stack);
  const inLibrary = (f: StackFrame) => f.file.startsWith(`${LIBRARY_DIR}${sep}`) || relative(root, f.file).split(sep)[0] === 'lib';
  return ours.find((f) => !inLibrary(f)) ?? ours[0];
}

/**
 * An exception thrown by an app's build() (a TypeError in apps/x.ts, a construct given what it
 * cannot take), which is the user's to fix: a UserError at the line of TypeScript it was thrown
 * at, not the line of the bundle synth runs. The bundle's frames are mapped through its source
 * map (scripts/build.mjs writes `<bundle>.js.map` beside it), read only now that there is an
 * error to report. When the line is in the library rather than in the app, the app's own line
 * that called it is named too. The caller adds which environment and overlay.
 */
export function appCodeError(error: unknown, context: AppCodeContext): UserError {
  const root = context.root ?? process.cwd();
  const thrown = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : `the value ${String(error)}`;
  const ours = projectFrames(error instanceof Error ? error.stack : undefined);
  const top = ours[0];
  const caller = userFrame(error instanceof Error ? error.stack : undefined, root);
  const message = `app ${context.app} threw ${thrown}`;
  if (!top) return new UserError({ where: `app ${context.app}`, message, hint: "fix the app's build(); run the app's test to see where it throws" });
  return new UserError({
    where: frameText(top, root),
    message,
    hint: caller && caller !== top
      ? `the line is in the library, called from ${frameText(caller, root)}: check what the app passes there; if that is right, it is a bug in the library: report it to ${REPORT_BUGS}`
      : "fix the app's code at that line",
  });
}

/**
 * Where in the user's code each construct at `paths` was created, found by running `build` again
 * with construct creation recorded. Only an error path calls it: recording a stack per construct
 * costs time a synth that succeeds should not pay. The constructs library offers no creation
 * hook, so `Node.prototype.addChild` (which every construct's constructor calls on its scope,
 * constructs lib/construct.js) is wrapped for the duration of the run and restored after it.
 */
export function creationSites(build: () => void, paths: ReadonlySet<string>, root: string = process.cwd()): Map<string, StackFrame> {
  const stacks = new Map<string, string | undefined>();
  const proto = Node.prototype as unknown as { addChild: (child: IConstruct, name: string) => void };
  const original = proto.addChild;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100; // a construct may be created deep inside others
  proto.addChild = function addChild(this: Node, child: IConstruct, name: string) {
    original.call(this, child, name);
    const path = this.path ? `${this.path}/${name}` : name;
    if (paths.has(path) && !stacks.has(path)) stacks.set(path, new Error().stack);
  };
  try {
    build();
  } catch {
    // The first run got past build(); a second that throws has nothing more to tell.
  } finally {
    proto.addChild = original;
    Error.stackTraceLimit = limit;
  }
  const sites = new Map<string, StackFrame>();
  for (const [path, stack] of stacks) {
    const frame = userFrame(stack, root);
    if (frame) sites.set(path, frame);
  }
  return sites;
}

/** The frames of a V8 stack trace that name a file, outermost last. */
export function stackFrames(stack: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const match = /^\s+at (?:.*\()?((?:file:\/\/)?[^()]+?):(\d+):(\d+)\)?$/.exec(line);
    if (!match || match[1].startsWith('node:')) continue;
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    frames.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}

/**
 * Frames in a JavaScript file that has a source map beside it (`<file>.map`, as esbuild's
 * `sourcemap: 'linked'` writes it) mapped to the original source; other frames as they are.
 */
export function sourceMapped(frames: readonly StackFrame[]): StackFrame[] {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      let loaded: { map: SourceMap; dir: string } | undefined;
      try {
        loaded = { map: new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))), dir: dirname(file) };
      } catch {
        loaded = undefined; // no map: the frame stays as it is
      }
      maps.set(file, loaded);
    }
    return maps.get(file);
  };
  return frames.map((frame) => {
    const found = /\.[cm]?js$/.test(frame.file) ? mapOf(frame.file) : undefined;
    if (!found) return frame;
    const entry = found.map.findEntry(frame.line - 1, frame.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return frame;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(found.dir, entry.originalSource);
    return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
  });
}
