import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers';

/**
 * A conformance record: the upstream facts a reference system was checked against, each with
 * where it is written (repository, commit, file) and what the file says, and a check that the
 * committed dist/ meets it. Where dist/ deliberately differs from upstream, the entry says why
 * and checks what keeps the system running anyway.
 */
export interface UpstreamFact {
  /** Repository@commit and file, e.g. "CodeForPhilly/codeforphilly-ng@930d035 Dockerfile". */
  readonly source: string;
  /** What the file says, in a few words. */
  readonly says: string;
  /** Asserts that the manifests meet it. */
  readonly holds: (manifests: Manifests) => void;
}

/** A deliberate difference from upstream. */
export interface Difference {
  /** Upstream's choice, with its source. */
  readonly upstream: string;
  /** What dist/ does instead, and why. */
  readonly why: string;
  /** Asserts what keeps the system running with the difference. */
  readonly stillRuns: (manifests: Manifests) => void;
}

/** The committed manifests of one app in one environment, by kind and name. */
export interface Manifests {
  /** Every object of dist/<env>/<app>/. */
  readonly objects: ReadonlyArray<Record<string, any>>;
  /** The one object of `kind` (and `name`); fails when there is not exactly one. */
  one(kind: string, name?: string): Record<string, any>;
  /** The objects of `kind`. */
  all(kind: string): Array<Record<string, any>>;
  /** The ArgoCD objects of the environment (dist/<env>/argocd/). */
  readonly delivery: ReadonlyArray<Record<string, any>>;
}

/** Reads dist/<environment>/<app>/ (and the environment's argocd/) as committed. */
export function manifests(environment: string, app: string): Manifests {
  const read = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()
    .map((f) => parse(readFileSync(join(dir, f), 'utf8')) as Record<string, any>);
  const objects = read(join(ROOT, 'dist', environment, app));
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    objects,
    all,
    one(kind, name) {
      const found = all(kind).filter((o) => name === undefined || o.metadata.name === name);
      if (found.length !== 1) throw new Error(`dist/${environment}/${app}: ${found.length} ${kind}${name ? ` named ${name}` : ''}, expected one`);
      return found[0];
    },
    delivery: read(join(ROOT, 'dist', environment, 'argocd')),
  };
}

/** The first container of the app's Deployment, with its pod spec. */
export function mainContainer(m: Manifests, deployment?: string): { pod: Record<string, any>; container: Record<string, any> } {
  const pod = m.one('Deployment', deployment).spec.template.spec;
  return { pod, container: pod.containers[0] };
}

/** The tests of one reference system's record, for each environment it deploys to. */
export function conformance(system: string, targets: ReadonlyArray<readonly [environment: string, app: string]>, facts: readonly UpstreamFact[], differences: readonly Difference[] = []): void {
  describe(`${system}: conformance with its upstream sources`, () => {
    for (const [environment, app] of targets) {
      const m = manifests(environment, app);
      describe(`dist/${environment}/${app}`, () => {
        test.each(facts.map((f) => [`${f.source}: ${f.says}`, f] as const))('%s', (_, fact) => fact.holds(m));
        if (differences.length > 0) test.each(differences.map((d) => [`differs from ${d.upstream}: ${d.why}`, d] as const))('%s', (_, d) => d.stillRuns(m));
      });
    }
  });
}
