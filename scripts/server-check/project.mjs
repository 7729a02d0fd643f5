// The server check and the function check on a library user's own project (`cdk8s-constructs
// server-check`, scripts/cdk8s-constructs.mjs; docs/server-check.md "In your own repository"):
// the same control plane, built from the Go sources the package ships (test/apiserver/,
// test/kwok/) and cached under the same key as in the library's repository, the same checks as
// `npm run test:server` (checks.mjs, function.mjs), on the project's dist/ with the library's
// vendored CRDs and the project's own (imports/crds/, `cdk8s-constructs import`).
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { libraryImportsDir } from '../import/project.mjs';
import { checkManifests, checkUpgrade, environmentsOf, formatRefusal, readManifestsAtRef, readManifestTree, vendoredCrds } from './checks.mjs';
import { ensureBinary, startControlPlane } from './control-plane.mjs';
import { environmentFacts, formatVerdict, functionCheckEnvironment } from './function.mjs';
import { KubeClient } from './kube.mjs';
import { operatorBinaries, operatorsCheckEnvironment } from './operators.mjs';

const MINUTE = 60_000;

/** A problem with what the user asked for (no dist/, nothing in it): exit 2, no stack. */
export class ProjectProblem extends Error {}

/**
 * The CRDs installed before the check: the library's vendored CRDs, then the project's whose
 * name the library does not vendor (the library's schema wins, as in synth: the project's
 * validators skip the kinds the library validates).
 */
export function projectCrds(project) {
  const library = vendoredCrds(dirname(libraryImportsDir()));
  const own = existsSync(join(project, 'imports', 'crds', 'VENDORED.json')) && resolve(project) !== dirname(libraryImportsDir()) ? vendoredCrds(project) : [];
  const names = new Set(library.map((c) => c.metadata.name));
  return [...library, ...own.filter((c) => !names.has(c.metadata.name))];
}

/**
 * Runs the server check on `<project>/<dist>` (every object of every environment, server-side
 * apply with dryRun=All and fieldValidation=Strict), with `base` also the upgrade from that git
 * revision's dist/, and with `functional` the function check of each environment (its facts from
 * `<project>/overlays/<env>/environment.yaml`). Builds the binaries first when none is cached
 * for their sources (`build`). Prints as it goes; resolves with the number of failures.
 */
export async function checkProject({ project, dist = 'dist', base, functional = false, build = true, log = console.log }) {
  const distDir = resolve(project, dist);
  const display = relative(project, distDir).split('\\').join('/') || '.';
  if (!existsSync(distDir)) throw new ProjectProblem(`${display}/: no such directory; run \`npm run synth\` first (or name the output with --dist DIR)`);
  const manifests = readManifestTree(distDir, display);
  if (manifests.length === 0) throw new ProjectProblem(`${display}/: no Kubernetes objects in it; run \`npm run synth\` first`);
  const environments = environmentsOf(manifests);
  const crds = projectCrds(project);
  const apiserver = (await ensureBinary({ build })).path;
  let failures = 0;

  const started = Date.now();
  const controlPlane = await startControlPlane(apiserver, { readyTimeoutMs: 5 * MINUTE, maxLifetimeMs: 60 * MINUTE });
  const client = new KubeClient(controlPlane);
  try {
    await client.installCrds(crds, { timeoutMs: 3 * MINUTE });
    log(`server check: kube-apiserver ready with ${crds.length} CRDs in ${((Date.now() - started) / 1000).toFixed(1)} s (${apiserver})`);
    for (const environment of environments) {
      const results = await checkManifests(client, manifests.filter((m) => m.environment === environment));
      const refused = results.filter((r) => !r.accepted);
      failures += refused.length;
      log(`${environment}: ${results.length} objects, ${results.length - refused.length} accepted, ${refused.length} rejected`);
      for (const r of results) for (const warning of r.warnings) log(`  warning: ${r.manifest.file}: ${warning}`);
      for (const line of refused.flatMap(formatRefusal)) log(line);
    }
    if (base) {
      let before;
      try {
        before = readManifestsAtRef(base, { root: project }) ?? [];
      } catch (error) {
        throw new ProjectProblem(`--base: ${error.message}`);
      }
      if (before.length === 0) log(`upgrade: ${base} has no dist/ to upgrade from; skipped`);
      for (const environment of environmentsOf(before).filter((e) => environments.includes(e))) {
        const { results, removed } = await checkUpgrade(client, before.filter((m) => m.environment === environment), manifests.filter((m) => m.environment === environment));
        const refused = results.filter((r) => !r.accepted);
        failures += refused.length;
        log(`${environment}: upgrade from ${base}: ${results.filter((r) => r.update).length} updates, ${results.filter((r) => !r.update).length} creations, ${removed.length} removed; ${refused.length} rejected`);
        for (const line of refused.flatMap(formatRefusal)) log(line);
      }
    }
  } finally {
    client.close();
    await controlPlane.stop();
  }

  if (functional) {
    const kwok = (await ensureBinary({ target: 'kwok', build })).path;
    const operators = await operatorBinaries();
    if (operators.skipped.length) log(`operators check: not run for ${operators.skipped.join('; ')}`);
    for (const environment of environments) {
      const facts = environmentFacts(environment, project);
      const own = manifests.filter((m) => m.environment === environment);
      const { refused, verdicts, unhealthy, offline, timings } = await functionCheckEnvironment({ apiserver, kwok, facts, crds, manifests: own });
      const byOperators = await operatorsCheckEnvironment({ binaries: { apiserver, kwok, ...operators }, facts, crds, manifests: own });
      const operatorsUnhealthy = byOperators.verdicts.filter((v) => !v.healthy);
      failures += refused.length + unhealthy.length + byOperators.refused.length + operatorsUnhealthy.length;
      const judged = [...verdicts, ...byOperators.verdicts].filter((v) => !v.skipped);
      log(`${environment}: function check: ${judged.length - unhealthy.length - operatorsUnhealthy.length} of ${judged.length} healthy, ${refused.length + byOperators.refused.length} refused (${((timings.controlPlane + timings.nodesReady + timings.crds + timings.applying + timings.judging) / 1000).toFixed(1)} s)`);
      for (const line of [...refused, ...byOperators.refused].flatMap(formatRefusal)) log(line);
      for (const v of judged) log(formatVerdict(v));
      for (const { manifest, why } of offline) log(`  – ${manifest.file}: not judged offline: ${why}`);
    }
  }
  return failures;
}
