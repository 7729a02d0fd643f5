import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, propsShape, stringList } from '../core/prop-shape';
import { POLICY_TARGET_SHAPE } from './route-props';
import * as eg from '../../imports/gateway.envoyproxy.io';
import { AppChart } from '../core/app';
import { checkDuration } from './duration';
import { checkPolicyTarget, type IPolicyTarget } from './policy-target';

/** Properties for `CorsPolicy`. */
export interface CorsPolicyProps {
  /** The route or Gateway whose responses carry the CORS headers. */
  readonly target: IPolicyTarget;
  /** Origins allowed to call, as `scheme://host[:port]` (host may start with "*."), or "*". */
  readonly allowOrigins: readonly string[];
  /** @default ["GET", "HEAD", "POST"] (the CORS-safelisted methods) */
  readonly allowMethods?: readonly string[];
  /** Request headers the browser may send. @default none beyond the CORS-safelisted ones */
  readonly allowHeaders?: readonly string[];
  /** Response headers scripts may read. @default none */
  readonly exposeHeaders?: readonly string[];
  /** Allow cookies and authorization headers. @default false */
  readonly allowCredentials?: boolean;
  /** How long browsers may cache a preflight answer, as a duration. @default "600s" */
  readonly maxAge?: string;
  /** The SecurityPolicy's name. @default `${target.name}-cors` */
  readonly name?: string;
}

/** `scheme://host[:port]` with an optional "*." first label, no path (Envoy Gateway cors_types.go `Origin`). */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/;
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The shape of `CorsPolicyProps`, checked at run time (lib/core/prop-shape.ts). */
export const CORS_POLICY_PROPS_SHAPE = propsShape<CorsPolicyProps>('the props of a CorsPolicy', {
  target: POLICY_TARGET_SHAPE,
  allowOrigins: stringList('a list of origins'),
  allowMethods: Type.Optional(stringList('a list of methods')),
  allowHeaders: Type.Optional(stringList('a list of header names')),
  exposeHeaders: Type.Optional(stringList('a list of header names')),
  allowCredentials: Type.Optional(Type.Boolean()),
  maxAge: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
});

/**
 * CORS for a route or Gateway through an Envoy Gateway SecurityPolicy. The policy is emitted in
 * its target's namespace: Envoy Gateway attaches policies only to targets in their own namespace.
 */
export class CorsPolicy extends Construct {
  /** The SecurityPolicy's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: CorsPolicyProps) {
    super(scope, id);
    checkProps(this, CORS_POLICY_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name ?? `${props.target.name}-cors`;
    this.node.addValidation({ validate: () => validateCors(props, chart.namespace!) });
    new eg.SecurityPolicy(this, 'Resource', {
      metadata: { name: this.name, labels: chart.labelsFor('cors') },
      spec: {
        targetRefs: [{ group: props.target.group, kind: props.target.kind, name: props.target.name }],
        cors: {
          allowOrigins: [...props.allowOrigins],
          allowMethods: [...(props.allowMethods ?? ['GET', 'HEAD', 'POST'])],
          ...(props.allowHeaders?.length ? { allowHeaders: [...props.allowHeaders] } : {}),
          ...(props.exposeHeaders?.length ? { exposeHeaders: [...props.exposeHeaders] } : {}),
          allowCredentials: props.allowCredentials ?? false,
          maxAge: props.maxAge ?? '600s',
        },
      },
    });
  }
}

function validateCors(props: CorsPolicyProps, namespace: string): string[] {
  const errors: string[] = [];
  const targetProblem = checkPolicyTarget(props.target, namespace);
  if (targetProblem) errors.push(targetProblem);
  if (props.allowOrigins.length === 0) errors.push('allowOrigins is empty; list the frontend origins, e.g. "https://app.example.org"');
  for (const origin of props.allowOrigins) {
    if (origin !== '*' && !ORIGIN.test(origin)) {
      errors.push(`origin "${origin}" is not scheme://host[:port] (no path, no trailing slash), e.g. "https://app.example.org" or "https://*.example.org"`);
    }
  }
  // Browsers refuse credentialed responses whose Access-Control-Allow-Origin is "*" (Fetch standard, CORS protocol).
  if (props.allowCredentials && props.allowOrigins.includes('*')) errors.push('allowCredentials with origin "*" is refused by browsers; list the origins explicitly');
  for (const method of props.allowMethods ?? []) {
    if (method !== '*' && !METHODS.has(method)) errors.push(`method "${method}" is not an HTTP method (upper case, e.g. GET, POST)`);
  }
  const problem = checkDuration('maxAge', props.maxAge);
  if (problem) errors.push(problem);
  return errors;
}
