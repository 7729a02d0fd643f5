import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps as repoApps } from '../../../../apps';
import type { AppDefinition } from '../../../../lib/core/app';
import { synthesize } from '../../../../lib/pipeline/engine/synth';
import { UserError } from '../../../../lib/core/errors';
import { renderTerraform } from '../../../../lib/pipeline/emit/terraform';
import { parseDocument } from 'yaml';
import { ROOT } from '../../../helpers';

export const testApps = repoApps as readonly AppDefinition[];

/**
 * Overlay edits that make pal-e-docs-api describe the hand-applied pal-e-docs-funnel too
 * (`manageLegacyFunnel`), with its device name no longer reserved: what adopting it takes.
 */
export function manageLegacyFunnel(overlaysDir: string): void {
  const app = join(overlaysDir, 'pal-e-prod', 'pal-e-docs-api.yaml');
  writeFileSync(app, `${readFileSync(app, 'utf8')}manageLegacyFunnel: true\n`);
  const env = join(overlaysDir, 'pal-e-prod', 'environment.yaml');
  writeFileSync(env, readFileSync(env, 'utf8').replace('reservedHostnames: [pal-e-docs, pal-e-production]', 'reservedHostnames: [pal-e-production]'));
}

/** A terraform: section, as environment.yaml would append it. */
export const TERRAFORM_SECTION = 'terraform:\n  kubeconfigPath: "~/.kube/config"\n  context: test-context\n';

/** Objects to adopt, by environment: `terraform.adopt` entries. */
export type Adoptions = Record<string, ReadonlyArray<Record<string, string>>>;

/**
 * A scratch copy of overlays/ with changes: `append` adds text to files (relative to overlays/),
 * `write` replaces or creates them, `adopt` sets `terraform.adopt` of an environment (through the
 * YAML document: `terraform:` need not be the file's last section). The caller removes `dir`.
 */
export function scratchOverlays(changes: { append?: Record<string, string>; write?: Record<string, string>; adopt?: Adoptions } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'terraform-overlays-'));
  cpSync(join(ROOT, 'overlays'), dir, { recursive: true });
  for (const [file, text] of Object.entries(changes.append ?? {})) appendFileSync(join(dir, file), `\n${text}`);
  for (const [file, text] of Object.entries(changes.write ?? {})) writeFileSync(join(dir, file), text);
  for (const [env, entries] of Object.entries(changes.adopt ?? {})) {
    const file = join(dir, env, 'environment.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['terraform', 'adopt'], entries);
    writeFileSync(file, doc.toString({ flowCollectionPadding: false }));
  }
  return dir;
}

/** Synthesizes and renders the stacks of `environments` from a scratch overlays directory. */
export function renderScenario(options: { environments: string[]; append?: Record<string, string>; write?: Record<string, string>; adopt?: Adoptions; apps?: readonly AppDefinition[]; legacyFunnel?: boolean }) {
  const overlaysDir = scratchOverlays(options);
  if (options.legacyFunnel) manageLegacyFunnel(overlaysDir);
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
