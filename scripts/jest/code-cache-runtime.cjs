// jest's module runtime (package.json jest.projects[*].runtime) with V8's code cache.
//
// Each test file has its own module registry, so every suite compiles every module it loads
// again: lib/, the generated validators, cdk8s-plus-28's 2.7 MB of L1 classes, typebox, jest's
// own expect and snapshot code. V8 compiling those was the largest single cost of the unit tier
// (internalCompileFunction, 21% of its CPU in a profile; docs/performance.md, "npm test"). jest
// compiles each module with Node's `vm.compileFunction`, which takes the cached data of an
// earlier compile of the same source; this module wraps that function, once per worker process,
// to pass and keep it. Nothing else in jest changes: the runtime is jest-runtime itself.
//
// What is kept, and why it cannot go stale:
// - in memory, per worker: the source a module was compiled from and V8's data for it. Used only
//   for a source equal to the one it was made from; each worker runs many suites.
// - on disk, under .build/jest-code-cache/: one file per module file and V8 version, holding the
//   SHA-256 of the source it was made from, then the data. V8 checks only a source's length
//   against its data, so the digest is what keeps an edited module from running its old code. A
//   source that changed, or data V8 rejects (other flags), is compiled afresh and the file
//   rewritten: written to a temporary name and renamed, so a worker never reads half a file. At
//   most one file per module file (about 1,300, 30 MB); `rm -rf .build` clears it.
'use strict';
const { join } = require('node:path');
const vm = require('node:vm');
const { withCodeCache } = require('./code-cache.cjs');

vm.compileFunction = withCodeCache(vm.compileFunction, join(__dirname, '..', '..', '.build', 'jest-code-cache'));

// jest-runtime itself: jest-runner takes the class from its `default` export.
module.exports = require('jest-runtime');
