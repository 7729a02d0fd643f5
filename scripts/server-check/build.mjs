#!/usr/bin/env node
// Builds the control plane of the server check, or finds it already built (docs/server-check.md).
// The first step of `npm run test:server`, apart from the tests so that a cold build is not
// counted against their time budget.
//
//   node scripts/server-check/build.mjs [--print-path]
import { ControlPlaneUnavailable, ensureBinary } from './control-plane.mjs';

try {
  const binary = await ensureBinary();
  if (process.argv.includes('--print-path')) console.log(binary.path);
  else if (!binary.built) console.error(`server check: control plane already built (${binary.path})`);
} catch (error) {
  console.error(`server check: ${error.message}`);
  process.exit(error instanceof ControlPlaneUnavailable ? 2 : 1);
}
