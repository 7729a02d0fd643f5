import { readFileSync } from 'node:fs';
import { ApiObject } from 'cdk8s';
import { LineCounter, parseDocument } from 'yaml';
import type { AppChart } from '../../core/app';
import { UserError, type Problem } from '../../core/errors';
import type { KubeObject } from './schema-validation';
import { findViolations, type Violation } from './rules';
import { EXCEPTION_ANNOTATION_PREFIX, type PolicyException } from './types';

export { findViolations, RULES, type Violation } from './rules';

/**
 * The policy: named rules checked at synth over every rendered object of every app, after the
 * constructs' own validations and the schema validation. The constructs already meet most rules;
 * the policy is the second line, over what is actually written, and it covers objects an app
 * emits with raw L1 constructs too. docs/security.md lists the rules.
 *
 * A violation is a UserError naming the construct path, the rule, what is wrong and how to fix
 * it. The only way past a rule is an entry in the app's overlay, `policyExceptions: [{ rule,
 * kind, name, reason }]`; the reason is echoed into the object's `policy.platform.internal/<rule>`
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
  const violations = findViolations(objects, { production: chart.environment.production, contracts: chart.imageContracts, environment: chart.environment });

  const problems: Problem[] = [];
  const excepted = new Set<Violation>();
  const annotations = new Map<KubeObject, Record<string, string>>();
  const exceptionProblem = (index: number, message: string, hint: string) => {
    problems.push({ where: `${overlayFile}${positionOf(options.overlayPath, index)} policyExceptions.${index}`, message, hint });
  };
  exceptions.forEach((exception, index) => {
    const { rule, kind, name, reason } = exception;
    const earlier = exceptions.findIndex((e) => e.rule === rule && e.kind === kind && e.name === name);
    if (earlier !== index) {
      exceptionProblem(index, `repeats policyExceptions.${earlier} (rule ${rule}, ${kind}/${name})`, 'keep one entry per rule and object');
      return;
    }
    const targets = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (targets.length === 0) {
      const sameName = objects.filter((o) => o.metadata.name === name).map((o) => `${o.kind}/${name}`);
      exceptionProblem(index, `excepts ${kind}/${name} from rule ${rule}, but the app renders no ${kind} named "${name}"`,
        `remove the stale entry${sameName.length ? `, or correct its kind (this app renders ${sameName.join(', ')})` : ''}`);
      return;
    }
    const matched = violations.filter((v) => v.rule === rule && targets.includes(v.object));
    if (matched.length === 0) {
      exceptionProblem(index, `excepts ${kind}/${name} from rule ${rule}, but it does not break that rule`, 'remove the stale entry: the exception is no longer needed');
      return;
    }
    for (const v of matched) {
      excepted.add(v);
      annotations.set(v.object, { ...annotations.get(v.object), [`${EXCEPTION_ANNOTATION_PREFIX}${rule}`]: reason });
    }
  });

  for (const v of violations) {
    if (excepted.has(v)) continue;
    const name = String(v.object.metadata.name);
    problems.push({
      where: where(v.object),
      message: `[rule ${v.rule}] ${v.message}`,
      hint: `${v.fix}; or, if it must stay, add { rule: ${v.rule}, kind: ${v.object.kind}, name: ${name}, reason: <why> } to policyExceptions in ${overlayFile}`,
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
export function enforcePolicyOnGenerated(objects: readonly KubeObject[], options: { readonly production: boolean; readonly source: string }): KubeObject[] {
  const violations = findViolations(objects, { production: options.production });
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

/** `:line:col` of `policyExceptions[index]` in the overlay file, or "" when it cannot be found. */
function positionOf(overlayPath: string | undefined, index: number): string {
  if (!overlayPath) return '';
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(readFileSync(overlayPath, 'utf8'), { lineCounter });
    const node = doc.getIn(['policyExceptions', index], true) as { range?: [number, number, number] } | undefined;
    if (!node?.range) return '';
    const pos = lineCounter.linePos(node.range[0]);
    return `:${pos.line}:${pos.col}`;
  } catch {
    return '';
  }
}

/** The object with `extra` added to its annotations (annotations first in metadata, as cdk8s writes them). */
function withAnnotations(object: KubeObject, extra: Record<string, string>): KubeObject {
  const { annotations, ...rest } = object.metadata as { annotations?: Record<string, string> };
  return { ...object, metadata: { annotations: { ...annotations, ...extra }, ...rest } };
}
