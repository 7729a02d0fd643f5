/** One port of a Service, as other constructs need to know it. */
export interface ServicePortRef {
  /** The port's name (`spec.ports[].name`), if it has one. @default unnamed */
  readonly name?: string;
  /** The Service port (`spec.ports[].port`), not the container's targetPort. */
  readonly port: number;
}

/**
 * A Service that routes and ingresses can point at: one this repo emits, or one that already
 * exists in the cluster and is not ours to emit.
 */
export interface IServiceRef {
  /** The Service's name. */
  readonly name: string;
  /** The Service's namespace. */
  readonly namespace: string;
  /** Its ports, when known; backends are checked against them. @default unknown: not checked */
  readonly ports?: readonly ServicePortRef[];
  /** `spec.type`. @default "ClusterIP" */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** True for a headless Service (`clusterIP: None`). @default false */
  readonly headless?: boolean;
}

/** Attributes of an existing Service, for `ServiceRef.fromServiceAttributes`. */
export interface ServiceAttributes {
  /** The Service's name. */
  readonly name: string;
  /** The Service's namespace. */
  readonly namespace: string;
  /** Its ports, if you want backends checked against them. @default unknown: not checked */
  readonly ports?: readonly ServicePortRef[];
  /** `spec.type`. @default "ClusterIP" */
  readonly type?: IServiceRef['type'];
  /** True for a headless Service (`clusterIP: None`), which a funnel or route cannot use. @default false */
  readonly headless?: boolean;
}

/** @deprecated since 0.2: the attributes of `ServiceRef.fromName`; use `ServiceAttributes` and `ServiceRef.fromServiceAttributes`. */
export interface ExistingServiceAttributes {
  /** The Service's namespace. */
  readonly namespace: string;
  /** Its ports, if you want backends checked against them. @default unknown: not checked */
  readonly ports?: readonly ServicePortRef[];
  /** `spec.type`. @default "ClusterIP" */
  readonly type?: IServiceRef['type'];
  /** True for a headless Service (`clusterIP: None`), which a funnel or route cannot use. @default false */
  readonly headless?: boolean;
}

/**
 * References to Services. The library's one convention for objects that exist and are not this
 * app's to emit (a Service, a Secret, a Gateway, an ObjectStore, a database): a static
 * `fromXxxAttributes(attributes)` (or `fromXxxName(name)` where the name says everything) on the
 * class of that kind, returning the same `IXxx` interface the library's own constructs implement,
 * as a plain reference value. No scope and no id: a reference emits nothing, adds no node to the
 * construct tree, and one value can be handed to any chart (a consumer app holds references to
 * the platform app's objects). docs/constructs.md, "Existing objects".
 */
export class ServiceRef {
  /** A Service that exists in the cluster and is managed elsewhere: referenced, never emitted. */
  public static fromServiceAttributes(attributes: ServiceAttributes): IServiceRef {
    return { ...attributes };
  }

  /** @deprecated since 0.2: use `ServiceRef.fromServiceAttributes({ name, namespace, ... })`. */
  public static fromName(name: string, attributes: ExistingServiceAttributes): IServiceRef {
    return ServiceRef.fromServiceAttributes({ name, ...attributes });
  }

  private constructor() {}
}

/** Finds `port` (a number or a name) among a Service's known ports; undefined when unknown or absent. */
export function findServicePort(service: IServiceRef, port: number | string): ServicePortRef | undefined {
  return service.ports?.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

/** Problems with `port` as a backend port of `service`, for construct validations. */
export function checkServicePort(service: IServiceRef, port: number | string): string | undefined {
  if (typeof port === 'number' && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    return `port ${port} is not a port number (1 to 65535)`;
  }
  if (typeof port === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(port)) {
    return `port name "${port}" is not a valid port name (IANA_SVC_NAME: lower-case letters, digits and "-")`;
  }
  if (service.ports && !findServicePort(service, port)) {
    const known = service.ports.map((p) => (p.name ? `${p.name} (${p.port})` : String(p.port))).join(', ');
    return `Service ${service.namespace}/${service.name} has no port ${typeof port === 'number' ? port : `named "${port}"`}; its ports are ${known}`;
  }
  return undefined;
}
