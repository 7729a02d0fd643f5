// V8's code cache in jest's module runtime (scripts/jest/code-cache-runtime.cjs): a module is
// compiled from cached data only when the data was made from the same source, and the unit tier
// runs with it.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vm from 'node:vm';

type Compile = typeof vm.compileFunction;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { withCodeCache } = require('../../scripts/jest/code-cache.cjs') as { withCodeCache: (compile: Compile, directory: string) => Compile };

let directory: string;
beforeEach(() => { directory = mkdtempSync(join(tmpdir(), 'jest-code-cache-')); });
afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** Every call the wrapped compile passes on, with its options. */
function recording(): { compile: Compile; calls: vm.CompileFunctionOptions[] } {
  const calls: vm.CompileFunctionOptions[] = [];
  const compile = ((code: string, params?: readonly string[], options?: vm.CompileFunctionOptions) => {
    calls.push(options ?? {});
    return vm.compileFunction(code, params, options);
  }) as Compile;
  return { compile, calls };
}

// Long enough for V8 to keep code for it, with a function inside.
const source = (n: number) => `const twice = (x) => x * 2;\n${'// padding to make the source worth caching\n'.repeat(20)}return twice(${n});`;

describe('the jest runtime\'s code cache', () => {
  test('the unit tier runs with it: jest compiles modules through the cache', () => {
    expect(vm.compileFunction.name).toBe('compileWithCodeCache');
  });

  test('a source compiled before is compiled from its cached data, in the same worker and in the next one (on disk)', () => {
    const first = recording();
    const compileOnce = withCodeCache(first.compile, directory);
    expect(compileOnce(source(1), [], { filename: '/project/a.js' })()).toBe(2);
    expect(first.calls[0]).toMatchObject({ produceCachedData: true });
    expect(readdirSync(directory)).toHaveLength(1);

    const again = compileOnce(source(1), [], { filename: '/project/a.js' });
    expect(first.calls[1].cachedData).toBeInstanceOf(Buffer);
    expect(again.cachedDataRejected).toBe(false);

    const next = recording();
    const fromDisk = withCodeCache(next.compile, directory)(source(1), [], { filename: '/project/a.js' });
    expect(next.calls[0].cachedData).toBeInstanceOf(Buffer);
    expect(fromDisk.cachedDataRejected).toBe(false);
    expect(fromDisk()).toBe(2);
  });

  test('an edited module of the same length runs its new code, not the cached one', () => {
    withCodeCache(vm.compileFunction, directory)(source(1), [], { filename: '/project/a.js' });
    expect(source(2)).toHaveLength(source(1).length);

    const sameWorker = recording();
    const compile = withCodeCache(sameWorker.compile, directory);
    compile(source(1), [], { filename: '/project/a.js' });
    const edited = compile(source(2), [], { filename: '/project/a.js' });
    expect(sameWorker.calls[1]).toMatchObject({ produceCachedData: true });
    expect(sameWorker.calls[1].cachedData).toBeUndefined();
    expect(edited()).toBe(4);

    const nextWorker = recording();
    const fromDisk = withCodeCache(nextWorker.compile, directory)(source(3), [], { filename: '/project/a.js' });
    expect(nextWorker.calls[0].cachedData).toBeUndefined();
    expect(fromDisk()).toBe(6);
  });

  test('data V8 rejects is dropped, and the module still compiles from its source', () => {
    withCodeCache(vm.compileFunction, directory)(source(1), [], { filename: '/project/a.js' });
    const [file] = readdirSync(directory);
    const stored = readFileSync(join(directory, file));
    writeFileSync(join(directory, file), Buffer.concat([stored.subarray(0, 32), Buffer.alloc(stored.length - 32, 7)]));

    const compiled = withCodeCache(vm.compileFunction, directory)(source(1), [], { filename: '/project/a.js' });
    expect(compiled.cachedDataRejected).toBe(true);
    expect(compiled()).toBe(2);
    expect(readdirSync(directory)).toEqual([]);
  });

  test('a call that brings its own cache options, or names no file, is passed on as it is', () => {
    const passed = recording();
    const compile = withCodeCache(passed.compile, directory);
    compile(source(1), [], { filename: '/project/a.js', produceCachedData: false });
    compile(source(1), []);
    expect(passed.calls).toEqual([{ filename: '/project/a.js', produceCachedData: false }, {}]);
    expect(readdirSync(directory)).toEqual([]);
  });
});
