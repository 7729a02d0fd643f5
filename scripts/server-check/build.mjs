#!/usr/bin/env node
// Builds the binaries of the server check and the function check, or finds them already built
// (docs/server-check.md): the control plane (test/apiserver/) and KWOK (test/kwok/). The first step
// of `npm run test:server`, apart from the tests so that a cold build is not counted against their
// time budget. SERVER_CHECK_FUNCTION=off builds only the control plane.
//
//   node scripts/server-check/build.mjs [--print-path]
import { ControlPlaneUnavailable, ensureBinary } from './control-plane.mjs';

const targets = process.env.SERVER_CHECK_FUNCTION === 'off' ? ['apiserver'] : ['apiserver', 'kwok'];
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
