import { ApiObject } from 'cdk8s';
import type { AppChart } from '../../core/app';
import { UserError } from '../../core/errors';
import type { Environment } from '../../core/environment';
import type { KubeObject } from './schema-validation';
import { findViolations } from './rules';
import { applyExceptions } from './exceptions';
import { yamlPositions } from './yaml-positions';
import type { PolicyContext, PolicyException } from './types';

export { findViolations, RULES, type Violation } from './rules';

/**
 * The policy: named rules checked at synth over every rendered object of every app, after the
 * constructs' own validations and the schema validation. The constructs already meet most rules;
 * the policy is the second line, over what is actually written, and it covers objects an app
 * emits with raw L1 constructs too. docs/security.md lists the rules.
 *
 * A violation is a UserError naming the construct path, the rule, what is wrong and how to fix
 * it. The only way past a rule is an entry in the app's overlay, `policyExceptions: [{ rule,
 * kind, name, namespace, reason }]` (exceptions.ts); the reason is echoed into the object's `policy.platform.internal/<rule>`
 * annotation, so the exception is visible in dist/ and in the cluster. An entry that matches no
 * object, or an object that does not break the rule, is an error too: exceptions do not outlive
 * the reason they were granted for.
 */

/** Where the exceptions come from. */
export interface PolicyOptions {
  /** The app's overlay values; their `policyExceptions` (already schema-checked) are applied. */
  readonly values?: unknown;
  /** The exceptions, when not given through `values`. */
  readonly exceptions?: readonly PolicyException[];
  /** The overlay file on disk, to point errors about exceptions at their line. */
  readonly overlayPath?: string;
  /** What the environment's other apps render, for the rules that span apps (`PolicyContext.neighbours`). @default none known */
  readonly neighbours?: PolicyContext['neighbours'];
}

/**
 * Checks the objects `chart` rendered (renderChart's result, in its order) against every rule and
 * returns them with the annotations of the exceptions granted. Throws a UserError listing every
 * violation not excepted and every stale exception.
 */
export function enforcePolicy(chart: AppChart, objects: readonly KubeObject[], options: PolicyOptions = {}): KubeObject[] {
  const exceptions = options.exceptions ?? ((options.values as { policyExceptions?: PolicyException[] } | undefined)?.policyExceptions ?? []);
  const overlayFile = chart.overlayFile;
  const where = objectLocator(chart, objects);
  const violations = findViolations(objects, { production: chart.environment.production, contracts: chart.imageContracts, environment: chart.environment, neighbours: options.neighbours });

  const positions = overlayPositions(options.overlayPath);
  const { excepted, annotations, problems } = applyExceptions(exceptions, objects, violations, (index) => `${overlayFile}${positions(['policyExceptions', index])} policyExceptions.${index}`);
  for (const v of violations) {
    if (excepted.has(v)) continue;
    const name = String(v.object.metadata.name);
    problems.push({
      where: where(v.object),
      message: `[rule ${v.rule}] ${v.message}`,
      hint: `${v.fix}; or, if it must stay, add { rule: ${v.rule}, kind: ${v.object.kind}, name: ${name}, ${v.object.metadata.namespace ? `namespace: ${v.object.metadata.namespace}` : 'clusterScoped: true'}, reason: <why> } to policyExceptions in ${overlayFile}`,
    });
  }
  if (problems.length > 0) throw new UserError(problems);
  return objects.map((o) => (annotations.has(o) ? withAnnotations(o, annotations.get(o)!) : o));
}

/**
 * The policy over objects that no app overlay governs, such as an environment's ArgoCD delivery
 * objects (generated from its environment.yaml): no exceptions apply; a violation names the object
 * and the file it is generated from.
 */
export function enforcePolicyOnGenerated(objects: readonly KubeObject[], options: { readonly production: boolean; readonly source: string; readonly environment?: Environment }): KubeObject[] {
  const violations = findViolations(objects, { production: options.production, environment: options.environment });
  if (violations.length > 0) {
    throw new UserError(violations.map((v) => ({
      where: `${v.object.kind}/${String(v.object.metadata.name)} (generated from ${options.source})`,
      message: `[rule ${v.rule}] ${v.message}`,
      hint: `${v.fix}; change ${options.source} (generated objects take no policyExceptions)`,
    })));
  }
  return [...objects];
}

/**
 * How to name an object in a message: its construct path and `Kind namespace/name`. renderChart
 * renders the chart's ApiObjects in construct-tree order, so the n-th object is the n-th
 * ApiObject; when that does not hold (objects from elsewhere), the object's kind and name.
 */
function objectLocator(chart: AppChart, objects: readonly KubeObject[]): (object: KubeObject) => string {
  const apiObjects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  const index = new Map(objects.map((o, i) => [o, i]));
  return (object) => {
    const id = `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${String(object.metadata.name)}`;
    const i = index.get(object);
    const construct = i === undefined || apiObjects.length !== objects.length ? undefined : apiObjects[i];
    if (construct && construct.kind === object.kind && construct.name === object.metadata.name) return `${construct.node.path} (${id})`;
    return `${object.kind}/${String(object.metadata.name)} (${id})`;
  };
}

/**
 * `:line:col` of a node of the overlay file by its key path, or "" when it cannot be found. The
 * file is read and parsed once, on the first lookup, into one map of every node's position: a
 * run that reports a thousand stale exceptions parses the overlay once, not a thousand times.
 */
function overlayPositions(overlayPath: string | undefined): (path: ReadonlyArray<string | number>) => string {
  let positions: Map<string, string> | undefined;
  return (path) => {
    if (!overlayPath) return '';
    positions ??= yamlPositions(overlayPath);
    return positions.get(path.join('\u0000')) ?? '';
  };
}

/** The object with `extra` added to its annotations (annotations first in metadata, as cdk8s writes them). */
function withAnnotations(object: KubeObject, extra: Record<string, string>): KubeObject {
  const { annotations, ...rest } = object.metadata as { annotations?: Record<string, string> };
  return { ...object, metadata: { annotations: { ...annotations, ...extra }, ...rest } };
}
