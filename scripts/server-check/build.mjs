#!/usr/bin/env node
// Builds the binaries of the server check and the function check, or finds them already built
// (docs/server-check.md): the control plane (test/apiserver/) and KWOK (test/kwok/). The first step
// of `npm run test:server`, apart from the tests so that a cold build is not counted against their
// time budget. SERVER_CHECK_FUNCTION=off builds only the control plane; SERVER_CHECK_OPERATORS=build
// (or --operators) builds the operators of stage 3 too (test/operators/: Envoy Gateway's egctl, the CloudNativePG operator;
// test/certmanager/: the cert-manager runner).
//
//   node scripts/server-check/build.mjs [--operators] [--print-path]
import { ControlPlaneUnavailable, ensureBinary, OPERATOR_TARGETS } from './control-plane.mjs';

const functionCheck = process.env.SERVER_CHECK_FUNCTION !== 'off';
// The operators (stage 3) only on request: a cold build of the operators takes many minutes,
// which CI's cold run cannot afford beside the control plane's (docs/server-check.md, "Operators").
const operators = functionCheck && (process.env.SERVER_CHECK_OPERATORS === 'build' || process.argv.includes('--operators'));
const targets = ['apiserver', ...(functionCheck ? ['kwok'] : []), ...(operators ? OPERATOR_TARGETS : [])];
try {
  for (const target of targets) {
    const binary = await ensureBinary({ target });
    if (process.argv.includes('--print-path')) console.log(binary.path);
    else if (!binary.built) console.error(`server check: ${target} already built (${binary.path})`);
  }
} catch (error) {
  console.error(`server check: ${error.message}`);
  process.exit(error instanceof ControlPlaneUnavailable ? 2 : 1);
}
