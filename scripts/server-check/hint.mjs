#!/usr/bin/env node
// Run by npm after `npm test` (the posttest script): it names the two tiers `npm test` leaves to
// their own commands, both run by CI (.ci/run), so a green `npm test` is not mistaken for all of it.
console.log('\nnpm test ran the fast tier. CI (.ci/run) also runs:');
console.log('  npm run test:e2e     the CLI, the library as a package and interrupted writes, in scratch projects and processes');
console.log('  npm run test:server  every manifest sent to a real kube-apiserver built from source, then applied with the real controllers and KWOK nodes (needs Go; docs/server-check.md)');
