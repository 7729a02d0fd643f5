/**
 * The pipeline, above every integration: the synth CLI a project's `main.ts` runs, the synth loop,
 * overlay reading, schema validation, the policy and the reference check, writing `dist/`, and
 * the emitters (ArgoCD objects, the environment picture, Terraform) and the safe-change review
 * (`runDiffCli`).
 *
 * @packageDocumentation
 */
export { EXIT, runCli, type CliContext } from './engine/cli';
export { loadEnvironment, parseOverlay, readOverlay } from './engine/overlay';
export { overlaySchema } from './engine/overlay-schema';
export { UNVALIDATED_KINDS, validateObject, type KubeObject, type ProjectSchemas, type SchemaSources, type TargetCluster } from './checks/schema-validation';
export { projectSchemaSources } from './engine/project-schemas';
export { renderChart } from './engine/render';
export type { SynthesizedApp } from './checks/rendered';
export { synthesize, type SynthOptions, type SynthResult } from './engine/synth';
export { runDiffCli } from './review/diff-cli';
export type { FunctionCheckRan, FunctionCheckSkipped, FunctionFinding, ServerChecked, ServerCheckOutcome, ServerFinding, ServerUnavailable, ServerUpgradeCheck } from './review/server-upgrade-check';
export type { FileTree } from './engine/output';
