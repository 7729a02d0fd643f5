import { lstatSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { AppDefinition } from '../../core/app';
import { checkEnvironmentRemovals } from './environment-removal';
import { formatProblems, internalErrorLines, printable, UserError } from '../../core/errors';
import { requireOptional } from './optional-dependency';
import { diffTrees, readOutput, recoverInterruptedWrite, refuseEscapingPaths, writeTreeAtomically } from './output';
import { foreignPaths, outputPlacementProblem, strayFiles, strayFilesError } from './output-ownership';
import { clockMs, synthesize, type SynthResult } from './synth';
import { PRE_DEPLOY_SUFFIX } from '../emit/flux-delivery';

/** Exit codes: distinct for drift, bad input and bugs, so CI can tell them apart. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** `--check` found dist/ different from a fresh synth. */
  drift: 1,
  /** Bad input: an overlay, construct props or the command line; printed without a stack trace. */
  badInput: 2,
  /** A bug in the library itself (EX_SOFTWARE); printed with where to report it and the stack trace. */
  internal: 70,
} as const;

const HELP = `Usage: npm run synth -- [options]

Synthesizes every app in apps/ for every environment in overlays/ into dist/<env>/<app>/.

Options:
  --env NAME     only this environment (repeat or comma-separate for several)
  --app NAME     only this app (repeat or comma-separate for several)
  --check        compare a fresh synth with dist/ and exit 1 listing drifted files; writes nothing
  --out DIR      output directory (default: dist, or dist-terraform for --target terraform)
  --target T     yaml (default): manifests for ArgoCD/kubectl; terraform: one Terraform JSON stack per
                 environment with a terraform: section, dist-terraform/<env>/cdk.tf.json (docs/terraform.md)
  --quiet        print nothing but errors
  --prune-environments
                 allow a run to remove whole environments from dist/ even though their overlay
                 directories still exist, or every environment it holds (refused otherwise)
  --help         show this help

Exit codes: 0 done, 1 dist/ drifted (--check), 2 anything you can fix (overlays, app code, the
output directory's permissions, a missing optional package), 70 a bug in the library.`;

/** Where the CLI reads and writes, and how it talks. */
export interface CliContext {
  /** The project root: `overlays/` is read and `dist/` written below it. */
  readonly root: string;
  /** Every app the project defines (its `apps/index.ts`). */
  readonly apps: readonly AppDefinition[];
  /** Where normal output goes, one line per call. @default process.stdout */
  readonly stdout?: (line: string) => void;
  /** Where errors go, one line per call. @default process.stderr */
  readonly stderr?: (line: string) => void;
  /** The environment variables read (`CDK8S_OUTDIR`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Colour the errors. @default true when stderr is a terminal and NO_COLOR is unset */
  readonly color?: boolean;
}

/** Runs the synth CLI and returns its exit code; never throws. */
export function runCli(argv: readonly string[], context: CliContext): number {
  const out = context.stdout ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = context.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const color = context.color ?? (Boolean(process.stderr.isTTY) && !process.env.NO_COLOR);
  const red = (s: string) => (color ? `\u001b[31m${s}\u001b[39m` : s);
  const started = clockMs();
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      out(HELP);
      return EXIT.ok;
    }
    const outDir = resolve(context.root, args.out);
    const show = (path: string) => relative(context.root, path).split('\\').join('/') || '.';
    const overlaysDir = join(context.root, 'overlays');
    const result: SynthResult = synthesize({
      apps: context.apps,
      overlaysDir,
      root: context.root,
      environments: args.env,
      appNames: args.app,
      outputDir: outDir,
    });
    const terraform = args.target === 'terraform'
      ? loadTerraform().renderTerraform({ result, overlaysDir, explicitEnvironments: args.env !== undefined, outDir, outDisplay: args.out })
      : undefined;
    if (terraform && terraform.problems.length > 0) throw new UserError(terraform.problems);
    const files = terraform?.files ?? result.files;
    if (!args.check) refuseForeignOutput(outDir, { root: context.root, overlaysDir, display: args.out });
    const repaired = recoverInterruptedWrite(outDir, { show });
    for (const line of repaired.notes) if (!args.quiet) out(`note: ${printable(line)}`);
    for (const line of repaired.warnings) err(`warning: ${printable(line)}`);
    const current = readOutput(outDir, show);
    // What synth did not write is never deleted: refused, listed (lib/pipeline/engine/output-ownership.ts).
    // A file at a path this run writes is replaced, as generated files are ("Do not edit").
    const stray = args.check ? [] : strayFiles(current).filter((path) => !files.has(path) && !lstatSync(join(outDir, path), { throwIfNoEntry: false })?.isSymbolicLink());
    if (stray.length > 0) throw strayFilesError(stray, args.out);
    const inScope = scopeOf(result, args.env !== undefined, args.app !== undefined);
    const next = new Map([...current].filter(([path]) => !inScope(path)));
    for (const [path, content] of files) next.set(path, content);
    const diff = diffTrees(current, next);
    const drifted = [...diff.added.map((p) => `added    ${p}`), ...diff.removed.map((p) => `removed  ${p}`), ...diff.changed.map((p) => `changed  ${p}`)];

    if (args.check) {
      if (drifted.length === 0) {
        if (!args.quiet) out(`${args.out}/ matches a fresh synth (${files.size} files).`);
        return EXIT.ok;
      }
      err(red(`${args.out}/ differs from a fresh synth of the code (${drifted.length} files):`));
      for (const line of drifted) err(`  ${printable(line)}`);
      err(terraform ? 'Run `npm run synth -- --target terraform`.' : 'Run `npm run synth` and commit dist/.');
      return EXIT.drift;
    }

    if (drifted.length > 0) {
      const removals = checkEnvironmentRemovals({ current, next, overlaysDir, overlaysDisplay: 'overlays', outDisplay: args.out, prune: args.pruneEnvironments });
      const written = writeTreeAtomically(outDir, next, { show });
      for (const line of [...removals, ...written.notes]) if (!args.quiet) out(`note: ${printable(line)}`);
      for (const line of written.warnings) err(`warning: ${printable(line)}`);
    }
    const cdk8sOut = (context.env ?? process.env).CDK8S_OUTDIR;
    if (cdk8sOut && !terraform && resolve(context.root, cdk8sOut) !== outDir) {
      const mirrorDir = resolve(context.root, cdk8sOut);
      refuseForeignOutput(mirrorDir, { root: context.root, overlaysDir, display: `CDK8S_OUTDIR ${cdk8sOut}` });
      const strayMirror = strayFiles(readOutput(mirrorDir, show));
      if (strayMirror.length > 0) throw strayFilesError(strayMirror, cdk8sOut);
      mirror(mirrorDir, result.files);
    }
    if (!args.quiet) {
      const ms = Math.round(clockMs() - started);
      for (const line of terraform?.summary ?? []) out(line);
      for (const env of terraform ? [] : result.environments) {
        const apps = result.apps.filter((a) => a.environment.name === env.name);
        if (apps.length === 0 && args.app) continue; // narrowed by --app to apps this environment lacks
        const objects = apps.reduce((n, a) => n + a.objects.length, 0);
        const count = [...files.keys()].filter((path) => path.startsWith(`${env.name}/`)).length;
        const written = drifted.filter((line) => line.slice(9).startsWith(`${env.name}/`)).length;
        out(`${env.name}: ${counted(apps.length, 'app')}, ${counted(objects, 'object')}, ${counted(count, 'file')}, ${written} written (${Math.round(result.durations.get(env.name) ?? 0)} ms)`);
      }
      out(drifted.length ? `${args.out}/: ${counted(drifted.length, 'file')} changed (${ms} ms)` : `${args.out}/: up to date (${ms} ms)`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UserError) {
      err(red(`error: ${error.problems.length === 1 ? 'bad input' : `${error.problems.length} problems in the input`}; nothing was written`));
      err(formatProblems(error.problems));
      return EXIT.badInput;
    }
    const [headline, ...rest] = internalErrorLines(error);
    err(red(headline));
    for (const line of rest) err(line);
    return EXIT.internal;
  }
}

interface CliArgs {
  readonly env?: string[];
  readonly app?: string[];
  readonly check: boolean;
  readonly quiet: boolean;
  readonly pruneEnvironments: boolean;
  readonly help: boolean;
  readonly out: string;
  readonly target: 'yaml' | 'terraform';
}

function parseCliArgs(argv: readonly string[]): CliArgs {
  const parsed = parseCommandLine(argv, {
    check: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    'prune-environments': { type: 'boolean', default: false },
    out: { type: 'string' },
    target: { type: 'string', default: 'yaml' },
  }, 'npm run synth -- --help');
  const target = parsed.text('target') ?? 'yaml';
  if (target !== 'yaml' && target !== 'terraform') throw new UserError({ where: '--target', message: `"${target}" is not a target`, allowed: 'yaml (default), terraform' });
  if (target === 'terraform' && parsed.app) {
    throw new UserError({
      where: '--app',
      message: 'cannot be combined with --target terraform',
      hint: 'an environment\'s stack holds all its apps, and `terraform apply` would delete what a narrowed stack leaves out; narrow with --env',
    });
  }
  return {
    env: parsed.env,
    app: parsed.app,
    check: parsed.flag('check'),
    quiet: parsed.flag('quiet'),
    pruneEnvironments: parsed.flag('prune-environments'),
    help: parsed.help,
    out: parsed.text('out') ?? (target === 'terraform' ? 'dist-terraform' : 'dist'),
    target,
  };
}

/** Options every command has: which environments and apps, and help. */
const SELECTION_OPTIONS = {
  env: { type: 'string', multiple: true },
  app: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/**
 * Parses a command line with the selection options (`--env`, `--app`, each repeatable or
 * comma-separated, and `--help`) plus `options`; an unknown or malformed option is a UserError
 * pointing at `helpCommand`.
 */
export function parseCommandLine(argv: readonly string[], options: NonNullable<ParseArgsConfig['options']>, helpCommand: string): ParsedCommandLine {
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: { ...SELECTION_OPTIONS, ...options }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UserError({ where: 'command line', message: (error as Error).message, hint: `see \`${helpCommand}\`` });
  }
  const list = (value: unknown) => (value as string[] | undefined)?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return {
    env: list(values.env),
    app: list(values.app),
    help: values.help === true,
    flag: (name) => values[name] === true,
    text: (name) => (typeof values[name] === 'string' ? (values[name] as string) : undefined),
    list: (name) => list(values[name]) ?? [],
  };
}

/** A parsed command line. */
export interface ParsedCommandLine {
  /** `--env`, split at commas. @default all environments */
  readonly env?: string[];
  /** `--app`, split at commas. @default all apps */
  readonly app?: string[];
  readonly help: boolean;
  /** A boolean option's value. */
  flag(name: string): boolean;
  /** A string option's value, when given. */
  text(name: string): string | undefined;
  /** A repeatable string option's values (`multiple: true`), split at commas; empty when not given. */
  list(name: string): string[];
}

/**
 * lib/terraform, which loads cdktf, only for --target terraform: YAML synth never loads cdktf.
 * cdktf and the provider are optional peer dependencies of the library; when they are missing,
 * the user is told the install command (the versions of the package's peerDependencies).
 */
function loadTerraform(): typeof import('../emit/terraform') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return requireOptional(() => require('../emit/terraform'), '--target terraform', TERRAFORM_PACKAGES);
}

/** What --target terraform needs installed: the package's optional peers (scripts/package/package.json), at their versions. */
export const TERRAFORM_PACKAGES: Readonly<Record<string, string>> = { cdktf: '0.21.0', '@cdktf/provider-kubernetes': '12.1.1' };

/** "1 app", "2 apps". */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Which existing output paths a run replaces: all of it, whole environments, or single apps. */
function scopeOf(result: SynthResult, byEnv: boolean, byApp: boolean): (path: string) => boolean {
  if (!byEnv && !byApp) return () => true;
  const envs = new Set(result.environments.map((e) => e.name));
  if (!byApp) return (path) => envs.has(path.split('/')[0]);
  // An app of a Flux environment may own a pre-deploy directory beside its own (flux-delivery.ts).
  const pairs = new Set(result.apps.flatMap((a) => [`${a.environment.name}/${a.app.name}`, `${a.environment.name}/${a.app.name}${PRE_DEPLOY_SUFFIX}`]));
  return (path) => {
    // <env>/<app>/<file...>: one Set lookup per path, so narrowing stays linear in the files
    const [env, app, ...rest] = path.split('/');
    return rest.length > 0 && pairs.has(`${env}/${app}`);
  };
}

/** Refuses an output directory that is the project, holds it, lies in overlays/, or holds paths synth never writes. */
function refuseForeignOutput(outDir: string, where: { readonly root: string; readonly overlaysDir: string; readonly display: string }): void {
  const placement = outputPlacementProblem(outDir, where.root, where.overlaysDir, where.display);
  if (placement) throw new UserError(placement);
  const foreign = foreignPaths(outDir);
  if (foreign.length > 0) throw strayFilesError(foreign, where.display);
}

/** `cdk8s synth` expects manifests in its own output directory; give it a copy of this run's. */
function mirror(dir: string, files: ReadonlyMap<string, string>): void {
  refuseEscapingPaths(files, dir);
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}
