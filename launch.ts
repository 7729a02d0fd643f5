import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

// Bundled to .build/launch.js by scripts/build.mjs. The launchers the build writes
// (.build/main.js, .build/diff.js, .build/render-worker.js) call launch() with their bundle.
//
// A run of synth is short, and on Node.js 20 a third of it is V8 compiling the bundle's functions
// the first time they run (docs/performance.md). A code cache keeps that work between runs:
//
// - Node.js 22.8 and later have one (module.enableCompileCache), used as it is.
// - Node.js 20 has none, and no maintained package does it well there: v8-compile-cache keeps only
//   what V8 compiled before the bundle ran, which is little for a bundle whose modules are
//   functions compiled on first call (10 ms of 43); @vercel/ncc's --v8-cache loader writes its
//   cache again at every exit, which costs 26 of the 43 ms. So launch() does it with V8's own API:
//   the bundle is compiled through vm.Script with the cache made at the end of an earlier run
//   (script.createCachedData() then holds every function that run compiled), and a new cache is
//   written only when there was none or V8 refused it (another Node.js or V8 flags).

/** What launch() needs from the launcher. */
export interface LaunchOptions {
  /** Where Node's compile cache (in the directory itself) or this code cache (`<file>-<hash>.v8`) is kept. */
  readonly cacheDir: string;
}

/**
 * Loads `bundle` (a CommonJS file) with a code cache: Node's where it has one, else V8's through
 * vm.Script. NODE_DISABLE_COMPILE_CACHE=1 turns either off; so does --enable-source-maps on
 * Node 20 (source maps are applied only to code loaded by require).
 */
export function launch(bundle: string, options: LaunchOptions): void {
  const { enableCompileCache } = Module as unknown as { enableCompileCache?: (dir: string) => unknown };
  if (process.env.NODE_DISABLE_COMPILE_CACHE !== '1' && !enableCompileCache && !process.sourceMapsEnabled) {
    runWithCodeCache(bundle, options.cacheDir);
    return;
  }
  enableCompileCache?.(options.cacheDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(bundle);
}

/** The name of the code cache for a file of this name and content: `<name>-<first 16 hex of its SHA-256>.v8`. */
export function codeCacheName(file: string, source: string | Buffer): string {
  return `${basename(file, '.js')}-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.v8`;
}

/**
 * Runs `file` as a CommonJS module compiled through vm.Script with the cached data kept in
 * `cacheDir` under codeCacheName(file, its content), if any: named by the content, so a cache is
 * never used for other code (V8 itself checks only the source's length, with its own version and
 * flags). When there is no cache, or V8 refuses it, one is written when the process exits, so it
 * holds every function this run compiled: atomically (a temporary file, then a rename), and not
 * at all where the directory cannot be written, since it only saves time. The JavaScript files
 * the module requires by a relative path (the schema validators, the overlay validators) are run
 * the same way, each with its own cache.
 */
export function runWithCodeCache(file: string, cacheDir: string): void {
  const source = readFileSync(file, 'utf8');
  const cacheFile = join(cacheDir, codeCacheName(file, source));
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // none yet
  }
  // As Node's loader does: a leading hashbang line is not JavaScript.
  const script = new Script(Module.wrap(source.replace(/^#!.*/, '')), { filename: file, cachedData });
  const used = cachedData !== undefined && !script.cachedDataRejected;
  if (!used) writeAtExit(cacheFile, script);

  const module = new Module(file);
  module.filename = file;
  const plain = createRequire(file);
  plain.cache[file] = module;
  // Relative requires of JavaScript files get a code cache too; anything else is required as usual.
  const requireWithCache = Object.assign((id: string) => {
    if (!id.startsWith('.')) return plain(id);
    const resolved = plain.resolve(id);
    const loaded = plain.cache[resolved];
    if (loaded) return loaded.exports;
    if (!resolved.endsWith('.js')) return plain(id);
    runWithCodeCache(resolved, cacheDir);
    return plain.cache[resolved]!.exports;
  }, { resolve: plain.resolve, cache: plain.cache, extensions: plain.extensions, main: plain.main });
  try {
    (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireWithCache, module, file, dirname(file));
  } catch (error) {
    delete plain.cache[file];
    throw error;
  }
  module.loaded = true;
}

/** Caches to write when the process exits, when they hold all that the run compiled. */
const toWrite: Array<{ readonly cacheFile: string; readonly script: Script }> = [];

function writeAtExit(cacheFile: string, script: Script): void {
  if (toWrite.length === 0) process.once('exit', () => toWrite.forEach((entry) => writeCache(entry.cacheFile, entry.script)));
  toWrite.push({ cacheFile, script });
}

function writeCache(cacheFile: string, script: Script): void {
  const temporary = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the next run compiles again
    }
  }
}
