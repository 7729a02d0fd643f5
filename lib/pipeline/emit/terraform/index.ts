/**
 * Terraform output: `npm run synth -- --target terraform` writes one Terraform JSON stack per
 * environment (`dist-terraform/<env>/cdk.tf.json`), built with CDK for Terraform (cdktf) and the
 * prebuilt Kubernetes provider bindings (@cdktf/provider-kubernetes), from the same objects,
 * validated the same way, as the YAML of dist/. See docs/terraform.md.
 *
 * CDK for Terraform is archived: HashiCorp stopped maintaining it on 2025-12-10
 * (hashicorp/terraform-cdk README, "Sunset Notice"), and the prebuilt provider package is marked
 * deprecated (its package.json: `cdktf.isDeprecated`). The community continuation, CDK Terrain
 * (open-constructs/cdk-terrain, npm `cdktn` 0.24.0), requires constructs >=10.6.0 <10.8.0 while
 * this repo uses 10.8.1, and its Kubernetes bindings (`@cdktn/provider-kubernetes`, announced on
 * PyPI as cdktn-provider-kubernetes) were not on registry.npmjs.org when this was written. So
 * everything that touches cdktf lives in this directory, and nothing else imports it: moving to
 * cdktn, or to writing the Terraform JSON directly, is a change to lib/pipeline/emit/terraform/ only.
 *
 * Loading: only the CLI's `--target terraform` requires this module (lib/pipeline/engine/cli.ts), and the
 * build bundles it apart, as .build/terraform.js with cdktf and the provider left in
 * node_modules (scripts/build.mjs), so YAML synth never loads them. For the same reason this
 * module imports only types from lib/core's pipeline: it returns problems instead of throwing
 * UserError, whose class identity belongs to the main bundle.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../../../core/environment';
import type { Problem } from '../../../core/errors';
import type { KubeObject } from '../../checks/schema-validation';
import type { SynthesizedApp } from '../../checks/rendered';
import { yamlPositions } from '../../checks/yaml-positions';
import { addressOf, importIdOf, renderStack, REQUIRED_TERRAFORM, type StackObject, type TerraformSettings } from './stack';

/** The stack file of an environment, relative to the output directory. */
export const STACK_FILE = 'cdk.tf.json';

/** What to turn into stacks. */
export interface TerraformRequest {
  /** The YAML pipeline's result: every environment and app it synthesized, validated. */
  readonly result: { readonly environments: readonly Environment[]; readonly apps: readonly SynthesizedApp[] };
  /** The overlays directory (absolute), to point problems at lines of environment.yaml. */
  readonly overlaysDir: string;
  /** True when environments were named (--env): each must then have a `terraform:` section. */
  readonly explicitEnvironments: boolean;
  /** The output directory (absolute) and its name in messages, checked for Terraform's working files. */
  readonly outDir?: string;
  readonly outDisplay?: string;
}

/** The stacks, or the problems that prevent them (then nothing may be written). */
export interface TerraformRender {
  /** `<env>/cdk.tf.json` → content. */
  readonly files: Map<string, string>;
  readonly problems: Problem[];
  /** One line per environment, for the CLI's summary. */
  readonly summary: string[];
}

const SETUP_HINT = 'add to environment.yaml:\n    terraform:\n      kubeconfigPath: "~/.kube/config"\n      context: <the cluster\'s kubeconfig context>\n  (docs/terraform.md)';

/** Builds the Terraform stack of every environment that has a `terraform:` section. */
export function renderTerraform(request: TerraformRequest): TerraformRender {
  const files = new Map<string, string>();
  const problems: Problem[] = [];
  const summary: string[] = [];
  const { result } = request;
  if (request.outDir) problems.push(...workingFiles(request.outDir, request.outDisplay ?? request.outDir));

  const withSettings = result.environments.filter((env) => env.terraform);
  if (request.explicitEnvironments) {
    for (const env of result.environments) {
      if (!env.terraform) problems.push({ where: env.file, message: 'has no `terraform:` section, which --target terraform needs', hint: SETUP_HINT });
    }
  } else if (withSettings.length === 0) {
    problems.push({ where: 'overlays/*/environment.yaml', message: 'no environment has a `terraform:` section, which --target terraform needs', hint: SETUP_HINT });
  }

  for (const env of result.environments) {
    const settings = env.terraform;
    if (!settings) {
      summary.push(`${env.name}: skipped (no terraform: section in ${env.file})`);
      continue;
    }
    const apps = result.apps.filter((a) => a.environment.name === env.name);
    const sources = apps.flatMap((a) => a.objects.map((object) => ({ object, app: a.app.name })));
    const envProblems: Problem[] = [];
    const stackObjects = addresses(env, sources, envProblems);
    const imports = adoptions(env, sources, join(request.overlaysDir, env.name, 'environment.yaml'), envProblems);
    problems.push(...envProblems);
    if (envProblems.length > 0) continue;

    const objects: StackObject[] = stackObjects.map((o) => (imports.has(o.object) ? { ...o, importId: importIdOf(o.object) } : o));
    const comment = `Generated by \`npm run synth -- --target terraform\` from apps/ and overlays/${env.name}/ (${apps.map((a) => a.app.name).join(', ') || 'no apps'}). Do not edit. Needs Terraform ${REQUIRED_TERRAFORM}.`;
    files.set(`${env.name}/${STACK_FILE}`, renderStack(env.name, settings as TerraformSettings, objects, comment));
    const typed = objects.filter((o) => o.type !== 'kubernetes_manifest').length;
    summary.push(`${env.name}: ${apps.length} app${apps.length === 1 ? '' : 's'}, ${objects.length} resources (${typed} typed, ${objects.length - typed} kubernetes_manifest), ${imports.size} import${imports.size === 1 ? '' : 's'}`);
  }
  return problems.length > 0 ? { files: new Map(), problems, summary: [] } : { files, problems, summary };
}

/**
 * Terraform's working files (`.terraform/`, the lock file, local state, plans) inside the output
 * directory: every synth replaces that directory, so they would be deleted, and readTree would
 * read provider binaries as text. Terraform runs from a directory of its own (docs/terraform.md).
 */
function workingFiles(outDir: string, display: string): Problem[] {
  if (!existsSync(outDir)) return [];
  const isWorkingFile = (name: string) => name.startsWith('.terraform') || /\.tfstate(\.backup)?$|\.tfplan$/.test(name);
  const found: string[] = [];
  for (const entry of readdirSync(outDir).sort()) {
    if (isWorkingFile(entry)) found.push(entry);
    else if (statSync(join(outDir, entry)).isDirectory()) found.push(...readdirSync(join(outDir, entry)).sort().filter(isWorkingFile).map((f) => `${entry}/${f}`));
  }
  return found.map((path) => ({
    where: `${display}/${path}`,
    message: 'is a Terraform working file inside the generated directory, which every synth replaces (it would be deleted)',
    hint: 'run terraform from a working directory of its own that links to the stack file (docs/terraform.md, "Running Terraform"); move this there, then synth again',
  }));
}

interface Source {
  readonly object: KubeObject;
  readonly app: string;
}

/** Addresses of the environment's objects; two apps emitting one object is a problem (one stack holds it once). */
function addresses(env: Environment, sources: readonly Source[], problems: Problem[]): StackObject[] {
  const seen = new Map<string, Source>();
  const objects: StackObject[] = [];
  for (const source of sources) {
    const address = addressOf(source.object);
    const key = `${address.type}.${address.logicalId}`;
    const earlier = seen.get(key);
    if (earlier) {
      problems.push({
        where: `overlays/${env.name}/${source.app}.yaml`,
        message: `${describe(source.object)} is also emitted by app ${earlier.app}; environment ${env.name}'s Terraform stack can hold it only once (as ${key})`,
        hint: 'let one of the two apps own the object',
      });
      continue;
    }
    seen.set(key, source);
    objects.push({ object: source.object, ...address });
  }
  return objects;
}

type AdoptEntry = { readonly kind: string; readonly name: string; readonly namespace?: string; readonly apiVersion?: string };

/** The objects to adopt: each `terraform.adopt` entry must match exactly one object the stack manages. */
function adoptions(env: Environment, sources: readonly Source[], file: string, problems: Problem[]): Set<KubeObject> {
  const adopted = new Map<KubeObject, number>();
  const entries: readonly AdoptEntry[] = env.terraform?.adopt ?? [];
  let positions: Map<string, string> | undefined; // environment.yaml parsed once, on the first problem
  entries.forEach((entry, i) => {
    const field = ['terraform', 'adopt', String(i)];
    const where = () => `${env.file}${(positions ??= yamlPositions(file)).get(field.join('\u0000')) ?? ''} ${field.join('.')}`;
    const wanted = `${entry.kind} ${entry.namespace ? `${entry.namespace}/` : ''}${entry.name}${entry.apiVersion ? ` (${entry.apiVersion})` : ''}`;
    const sameKind = sources.filter((s) => s.object.kind === entry.kind && (!entry.apiVersion || s.object.apiVersion === entry.apiVersion));
    const matches = sameKind.filter((s) => s.object.metadata.name === entry.name && s.object.metadata.namespace === entry.namespace);
    if (matches.length === 0) {
      problems.push({
        where: where(),
        message: `${wanted} matches no object of environment ${env.name}; an adopted object must be one an app emits, so that the stack manages it`,
        allowed: sameKind.length
          ? `${entry.kind} objects emitted here: ${sameKind.map((s) => `${describe(s.object, false)} (app ${s.app})`).join(', ')}`
          : `no app of ${env.name} emits a ${entry.kind}`,
        hint: 'fix kind, namespace and name (namespace only for namespaced objects), or make an app emit the object under its existing name',
      });
      return;
    }
    if (matches.length > 1) {
      problems.push({ where: where(), message: `${wanted} matches ${matches.length} objects (${matches.map((m) => m.object.apiVersion).join(', ')})`, hint: 'add apiVersion to the entry' });
      return;
    }
    const earlier = adopted.get(matches[0].object);
    if (earlier !== undefined) {
      problems.push({ where: where(), message: `${wanted} is already adopted by terraform.adopt.${earlier}`, hint: 'remove one of the two entries' });
      return;
    }
    adopted.set(matches[0].object, i);
  });
  return new Set(adopted.keys());
}

function describe(object: KubeObject, withKind = true): string {
  const id = `${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
  return withKind ? `${object.kind} ${id}` : id;
}
