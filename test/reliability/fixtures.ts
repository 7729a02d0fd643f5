import { Type } from '@sinclair/typebox';
import { apps as repoApps } from '../../apps';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import { ServiceRef } from '../../lib/core/service-ref';
import { dnsLabel } from '../../lib/core/values';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';

/**
 * A second app for pal-e-prod (as in test/pipeline/engine/synth-cli.e2e.test.ts), so cross-app rules such as
 * unique tailnet hostnames have something to collide with.
 */
export const echo = defineApp({
  name: 'echo',
  description: 'test app',
  values: Type.Object({ hostname: dnsLabel() }, { additionalProperties: false }),
  build(chart, values) {
    new TailscaleFunnel(chart, 'funnel', { backend: ServiceRef.fromServiceAttributes({ name: 'echo', namespace: values.namespace }), port: 80, hostname: values.hostname });
  },
});

/** The repository's apps and the test app. */
export const testApps = [...repoApps, echo] as readonly AppDefinition[];

/** The test app's overlay in pal-e-prod. */
export const ECHO_OVERLAY = { file: 'pal-e-prod/echo.yaml', text: 'namespace: echo\nhostname: echo\n' };

/**
 * What pal-e-prod's environment.yaml must declare for the test app: its namespace and the Service
 * its funnel routes to exist and are not emitted (like pal-e-docs), so they are declared under
 * `existing:` (test/helpers.ts declareExisting).
 */
export const ECHO_EXISTING = { namespaces: ['echo'], services: ['echo/echo'] };

/** The fixed seed of the generated tests; override with FC_SEED=<n> to explore, fast-check prints it on failure. */
export const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20260510;
