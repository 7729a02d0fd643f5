// V8's code cache for a function with vm.compileFunction's signature: the cache jest's module
// runtime uses (scripts/jest/code-cache-runtime.cjs, which says why). Kept apart from it so a test
// can use it without wrapping the worker's own vm.compileFunction a second time
// (test/tooling/jest-code-cache.test.ts).
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const DIGEST_BYTES = 32;
const digestOf = (source) => createHash('sha256').update(source).digest();

/**
 * `compile` (vm.compileFunction's signature) passing V8's cached data for a source it compiled
 * before, from memory or from `directory`, and keeping the data of each new compile. A call that
 * brings its own cachedData or produceCachedData, or names no file, is passed through.
 */
function withCodeCache(compile, directory) {
  /** By file name: the source last compiled and V8's data for it. */
  const memory = new Map();
  const fileOf = (filename) => join(directory, createHash('sha256').update(`${process.versions.v8}\0${filename}`).digest('hex').slice(0, 32));

  function cached(filename, source) {
    const known = memory.get(filename);
    if (known) return known.source === source ? known.data : undefined;
    let stored;
    try {
      stored = readFileSync(fileOf(filename));
    } catch {
      return undefined;
    }
    if (stored.length <= DIGEST_BYTES || !stored.subarray(0, DIGEST_BYTES).equals(digestOf(source))) return undefined;
    const data = stored.subarray(DIGEST_BYTES);
    memory.set(filename, { source, data });
    return data;
  }

  function keep(filename, source, data) {
    memory.set(filename, { source, data });
    try {
      mkdirSync(directory, { recursive: true });
      const file = fileOf(filename);
      const temporary = `${file}.${process.pid}`;
      writeFileSync(temporary, Buffer.concat([digestOf(source), data]));
      renameSync(temporary, file);
    } catch {
      // A cache that cannot be written only costs time: the next suite compiles again.
    }
  }

  function forget(filename) {
    memory.delete(filename);
    rmSync(fileOf(filename), { force: true });
  }

  return function compileWithCodeCache(source, params, options) {
    const filename = options?.filename;
    if (typeof filename !== 'string' || options.cachedData !== undefined || options.produceCachedData !== undefined) {
      return compile.call(this, source, params, options);
    }
    const data = cached(filename, source);
    const compiled = compile.call(this, source, params, data ? { ...options, cachedData: data } : { ...options, produceCachedData: true });
    if (data && compiled.cachedDataRejected) forget(filename);
    else if (!data && compiled.cachedData) keep(filename, source, compiled.cachedData);
    return compiled;
  };
}

module.exports = { withCodeCache };
