import { checkDnsSubdomain } from './dns';

/**
 * The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 * Selectors use only name, instance and component: values that a refactor of the code cannot
 * change, because selectors of Deployments and Services' pods are immutable in the API.
 */
export const LABEL = {
  /** The app's name, e.g. `codeforphilly`; in selectors. */
  name: 'app.kubernetes.io/name',
  /** The app in one stage, `<app>-<stage>`; in selectors. */
  instance: 'app.kubernetes.io/instance',
  /** The part of the app, e.g. `web` or `database`; in selectors. */
  component: 'app.kubernetes.io/component',
  /** The larger system the app belongs to; not in selectors. */
  partOf: 'app.kubernetes.io/part-of',
  /** Always `cdk8s` (`MANAGED_BY`); not in selectors. */
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** The value of app.kubernetes.io/managed-by on every generated object. */
export const MANAGED_BY = 'cdk8s';

/** Identity of one deployed app: what every object it emits is labelled with. */
export interface AppIdentity {
  /** The app's name, e.g. `codeforphilly`. */
  readonly name: string;
  /** The app in one environment, e.g. `codeforphilly-sandbox`. */
  readonly instance: string;
  /** The larger system the app belongs to, e.g. `pal-e`. */
  readonly partOf: string;
}

/** Labels that select one component's pods. Stable across code refactors. */
export function selectorLabels(app: AppIdentity, component: string): Record<string, string> {
  return { [LABEL.name]: app.name, [LABEL.instance]: app.instance, [LABEL.component]: component };
}

/** All recommended labels for an object of one component. */
export function recommendedLabels(app: AppIdentity, component: string): Record<string, string> {
  return { ...selectorLabels(app, component), [LABEL.partOf]: app.partOf, [LABEL.managedBy]: MANAGED_BY };
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const DNS_LABEL_SOURCE = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';

/**
 * A qualified name, what label and annotation keys must be (IsQualifiedName,
 * k8s.io/apimachinery/pkg/util/validation/validation.go): an optional DNS subdomain prefix of at
 * most 253 characters and "/", then a name of at most 63 letters, digits, "-", "_" and ".",
 * starting and ending with a letter or digit.
 */
export const QUALIFIED_NAME_PATTERN = `^((?=[^/]{1,253}/)${DNS_LABEL_SOURCE}(\\.${DNS_LABEL_SOURCE})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`;

/** A label value (IsValidLabelValue): empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit. */
export const LABEL_VALUE_PATTERN = '^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$';

/** The rule of QUALIFIED_NAME_PATTERN, in words. */
export const QUALIFIED_NAME_RULE = 'must be a qualified name: an optional DNS subdomain prefix and "/", then at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** The rule of LABEL_VALUE_PATTERN, in words. */
export const LABEL_VALUE_RULE = 'must be a label value: empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';

/** The most bytes all annotations of one object may hold, keys and values (TotalAnnotationSizeLimitB, k8s.io/apimachinery/pkg/api/validation/objectmeta.go). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** Why `key` is not a qualified name (a label or annotation key), or undefined when it is one. */
export function checkQualifiedName(key: string): string | undefined {
  return new RegExp(QUALIFIED_NAME_PATTERN).test(key) ? undefined : QUALIFIED_NAME_RULE;
}

/**
 * A label key (optional DNS-subdomain prefix and "/", then a name of at most 63 characters) and
 * value (empty, or at most 63 characters of the same alphabet), per apimachinery
 * ValidateLabels. Returns undefined when both are valid, otherwise the reason.
 */
export function checkLabel(key: string, value: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if ((prefix !== undefined && checkDnsSubdomain(prefix)) || !LABEL_NAME.test(name) || name.length > 63) return `label key "${key}" is not a valid label key`;
  if (value !== '' && (!LABEL_NAME.test(value) || value.length > 63)) return `label value "${value}" of ${key} is not a valid label value (at most 63 letters, digits, "-", "_" and ".")`;
  return undefined;
}

/**
 * Why an object's annotations would be refused (ValidateAnnotations, k8s.io/apimachinery
 * pkg/api/validation/objectmeta.go): every key a qualified name (checked lower-cased, as the API
 * server does), all keys and values together at most 256 KiB. Empty when they are valid.
 */
export function checkAnnotations(annotations: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    if (checkQualifiedName(key.toLowerCase())) problems.push(`annotation key "${key}" ${QUALIFIED_NAME_RULE}`);
    if (typeof value !== 'string') problems.push(`annotation ${key} must be a string, not ${JSON.stringify(value)}`);
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > ANNOTATIONS_SIZE_LIMIT) problems.push(`annotations hold ${size} bytes; at most ${ANNOTATIONS_SIZE_LIMIT} (256 KiB) are allowed`);
  return problems;
}

/**
 * The labels that select every pod of an app in one stage (all components), for another app's
 * NetworkPolicy: a database admitting the app's web pods and its migration Jobs alike.
 */
export function appPodLabels(appName: string, stage: string): Record<string, string> {
  return { [LABEL.name]: appName, [LABEL.instance]: `${appName}-${stage}` };
}
