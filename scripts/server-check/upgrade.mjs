#!/usr/bin/env node
// An upgrade checked by kube-apiserver: the base objects applied for real, the new ones sent over
// them with dryRun=All; prints the server's refusals (immutable fields, validation) per object.
// `npm run diff` runs it (lib/pipeline/review/server-upgrade-check.ts); see docs/server-check.md.
//
//   node scripts/server-check/upgrade.mjs [--base REF | --before DIR] [--after DIR] [--json] [--build]
//
//   --base REF     the git revision whose dist/ is the base (default: main)
//   --before DIR   a directory laid out like dist/ as the base instead
//   --after DIR    the new output (default: dist/)
//   --before-label, --after-label   how to name the two in messages (default: the paths)
//   --json         one JSON document on stdout, for programs
//   --build        build the control plane if it is not built yet (otherwise: exit 4, unavailable)
//   --function     also the function check (function.mjs) of each environment whose objects
//                  changed: the new output applied to a fresh control plane with its controllers
//                  and KWOK nodes, each workload, Job, Service, claim and disruption budget judged
//                  (skipped, and said so, where the KWOK binary is not built)
//
// Exit codes: 0 every new object accepted (and, with --function, healthy), 1 the server refused
// at least one (or one stays unhealthy), 4 no control plane here (not built, no Go), 70 the check
// itself failed.
import { join, resolve } from 'node:path';
import { checkUpgrade, describeObject, environmentsOf, formatRefusal, readManifestsAtRef, readManifestTree, vendoredCrds } from './checks.mjs';
import { ControlPlaneUnavailable, ensureBinary, ROOT, startControlPlane } from './control-plane.mjs';
import { environmentFacts, formatVerdict, functionCheckEnvironment } from './function.mjs';
import { operatorBinaries, operatorsCheckEnvironment } from './operators.mjs';
import { KubeClient } from './kube.mjs';

const EXIT = { ok: 0, refused: 1, unavailable: 4, internal: 70 };
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const json = args.includes('--json');
const emit = (document) => process.stdout.write(`${JSON.stringify(document)}\n`);

/** A result as plain data: where, what, and what the server said. */
const finding = (r) => ({
  environment: r.manifest.environment,
  file: r.manifest.file,
  object: describeObject(r.manifest.object),
  update: r.update ?? false,
  status: r.status,
  message: r.message,
});

/** The environments whose objects differ between two lists of manifests (added, removed or changed). */
function changedEnvironments(before, after) {
  const content = (manifests, environment) => JSON.stringify(manifests.filter((m) => m.environment === environment).map((m) => [m.file, m.object]).sort(([a], [b]) => a.localeCompare(b)));
  return environmentsOf([...after, ...before]).filter((e) => content(before, e) !== content(after, e));
}

/**
 * The function check of each changed environment (after the upgrade check's control plane is
 * stopped: one control plane at a time on a small machine). Returns the report's `function`
 * part: per environment, what stayed unhealthy or was refused when applied for real.
 */
async function functionCheck(apiserver, before, after) {
  let kwok;
  try {
    kwok = (await ensureBinary({ target: 'kwok', build: args.includes('--build'), log: json ? () => undefined : undefined })).path;
  } catch (error) {
    if (!(error instanceof ControlPlaneUnavailable)) throw error;
    return { unavailable: error.message };
  }
  const operators = await operatorBinaries();
  const environments = [];
  for (const environment of changedEnvironments(before, after)) {
    const manifests = after.filter((m) => m.environment === environment);
    if (manifests.length === 0) continue;
    const started = Date.now();
    const facts = environmentFacts(environment);
    const outcome = await functionCheckEnvironment({ apiserver, kwok, facts, crds: vendoredCrds(), manifests });
    // Stage 3, where the operators' binaries are built: Envoy Gateway's and CloudNativePG's verdicts.
    const byOperators = await operatorsCheckEnvironment({ binaries: { apiserver, kwok, ...operators }, facts, crds: vendoredCrds(), manifests });
    const judged = [...outcome.verdicts, ...byOperators.verdicts].filter((v) => !v.skipped);
    const unhealthy = judged.filter((v) => !v.healthy);
    const failing = [
      ...[...outcome.refused, ...byOperators.refused].map((r) => ({ ...finding(r), summary: 'refused when applied for real', reason: r.message })),
      ...unhealthy.map((v) => ({ environment, file: v.manifest.file, object: describeObject(v.manifest.object), summary: v.summary, reason: v.reason ?? '' })),
    ];
    environments.push({ environment, judged: judged.length, healthy: judged.length - unhealthy.length, failing, seconds: Math.round((Date.now() - started) / 1000), operatorsSkipped: operators.skipped });
    if (!json) {
      console.log(`${environment}: function check: ${judged.length - unhealthy.length} of ${judged.length} healthy, ${outcome.refused.length + byOperators.refused.length} refused${operators.skipped.length ? ` (operators not run: ${operators.skipped.join('; ')})` : ''}`);
      for (const v of judged) console.log(formatVerdict(v));
    }
  }
  return { environments };
}

async function main() {
  let binary;
  try {
    binary = await ensureBinary({ build: args.includes('--build'), log: json ? () => undefined : undefined });
  } catch (error) {
    if (!(error instanceof ControlPlaneUnavailable)) throw error;
    if (json) emit({ unavailable: error.message });
    else console.error(`server check unavailable: ${error.message}`);
    return EXIT.unavailable;
  }
  const beforeDir = option('--before');
  const baseRef = option('--base') ?? 'main';
  const before = beforeDir ? readManifestTree(resolve(beforeDir), option('--before-label') ?? beforeDir) : readManifestsAtRef(baseRef) ?? [];
  const afterDir = option('--after') ?? join(ROOT, 'dist');
  const after = readManifestTree(resolve(afterDir), option('--after-label') ?? option('--after') ?? 'dist');

  const controlPlane = await startControlPlane(binary.path, { maxLifetimeMs: 30 * 60_000 });
  const client = new KubeClient(controlPlane);
  try {
    await client.installCrds(vendoredCrds());
    const report = { base: beforeDir ? option('--before-label') ?? beforeDir : `${baseRef}:dist`, environments: [], refused: [], baseRefused: [] };
    for (const environment of [...new Set([...environmentsOf(before), ...environmentsOf(after)])]) {
      const outcome = await checkUpgrade(client, before.filter((m) => m.environment === environment), after.filter((m) => m.environment === environment));
      const refused = outcome.results.filter((r) => !r.accepted);
      const baseRefused = outcome.base.filter((r) => !r.accepted);
      report.environments.push({ environment, objects: outcome.results.length, updates: outcome.results.filter((r) => r.update).length, refused: refused.length });
      report.refused.push(...refused.map(finding));
      report.baseRefused.push(...baseRefused.map(finding));
      if (!json) {
        console.log(`${environment}: ${outcome.results.length} objects over ${report.base}, ${refused.length} refused by kube-apiserver`);
        for (const line of refused.flatMap(formatRefusal)) console.log(line);
        for (const line of baseRefused.flatMap(formatRefusal)) console.log(`  (base) ${line.trim()}`);
      }
    }
    client.close();
    await controlPlane.stop();
    if (args.includes('--function')) report.function = await functionCheck(binary.path, before, after);
    if (json) emit(report);
    const unhealthy = (report.function?.environments ?? []).reduce((n, e) => n + e.failing.length, 0);
    return report.refused.length || unhealthy ? EXIT.refused : EXIT.ok;
  } finally {
    client.close();
    await controlPlane.stop();
  }
}

main().then((code) => {
  process.exitCode = code;
}, (error) => {
  if (json) emit({ error: error.message });
  console.error(`server check failed: ${error.stack ?? error.message}`);
  process.exitCode = EXIT.internal;
});
