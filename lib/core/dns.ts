/**
 * Kubernetes name syntax (k8s.io/apimachinery/pkg/util/validation/validation.go).
 * Returns undefined when the value is valid, otherwise the reason it is not.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1123 label: namespaces, most object names, Service port names' hosts. At most 63 characters. */
export function checkDnsLabel(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!DNS1123_LABEL.test(value)) return 'must consist of lower-case letters, digits and "-", starting and ending with a letter or digit';
  return undefined;
}

/** RFC 1035 label: Service names (IsDNS1035Label in ValidateServiceName). At most 63 characters, starts with a letter. */
export function checkDns1035Label(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!DNS1035_LABEL.test(value)) return 'must consist of lower-case letters, digits and "-", start with a letter and end with a letter or digit';
  return undefined;
}

/** RFC 1123 subdomain: most object names and hostnames. At most 253 characters. */
export function checkDnsSubdomain(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 253) return `is ${value.length} characters long; at most 253 are allowed`;
  for (const label of value.split('.')) {
    const problem = checkDnsLabel(label);
    if (problem) return `label "${label}" ${problem}`;
  }
  return undefined;
}

/**
 * A path segment name: what RBAC objects' names must be (IsValidPathSegmentName,
 * k8s.io/apimachinery/pkg/api/validation/path/name.go): not "." or "..", no "/" or "%".
 */
export function checkPathSegmentName(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value === '.' || value === '..') return `may not be "${value}"`;
  if (/[/%]/.test(value)) return 'may not contain "/" or "%"';
  return undefined;
}

/** A DNS hostname that may start with a single "*." wildcard label (Gateway API `Hostname`). */
export function checkHostname(value: string, options: { wildcard: boolean }): string | undefined {
  if (/^\d+(\.\d+){3}$/.test(value) || value.includes(':')) return 'is an IP address; a DNS name is required';
  if (value.startsWith('*.')) {
    if (!options.wildcard) return 'must not be a wildcard here';
    return checkDnsSubdomain(value.slice(2));
  }
  if (value.includes('*')) return 'may contain "*" only as the whole first label ("*.example.com")';
  if (!value.includes('.')) return 'must be a fully qualified name with at least two labels';
  return checkDnsSubdomain(value);
}

/** JSON Schema patterns for overlay schemas; kept beside the checks above so both say the same. */
export const DNS_LABEL_PATTERN = DNS1123_LABEL.source;
/** The JSON Schema pattern of an RFC 1035 label (Service names), the same rule as `checkDns1035Label`. */
export const DNS1035_LABEL_PATTERN = DNS1035_LABEL.source;
