#!/usr/bin/env node
// Run by npm after `npm test` (the posttest script): the server check needs Go and starts
// kube-apiserver, so it is a command of its own, and `npm test` says so.
console.log('\nnpm test does not include the server check (every manifest sent to a real kube-apiserver built from source; needs Go 1.24+).');
console.log('Run it with: npm run test:server   (docs/server-check.md)');
