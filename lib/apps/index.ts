/**
 * Workloads: `WebService` (an HTTP service in a container), `ScheduledJob` (a command on a schedule), `PushDaemonApp` (a service whose
 * state is a git working copy), `StateHub` and `MigrationJob`; `PersistentClaim`, their volumes.
 *
 * @packageDocumentation
 */
export { PersistentClaim, type PersistentClaimOptions, type PersistentClaimProps } from './persistent-claim';
export { ALEMBIC_UPGRADE, MigrationJob, type MigrationJobProps } from './migration-job';
export { PushDaemonApp, type DataRemote, type PushDaemonAppProps, type PushDaemonVolume } from './push-daemon-app';
export { PUBLIC_EXPOSURE_REASON_ANNOTATION, StateHub, type StateHubProps } from './state-hub';
export { DEFAULT_STARTUP, WebService, type ContainerProps, type ContainerResources, type SecretKeyEnv, type WebServiceProps, type WebServiceStartup, type WebServiceTailnet, type WebServiceVolume } from './web-service';
export { ScheduledJob, type ConcurrencyPolicy, type ScheduledJobProps } from './scheduled-job';
export { type WebServiceAutoscaling, type WebServiceDisruptionBudget } from './web-service-scaling';
