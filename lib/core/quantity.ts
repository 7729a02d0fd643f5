/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource/quantity.go): a number,
 * then a binary (Ki..Ei), decimal (n, u, m, k, M..E) or exponent (e3) suffix.
 */

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a quantity in base units (bytes, cores), or undefined when it is not one. */
export function parseQuantity(value: string): number | undefined {
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const suffix = match[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : FACTORS[suffix];
  return Number(match[1]) * factor;
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
  /** e.g. "500m" or "2". */
  readonly cpu?: string;
  /** e.g. "512Mi" or "2Gi". */
  readonly memory?: string;
}

/** Requests and limits of a container. */
export interface ResourceRequirements {
  readonly requests?: ResourceAmounts;
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
      if (value !== undefined && parseQuantity(value) === undefined) {
        errors.push(`${prefix}.${kind}.${resource} "${value}" is not a Kubernetes quantity (e.g. ${resource === 'cpu' ? '"500m" or "2"' : '"512Mi" or "2Gi"'})`);
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
