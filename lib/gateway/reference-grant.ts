import { Construct } from 'constructs';
import { Type } from '@sinclair/typebox';
import { checkProps, oneOf, propsShape, stringList, valueShape } from '../core/prop-shape';
import * as gwapi from '../../imports/gateway.networking.k8s.io';
import { AppChart } from '../core/app';

/** Properties for `ReferenceGrant`. */
export interface ReferenceGrantProps {
  /** The grant's name. */
  readonly name: string;
  /** The namespace of the referenced objects: a grant only works there. */
  readonly namespace: string;
  /** The referring kind and its namespace, e.g. HTTPRoutes in `apps`. */
  readonly from: {
    /** The referring kind. */
    readonly kind: 'HTTPRoute' | 'Gateway';
    /** The referring objects' namespace. */
    readonly namespace: string;
  };
  /** The referenced kind and, optionally, the names it is limited to. */
  readonly to: {
    /** The referenced kind. */
    readonly kind: 'Service' | 'Secret';
    /** The referenced objects' names, one `to` entry each: the grant covers only them. */
    readonly names: readonly string[];
  };
}

/** The shape of `ReferenceGrantProps`, checked at run time (lib/core/prop-shape.ts). */
export const REFERENCE_GRANT_PROPS_SHAPE = propsShape<ReferenceGrantProps>('the props of a ReferenceGrant', {
  name: Type.String(),
  namespace: Type.String(),
  from: valueShape<ReferenceGrantProps['from']>('{ kind: "HTTPRoute" | "Gateway", namespace }', { kind: oneOf(['HTTPRoute', 'Gateway']), namespace: Type.String() }),
  to: valueShape<ReferenceGrantProps['to']>('{ kind: "Service" | "Secret", names }', { kind: oneOf(['Service', 'Secret']), names: stringList() }),
});

/**
 * A Gateway API ReferenceGrant: lets routes (or Gateways) in one namespace reference Services
 * (or Secrets) in another. It must live in the namespace of the referenced objects; without it
 * the reference resolves to `ResolvedRefs=False, RefNotPermitted` (gateway-api
 * apis/v1beta1/referencegrant_types.go). Emitted once per referenced name, least privilege.
 */
export class ReferenceGrant extends Construct {
  /** The ReferenceGrant's name. */
  public readonly name: string;
  /** Its namespace: the referenced objects', which is where the grant must live. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: ReferenceGrantProps) {
    super(scope, id);
    checkProps(this, REFERENCE_GRANT_PROPS_SHAPE, props);
    const chart = AppChart.of(this);
    this.name = props.name;
    this.namespace = props.namespace;
    new gwapi.ReferenceGrant(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: chart.labelsFor('reference-grant') },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: props.from.kind, namespace: props.from.namespace }],
        to: [...props.to.names].sort().map((name) => ({ group: '', kind: props.to.kind, name })),
      },
    });
  }
}
