import { isRecord, list, record, type Manifest } from '../../core/manifest';
import type { KubeObject } from './schema-validation';
import { groupKindKey, groupKindOf, inScope, isGroupKind, KindGroup, KINDS, POD_TEMPLATE_KINDS, type GroupKind, type KindScope } from '../../core/kinds';

/**
 * Read-only views of rendered objects for the rules. Rendered objects are plain JSON; these
 * helpers never assume a field is present or has the right type (the schema validation before
 * the policy has checked the kinds it knows, but an app may emit anything).
 */

export { isRecord, list, record };

/** A JSON object of a rendered manifest. */
export type Json = Manifest;

/** `Kind namespace/name`, for messages. */
export function objectId(object: KubeObject): string {
  const ns = object.metadata?.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata?.name ?? '(unnamed)'}`;
}

/**
 * An object's identity within its kind: its namespace and name. Maps keyed by objects use
 * `objectKeyId`; nothing parses it back. The namespace is "" when the object has none (a
 * cluster-scoped object, or one that deploys into its Application's destination namespace).
 */
export interface ObjectKey {
  readonly namespace: string;
  readonly name: string;
}

/** The namespace and name of a rendered object. */
export function objectKeyOf(object: KubeObject): ObjectKey {
  const ns = object.metadata?.namespace;
  return { namespace: typeof ns === 'string' ? ns : '', name: String(object.metadata?.name ?? '') };
}

/** `namespace/name` (`name` without a namespace), for messages. */
export function formatObjectKey(key: ObjectKey): string {
  return key.namespace === '' ? key.name : `${key.namespace}/${key.name}`;
}

/** A map key for an object of a kind; opaque, never parsed. */
export function objectKeyId(kind: GroupKind, key: ObjectKey): string {
  return JSON.stringify([kind.group, kind.kind, key.namespace, key.name]);
}

/** The object's annotations (empty when it has none). */
export function annotationsOf(object: KubeObject): Record<string, unknown> {
  return record(object.metadata?.annotations);
}

/** A pod spec inside an object, with the pod template's metadata and the path that leads to it. */
export interface PodTemplate {
  /** The pod spec. */
  readonly spec: Json;
  /** The pod template's metadata (a Pod's own). */
  readonly metadata: Json;
  /** e.g. `spec.template.spec`, `spec.jobTemplate.spec.template.spec`. */
  readonly path: string;
}

/**
 * The pod specs an object carries: a Pod's own, the template of a workload controller or Job, a
 * CronJob's job template's, a PodTemplate's. Custom resources that embed pods (operators' own
 * kinds) are not looked into: their pods are the operator's.
 */
export function podTemplatesOf(object: KubeObject): PodTemplate[] {
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.Pod)) return [{ spec, metadata: record(object.metadata), path: 'spec' }];
  if (isGroupKind(object, KINDS.PodTemplate)) {
    const template = record(object.template);
    return [{ spec: record(template.spec), metadata: record(template.metadata), path: 'template.spec' }];
  }
  if (isGroupKind(object, KINDS.CronJob)) {
    const template = record(record(record(spec.jobTemplate).spec).template);
    return [{ spec: record(template.spec), metadata: record(template.metadata), path: 'spec.jobTemplate.spec.template.spec' }];
  }
  if (POD_TEMPLATE_KINDS.has(object)) {
    const template = record(spec.template);
    return [{ spec: record(template.spec), metadata: record(template.metadata), path: 'spec.template.spec' }];
  }
  return [];
}

/** One container of a pod spec, with how to name it in a message. */
export interface ContainerRef {
  /** The container as rendered. */
  readonly container: Json;
  /** Its name (`#<index>` when it has none). */
  readonly name: string;
  /** `container "web"`, `init container "migrate"`, `ephemeral container "debug"`. */
  readonly label: string;
  /** `containers`, `initContainers` or `ephemeralContainers`. */
  readonly field: string;
  /** Its index in that field. */
  readonly index: number;
}

/** The containers of a pod spec, init containers first, from the given fields. */
export function containersOf(spec: Json, fields: readonly string[] = ['initContainers', 'containers', 'ephemeralContainers']): ContainerRef[] {
  const labels: Record<string, string> = { containers: 'container', initContainers: 'init container', ephemeralContainers: 'ephemeral container' };
  return fields.flatMap((field) => list(spec[field]).map((container, i) => {
    const name = typeof container.name === 'string' ? container.name : `#${i}`;
    return { container, name, field, index: i, label: `${labels[field]} "${name}"` };
  }));
}

/**
 * An app's rendered objects by kind, for the rules that look across objects: built once per app
 * and handed to every rule's check (`RuleContext.objects`).
 */
export class ObjectIndex {
  private readonly byKind = new Map<string, KubeObject[]>();

  /** @param all every object, in render order */
  constructor(readonly all: readonly KubeObject[]) {
    for (const object of all) {
      const key = groupKindKey(groupKindOf(object));
      const same = this.byKind.get(key);
      if (same) same.push(object);
      else this.byKind.set(key, [object]);
    }
  }

  /** The objects of a kind in `scope`, in render order. */
  of(...scope: KindScope): readonly KubeObject[] {
    const [only] = scope;
    if (scope.length === 1 && !(only instanceof KindGroup)) return this.byKind.get(groupKindKey(only)) ?? [];
    return this.all.filter((object) => inScope(object, scope));
  }
}

/** One object another app of the environment renders, with that app's name. */
export interface Neighbour {
  readonly app: string;
  readonly object: KubeObject;
}

/**
 * What the environment's other apps render, by kind, for the rules that look across apps
 * (`PolicyContext.neighbours`). Synth adds each app's objects once it is built; a rule asks for
 * the kinds it compares, so an environment of n apps is indexed once, not scanned once per app.
 */
export class Neighbours {
  private readonly byKind = new Map<string, Neighbour[]>();

  /** Adds what `app` renders; returns this index. */
  add(app: string, objects: readonly KubeObject[]): this {
    for (const object of objects) {
      const key = groupKindKey(groupKindOf(object));
      const same = this.byKind.get(key);
      if (same) same.push({ app, object });
      else this.byKind.set(key, [{ app, object }]);
    }
    return this;
  }

  /** The other apps' objects of one kind, in the order they were added. */
  of(kind: GroupKind): readonly Neighbour[] {
    return this.byKind.get(groupKindKey(kind)) ?? [];
  }
}
