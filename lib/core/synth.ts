import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { AppChart, overlaySchema, type AppDefinition, type Claim } from './app';
import { DELIVERY_DIRECTORY, deliveryObjects } from '../argocd/delivery';
import { environmentReadme } from '../review/environment-picture';
import { withSyncWave } from './argocd-sync';
import { loadEnvironment, type Environment } from './environment';
import { UserError, type Problem } from './errors';
import { renderAppFiles } from './output';
import { readOverlay } from './overlay';
import { validateObject, type KubeObject } from './schema-validation';
import { enforcePolicy, enforcePolicyOnGenerated } from '../policy/engine';

/** What to synthesize and from where. */
export interface SynthOptions {
  /** Every app the repo defines. */
  readonly apps: readonly AppDefinition[];
  /** The overlays directory (absolute). */
  readonly overlaysDir: string;
  /** How to name the overlays directory in messages. @default "overlays" */
  readonly overlaysDisplay?: string;
  /** Only these environments. @default all */
  readonly environments?: readonly string[];
  /** Only these apps. @default all */
  readonly appNames?: readonly string[];
}

/** One synthesized (environment, app) pair. */
export interface SynthesizedApp {
  /** The environment. */
  readonly environment: Environment;
  /** The app. */
  readonly app: AppDefinition;
  /** The namespace the app deploys into (its overlay's `namespace`). */
  readonly namespace: string;
  /** The app's objects, rendered and validated, as written to its files. */
  readonly objects: readonly KubeObject[];
  /** Files relative to the output directory: `<env>/<app>/<file>`. */
  readonly files: ReadonlyMap<string, string>;
}

/** The result of a synth run: every pair, and the environments it covered. */
export interface SynthResult {
  /** The environments the run covered, in name order. */
  readonly environments: readonly Environment[];
  /** Every synthesized (environment, app) pair. */
  readonly apps: readonly SynthesizedApp[];
  /** All files, relative to the output directory. */
  readonly files: ReadonlyMap<string, string>;
  /** Milliseconds spent on each environment (reading, building, validating, rendering), by name. */
  readonly durations: ReadonlyMap<string, number>;
}

/**
 * Runs the pipeline for every selected (environment, app) pair: read and validate the overlays,
 * build the app's constructs, run construct validations, render, and validate every object
 * against its upstream schema. Nothing is written. Throws a UserError listing every problem.
 *
 * Each pair gets its own cdk8s App: pairs are independent, and one App per pair keeps the cost
 * of a run linear in the number of pairs.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const display = options.overlaysDisplay ?? 'overlays';
  const byName = new Map(options.apps.map((a) => [a.name, a]));
  const problems: Problem[] = [];
  const results: SynthesizedApp[] = [];
  const environments: Environment[] = [];

  const durations = new Map<string, number>();
  for (const envName of listEnvironments(options.overlaysDir, display, options.environments)) {
    const started = performance.now();
    let environment: Environment;
    try {
      environment = loadEnvironment(options.overlaysDir, envName, display);
    } catch (error) {
      collect(error, problems);
      continue;
    }
    environments.push(environment);
    const claims: Array<Claim & { app: string }> = [];
    for (const file of readdirSync(join(options.overlaysDir, envName)).sort()) {
      if (file === 'environment.yaml' || !file.endsWith('.yaml')) continue;
      const appName = file.slice(0, -'.yaml'.length);
      const app = byName.get(appName);
      if (!app) {
        problems.push({
          where: `${display}/${envName}/${file}`,
          message: `names no app "${appName}"`,
          allowed: `an app defined in apps/: ${[...byName.keys()].sort().join(', ')}`,
          hint: 'rename the file to <app>.yaml, or add the app to apps/index.ts',
        });
        continue;
      }
      if (options.appNames && !options.appNames.includes(appName)) continue;
      try {
        const result = synthesizeApp(app, environment, join(options.overlaysDir, envName, file), `${display}/${envName}/${file}`);
        results.push(result.app);
        claims.push(...result.claims.map((c) => ({ ...c, app: appName })));
      } catch (error) {
        collect(error, problems);
      }
    }
    problems.push(...conflictingClaims(environment, claims));
    durations.set(envName, performance.now() - started);
  }
  if (options.appNames) {
    for (const name of options.appNames) {
      if (!byName.has(name)) problems.push({ where: '--app', message: `names no app "${name}"`, allowed: [...byName.keys()].sort().join(', ') });
    }
  }
  if (problems.length > 0) throw new UserError(problems);

  const files = new Map<string, string>();
  for (const r of results) for (const [path, content] of r.files) files.set(path, content);
  // Environment-level files describe every app of the environment, so only a run over whole
  // environments writes them (a run narrowed by --app keeps the existing ones).
  if (!options.appNames) {
    for (const environment of environments) {
      const started = performance.now();
      try {
        for (const [path, content] of environmentFiles(environment, results.filter((r) => r.environment === environment))) files.set(path, content);
      } catch (error) {
        collect(error, problems);
      }
      durations.set(environment.name, (durations.get(environment.name) ?? 0) + performance.now() - started);
    }
    if (problems.length > 0) throw new UserError(problems);
  }
  return { environments, apps: results, files, durations };
}

/** `dist/<env>/argocd/` (the ArgoCD project, applications and root app) and `dist/<env>/README.md`. */
function environmentFiles(environment: Environment, apps: readonly SynthesizedApp[]): Map<string, string> {
  const files = new Map<string, string>();
  const header = `# Generated by \`npm run synth\` from ${environment.file} and the apps deployed there. Do not edit.`;
  // The policy (lib/policy) covers the generated delivery objects too: no secret in a repoURL.
  const delivery = enforcePolicyOnGenerated(deliveryObjects(environment, apps), { production: environment.production, source: environment.file });
  for (const [name, content] of renderAppFiles(delivery, header)) files.set(`${environment.name}/${DELIVERY_DIRECTORY}/${name}`, content);
  files.set(`${environment.name}/README.md`, environmentReadme(environment, apps));
  return files;
}

/**
 * Runs a chart's construct validations, renders its objects and validates each against its
 * upstream schema. `suffix` is appended to construct-validation messages (which app, which
 * overlay). Throws a UserError with every problem found.
 */
export function renderChart(chart: AppChart, suffix = ''): KubeObject[] {
  const problems: Problem[] = [];
  for (const construct of chart.node.findAll()) {
    for (const message of construct.node.validate()) problems.push({ where: construct.node.path, message: `${message}${suffix}` });
  }
  if (problems.length > 0) throw new UserError(problems);

  const objects: KubeObject[] = [];
  for (const construct of chart.node.findAll()) {
    if (!ApiObject.isApiObject(construct)) continue;
    let object: KubeObject;
    try {
      // Every object gets its ArgoCD sync wave from its kind (lib/core/argocd-sync.ts).
      object = withSyncWave(construct.toJson() as KubeObject);
    } catch (error) {
      throw new UserError({ where: construct.node.path, message: `${(error as Error).message}${suffix}` });
    }
    problems.push(...validateObject(object, construct.node.path));
    objects.push(object);
  }
  if (problems.length > 0) throw new UserError(problems);
  return objects;
}

/** Builds, validates and renders one app in one environment. */
export function synthesizeApp(app: AppDefinition, environment: Environment, overlayPath: string, overlayDisplay: string): { app: SynthesizedApp; claims: readonly Claim[] } {
  const values = readOverlay(overlayPath, overlayDisplay, overlaySchemaOf(app)) as { namespace: string };
  const cdk8sApp = new App({ outdir: '.build/unused' });
  const chart = new AppChart(cdk8sApp, { environment, app, namespace: values.namespace, overlayFile: overlayDisplay });
  const context = `(app ${app.name}, environment ${environment.name}, values from ${overlayDisplay})`;
  try {
    app.build(chart, values);
  } catch (error) {
    if (error instanceof UserError) throw new UserError(error.problems.map((p) => ({ ...p, message: `${p.message} ${context}` })));
    throw error;
  }

  // The policy (lib/policy) over every rendered object; exceptions come from the overlay's policyExceptions.
  const objects = enforcePolicy(chart, renderChart(chart, ` ${context}`), { values, overlayPath });

  const header = `# Generated by \`npm run synth\` from apps/${app.name}.ts and ${overlayDisplay}. Do not edit.`;
  const files = new Map<string, string>();
  for (const [name, content] of renderAppFiles(objects, header)) files.set(`${environment.name}/${app.name}/${name}`, content);
  return { app: { environment, app, namespace: values.namespace, objects, files }, claims: chart.claimed };
}

/**
 * One overlay schema object per distinct overlay schema, so the overlay reader (which caches its
 * compiled validators by schema object; `overlaySchema` builds a new object on every call)
 * compiles each schema once per run instead of once per (environment, app) pair. Apps whose
 * overlay schemas are the same JSON Schema, such as apps defined from one template, share one.
 */
const overlaySchemaByApp = new WeakMap<AppDefinition, ReturnType<typeof overlaySchema>>();
const overlaySchemaByText = new Map<string, ReturnType<typeof overlaySchema>>();

function overlaySchemaOf(app: AppDefinition): ReturnType<typeof overlaySchema> {
  let schema = overlaySchemaByApp.get(app);
  if (!schema) {
    schema = overlaySchema(app);
    let text: string | undefined;
    try {
      text = JSON.stringify(schema);
    } catch {
      text = undefined; // not JSON (a BigInt default, say): this app keeps a schema of its own
    }
    if (text !== undefined) {
      const same = overlaySchemaByText.get(text);
      if (same) schema = same;
      else overlaySchemaByText.set(text, schema);
    }
    overlaySchemaByApp.set(app, schema);
  }
  return schema;
}

function listEnvironments(overlaysDir: string, display: string, only?: readonly string[]): string[] {
  if (!existsSync(overlaysDir)) throw new UserError({ where: display, message: 'does not exist', hint: 'run from the project root, or create overlays/<env>/environment.yaml' });
  const all = readdirSync(overlaysDir).filter((d) => statSync(join(overlaysDir, d)).isDirectory()).sort();
  const problems: Problem[] = [];
  for (const d of all) {
    if (!existsSync(join(overlaysDir, d, 'environment.yaml'))) {
      problems.push({ where: `${display}/${d}/`, message: 'has no environment.yaml', hint: 'every environment directory needs the cluster facts in environment.yaml' });
    }
  }
  for (const name of only ?? []) {
    if (!all.includes(name)) problems.push({ where: '--env', message: `names no environment "${name}"`, allowed: all.join(', ') });
  }
  if (problems.length > 0) throw new UserError(problems);
  return only ? all.filter((d) => only.includes(d)) : all;
}

/** Two apps (or two constructs) of one environment claiming the same hostname is an error naming both. */
function conflictingClaims(environment: Environment, claims: ReadonlyArray<Claim & { app: string }>): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, Claim & { app: string }>();
  for (const claim of claims) {
    const key = `${claim.kind}\u0000${claim.value}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, claim);
      continue;
    }
    problems.push({
      where: claim.path,
      message: `${claim.kind} "${claim.value}" is already taken in environment ${environment.name} by ${earlier.path} (app ${earlier.app}); app ${claim.app} claims it too`,
      hint: `each ${claim.kind} is served by one owner per environment: choose another, or remove one of the two`,
    });
  }
  return problems;
}

function collect(error: unknown, problems: Problem[]): void {
  if (error instanceof UserError) problems.push(...error.problems);
  else throw error;
}
