/** The synth-time policy: named rules over rendered objects, exceptions from overlays (docs/security.md). */
export { enforcePolicy, enforcePolicyOnGenerated, findViolations, RULES, type PolicyOptions, type Violation } from './engine';
export { EXCEPTION_ANNOTATION_PREFIX, PolicyExceptionsValues, RULE_NAMES, type PolicyException, type RuleName } from './types';
