import { Type, type TString, type TInteger, type StringOptions } from '@sinclair/typebox';
import { DNS_LABEL_PATTERN, DNS1035_LABEL_PATTERN } from './dns';

/**
 * Schema building blocks for overlay files. An app declares its overlay with these (TypeBox), so
 * the JSON Schema that ajv checks and the TypeScript type the app code reads are one definition.
 * Each carries a `description`: it is what an error shows as "allowed".
 */

/** An RFC 1123 label: namespace and object names. */
export function dnsLabel(options: StringOptions = {}): TString {
  return Type.String({ pattern: DNS_LABEL_PATTERN, maxLength: 63, description: 'a DNS label: lower-case letters, digits and "-", at most 63 characters', ...options });
}

/** An RFC 1035 label: Service names (must start with a letter). */
export function serviceName(options: StringOptions = {}): TString {
  return Type.String({ pattern: DNS1035_LABEL_PATTERN, maxLength: 63, description: 'a Service name: lower-case letters, digits and "-", starting with a letter, at most 63 characters', ...options });
}

/** An RFC 1123 subdomain: storage classes, issuers, hostnames. */
export function dnsSubdomain(options: StringOptions = {}): TString {
  return Type.String({
    pattern: `^${DNS_LABEL_PATTERN.slice(1, -1)}(\\.${DNS_LABEL_PATTERN.slice(1, -1)})*$`,
    maxLength: 253,
    description: 'a DNS subdomain: dot-separated DNS labels, at most 253 characters',
    ...options,
  });
}

/** A TCP/UDP port number. */
export function portNumber(options: { description?: string } = {}): TInteger {
  return Type.Integer({ minimum: 1, maximum: 65535, description: 'a port number from 1 to 65535', ...options });
}

/**
 * A Kubernetes resource quantity such as `10Gi` or `500m`: the API's quantity syntax
 * (k8s.io/apimachinery resource.Quantity) without a minus sign, since no size, request or limit
 * an overlay gives may be negative.
 */
export function quantity(options: StringOptions = {}): TString {
  return Type.String({
    pattern: '^(\\+?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$',
    description: 'a Kubernetes quantity of 0 or more, such as 10Gi, 512Mi or 250m',
    ...options,
  });
}
