// The e2e project's global setup (package.json jest.projects[e2e].globalSetup), run once before
// its suites: compiles the library into .build/lib (scripts/build-lib.mjs --compile). Two suites
// build the package, each with build-lib.mjs (test/package/package.e2e.test.ts and
// user-repository.e2e.test.ts), and jest runs them at once; compiled here first, each finds the
// library up to date instead of both compiling it from scratch into the same directory.
'use strict';
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function compileLibrary() {
  // Budget: about 15 s from scratch on 2 cores, 1 to 2 s when up to date; 5 minutes on a loaded machine.
  execFileSync(process.execPath, [join(__dirname, '..', 'build-lib.mjs'), '--compile'], { stdio: 'inherit', timeout: 300_000 });
};
