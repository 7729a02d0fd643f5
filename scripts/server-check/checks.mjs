// What the server check sends to kube-apiserver and how it reads the answers: every object of an
// environment by server-side apply with dryRun=All, and upgrades (a base revision's objects
// applied for real, the new ones dry-run over them). See docs/server-check.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './control-plane.mjs';

/** Files in dist/ that are not Kubernetes objects for the cluster. */
const NOT_OBJECTS = new Set(['kustomization.yaml']);

/**
 * Every object under `dir` (dist/<environment>/<app>/*.yaml), with where it came from.
 * `display` is the directory name shown in messages.
 */
export function readManifestTree(dir, display = 'dist') {
  const manifests = [];
  const walk = (path) => {
    for (const entry of readdirSync(path).sort()) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry) && !NOT_OBJECTS.has(entry)) {
        const file = relative(dir, full).split(sep).join('/');
        const [environment, app] = file.split('/');
        for (const doc of parseAllDocuments(readFileSync(full, 'utf8'))) {
          const object = doc.toJS();
          if (object && typeof object === 'object' && object.kind) manifests.push({ environment, app: file.split('/').length > 2 ? app : undefined, file: `${display}/${file}`, object });
        }
      }
    }
  };
  walk(dir);
  return manifests;
}

/** The objects of dist/ at a git revision (`git archive`), or undefined when the revision has none. */
export function readManifestsAtRef(ref, { root = ROOT } = {}) {
  const work = mkdtempSync(join(tmpdir(), 'server-check-base-'));
  try {
    try {
      execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, stdio: 'ignore', timeout: 30_000 });
    } catch {
      throw new Error(`git revision ${JSON.stringify(ref)} not found in ${root} (a shallow clone lacks history: fetch it, or set SERVER_CHECK_BASE)`);
    }
    const tree = execFileSync('git', ['ls-tree', '--name-only', ref, 'dist'], { cwd: root, encoding: 'utf8', timeout: 30_000 }).trim();
    if (!tree) return undefined;
    const archive = execFileSync('git', ['archive', '--format=tar', ref, 'dist'], { cwd: root, maxBuffer: 1 << 30, timeout: 120_000 });
    execFileSync('tar', ['-x', '-C', work], { input: archive, timeout: 120_000 });
    return readManifestTree(join(work, 'dist'), `${ref}:dist`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The vendored CRDs (imports/crds/VENDORED.json), parsed. */
export function vendoredCrds(root = ROOT) {
  const dir = join(root, 'imports', 'crds');
  const record = JSON.parse(readFileSync(join(dir, 'VENDORED.json'), 'utf8'));
  return record.flatMap((entry) => entry.documents.map((doc) => parse(readFileSync(join(dir, doc.file), 'utf8'))));
}

/** The environments in a list of manifests, in order of first appearance. */
export function environmentsOf(manifests) {
  return [...new Set(manifests.map((m) => m.environment))];
}

/** `Deployment codeforphilly-prod/codeforphilly`. */
export function describeObject({ kind, metadata = {} }) {
  return `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name}`;
}

/** One identity per object across revisions: API group (not version), kind, namespace, name. */
function identity({ apiVersion, kind, metadata = {} }) {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${group}/${kind}/${metadata.namespace ?? ''}/${metadata.name}`;
}

/**
 * Makes the namespaces the manifests live in exist. A Namespace object among them is applied for
 * real (server-side apply, Strict), so its labels (Pod Security levels) are in force for the
 * objects checked after it, and its result is returned; any other namespace is created bare.
 */
async function prepareNamespaces(client, manifests) {
  const results = [];
  for (const manifest of manifests.filter((m) => m.object.apiVersion === 'v1' && m.object.kind === 'Namespace')) {
    results.push({ manifest, ...(await client.apply(manifest.object, { dryRun: false })) });
  }
  const wanted = new Set(manifests.map((m) => m.object.metadata?.namespace).filter(Boolean));
  for (const name of [...wanted].sort()) await client.ensureNamespace(name);
  return results;
}

const isNamespace = (m) => m.object.apiVersion === 'v1' && m.object.kind === 'Namespace';

/**
 * A workload the server stored (or would store) whose Pods the namespace's Pod Security level
 * refuses: the PodSecurity admission plugin only warns on Deployments, Jobs and the like, and
 * refuses the Pods when their controller creates them (k8s.io/pod-security-admission
 * admission/admission.go ValidatePodController and EvaluatePod; the warn level defaults to the
 * enforce level, api/helpers.go PolicyToEvaluate). The check counts that as a refusal.
 */
function withPodSecurity(result) {
  const violation = result.warnings.find((w) => w.startsWith('would violate PodSecurity'));
  return result.accepted && violation ? { ...result, accepted: false, status: 'PodSecurity warning', message: violation } : result;
}

/**
 * Sends every object of one environment with server-side apply, dryRun=All and
 * fieldValidation=Strict; Namespace objects are applied for real first (see prepareNamespaces).
 * Returns one result per manifest: { manifest, accepted, status, message, causes, warnings }.
 */
export async function checkManifests(client, manifests) {
  const results = await prepareNamespaces(client, manifests);
  for (const manifest of manifests.filter((m) => !isNamespace(m))) {
    results.push({ manifest, ...withPodSecurity(await client.apply(manifest.object, { dryRun: true })) });
  }
  return results;
}

/**
 * An upgrade of one environment as the server sees it: the base revision's objects applied for
 * real, then the new revision's sent over them with dryRun=All, so updates meet the server's
 * immutable-field and update validation (e.g. a Deployment's selector, a PVC's storage class, a
 * Job's template); base PersistentVolumeClaims are marked Bound first, as they are in a cluster
 * (KubeClient.markBound). The base objects are deleted afterwards, so the next check starts clean
 * (namespaces stay: without a namespace controller a deleted one would never finish deleting).
 * Returns { base: results of applying the base, results: one per new manifest, with `update`
 * true when the object existed in the base, removed: base manifests the new revision drops }.
 */
export async function checkUpgrade(client, before, after) {
  const base = await prepareNamespaces(client, before);
  const applied = [];
  for (const manifest of before.filter((m) => !isNamespace(m))) {
    const result = await client.apply(manifest.object, { dryRun: false });
    base.push({ manifest, ...result });
    if (result.accepted) applied.push(manifest);
    if (result.accepted && manifest.object.apiVersion === 'v1' && manifest.object.kind === 'PersistentVolumeClaim') await client.markBound(manifest.object);
  }
  try {
    const existing = new Set(before.map((m) => identity(m.object)));
    for (const name of [...new Set(after.map((m) => m.object.metadata?.namespace).filter(Boolean))].sort()) await client.ensureNamespace(name);
    const results = [];
    for (const manifest of after) {
      results.push({ manifest, update: existing.has(identity(manifest.object)), ...withPodSecurity(await client.apply(manifest.object, { dryRun: true })) });
    }
    const kept = new Set(after.map((m) => identity(m.object)));
    return { base, results, removed: before.filter((m) => !kept.has(identity(m.object))) };
  } finally {
    for (const manifest of applied.reverse()) await client.delete(manifest.object);
  }
}

/** The lines that explain one refusal: the object, the server's message, each cause on its own line. */
export function formatRefusal({ manifest, status, message, causes = [] }) {
  const lines = [`  ✗ ${manifest.file}: ${describeObject(manifest.object)} (${typeof status === 'number' ? `HTTP ${status}` : status})`, ...message.split('\n').map((line) => `      ${line}`)];
  // The message already lists the causes when there are few; long lists are clearer one per line.
  if (causes.length > 3) for (const cause of causes) lines.push(`      - ${cause.field ?? ''}: ${cause.message}`);
  return lines;
}
