import type { Problem } from '../../core/errors';
import type { KubeObject } from './schema-validation';
import { secretKind } from './secrets';
import { EXCEPTION_ANNOTATION_PREFIX, VISIBLE_REASON_PATTERN, type PolicyException, type RuleName } from './types';

/**
 * Policy exceptions, matched against the violations of one app's objects. An exception names
 * one object exactly: kind, name and namespace, or `clusterScoped: true` for an object without
 * one, so that one entry never reaches objects of several namespaces. It must match one object
 * that breaks its rule; one that matches none, or an object that does not break the rule, is
 * stale, and one that matches more than one object (two API groups with one kind and name) is
 * refused rather than excepting both. Its reason must be visible text and hold no secret: it is
 * echoed into the object's `policy.platform.internal/<rule>` annotation, in dist/ and the cluster.
 */

/** What applying the exceptions decided. */
export interface ExceptionsApplied<V> {
  /** The violations excepted. */
  readonly excepted: ReadonlySet<V>;
  /** The annotations to add, by object: `policy.platform.internal/<rule>` → reason. */
  readonly annotations: ReadonlyMap<KubeObject, Record<string, string>>;
  /** Every entry refused (stale, ambiguous, malformed), each at its overlay position. */
  readonly problems: Problem[];
}

/** The object an exception names, as `Kind namespace/name` or `Kind name (cluster-scoped)`. */
export function exceptionTarget(exception: PolicyException): string {
  return exception.namespace ? `${exception.kind} ${exception.namespace}/${exception.name}` : `${exception.kind} ${exception.name}${exception.clusterScoped ? ' (cluster-scoped)' : ''}`;
}

/**
 * Applies `exceptions` to `violations` of `objects`. `where(index)` names the entry
 * (`overlays/<env>/<app>.yaml:line:col policyExceptions.<index>`).
 */
export function applyExceptions<V extends { readonly rule: RuleName; readonly object: KubeObject }>(
  exceptions: readonly PolicyException[],
  objects: readonly KubeObject[],
  violations: readonly V[],
  where: (index: number) => string,
): ExceptionsApplied<V> {
  const problems: Problem[] = [];
  const excepted = new Set<V>();
  const annotations = new Map<KubeObject, Record<string, string>>();
  const refuse = (index: number, message: string, hint: string) => problems.push({ where: where(index), message, hint });
  const visible = new RegExp(VISIBLE_REASON_PATTERN, 'u');
  exceptions.forEach((exception, index) => {
    const { rule, kind, name, reason } = exception;
    const target = exceptionTarget(exception);
    const scope = exceptionScopeProblem(exception);
    if (scope) return refuse(index, scope, 'add namespace: <the object\'s namespace>, or clusterScoped: true for an object that has none (a Namespace, a ClusterRole)');
    if (!visible.test(reason)) return refuse(index, 'has a reason that is not visible text: at least 10 letters or digits on one line, no control or invisible characters', 'write the reason a reviewer will read');
    const secret = secretKind(reason);
    if (secret) return refuse(index, `has a reason that holds what looks like ${secret.what} (value not shown); the reason is written into dist/`, 'remove the secret from the reason, and rotate it');
    const earlier = exceptions.findIndex((e) => e.rule === rule && exceptionTarget(e) === target);
    if (earlier !== index) return refuse(index, `repeats policyExceptions.${earlier} (rule ${rule}, ${target})`, 'keep one entry per rule and object');
    const targets = objects.filter((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? undefined) === (exception.namespace ?? undefined));
    if (targets.length === 0) {
      const similar = objects.filter((o) => o.metadata.name === name).map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${name}`);
      return refuse(index, `excepts ${target} from rule ${rule}, but the app renders no such object`,
        `remove the stale entry${similar.length ? `, or correct its kind or namespace (this app renders ${similar.join(', ')})` : ''}`);
    }
    if (targets.length > 1) {
      return refuse(index, `excepts ${target} from rule ${rule}, but that matches ${targets.length} objects (${targets.map((t) => t.apiVersion).join(', ')}); an exception covers one object`, 'rename one of the objects, so that each exception names exactly one');
    }
    const matched = violations.filter((v) => v.rule === rule && v.object === targets[0]);
    if (matched.length === 0) return refuse(index, `excepts ${target} from rule ${rule}, but it does not break that rule`, 'remove the stale entry: the exception is no longer needed');
    for (const v of matched) excepted.add(v);
    annotations.set(targets[0], { ...annotations.get(targets[0]), [`${EXCEPTION_ANNOTATION_PREFIX}${rule}`]: reason });
    return undefined;
  });
  return { excepted, annotations, problems };
}

/** Why an exception does not say where its object lives: it needs a namespace or clusterScoped: true, not both. */
function exceptionScopeProblem(exception: PolicyException): string | undefined {
  if (exception.namespace && exception.clusterScoped) return 'names a namespace and says clusterScoped: true; an object is one or the other';
  if (!exception.namespace && !exception.clusterScoped) return `names no namespace for ${exception.kind} ${exception.name}: an exception without one would reach objects of that name in every namespace`;
  return undefined;
}
