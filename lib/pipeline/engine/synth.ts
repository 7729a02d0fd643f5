import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { ApiObject, App } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { AppChart, type AppDefinition, type Claim } from '../../core/app';
import { overlaySchema } from './overlay-schema';
import { appCodeError, creationSites, frameText, userFrame, type StackFrame } from './app-code-error';
import { appListProblems } from './app-list';
import { DELIVERY_DIRECTORY, deliveryChart } from '../emit/argocd-delivery';
import { FLUX_DIRECTORY, fluxDeliveryChart, fluxStages, PRE_DEPLOY_SUFFIX } from '../emit/flux-delivery';
import { deliveryEngineOf } from '../../core/delivery';
import { renderAppFiles } from './output';
import { environmentReadme } from '../emit/environment-picture';
import type { Environment } from '../../core/environment';
import { UserError, type Problem } from '../../core/errors';
import { loadEnvironment, readOverlayWithSource } from './overlay';
import { renderChecked } from './render';
import type { SynthesizedApp } from '../checks/rendered';
import type { KubeObject } from '../checks/schema-validation';
import { enforcePolicy, enforcePolicyOnGenerated } from '../checks/policy';
import { checkReferences } from '../checks/references';
import { Neighbours } from '../checks/objects';
import { isTailscaleIngress, tailscaleDeviceName } from '../../tailscale/tailscale-ingress-rules';
import { checkDnsLabel } from '../../core/dns';

/** What to synthesize and from where. */
export interface SynthOptions {
  /** Every app the repo defines. */
  readonly apps: readonly AppDefinition[];
  /** The overlays directory (absolute). */
  readonly overlaysDir: string;
  /**
   * The project root: lines of the app's code are named relative to it.
   * @default the current directory
   */
  readonly root?: string;
  /** How to name the overlays directory in messages. @default "overlays" */
  readonly overlaysDisplay?: string;
  /** Only these environments. @default all */
  readonly environments?: readonly string[];
  /** Only these apps. @default all */
  readonly appNames?: readonly string[];
  /**
   * The output directory of earlier runs (dist/). A run narrowed by `appNames` reads the other
   * apps' objects there, so the reference check of the apps it builds sees what the others emit.
   * @default none: a narrowed run checks only what environment.yaml alone decides
   */
  readonly outputDir?: string;
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

/** Milliseconds since an arbitrary moment, for durations. */
export function clockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Runs the pipeline for every selected (environment, app) pair: read and validate the overlays,
 * build the app's constructs, run construct validations, render, and validate every object
 * against its upstream schema. Nothing is written. Throws a UserError listing every problem, in
 * the order the pairs were built.
 *
 * Each pair gets its own cdk8s App: pairs are independent, and one App per pair keeps the cost
 * of a run linear in the number of pairs.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const display = options.overlaysDisplay ?? 'overlays';
  // A list that names an app twice would make every later message misleading: refuse it first.
  const listed = appListProblems(options.apps);
  if (listed.length > 0) throw new UserError(listed);
  const byName = new Map(options.apps.map((a) => [a.name, a]));
  // Problems in the order found; those of (environment, app) pairs are merged across
  // environments before they are reported (mergeAppProblems).
  const problems: Array<Problem | AppProblem> = [];
  const results: SynthesizedApp[] = [];
  const environments: Environment[] = [];
  const durations = new Map<string, number>();
  // Per environment, the apps deployed there that a run narrowed by --app does not build.
  const notBuilt = new Map<Environment, AppDefinition[]>();
  const timed = (envName: string, started: number) => durations.set(envName, (durations.get(envName) ?? 0) + clockMs() - started);

  for (const envName of listEnvironments(options.overlaysDir, display, options.environments)) {
    const started = clockMs();
    let environment: Environment;
    try {
      environment = loadEnvironment(options.overlaysDir, envName, display);
    } catch (error) {
      problems.push(...problemsOf(error));
      continue;
    }
    environments.push(environment);
    notBuilt.set(environment, []);
    const claims: Array<Claim & { app: string }> = [];
    const others: AppDefinition[] = [];
    // What the apps of this environment built so far render (and, in a narrowed run, what the
    // others wrote to dist/): the rules that span apps see it (PolicyContext.neighbours).
    const neighbours = new Neighbours();
    const entries = readdirSync(join(options.overlaysDir, envName), { withFileTypes: true });
    const appFiles = entries.map((e) => e.name).sort();
    // listEnvironments has checked the directory itself: only a link in it can lead outside the repository.
    const links = new Set(entries.filter((e) => e.isSymbolicLink()).map((e) => e.name));
    if (options.appNames && options.outputDir) {
      for (const file of appFiles) {
        const appName = file.slice(0, -'.yaml'.length);
        if (file === 'environment.yaml' || !file.endsWith('.yaml') || options.appNames.includes(appName) || !byName.has(appName)) continue;
        neighbours.add(appName, priorObjects(options.outputDir, envName, appName) ?? []);
      }
    }
    for (const file of appFiles) {
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
      if (options.appNames && !options.appNames.includes(appName)) {
        others.push(app);
        continue;
      }
      const outside = links.has(file) ? outsideRepository(join(options.overlaysDir, envName, file), dirname(options.overlaysDir), `${display}/${envName}/${file}`) : undefined;
      if (outside) {
        problems.push(outside);
        continue;
      }
      try {
        const result = synthesizeApp(app, environment, join(options.overlaysDir, envName, file), `${display}/${envName}/${file}`, options.root ?? process.cwd(), neighbours);
        results.push(result.app);
        neighbours.add(appName, result.app.objects);
        claims.push(...result.claims.map((c) => ({ ...c, app: appName })));
      } catch (error) {
        if (error instanceof AppProblems) problems.push(...error.problems);
        else problems.push(...problemsOf(error));
      }
    }
    notBuilt.set(environment, others);
    problems.push(...conflictingClaims(environment, claims));
    timed(envName, started);
  }
  if (options.appNames) {
    for (const name of options.appNames) {
      if (!byName.has(name)) problems.push({ where: '--app', message: `names no app "${name}"`, allowed: [...byName.keys()].sort().join(', ') });
    }
  }
  if (problems.length > 0) throw new UserError(mergeAppProblems(problems));

  const files = new Map<string, string>();
  for (const r of results) for (const [path, content] of r.files) files.set(path, content);
  for (const environment of environments) {
    const built = results.filter((r) => r.environment === environment);
    if (!options.appNames) {
      problems.push(...checkReferences(environment, built));
      continue;
    }
    // A narrowed run checks the apps it built against the environment's declarations and the
    // other apps' output in dist/; if some other app's output is missing, only against what
    // environment.yaml alone decides (an object there could satisfy any other reference).
    const prior = (notBuilt.get(environment) ?? []).map((app) => ({ app, objects: options.outputDir ? priorObjects(options.outputDir, environment.name, app.name) : undefined }));
    problems.push(...checkReferences(environment, [...built, ...prior.map((p) => ({ app: p.app, objects: p.objects ?? [] }))], {
      reportOn: built.map((r) => r.app.name),
      complete: prior.every((p) => p.objects !== undefined),
    }));
  }
  if (problems.length > 0) throw new UserError(mergeAppProblems(problems));
  // Environment-level files describe every app of the environment, so only a run over whole
  // environments writes them (a run narrowed by --app keeps the existing ones).
  if (!options.appNames) {
    for (const environment of environments) {
      const started = clockMs();
      try {
        for (const [path, content] of environmentFiles(environment, results.filter((r) => r.environment === environment))) files.set(path, content);
      } catch (error) {
        problems.push(...problemsOf(error));
      }
      timed(environment.name, started);
    }
    if (problems.length > 0) throw new UserError(mergeAppProblems(problems));
  }
  return { environments, apps: results, files, durations };
}

/**
 * The environment's delivery objects, by its engine (`dist/<env>/argocd/`: the ArgoCD projects,
 * applications and root app; `dist/<env>/flux/`: the Flux source, kustomizations and reconciler
 * accounts), and `dist/<env>/README.md`.
 */
function environmentFiles(environment: Environment, apps: readonly SynthesizedApp[]): Map<string, string> {
  const header = `# Generated by \`npm run synth\` from ${environment.file} and the apps deployed there. Do not edit.`;
  const flux = deliveryEngineOf(environment) === 'flux';
  const { chart, context } = flux ? fluxDeliveryChart(environment, apps) : deliveryChart(environment, apps);
  // The policy (lib/pipeline/checks/policy.ts) covers the generated delivery objects too: no secret in a repoURL.
  const delivery = renderChecked(chart, context, (objects) => enforcePolicyOnGenerated(objects, { production: environment.production, source: environment.file, environment }), header);
  const files = new Map<string, string>();
  for (const [name, content] of delivery.files) files.set(`${environment.name}/${flux ? FLUX_DIRECTORY : DELIVERY_DIRECTORY}/${name}`, content);
  files.set(`${environment.name}/README.md`, environmentReadme(environment, apps));
  return files;
}

/** Which app, environment and overlay a problem arose in: synth adds it to the message. */
interface AppContext {
  readonly app: string;
  readonly environment: string;
  readonly overlay: string;
}

/** A problem of one (environment, app) pair, its context kept apart so that pairs can share it. */
interface AppProblem {
  readonly problem: Problem;
  readonly context: AppContext;
}

/** A UserError raised by one (environment, app) pair. */
class AppProblems extends Error {
  constructor(readonly problems: readonly AppProblem[]) {
    super(problems.map((p) => p.problem.message).join('\n'));
  }
}

/**
 * The problems of a run in the order found, each printed once: the same problem of an app (same
 * place, same words) in several environments, as one mistake in an app's code gives, is one
 * entry naming them all, where it was first found. Problems of no pair pass as they are.
 */
export function mergeAppProblems(found: ReadonlyArray<Problem | AppProblem>): Problem[] {
  const groups = new Map<string, { problem: Problem; contexts: AppContext[] }>();
  const order: Array<Problem | { problem: Problem; contexts: AppContext[] }> = [];
  for (const entry of found) {
    if (!('context' in entry)) {
      order.push(entry);
      continue;
    }
    const { problem, context } = entry;
    const key = JSON.stringify([problem.where, problem.message, problem.allowed, problem.hint, context.app]);
    const group = groups.get(key);
    if (group) group.contexts.push(context);
    else {
      const created = { problem, contexts: [context] };
      groups.set(key, created);
      order.push(created);
    }
  }
  return order.map((entry) => {
    if (!('contexts' in entry)) return entry;
    const { problem, contexts } = entry;
    const environments = contexts.map((c) => c.environment);
    const where = environments.length === 1 ? `environment ${environments[0]}` : `environments ${environments.join(', ')}`;
    return { ...problem, message: `${problem.message} (app ${contexts[0].app}, ${where}, values from ${contexts.map((c) => c.overlay).join(', ')})` };
  });
}

/** Builds, renders and checks one app in one environment; its problems are thrown as AppProblems. */
function synthesizeApp(app: AppDefinition, environment: Environment, overlayPath: string, overlayDisplay: string, root: string, neighbours: Neighbours): { app: SynthesizedApp; claims: readonly Claim[] } {
  const appContext: AppContext = { app: app.name, environment: environment.name, overlay: overlayDisplay };
  const fail = (problems: readonly Problem[]) => new AppProblems(problems.map((problem) => ({ problem, context: appContext })));
  // An overlay error names its own file: it is thrown as it is, without the pair's context.
  const read = readOverlayWithSource(overlayPath, overlayDisplay, overlaySchemaOf(app));
  const values = read.values as { namespace: string };
  const build = () => {
    const cdk8sApp = new App({ outdir: '.build/unused' });
    const built = new AppChart(cdk8sApp, { environment, app, namespace: values.namespace, overlayFile: overlayDisplay });
    app.build(built, values);
    return built;
  };
  const cdk8sApp = new App({ outdir: '.build/unused' });
  const chart = new AppChart(cdk8sApp, { environment, app, namespace: values.namespace, overlayFile: overlayDisplay });
  // A construct that refuses a value from the overlay is answered with the overlay's line and key
  // (lib/pipeline/engine/overlay-source.ts); one refusing for another reason, with the line of the
  // user's code that created it; problems located elsewhere (objects, files) keep their place.
  const inChart = (where: string) => where === chart.node.path || where.startsWith(`${chart.node.path}/`);
  // The chart itself is synth's; the constructs in it are the app's.
  const builtByApp = (where: string) => where.startsWith(`${chart.node.path}/`);
  const located = (problems: readonly Problem[], sites: ReadonlyMap<string, StackFrame>) => problems.map((p) => {
    if (!inChart(p.where)) return p;
    const atOverlay = read.source.locate(p);
    if (atOverlay.where !== p.where) return atOverlay;
    const site = sites.get(p.where);
    return site ? { ...atOverlay, where: `${frameText(site, root)} ${p.where}` } : atOverlay;
  });
  try {
    app.build(chart, values);
  } catch (error) {
    if (error instanceof UserError) {
      // Thrown while building: its own stack holds the user's line.
      const frame = userFrame(error.stack, root);
      const sites = new Map(error.problems.filter((p) => frame && builtByApp(p.where)).map((p) => [p.where, frame!] as const));
      throw fail(located(error.problems, sites));
    }
    // Anything else thrown by the app's code (or by a construct it called) is the app's to fix.
    throw fail(appCodeError(error, { app: app.name, root }).problems);
  }

  const header = `# Generated by \`npm run synth\` from apps/${app.name}.ts and ${overlayDisplay}. Do not edit.`;
  // The policy (lib/pipeline/checks/policy.ts) over every rendered object; exceptions come from the overlay's policyExceptions.
  let rendered: ReturnType<typeof renderChecked>;
  try {
    rendered = renderChecked(chart, '', (objects) => enforcePolicy(chart, objects, { values, overlayPath, neighbours }), header, root);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // Validations run after build(): where each refusing construct was created is found by
    // building once more, recording creation (only on this error path).
    const paths = new Set(error.problems.map((p) => p.where).filter(builtByApp));
    const sites = paths.size > 0 ? creationSites(build, paths, root) : new Map<string, StackFrame>();
    throw fail(located(error.problems, sites));
  }
  const { objects, files: appFiles } = rendered;
  const files = new Map<string, string>();
  // Flux applies an app with a Job to run first as two Kustomizations, one directory each
  // (lib/pipeline/emit/flux-delivery.ts); ArgoCD orders one directory by sync waves.
  const stages = deliveryEngineOf(environment) === 'flux' ? fluxStages(objects) : undefined;
  if (stages && stages.preDeploy.length > 0) {
    for (const [name, content] of renderAppFiles(stages.main, header)) files.set(`${environment.name}/${app.name}/${name}`, content);
    for (const [name, content] of renderAppFiles(stages.preDeploy, header)) files.set(`${environment.name}/${app.name}${PRE_DEPLOY_SUFFIX}/${name}`, content);
  } else {
    for (const [name, content] of appFiles) files.set(`${environment.name}/${app.name}/${name}`, content);
  }
  return { app: { environment, app, namespace: values.namespace, objects, files }, claims: [...chart.claimed, ...outputClaims(chart, objects)] };
}

/**
 * Claims read off the rendered objects, however they were built: the tailnet device name of every
 * Ingress of class tailscale. Named by the construct that owns the object (a TailscaleFunnel for
 * its `Resource`), else by the object's own construct.
 */
function outputClaims(chart: AppChart, objects: readonly KubeObject[]): Claim[] {
  // renderChart renders the chart's ApiObjects in construct-tree order: the i-th object is the i-th.
  const made = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  return objects.flatMap((object, i): Claim[] => {
    const manifest = object as unknown as Record<string, unknown>;
    if (!isTailscaleIngress(manifest)) return [];
    const construct = made.length === objects.length ? made[i] : undefined;
    const owner = construct?.node.id === 'Resource' ? construct.node.scope : construct;
    return [{ kind: 'tailnet hostname', value: tailscaleDeviceName(manifest), path: owner?.node.path ?? `Ingress/${String(object.metadata.name)}` }];
  });
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
  // Hidden directories (an editor's, a tool's) are not environments.
  // A link that points nowhere is kept, to be reported below rather than skipped.
  const all = readdirSync(overlaysDir).filter((d) => !d.startsWith('.') && (statSync(join(overlaysDir, d), { throwIfNoEntry: false })?.isDirectory() || lstatSync(join(overlaysDir, d)).isSymbolicLink())).sort();
  if (all.length === 0) {
    // A run over no environment would replace all of dist/ with nothing.
    throw new UserError({
      where: `${display}/`,
      message: 'holds no environment directory, so a run would delete everything in dist/',
      allowed: `one directory per environment, each with its environment.yaml (${display}/<env>/environment.yaml)`,
      hint: `restore ${display}/ (\`git status ${display}\`); to remove every environment, delete dist/ yourself`,
    });
  }
  const problems: Problem[] = [];
  const repository = dirname(overlaysDir);
  const overlaysOutside = outsideRepository(overlaysDir, repository, display);
  if (overlaysOutside) throw new UserError(overlaysOutside);
  for (const d of all) {
    const nameProblem = checkDnsLabel(d);
    if (nameProblem) {
      // The name becomes dist/<env>/, the ArgoCD project and the Terraform state's suffix.
      problems.push({ where: `${display}/${JSON.stringify(d).slice(1, -1)}/`, message: `is not an environment name: it ${nameProblem}`, allowed: 'a DNS label, e.g. cfp-prod', hint: 'rename the directory' });
      continue;
    }
    const outside = outsideRepository(join(overlaysDir, d), repository, `${display}/${d}/`) ?? outsideRepository(join(overlaysDir, d, 'environment.yaml'), repository, `${display}/${d}/environment.yaml`);
    if (outside) {
      problems.push(outside);
      continue;
    }
    if (!existsSync(join(overlaysDir, d, 'environment.yaml'))) {
      problems.push({ where: `${display}/${d}/`, message: 'has no environment.yaml', hint: 'every environment directory needs the cluster facts in environment.yaml' });
    }
  }
  for (const name of only ?? []) {
    if (!all.includes(name)) problems.push({ where: '--env', message: `names no environment "${name}"`, allowed: all.join(', ') });
  }
  if (problems.length > 0) throw new UserError(mergeAppProblems(problems));
  return only ? all.filter((d) => only.includes(d)) : all;
}

/**
 * A problem when `path` is a symbolic link (or lies under one) that resolves outside
 * `repository`: overlays are reviewed as files of the repository, and a link would feed synth a
 * file no pull request shows (another checkout's overlay, /etc/passwd, a secret on the CI runner).
 * Links that stay inside the repository are followed.
 */
function outsideRepository(path: string, repository: string, display: string): Problem | undefined {
  if (!lstatSync(path, { throwIfNoEntry: false })) return undefined;
  let real: string;
  let root: string;
  try {
    real = realpathSync(path);
    root = realpathSync(repository);
  } catch (error) {
    return { where: display, message: `cannot be resolved (${(error as NodeJS.ErrnoException).code ?? String(error)}): a symbolic link to nowhere, or a loop`, hint: 'replace the link by the directory or file itself' };
  }
  const rel = relative(root, real);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return undefined;
  return {
    where: display,
    message: `is a symbolic link to ${real}, outside the repository (${root}); synth reads overlays only from the repository, where a review sees them`,
    hint: 'copy the file or directory into overlays/ instead of linking it, and commit it',
  };
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

/**
 * The objects an earlier run wrote for `app` in `environment` (`<outputDir>/<env>/<app>/*.yaml`,
 * one object per file), or undefined when there are none to read.
 */
function priorObjects(outputDir: string, environment: string, app: string): KubeObject[] | undefined {
  const dir = join(outputDir, environment, app);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const objects: KubeObject[] = [];
  // A Flux environment's app may have a pre-deploy directory beside its own (flux-delivery.ts).
  const preDeploy = join(outputDir, environment, `${app}${PRE_DEPLOY_SUFFIX}`);
  for (const from of existsSync(preDeploy) ? [dir, preDeploy] : [dir]) {
    for (const file of readdirSync(from).sort()) {
      if (!file.endsWith('.yaml') || file === 'kustomization.yaml') continue;
      try {
        for (const doc of parseAllDocuments(readFileSync(join(from, file), 'utf8'))) {
          const value: unknown = doc.toJS();
          if (value !== null && typeof value === 'object' && 'kind' in value && 'metadata' in value) objects.push(value as KubeObject);
        }
      } catch {
        return undefined; // unreadable: treated as unknown, like a missing output
      }
    }
  }
  return objects;
}

/** A UserError's problems; any other error is a bug, thrown again. */
function problemsOf(error: unknown): readonly Problem[] {
  if (error instanceof UserError) return error.problems;
  throw error;
}
