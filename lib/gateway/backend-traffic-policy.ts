import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, valueShape } from '../core/prop-shape';
import { POLICY_TARGET_SHAPE } from './route-props';
import * as eg from '../../imports/gateway.envoyproxy.io';
import { AppChart } from '../core/app';
import { checkDuration } from './duration';
import { checkPolicyTarget, type IPolicyTarget } from './policy-target';

/**
 * Conditions that trigger a retry (Envoy Gateway api/v1alpha1/retry_types.go `TriggerEnum`):
 * `5xx`, `gateway-error`, `reset`, `reset-before-request`, `connect-failure`, `retriable-4xx`,
 * `refused-stream`, `retriable-status-codes`, and the gRPC statuses `cancelled`,
 * `deadline-exceeded`, `internal`, `resource-exhausted` and `unavailable`.
 */
export type RetryTrigger = `${eg.BackendTrafficPolicySpecRetryRetryOnTriggers}`;

/** Properties for `BackendTrafficPolicy`. */
export interface BackendTrafficPolicyProps {
  /** The route or Gateway whose backend traffic this shapes. A route's policy wins over its Gateway's. */
  readonly target: IPolicyTarget;
  /** Timeouts, as durations ("30s"). @default none: Envoy Gateway's defaults apply */
  readonly timeout?: {
    /** The whole request, including retries. @default Envoy's 15s */
    readonly request?: string;
    /** Close an idle backend connection after. @default 1h */
    readonly connectionIdle?: string;
    /** Establishing a TCP connection to the backend. @default 10s */
    readonly connect?: string;
  };
  /** Retries of failed requests. @default none: Envoy Gateway's defaults apply */
  readonly retry?: {
    /** How many retries after the first attempt. */
    readonly attempts: number;
    /** Timeout of each attempt. @default none */
    readonly perTryTimeout?: string;
    /** What triggers a retry. @default ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"] with 503 */
    readonly on?: readonly RetryTrigger[];
    /** Status codes that trigger a retry; needs the "retriable-status-codes" trigger. @default [503] */
    readonly statusCodes?: readonly number[];
  };
  /** The policy's name. @default `${target.name}-traffic` */
  readonly name?: string;
}

/** The shape of `BackendTrafficPolicyProps`, checked at run time (lib/core/prop-shape.ts). */
export const BACKEND_TRAFFIC_POLICY_PROPS_SHAPE = propsShape<BackendTrafficPolicyProps>('the props of a BackendTrafficPolicy', {
  target: POLICY_TARGET_SHAPE,
  timeout: Type.Optional(valueShape<NonNullable<BackendTrafficPolicyProps['timeout']>>('{ request?, connectionIdle?, connect? }, each a duration such as "30s"', {
    request: Type.Optional(Type.String()),
    connectionIdle: Type.Optional(Type.String()),
    connect: Type.Optional(Type.String()),
  })),
  retry: Type.Optional(valueShape<NonNullable<BackendTrafficPolicyProps['retry']>>('{ attempts, perTryTimeout?, on?, statusCodes? }', {
    attempts: Type.Number(),
    perTryTimeout: Type.Optional(Type.String()),
    on: Type.Optional(Type.Array(oneOf(Object.values(eg.BackendTrafficPolicySpecRetryRetryOnTriggers)))),
    statusCodes: Type.Optional(Type.Array(Type.Number())),
  })),
  name: Type.Optional(Type.String()),
});

/** Timeouts and retries for a route or Gateway, through an Envoy Gateway BackendTrafficPolicy. */
export class BackendTrafficPolicy extends Construct {
  /** The BackendTrafficPolicy's name. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: BackendTrafficPolicyProps) {
    super(scope, id);
    checkProps(this, BACKEND_TRAFFIC_POLICY_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name ?? `${props.target.name}-traffic`;
    this.node.addValidation({ validate: () => validateTraffic(props, chart.namespace!) });
    const retry = props.retry;
    const triggers = retry?.on ?? ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'];
    const timeout = props.timeout;
    new eg.BackendTrafficPolicy(this, 'Resource', {
      metadata: { name: this.name, labels: chart.labelsFor('traffic') },
      spec: {
        targetRefs: [{ group: props.target.group, kind: props.target.kind, name: props.target.name }],
        ...(timeout
          ? {
            timeout: {
              ...(timeout.connect ? { tcp: { connectTimeout: timeout.connect } } : {}),
              ...(timeout.request || timeout.connectionIdle ? { http: { requestTimeout: timeout.request, connectionIdleTimeout: timeout.connectionIdle } } : {}),
            },
          }
          : {}),
        ...(retry
          ? {
            retry: {
              numRetries: retry.attempts,
              ...(retry.perTryTimeout ? { perRetry: { timeout: retry.perTryTimeout } } : {}),
              retryOn: {
                triggers: triggers.map((t) => t as eg.BackendTrafficPolicySpecRetryRetryOnTriggers),
                ...(triggers.includes('retriable-status-codes') ? { httpStatusCodes: [...(retry.statusCodes ?? [503])] } : {}),
              },
            },
          }
          : {}),
      },
    });
  }
}

function validateTraffic(props: BackendTrafficPolicyProps, namespace: string): string[] {
  const errors: string[] = [];
  const targetProblem = checkPolicyTarget(props.target, namespace);
  if (targetProblem) errors.push(targetProblem);
  if (!props.timeout && !props.retry) errors.push('neither timeout nor retry is set; the policy would change nothing');
  for (const [field, value] of [['timeout.request', props.timeout?.request], ['timeout.connectionIdle', props.timeout?.connectionIdle], ['timeout.connect', props.timeout?.connect], ['retry.perTryTimeout', props.retry?.perTryTimeout]] as const) {
    const problem = checkDuration(field, value);
    if (problem) errors.push(problem);
  }
  const retry = props.retry;
  if (retry) {
    if (!Number.isInteger(retry.attempts) || retry.attempts < 0 || retry.attempts > 10) errors.push(`retry.attempts ${retry.attempts} is not a whole number from 0 to 10`);
    // The triggers are checked with the props' shape: one of Envoy Gateway's (BACKEND_TRAFFIC_POLICY_PROPS_SHAPE).
    // httpStatusCodes are only consulted with the retriable-status-codes trigger (retry_types.go).
    if (retry.statusCodes && retry.on && !retry.on.includes('retriable-status-codes')) {
      errors.push('retry.statusCodes needs the "retriable-status-codes" trigger in retry.on; without it the codes are ignored');
    }
    for (const code of retry.statusCodes ?? []) if (!Number.isInteger(code) || code < 100 || code > 599) errors.push(`retry status code ${code} is not an HTTP status code`);
  }
  return errors;
}
