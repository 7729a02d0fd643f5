/**
 * Typed, validated cdk8s constructs for small platform teams.
 *
 * The package entry is the union of the entries (`/core`, `/secrets`, `/apps`, `/cnpg`,
 * `/gateway`, `/tailscale`, `/pipeline`), each of which names its exports explicitly. Importing it has no side
 * effects: nothing is read or written until a construct is built or `runCli` runs.
 *
 * @packageDocumentation
 */
export * from './core';
export * from './secrets';
export * from './apps';
export * from './cnpg';
export * from './gateway';
export * from './tailscale';
export * from './pipeline';
