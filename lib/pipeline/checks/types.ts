import { Type, type Static } from '@sinclair/typebox';
import { dnsLabel, patternRule } from '../../core/values';
import type { Environment } from '../../core/environment';
import type { ImageContract } from '../../core/image-contract';
import type { KindScope } from '../../core/kinds';
import type { KubeObject } from './schema-validation';
import type { Neighbours, ObjectIndex } from './objects';

/**
 * The names of the policy rules, in the order they are documented (docs/security.md). An
 * overlay's `policyExceptions[].rule` must be one of these; each names one declaration in the
 * registry (`RULES`, lib/pipeline/checks/rules.ts), in the same order (a test holds them
 * together, and the compiler refuses a declaration whose name is not here). Kept apart from the
 * rules so that the overlay schema (lib/pipeline/engine/overlay-schema.ts) is built without
 * loading any rule's code.
 */
export const RULE_NAMES = [
  'pss-restricted',
  'no-secret-data',
  'no-secret-strings',
  'image-pinned',
  'image-digest-in-production',
  'image-published',
  'probes-and-requests',
  'no-token-automount',
  'stateful-protected',
  'database-namespace-guarded',
  'image-contract',
  'database-guaranteed',
  'database-watched',
  'stable-selectors',
  'sync-order',
  'delivery-annotations',
  'single-writer',
  'tailscale-ingress',
  'gateway-api',
  'merged-gateway-listeners',
  'cnpg-cluster',
  'volume-claim',
  'cron-schedule',
  'autoscaling',
  'cluster-admin-role-binding',
  'wildcard-in-rules',
  'access-to-secrets',
  'unauthenticated-binding',
] as const;

/** The name of a policy rule. */
export type RuleName = (typeof RULE_NAMES)[number];

/** The annotation an exception's reason is echoed into: `policy.platform.internal/<rule>`. */
export const EXCEPTION_ANNOTATION_PREFIX = 'policy.platform.internal/';

/**
 * A reason a reviewer can read: at least 10 letters or digits, no control or invisible (format)
 * characters, no line breaks, not starting or ending with white space. A reason made of
 * zero-width spaces, bidi controls or terminal escapes would pass a length check and say nothing
 * (or something else) in the review.
 */
export const VISIBLE_REASON_PATTERN = '^(?=(?:[^\\p{L}\\p{N}]*[\\p{L}\\p{N}]){10})(?!\\s)[^\\p{C}\\u2028\\u2029]*(?<!\\s)$';

/**
 * The overlay shape of `policyExceptions`: every app overlay may list exceptions to the policy,
 * one object and one rule each, with the reason a reviewer reads. The object is named by kind,
 * name and namespace (or `clusterScoped: true`), so one entry never reaches objects of several
 * namespaces; synth refuses an entry that names both or neither, or matches more than one object.
 */
export const PolicyExceptionValues = Type.Object({
  rule: Type.Unsafe<RuleName>(Type.String({ enum: [...RULE_NAMES], description: `a policy rule: ${RULE_NAMES.join(', ')}` })),
  kind: Type.String({ ...patternRule('^[A-Z][A-Za-z0-9]*$', 'must be a kind: letters and digits, starting with a capital letter'), description: 'the kind of the excepted object, as rendered, e.g. Deployment' }),
  name: Type.String({ ...patternRule('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', 'must be an object name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit'), maxLength: 253, description: 'the metadata.name of the excepted object' }),
  namespace: Type.Optional(dnsLabel({ description: 'the namespace of the excepted object; give it, or clusterScoped: true for an object without a namespace' })),
  clusterScoped: Type.Optional(Type.Literal(true, { description: 'true when the excepted object has no namespace (a Namespace, a ClusterRole...); instead of namespace' })),
  reason: Type.String({
    minLength: 10,
    ...patternRule(VISIBLE_REASON_PATTERN, 'must be a reason in visible text: at least 10 letters or digits, on one line, with no control or invisible characters, not starting or ending with white space'),
    description: `why the object may break the rule, at least 10 letters or digits of visible text; echoed into the object's ${EXCEPTION_ANNOTATION_PREFIX}<rule> annotation`,
  }),
}, { additionalProperties: false });

/** The overlay shape of the whole `policyExceptions` list. */
export const PolicyExceptionsValues = Type.Array(PolicyExceptionValues, {
  description: 'exceptions to the policy (docs/security.md): [{ rule, kind, name, namespace (or clusterScoped: true), reason }], each matching exactly one rendered object that breaks the rule',
});

/** One exception, as read from an overlay. */
export type PolicyException = Static<typeof PolicyExceptionValues>;

/** What the rules know about where the objects deploy. */
export interface PolicyContext {
  /** The environment is a production one (`production: true` in environment.yaml). */
  readonly production: boolean;
  /** The image contracts the app declared (`AppChart.declareImage`). @default none */
  readonly contracts?: readonly ImageContract[];
  /** The environment, for rules that read its facts (the tailnet's domain). @default unknown */
  readonly environment?: Environment;
  /**
   * What the environment's other apps render, each object with its app, for the rules that span
   * apps (a listener claimed twice on a merged gateway). Synth passes the apps built before this
   * one (and, in a run narrowed by --app, the others' output in dist/).
   * @default none known
   */
  readonly neighbours?: Neighbours;
}

/** One violation: the object that breaks the rule, what is wrong and how to fix it. */
export interface Finding {
  /** The object that breaks the rule (the one an exception names). */
  readonly object: KubeObject;
  /** What is wrong, in one sentence, without secret values. */
  readonly message: string;
  /** How to comply (the engine adds how to except it instead). */
  readonly fix: string;
}

/**
 * A policy rule, declared as data (kube-linter's checks are the model: a name, a description, a
 * remediation, a scope of named object kinds, and a template): the registry (`RULES`) calls
 * `check` with each rendered object of one app whose kind is in `scope`, one at a time, and the
 * docs' rule table (docs/security.md) is generated from these fields.
 */
export interface RuleDeclaration {
  /** The rule's name, as written in messages, exceptions and the docs. */
  readonly name: RuleName;
  /** What the rule guarantees, in one sentence: the docs' "what it guarantees". */
  readonly summary: string;
  /**
   * The kinds the rule applies to: named groups (lib/core/kinds.ts, such as `POD_TEMPLATE_KINDS`)
   * and single kinds (`KINDS.Secret`). No other object reaches `check`.
   */
  readonly scope: KindScope;
  /** Where the rule comes from: the upstream documents and code it implements. */
  readonly sources: readonly string[];
  /** How to comply, in general; a problem may say it more precisely for its case. */
  readonly fix: string;
  /**
   * Every way `object` (of a kind in `scope`) breaks the rule. `context.objects` holds all the
   * app's objects, by kind, for rules that look across objects (a claim's access modes, the
   * NetworkPolicies around a database).
   */
  check(object: KubeObject, context: RuleContext): RuleProblem[];
}

/** One way an object breaks a rule. */
export interface RuleProblem {
  /** What is wrong, in one sentence, without secret values. */
  readonly message: string;
  /** How to comply in this case. @default the rule's `fix` */
  readonly fix?: string;
}

/** What a rule's check knows: where the objects deploy, and every object of the app. */
export interface RuleContext extends PolicyContext {
  /** Every rendered object of the app (in scope or not), by kind. */
  readonly objects: ObjectIndex;
}

/**
 * A rule written as one check over all of an app's objects, without a declared scope: the shape
 * rules had before they were declarations. `fromPolicyRule` (lib/pipeline/checks/rules.ts) adds
 * the scope and the fix and makes it a `RuleDeclaration`; new rules are written as declarations.
 */
export interface PolicyRule {
  /** The rule's name, as written in messages and exceptions. */
  readonly name: RuleName;
  /** One line: what the rule guarantees. */
  readonly summary: string;
  /** Where the rule comes from: the upstream documents it implements. */
  readonly sources: readonly string[];
  /** Every violation among `objects` (all objects of one app in one environment). */
  check(objects: readonly KubeObject[], context: PolicyContext): Finding[];
}
