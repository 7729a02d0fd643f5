import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../helpers';

/**
 * A conformance record: the upstream facts a reference system was checked against, each with
 * where it is written (repository, commit, file) and what the file says, and a check that the
 * committed dist/ meets it. Where dist/ deliberately differs from upstream, the entry says why
 * and checks what keeps the system running anyway. Every source is readable from a clone: a
 * public repository at a commit, or, for the systems that have none, their operators' record in
 * this repository (docs/reference-records.md). Nothing outside the repository is read.
 */

/** Files of a public GitHub repository at one commit or release tag. */
export interface UpstreamSource {
  /** `owner/name`, e.g. "CodeForPhilly/codeforphilly-ng". */
  readonly repository: string;
  /** The commit (7 or more hex digits) or release tag (`v1.30.0`) the files were read at. */
  readonly commit: string;
  /** Paths in the repository, each optionally followed by what in it, e.g. "cmd/pdm/main.go loadConfig". */
  readonly files: readonly string[];
}

/** A section of docs/reference-records.md: what the operators of a system without a public repository recorded. */
export interface RecordedSource {
  /** The section's heading, e.g. "State Hub". */
  readonly record: string;
}

/** Where a fact is written. */
export type Source = UpstreamSource | RecordedSource;

/** The file that holds the operators' records, relative to the repository root. */
export const RECORDS = 'docs/reference-records.md';

/** A source as a test title cites it. */
export function cite(sources: Source | readonly Source[]): string {
  return ([] as Source[]).concat(sources).map((s) => ('record' in s ? `${RECORDS} "${s.record}"` : `${s.repository}@${s.commit} ${s.files.join(', ')}`)).join('; ');
}

/** What is wrong with how `source` is cited, if anything: each must be findable from a clone. */
export function sourceProblem(source: Source, recordHeadings: readonly string[]): string | undefined {
  if ('record' in source) return recordHeadings.includes(source.record) ? undefined : `${RECORDS} has no section "${source.record}"`;
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(source.repository)) return `"${source.repository}" is not owner/name`;
  if (!/^([0-9a-f]{7,40}|v\d+\.\d+\.\d+)$/.test(source.commit)) return `${source.repository}: "${source.commit}" is neither a commit nor a release tag`;
  if (source.files.length === 0) return `${source.repository}@${source.commit}: no file named`;
  const outside = source.files.find((f) => f.startsWith('/') || f.startsWith('..'));
  return outside === undefined ? undefined : `${source.repository}@${source.commit}: "${outside}" is not a path in the repository`;
}

/** One upstream fact, and the check that dist/ meets it. */
export interface UpstreamFact {
  /** Where it is written: a repository at a commit and its files, or an operators' record. */
  readonly source: Source | readonly Source[];
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
  /** The delivery objects of the environment: dist/<env>/argocd/ or, delivered by Flux, dist/<env>/flux/. */
  readonly delivery: ReadonlyArray<Record<string, any>>;
}

/** Reads dist/<environment>/<app>/ (and the environment's delivery objects) as committed. */
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
    delivery: read(join(ROOT, 'dist', environment, existsSync(join(ROOT, 'dist', environment, 'flux')) ? 'flux' : 'argocd')),
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
    test('cites every source as a repository at a commit, or a section of the operators\' records', () => {
      const headings = readFileSync(join(ROOT, RECORDS), 'utf8').split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3).trim());
      const problems = facts.flatMap((f) => ([] as Source[]).concat(f.source)).map((s) => sourceProblem(s, headings)).filter((p) => p !== undefined);
      expect(problems).toEqual([]);
    });
    for (const [environment, app] of targets) {
      const m = manifests(environment, app);
      describe(`dist/${environment}/${app}`, () => {
        test.each(facts.map((f) => [`${cite(f.source)}: ${f.says}`, f] as const))('%s', (_, fact) => fact.holds(m));
        if (differences.length > 0) test.each(differences.map((d) => [`differs from ${d.upstream}: ${d.why}`, d] as const))('%s', (_, d) => d.stillRuns(m));
      });
    }
  });
}
