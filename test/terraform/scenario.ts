import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { apps as repoApps } from '../../apps';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import { ServiceRef } from '../../lib/core/service-ref';
import { synthesize } from '../../lib/core/synth';
import { UserError } from '../../lib/core/errors';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';
import { renderTerraform } from '../../lib/terraform';
import { ROOT } from '../helpers';

/**
 * Test only: the hand-applied `pal-e-docs-funnel` Ingress of reference deployment 1, emitted
 * under its existing name, as an app would have to emit it before the stack can adopt it
 * (apps/pal-e-docs-api.ts emits `pal-e-docs-api-funnel`, a different object).
 */
export const palEDocsLegacyFunnel = defineApp({
  name: 'pal-e-docs-legacy',
  description: 'test only: the existing pal-e-docs funnel, under its existing name',
  partOf: 'pal-e',
  values: Type.Object({}, { additionalProperties: false }),
  build(chart, values) {
    new TailscaleFunnel(chart, 'funnel', {
      name: 'pal-e-docs-funnel',
      backend: ServiceRef.fromName('pal-e-docs', { namespace: values.namespace }),
      port: 'http',
      hostname: 'pal-e-docs',
      funnel: true,
    });
  },
});

export const testApps = [...repoApps, palEDocsLegacyFunnel] as readonly AppDefinition[];

/** A terraform: section, as environment.yaml would append it. */
export const TERRAFORM_SECTION = 'terraform:\n  kubeconfigPath: "~/.kube/config"\n  context: test-context\n';

/**
 * A scratch copy of overlays/ with changes: `append` adds text to files (relative to overlays/),
 * `write` replaces or creates them. The caller removes `dir` (or uses `withOverlays`).
 */
export function scratchOverlays(changes: { append?: Record<string, string>; write?: Record<string, string> } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'terraform-overlays-'));
  cpSync(join(ROOT, 'overlays'), dir, { recursive: true });
  for (const [file, text] of Object.entries(changes.append ?? {})) appendFileSync(join(dir, file), `\n${text}`);
  for (const [file, text] of Object.entries(changes.write ?? {})) writeFileSync(join(dir, file), text);
  return dir;
}

/** Synthesizes and renders the stacks of `environments` from a scratch overlays directory. */
export function renderScenario(options: { environments: string[]; append?: Record<string, string>; write?: Record<string, string>; apps?: readonly AppDefinition[] }) {
  const overlaysDir = scratchOverlays(options);
  try {
    const result = synthesize({ apps: options.apps ?? testApps, overlaysDir, environments: options.environments });
    const render = renderTerraform({ result, overlaysDir, explicitEnvironments: true });
    if (render.problems.length > 0) throw new UserError(render.problems);
    return { render, stacks: new Map([...render.files].map(([path, text]) => [path.split('/')[0], JSON.parse(text) as Stack])) };
  } finally {
    rmSync(overlaysDir, { recursive: true, force: true });
  }
}

/** The parts of a cdk.tf.json the tests read. */
export interface Stack {
  terraform: Record<string, any>;
  provider: { kubernetes: Array<Record<string, string>> };
  resource: Record<string, Record<string, Record<string, any>>>;
  import?: Array<{ to: string; id: string }>;
}
