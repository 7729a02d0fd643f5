/**
 * Gateway API and Envoy Gateway durations: one to four number-unit pairs such as "10s" or
 * "1m30s" (gateway-api apis/v1/shared_types.go `Duration`, GEP-2257; the same pattern in the
 * Envoy Gateway CRDs).
 */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Milliseconds of a valid duration, or undefined when `value` is not one. */
export function parseDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(amount) * UNIT_MS[unit];
  return total;
}

/** A construct-validation message when `value` is not a duration. */
export function checkDuration(field: string, value: string | undefined): string | undefined {
  if (value === undefined || parseDuration(value) !== undefined) return undefined;
  return `${field} "${value}" is not a duration; use one to four number-unit pairs with units h, m, s or ms, such as "30s" or "1m30s"`;
}
