import type { OperatorName } from '../../core/environment';

/**
 * What each operator needs installed before it works: the operators' own prerequisites, as their
 * installation guides state them. A table, read by the reference check (references.ts), which
 * refuses an environment whose `existing.operators` declares an operator without what it needs,
 * as `producers.ts` is the table of who writes what. A new prerequisite is one row.
 */
export interface OperatorPrerequisite {
  /** The operator that needs it. */
  readonly operator: OperatorName;
  /** The operator it needs, by the name `existing.operators` uses. */
  readonly requires: OperatorName;
  /** What breaks without it, for the message. */
  readonly because: string;
  /** Where upstream says so. */
  readonly source: string;
}

/** The table of operators' prerequisites. */
export const OPERATOR_PREREQUISITES: readonly OperatorPrerequisite[] = [
  {
    operator: 'barman-cloud',
    requires: 'cert-manager',
    // The release manifest creates an Issuer and two Certificates (barman-cloud-client,
    // barman-cloud-server) for the TLS between the operator and the plugin.
    because: 'its manifest creates cert-manager Certificates for the TLS between the CloudNativePG operator and the plugin; without cert-manager the plugin never gets them and backups never start',
    source: 'cloudnative-pg/plugin-barman-cloud v0.14.0 web/docs/installation.mdx ("cert-manager": "Both checks are required before proceeding with the installation"), web/docs/intro.md "Requirements"',
  },
  {
    operator: 'barman-cloud',
    requires: 'cloudnative-pg',
    because: 'it is a plugin of the CloudNativePG operator (1.26 or newer) and must run in the operator\'s namespace',
    source: 'cloudnative-pg/plugin-barman-cloud v0.14.0 web/docs/installation.mdx ("CloudNativePG Version": "The version must be 1.26 or newer")',
  },
];

/** The prerequisites `operators` (declared, by name) lack, one row each. */
export function missingPrerequisites(operators: ReadonlySet<string>): OperatorPrerequisite[] {
  return OPERATOR_PREREQUISITES.filter((row) => operators.has(row.operator) && !operators.has(row.requires));
}
