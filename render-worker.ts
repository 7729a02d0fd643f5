import { serveRenderJobs } from './lib/core/render-worker';

// Bundled to .build/render-worker.bundle.js (loaded by the launcher .build/render-worker.js) by
// scripts/build.mjs, and started by the synth CLI (main.ts) as a worker thread: it validates the
// objects synth renders and writes their YAML. It imports only what that takes, so the worker
// starts without cdk8s or the apps.
serveRenderJobs();
