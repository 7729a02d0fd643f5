/**
 * The pipeline, above every integration: the synth CLI a project's `main.ts` runs, the synth loop,
 * overlay reading, schema validation, the policy and the reference check, writing `dist/`, and
 * the emitters (ArgoCD objects, the environment picture, Terraform) and the safe-change review
 * (`runDiffCli`).
 *
 * @packageDocumentation
 */
export { EXIT, runCli, type CliContext } from './cli';
export { loadEnvironment, parseOverlay, readOverlay } from './overlay';
export { overlaySchema } from './overlay-schema';
export { UNVALIDATED_KINDS, validateObject, type KubeObject } from './schema-validation';
export { renderChart, type SynthesizedApp } from './render';
export { synthesize, type SynthOptions, type SynthResult } from './synth';
export { runDiffCli } from './review/diff-cli';
export type { ServerChecked, ServerCheckOutcome, ServerFinding, ServerUnavailable, ServerUpgradeCheck } from './review/server-upgrade-check';
export type { FileTree } from './output';
