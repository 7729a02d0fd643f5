import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest } from 'fastest-levenshtein';
import { sources, validators } from '../../../imports/validators';
import type { Problem } from '../../core/errors';
import { apiGroupOf } from '../../core/kinds';
import { compareMinors, introducedIn, REMOVED_API_GROUPS, removedApi, VALIDATED_MINOR } from '../../core/kubernetes-releases';

/** A rendered Kubernetes object. */
export interface KubeObject {
  /** e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** e.g. `Deployment`. */
  readonly kind: string;
  /** The object's metadata: name, namespace, labels, annotations. */
  readonly metadata: {
    /** The object's name; every object synth writes has one. */
    readonly name?: string;
    /** The namespace; absent for cluster-scoped objects. */
    readonly namespace?: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** The cluster an object is for: the Kubernetes minor it runs and the file that says so. */
export interface TargetCluster {
  /** e.g. "1.31" (environment.yaml `kubernetes`). */
  readonly kubernetes: string;
  /** The environment file, for messages. */
  readonly file: string;
}

/**
 * Kinds that may be written without a schema, each with the reason. Empty: every kind built into
 * the vendored Kubernetes release and every kind of a vendored CRD has a strict validator.
 */
export const UNVALIDATED_KINDS: Readonly<Record<string, string>> = {};

/**
 * Strict validators a project generated for the CRDs it vendors itself (`cdk8s-constructs import`
 * writes them to `<project>/imports/validators/index.js`; scripts/import/generate.mjs
 * generateProject). They cover only kinds the library does not validate.
 */
export interface ProjectSchemas {
  /** Validators by "apiVersion/Kind"; each kind's module loads on first use. */
  readonly validators: Readonly<Record<string, () => ValidateFunction>>;
  /** The vendored CRD file each kind's schema comes from (the project's imports/crds/VENDORED.json). */
  readonly sources: Readonly<Record<string, string>>;
}

/** What validation consults besides the library's own schemas, and how a user adds one. */
export interface SchemaSources {
  /**
   * The project's own validators, consulted after the library's.
   * @default none: only the library's schemas
   */
  readonly project?: ProjectSchemas;
  /** The command that vendors a CRD where synth runs, for the message about a kind nothing serves. */
  readonly importCommand: string;
}

/** How the library's own repository adds the schema of a kind no vendored source serves (docs/synth.md). */
export const LIBRARY_IMPORT_COMMAND = 'npm run import -- <the operator\'s CRD manifest>.yaml --source "<owner>/<repo> <release tag>"';
/** How a library user adds one in their repository: the package's command (docs/first-app.md, "Adding a CRD"). */
export const PACKAGE_IMPORT_COMMAND = 'npx cdk8s-constructs import <the operator\'s CRD manifest>.yaml --source "<owner>/<repo> <release tag>"';

/** The library's schemas alone: its own repository, and callers that name no project. */
export const LIBRARY_SCHEMAS: SchemaSources = { importCommand: LIBRARY_IMPORT_COMMAND };

/** Validators already taken from their module, by "apiVersion/Kind". */
const loaded = new Map<string, ValidateFunction>();
/** A project's validators already taken from their module, per project (its loaded index module). */
const loadedByProject = new WeakMap<ProjectSchemas, Map<string, ValidateFunction>>();

/** Every "apiVersion/Kind" the library validates, for messages about the others. */
const KNOWN = Object.keys(validators);

/** The validator of `key`: the library's, else the project's, each module loaded on first use. */
function validatorOf(key: string, project: ProjectSchemas | undefined): ValidateFunction | undefined {
  // Object.hasOwn: the key is made of the object's apiVersion and kind ("constructor" is a kind name).
  let validate = loaded.get(key);
  if (validate === undefined && Object.hasOwn(validators, key)) loaded.set(key, (validate = validators[key]()));
  if (validate !== undefined || project === undefined || !Object.hasOwn(project.validators, key)) return validate;
  let cache = loadedByProject.get(project);
  if (cache === undefined) loadedByProject.set(project, (cache = new Map()));
  validate = cache.get(key);
  if (validate === undefined) cache.set(key, (validate = project.validators[key]()));
  return validate;
}

/**
 * Checks one object against the strict schema of its apiVersion and kind (scripts/import.mjs):
 * the schema kube-apiserver serves for a built-in kind, the vendored CRD's for the others.
 * `where` names the construct that made it; `cluster`, when given, holds built-in kinds to the
 * APIs its Kubernetes minor serves; `schemas` adds a project's own CRDs' validators, consulted
 * after the library's, and says which command adds a schema.
 */
export function validateObject(object: KubeObject, where: string, cluster?: TargetCluster, schemas: SchemaSources = LIBRARY_SCHEMAS): Problem[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const id = `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name ?? '(unnamed)'}`;
  const at = `${where} (${id})`;
  const validate = validatorOf(key, schemas.project);
  if (validate === undefined) return Object.hasOwn(UNVALIDATED_KINDS, key) ? [] : [unservedProblem(object, at, cluster, schemas)];
  const since = introducedIn(key);
  if (cluster && since && compareMinors(cluster.kubernetes, since) < 0) {
    return [{
      where: at,
      message: `${object.apiVersion} ${object.kind} is served from Kubernetes ${since} on; the cluster runs ${cluster.kubernetes} (${cluster.file}: kubernetes)`,
      hint: `leave the ${object.kind} out of this environment, or raise \`kubernetes\` in ${cluster.file} once the cluster is upgraded`,
    }];
  }
  if (validate(object)) return [];
  return (validate.errors ?? []).map((error) => ({
    where: `${at} ${fieldPath(error)}`,
    message: describe(error),
  }));
}

/** Why no schema serves `object`: a removed API, a kind or version its API does not have, or an unknown API group. */
function unservedProblem(object: KubeObject, at: string, cluster: TargetCluster | undefined, { project, importCommand }: SchemaSources): Problem {
  const { apiVersion, kind } = object;
  const group = apiGroupOf(apiVersion);
  const removal = removedApi(apiVersion, kind);
  if (removal) {
    const stillServedBy = cluster && compareMinors(cluster.kubernetes, removal.removedIn) < 0 ? cluster.kubernetes : undefined;
    return {
      where: at,
      message: stillServedBy
        ? `${apiVersion} ${kind} is removed in Kubernetes ${removal.removedIn} (Deprecated API Migration Guide); ${stillServedBy} still serves it, but this library validates against the APIs of ${VALIDATED_MINOR} and has no schema for it`
        : `${apiVersion} ${kind} is no longer served: Kubernetes ${removal.removedIn} removed it (Deprecated API Migration Guide)`,
      allowed: removal.replacement,
      hint: 'change apiVersion (and any field the new version renamed): https://kubernetes.io/docs/reference/using-api/deprecation-guide/',
    };
  }
  const known = project ? [...KNOWN, ...Object.keys(project.validators)] : KNOWN;
  const sameGroup = known.filter((k) => apiGroupOf(k.slice(0, k.lastIndexOf('/'))) === group);
  if (sameGroup.length === 0 && group !== '' && !REMOVED_API_GROUPS.has(group)) {
    return {
      where: at,
      message: `${apiVersion} ${kind} is neither built into Kubernetes ${VALIDATED_MINOR} nor served by a vendored CRD, so it cannot be validated`,
      hint: `vendor the CustomResourceDefinition of ${group} ${kind} from its operator's release and regenerate imports/: ${importCommand}`,
    };
  }
  const sourceOf = (k: string) => (Object.hasOwn(sources, k) ? sources[k] : project?.sources[k]);
  const vendored = sameGroup.length > 0 && sourceOf(sameGroup[0]) !== 'kubernetes' ? sourceOf(sameGroup[0]) : undefined;
  const split = (k: string) => [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)];
  const guess = sameGroup.length > 0 ? split(closest(`${apiVersion}/${kind}`, sameGroup)) : undefined;
  return {
    where: at,
    message: vendored
      ? `the vendored CRDs of ${group} (imports/crds/${vendored.replace(/\.ya?ml$/, '')}/) serve no ${kind} in ${apiVersion}`
      : `Kubernetes ${VALIDATED_MINOR} serves no ${kind} in ${apiVersion}`,
    allowed: sameGroup.length > 0 ? sameGroup.map((k) => split(k).join(' ')).join(', ') : undefined,
    hint: [
      guess ? `did you mean ${guess.join(' ')}?` : undefined,
      vendored ? `for a kind or version of another release of these CRDs: ${importCommand}` : undefined,
    ].filter(Boolean).join('; ') || undefined,
  };
}

function fieldPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '') || '(object)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a field of this kind in the pinned upstream schema; the API server would drop or reject it';
    case 'required':
      return 'is required by the upstream schema';
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${error.message ?? 'is invalid'} (upstream schema)`;
  }
}
