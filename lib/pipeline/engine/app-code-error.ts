import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORT_BUGS, UserError } from '../../core/errors';

/** Which build of which app failed. */
export interface AppCodeContext {
  /** The app's name. */
  readonly app: string;
  /** The environment it was built for. */
  readonly environment: string;
  /** The overlay its values came from, as printed. */
  readonly overlay: string;
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
 * An exception thrown by an app's build() (a TypeError in apps/x.ts, a construct given what it
 * cannot take), which is the user's to fix: a UserError naming the app, the environment, the
 * overlay and the line of TypeScript it was thrown at, not the line of the bundle synth runs.
 * The bundle's frames are mapped through its source map (scripts/build.mjs writes
 * `<bundle>.js.map` beside it), read only now that there is an error to report. When the line is
 * in the library rather than in the app, the app's own line that called it is named too.
 */
export function appCodeError(error: unknown, context: AppCodeContext): UserError {
  const root = context.root ?? process.cwd();
  const show = (file: string) => (isAbsolute(file) && !relative(root, file).startsWith('..') ? relative(root, file).split(sep).join('/') : file);
  const thrown = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : `the value ${String(error)}`;
  const frames = error instanceof Error && error.stack ? sourceMapped(stackFrames(error.stack)) : [];
  const ours = frames.filter((f) => !f.file.split(/[\\/]/).includes('node_modules') && isAbsolute(f.file));
  const at = (f: StackFrame) => `${show(f.file)}:${f.line}:${f.column}`;
  const inApps = (f: StackFrame) => show(f.file).startsWith('apps/');
  const top = ours[0];
  const caller = top && !inApps(top) ? ours.find(inApps) : undefined;
  const message = `app ${context.app} threw ${thrown} while building for environment ${context.environment} (values from ${context.overlay})`;
  if (!top) return new UserError({ where: `app ${context.app}`, message, hint: "fix the app's build(); run the app's test to see where it throws" });
  return new UserError({
    where: at(top),
    message,
    hint: caller
      ? `the line is in the library, called from ${at(caller)}: check what the app passes there; if that is right, it is a bug in the library: report it to ${REPORT_BUGS}`
      : "fix the app's code at that line",
  });
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
