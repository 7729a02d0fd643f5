import type { KubeObject } from '../../checks/schema-validation';

/**
 * Kinds that get a typed resource of the Kubernetes provider instead of `kubernetes_manifest`.
 *
 * The provider recommends its typed resources for what it supports: `kubernetes_manifest` needs
 * API access while planning and is meant for "custom resources or resources not yet fully
 * supported by the provider" (terraform-provider-kubernetes docs/resources/manifest.md, "Before
 * you use this resource"). Typed resources also wait for the result (`wait_for_rollout` of
 * Deployments). The set is fixed per kind, never per object: a resource's type is part of its
 * Terraform address, so an object that switched type would be destroyed and created again.
 *
 * Everything else is a `kubernetes_manifest`: custom resources (no typed resource exists), and
 * Ingress, although `kubernetes_ingress_v1` exists, because Ingresses are what this repo adopts
 * from hand-applied state (the pal-e funnels). `kubernetes_manifest` applies with server-side
 * apply (manifest.md, "This resource uses Server-side Apply"), so an adopted object keeps the
 * fields other managers own (the Tailscale operator's status and finalizer, kubectl's
 * annotation), and a field whose value another manager owns fails the apply instead of being
 * silently overwritten.
 *
 * The mapping from the Kubernetes JSON to the provider's schema is written out field by field
 * below, checked against the provider's types (@cdktf/provider-kubernetes 12.1.1, provider
 * 2.38.0). A field the mapping does not know is a bug in this module, reported as an internal
 * error; it is never dropped silently (see `countLeaves`).
 */
export const TYPED_KINDS: Readonly<Record<string, { readonly apiVersion: string; readonly resource: TypedResource }>> = {
  Namespace: { apiVersion: 'v1', resource: 'kubernetes_namespace_v1' },
  ServiceAccount: { apiVersion: 'v1', resource: 'kubernetes_service_account_v1' },
  ConfigMap: { apiVersion: 'v1', resource: 'kubernetes_config_map_v1' },
  Service: { apiVersion: 'v1', resource: 'kubernetes_service_v1' },
  PersistentVolumeClaim: { apiVersion: 'v1', resource: 'kubernetes_persistent_volume_claim_v1' },
  Deployment: { apiVersion: 'apps/v1', resource: 'kubernetes_deployment_v1' },
};

export type TypedResource =
  | 'kubernetes_namespace_v1'
  | 'kubernetes_service_account_v1'
  | 'kubernetes_config_map_v1'
  | 'kubernetes_service_v1'
  | 'kubernetes_persistent_volume_claim_v1'
  | 'kubernetes_deployment_v1';

/** The typed resource for `object`, or undefined when it becomes a `kubernetes_manifest`. */
export function typedResourceFor(object: KubeObject): TypedResource | undefined {
  const typed = Object.hasOwn(TYPED_KINDS, object.kind) ? TYPED_KINDS[object.kind] : undefined;
  return typed && typed.apiVersion === object.apiVersion ? typed.resource : undefined;
}

// ---- the shape language ------------------------------------------------------------------

/**
 * - `string`, `number`, `boolean`: the value as is, type-checked;
 * - `text`: a number or string, written as a string (int-or-string fields, and integers the
 *   provider types as strings, such as `replicas` and `run_as_user`);
 * - `octal`: file mode bits, written as the provider's octal string (256 → "0400");
 * - `map`: a string map (labels, data), keys untouched; `quantities`: a map of quantities;
 * - `strings`, `numbers`: lists of scalars;
 * - `block`: an object that is a single nested block; `blocks`: a list of objects, a list of
 *   blocks; `blockList`: an object the provider models as a list of one block.
 */
type Scalar = 'string' | 'number' | 'boolean' | 'text' | 'octal';
type Shape = Scalar | 'map' | 'quantities' | 'strings' | 'numbers' | Nested;
interface Nested {
  readonly nesting: 'block' | 'blocks' | 'blockList';
  readonly fields: Fields;
}
/** Kubernetes field name → shape, or [provider field name (camelCase), shape] when they differ. */
type Fields = Readonly<Record<string, Shape | readonly [string, Shape]>>;

const block = (fields: Fields): Nested => ({ nesting: 'block', fields });
const blocks = (fields: Fields): Nested => ({ nesting: 'blocks', fields });
const blockList = (fields: Fields): Nested => ({ nesting: 'blockList', fields });

const metadata = block({ name: 'string', namespace: 'string', labels: 'map', annotations: 'map' });
const labelSelector = block({ matchLabels: 'map', matchExpressions: blocks({ key: 'string', operator: 'string', values: 'strings' }) });
const keyRef = block({ name: 'string', key: 'string', optional: 'boolean' });
const probe = block({
  httpGet: block({ path: 'string', port: 'text', host: 'string', scheme: 'string', httpHeaders: ['httpHeader', blocks({ name: 'string', value: 'string' })] }),
  tcpSocket: blockList({ port: 'text' }),
  exec: block({ command: 'strings' }),
  initialDelaySeconds: 'number',
  periodSeconds: 'number',
  timeoutSeconds: 'number',
  successThreshold: 'number',
  failureThreshold: 'number',
});
const seccompProfile = block({ type: 'string', localhostProfile: 'string' });
const container: Fields = {
  name: 'string',
  image: 'string',
  imagePullPolicy: 'string',
  command: 'strings',
  args: 'strings',
  workingDir: 'string',
  ports: ['port', blocks({ containerPort: 'number', name: 'string', protocol: 'string', hostPort: 'number', hostIP: ['hostIp', 'string'] })],
  env: blocks({
    name: 'string',
    value: 'string',
    valueFrom: block({ secretKeyRef: keyRef, configMapKeyRef: keyRef, fieldRef: block({ fieldPath: 'string', apiVersion: 'string' }) }),
  }),
  envFrom: blocks({ prefix: 'string', configMapRef: block({ name: 'string', optional: 'boolean' }), secretRef: block({ name: 'string', optional: 'boolean' }) }),
  resources: block({ limits: 'quantities', requests: 'quantities' }),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  securityContext: block({
    allowPrivilegeEscalation: 'boolean',
    privileged: 'boolean',
    readOnlyRootFilesystem: 'boolean',
    runAsNonRoot: 'boolean',
    runAsUser: 'text',
    runAsGroup: 'text',
    capabilities: block({ add: 'strings', drop: 'strings' }),
    seccompProfile,
  }),
  volumeMounts: ['volumeMount', blocks({ name: 'string', mountPath: 'string', readOnly: 'boolean', subPath: 'string', subPathExpr: 'string', mountPropagation: 'string' })],
  terminationMessagePath: 'string',
  terminationMessagePolicy: 'string',
};
const keyToPath = blocks({ key: 'string', path: 'string', mode: 'octal' });
const podSpec: Fields = {
  containers: ['container', blocks(container)],
  initContainers: ['initContainer', blocks(container)],
  serviceAccountName: 'string',
  automountServiceAccountToken: 'boolean',
  terminationGracePeriodSeconds: 'number',
  activeDeadlineSeconds: 'number',
  restartPolicy: 'string',
  dnsPolicy: 'string',
  enableServiceLinks: 'boolean',
  hostname: 'string',
  priorityClassName: 'string',
  runtimeClassName: 'string',
  nodeSelector: 'map',
  imagePullSecrets: blocks({ name: 'string' }),
  securityContext: block({
    runAsNonRoot: 'boolean',
    runAsUser: 'text',
    runAsGroup: 'text',
    fsGroup: 'text',
    fsGroupChangePolicy: 'string',
    supplementalGroups: 'numbers',
    seccompProfile,
  }),
  volumes: ['volume', blocks({
    name: 'string',
    emptyDir: block({ medium: 'string', sizeLimit: 'text' }),
    persistentVolumeClaim: block({ claimName: 'string', readOnly: 'boolean' }),
    secret: block({ secretName: 'string', defaultMode: 'octal', optional: 'boolean', items: keyToPath }),
    configMap: block({ name: 'string', defaultMode: 'octal', optional: 'boolean', items: keyToPath }),
  })],
};

/** The top-level fields of each typed kind (apiVersion and kind are implied by the resource type). */
const KIND_FIELDS: Readonly<Record<TypedResource, Fields>> = {
  kubernetes_namespace_v1: { metadata: block({ name: 'string', labels: 'map', annotations: 'map' }) },
  kubernetes_service_account_v1: { metadata, automountServiceAccountToken: 'boolean', imagePullSecrets: ['imagePullSecret', blocks({ name: 'string' })] },
  kubernetes_config_map_v1: { metadata, data: 'map', binaryData: 'map', immutable: 'boolean' },
  kubernetes_service_v1: {
    metadata,
    spec: block({
      type: 'string',
      selector: 'map',
      ports: ['port', blocks({ name: 'string', port: 'number', targetPort: 'text', protocol: 'string', nodePort: 'number', appProtocol: 'string' })],
      clusterIP: ['clusterIp', 'string'],
      sessionAffinity: 'string',
      externalTrafficPolicy: 'string',
      internalTrafficPolicy: 'string',
      publishNotReadyAddresses: 'boolean',
    }),
  },
  kubernetes_persistent_volume_claim_v1: {
    metadata,
    spec: block({
      accessModes: 'strings',
      storageClassName: 'string',
      volumeMode: 'string',
      volumeName: 'string',
      resources: block({ requests: 'quantities', limits: 'quantities' }),
      selector: labelSelector,
    }),
  },
  kubernetes_deployment_v1: {
    metadata,
    spec: block({
      replicas: 'text',
      revisionHistoryLimit: 'number',
      minReadySeconds: 'number',
      progressDeadlineSeconds: 'number',
      paused: 'boolean',
      selector: labelSelector,
      strategy: block({ type: 'string', rollingUpdate: block({ maxSurge: 'text', maxUnavailable: 'text' }) }),
      template: block({ metadata: block({ name: 'string', labels: 'map', annotations: 'map' }), spec: block(podSpec) }),
    }),
  },
};

/**
 * The props of the typed resource for `object`, in the provider's (camelCase) field names.
 * Throws a plain Error, a bug in this module, on any field the mapping does not cover.
 */
export function typedProps(resource: TypedResource, object: KubeObject): Record<string, unknown> {
  const { apiVersion: _apiVersion, kind: _kind, ...body } = object as unknown as Record<string, unknown>;
  return convertFields(body, KIND_FIELDS[resource], `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`, resource);
}

function convertFields(value: unknown, fields: Fields, path: string, resource: string): Record<string, unknown> {
  if (!isObject(value)) throw new Error(`${path}: expected an object for ${resource}, found ${JSON.stringify(value)}`);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const spec = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (spec === undefined) {
      throw new Error(`${path}.${key}: no mapping to ${resource} in lib/pipeline/emit/terraform/typed.ts; add the field (checked against the provider's types) or map the kind to kubernetes_manifest`);
    }
    const [name, shape] = typeof spec === 'object' && Array.isArray(spec) ? (spec as readonly [string, Shape]) : [key, spec as Shape];
    out[name] = convert(item, shape, `${path}.${key}`, resource);
  }
  return out;
}

function convert(value: unknown, shape: Shape, path: string, resource: string): unknown {
  const fail = (expected: string) => new Error(`${path}: expected ${expected} for ${resource}, found ${JSON.stringify(value)}`);
  if (typeof shape === 'object') {
    if (shape.nesting === 'blocks') {
      if (!Array.isArray(value)) throw fail('a list');
      return value.map((v, i) => convertFields(v, shape.fields, `${path}[${i}]`, resource));
    }
    const converted = convertFields(value, shape.fields, path, resource);
    return shape.nesting === 'blockList' ? [converted] : converted;
  }
  switch (shape) {
    case 'string':
    case 'number':
    case 'boolean':
      if (typeof value !== shape) throw fail(`a ${shape}`);
      return value;
    case 'text':
      if (typeof value !== 'string' && typeof value !== 'number') throw fail('a string or a number');
      return String(value);
    case 'octal':
      // The provider takes mode bits as an octal string, "0644" (validateModeBits parses base 8).
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) throw fail('mode bits 0..0777');
      return `0${value.toString(8).padStart(3, '0')}`;
    case 'map':
    case 'quantities':
      if (!isObject(value)) throw fail('a map');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => {
        if (typeof v === 'string') return [k, v];
        if (shape === 'quantities' && typeof v === 'number') return [k, String(v)];
        throw new Error(`${path}.${k}: expected a string for ${resource}, found ${JSON.stringify(v)}`);
      }));
    case 'strings':
    case 'numbers': {
      const type = shape === 'strings' ? 'string' : 'number';
      if (!Array.isArray(value) || value.some((v) => typeof v !== type)) throw fail(`a list of ${type}s`);
      return [...value];
    }
  }
}

/**
 * Scalars, empty objects and empty lists in `value`. The same count before (the Kubernetes
 * object without apiVersion and kind) and after (the resource's Terraform JSON without its
 * meta-arguments) means the conversion dropped nothing: cdktf ignores props it does not know,
 * so a wrong field name in the mapping would otherwise vanish without a trace.
 */
export function countLeaves(value: unknown): number {
  if (Array.isArray(value)) return value.length === 0 ? 1 : value.reduce<number>((n, v) => n + countLeaves(v), 0);
  if (isObject(value)) {
    const values = Object.values(value);
    return values.length === 0 ? 1 : values.reduce<number>((n, v) => n + countLeaves(v), 0);
  }
  return 1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
