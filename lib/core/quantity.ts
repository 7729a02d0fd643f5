/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource/quantity.go,
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/): a decimal
 * number with a binary (Ki … Ei), decimal (n, u, m, k, M … E) or exponent (e3, E-2) suffix.
 */

/** A Kubernetes quantity as an exact fraction, so 1Gi, 1024Mi and 1073741824 compare equal. */
export interface Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const SUFFIXES: Readonly<Record<string, { base: bigint; exponent: number }>> = {
  n: { base: 10n, exponent: -9 }, u: { base: 10n, exponent: -6 }, m: { base: 10n, exponent: -3 },
  k: { base: 10n, exponent: 3 }, M: { base: 10n, exponent: 6 }, G: { base: 10n, exponent: 9 },
  T: { base: 10n, exponent: 12 }, P: { base: 10n, exponent: 15 }, E: { base: 10n, exponent: 18 },
  Ki: { base: 2n, exponent: 10 }, Mi: { base: 2n, exponent: 20 }, Gi: { base: 2n, exponent: 30 },
  Ti: { base: 2n, exponent: 40 }, Pi: { base: 2n, exponent: 50 }, Ei: { base: 2n, exponent: 60 },
};

/** A quantity's text: sign, decimal number, suffix (quantity.go's `<quantity> ::= <signedNumber><suffix>`). */
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parses a quantity exactly; undefined for anything that is not one. YAML numbers
 * (`storage: 10`) are accepted as plain numbers.
 */
export function parseExactQuantity(value: unknown): Quantity | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const [, sign, number, suffix = ''] = match;
  const [whole, fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole}${fraction}` || '0') * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const { base, exponent } = (Object.hasOwn(SUFFIXES, suffix) ? SUFFIXES[suffix] : undefined) ?? { base: 10n, exponent: suffix ? Number(suffix.slice(1)) : 0 };
  if (exponent >= 0) numerator *= base ** BigInt(exponent);
  else denominator *= base ** BigInt(-exponent);
  return { numerator, denominator };
}

/** Negative when `a` < `b`, zero when equal, positive when `a` > `b`. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * `value` times a whole `factor`, in `value`'s own suffix and exactly ("1.5Gi" × 2 = "3Gi",
 * "256Mi" × 2 = "512Mi", "0.25Gi" × 2 = "0.5Gi"); undefined when `value` is not a quantity.
 */
export function multiplyQuantity(value: string, factor: number): string | undefined {
  if (!Number.isSafeInteger(factor)) throw new RangeError(`multiplyQuantity: factor ${factor} is not a whole number`);
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, sign, number, suffix = ''] = match;
  const [whole, fraction = ''] = number.split('.');
  const digits = (BigInt(`${whole}${fraction}` || '0') * BigInt(factor)).toString().padStart(fraction.length + 1, '0');
  const integer = digits.slice(0, digits.length - fraction.length);
  const decimals = digits.slice(digits.length - fraction.length).replace(/0+$/, '');
  return `${sign}${integer}${decimals ? `.${decimals}` : ''}${suffix}`;
}

/** The value of a quantity in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(value: string): number | undefined {
  const exact = parseExactQuantity(value);
  return exact && Number(exact.numerator) / Number(exact.denominator);
}

/** A volume size: a quantity larger than zero. Returns the problems, each naming `field`. */
export function checkSize(field: string, value: string): string[] {
  const bytes = parseQuantity(value);
  if (bytes === undefined) return [`${field} "${value}" is not a Kubernetes quantity; write e.g. "10Gi"`];
  if (bytes <= 0) return [`${field} "${value}" must be larger than zero`];
  return [];
}

/** CPU and memory amounts of a container. */
export interface ResourceAmounts {
  /** e.g. "500m" or "2". @default none */
  readonly cpu?: string;
  /** e.g. "512Mi" or "2Gi". @default none */
  readonly memory?: string;
}

/** Requests and limits of a container. */
export interface ResourceRequirements {
  /** What the scheduler reserves for the container. @default none */
  readonly requests?: ResourceAmounts;
  /** The most the container may use. @default none */
  readonly limits?: ResourceAmounts;
}

/**
 * Every amount must be a quantity, and no request may exceed its limit: the API server refuses
 * such a pod (ValidateResourceRequirements, "must be less than or equal to ... limit").
 * `prefix` names the field in messages, e.g. "resources".
 */
export function checkResources(resources: ResourceRequirements, prefix = 'resources'): string[] {
  const errors: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory'] as const) {
      const value = resources[kind]?.[resource];
      const amount = value === undefined ? undefined : parseQuantity(value);
      if (value !== undefined && amount === undefined) {
        errors.push(`${prefix}.${kind}.${resource} "${value}" is not a Kubernetes quantity (e.g. ${resource === 'cpu' ? '"500m" or "2"' : '"512Mi" or "2Gi"'})`);
      } else if (amount !== undefined && amount < 0) {
        // ValidateResourceQuantityValue: "must be greater than or equal to 0".
        errors.push(`${prefix}.${kind}.${resource} "${value}" is negative; amounts must be 0 or more`);
      }
    }
  }
  for (const resource of ['cpu', 'memory'] as const) {
    const request = parseQuantity(resources.requests?.[resource] ?? '');
    const limit = parseQuantity(resources.limits?.[resource] ?? '');
    if (request !== undefined && limit !== undefined && request > limit) {
      errors.push(`${prefix}.requests.${resource} (${resources.requests?.[resource]}) exceeds ${prefix}.limits.${resource} (${resources.limits?.[resource]}); Kubernetes refuses a request above its limit`);
    }
  }
  return errors;
}
