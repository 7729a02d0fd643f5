import type { KubeObject } from './schema-validation';
import { annotationsOf, containersOf, list, objectKeyOf, podTemplatesOf, record, type Json, type ObjectKey } from './objects';
import { podReadsOf, POD_READ_FIELDS, type PodRead, type PodReadField } from './pod-reads';
import { apiGroupOf, groupKindKey, groupKindOf, inScope, isGroupKind, KINDS, POD_TEMPLATE_KINDS, type GroupKind, type KindScope } from '../../core/kinds';

/**
 * The one model of the references in Kubernetes objects: which field of which kind names what,
 * in which namespace, and who resolves it. A table, `REFERENCE_FIELDS`, as `POD_READ_FIELDS` is
 * for what a pod reads (its rows are the first rows of this table, one each) and `PRODUCERS` for
 * what the environment produces; the reference check (`references.ts`) resolves every reference
 * it finds against one index of the rendered objects, and docs/security.md lists the table
 * (`npm run docs:rules`). A new reference is one row.
 */

/** Who looks the named object up, and so where a missing one shows. */
export type ReferenceResolver = PodReadField['resolvedBy'] | 'endpoints controller' | 'Gateway controller' | 'External Secrets Operator' | 'cert-manager' | 'CloudNativePG' | 'Prometheus operator' | 'network plugin';

/**
 * What a reference points at.
 * - `object`: an object of one of `kinds` at `key` (and, where given, its data key, its port, its listener).
 * - `pods`: the pods (or Services) a label selector selects in `namespaces`, and a named port on them.
 * - `container-port`: a port of the container itself, by name.
 * - `dns-egress`: the cluster's DNS resolver, which pods isolated for egress must still reach.
 */
export type ReferenceTarget =
  | {
    readonly to: 'object';
    /** The kind named; one entry unless the field's kind is not known (never empty). */
    readonly kind: GroupKind;
    readonly key: ObjectKey;
    /** A data key of a Secret or ConfigMap. */
    readonly dataKey?: string;
    /** `optional: true`: the reader starts without it. */
    readonly optional?: boolean;
    /** A port of a Service (name or number) or of a Gateway listener (number). */
    readonly port?: string | number;
    /** A Gateway listener's name (parentRefs[].sectionName). */
    readonly section?: string;
    /** The kind field names a kind its resolver does not accept: what it says, and what is allowed. */
    readonly badKind?: { readonly given: string; readonly allowed: readonly string[] };
  }
  | {
    readonly to: 'pods';
    /** The namespaces searched. */
    readonly namespaces: readonly string[];
    /** A label selector (`matchLabels`, `matchExpressions`). */
    readonly selector: Json;
    /** Pods, or Services (a ServiceMonitor's selector). */
    readonly of: 'pods' | 'services';
    /** A port, by name, that the selected pods' containers (or Services) must declare. */
    readonly port?: string;
    /** A disruption budget over the selected pods, which must allow some disruption. */
    readonly budget?: { readonly minAvailable?: number | string; readonly maxUnavailable?: number | string };
  }
  | { readonly to: 'container-port'; readonly port: string; readonly container: string; readonly ports: readonly string[] }
  | { readonly to: 'dns-egress'; readonly namespace: string; readonly selector: Json };

/** One reference in one object. */
export interface Reference {
  /** The field path in the object, e.g. `spec.template.spec.containers[0].livenessProbe.httpGet.port`. */
  readonly path: string;
  /** What it points at. */
  readonly target: ReferenceTarget;
}

/** A row of the table: a field of some kinds that names something. */
export interface ReferenceField {
  /** The row's name, for the docs and tests. */
  readonly id: string;
  /** The kinds whose objects carry the field. */
  readonly from: KindScope;
  /** The field, as documentation names it. */
  readonly field: string;
  /** What it names. */
  readonly names: string;
  /** In which namespace what it names is looked up. */
  readonly namespace: string;
  /** Who resolves the name. */
  readonly resolvedBy: ReferenceResolver;
  /** What happens when it resolves to nothing, and the upstream source that says so. */
  readonly whenMissing: string;
  /** The references at this field of `object` (of a kind in `from`); pod reads are found by the walker. */
  readonly find: (object: KubeObject) => readonly Reference[];
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const ns = (object: KubeObject): string => objectKeyOf(object).namespace;
const hasSelector = (selector: Json): boolean => Object.keys(record(selector.matchLabels)).length > 0 || list(selector.matchExpressions).length > 0;

/** The rows of what a pod reads (pod-reads.ts), one per POD_READ_FIELDS row: the walker finds them. */
const POD_READ_ROWS: ReadonlyMap<PodReadField, ReferenceField> = new Map(POD_READ_FIELDS.map((field) => [field, {
  id: `pod ${field.field}`,
  from: [POD_TEMPLATE_KINDS],
  field: `<pod spec>.${field.scope === 'container' ? 'containers[].' : ''}${field.field}`,
  names: `${groupKindKey(field.reads)}${/Key|items|projected/.test(field.field) || field.scope === 'volume' ? ' (and the keys it names)' : ''}`,
  namespace: 'the pod\'s',
  resolvedBy: field.resolvedBy,
  whenMissing: field.whenMissing,
  find: () => [],
}]));

/** The probes of every kind, and the handlers that name a port. */
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;

/** Named ports of the probes of each container (a number names nothing). */
function probePorts(object: KubeObject): Reference[] {
  return podTemplatesOf(object).flatMap((template) => containersOf(template.spec).flatMap((c) => {
    const ports = list(c.container.ports).map((p) => text(p.name)).filter((n): n is string => n !== undefined);
    return PROBES.flatMap((probe) => (['httpGet', 'tcpSocket'] as const).flatMap((handler) => {
      const port = record(record(c.container[probe])[handler]).port;
      return typeof port === 'string'
        ? [{ path: `${template.path}.${c.field}[${c.index}].${probe}.${handler}.port`, target: { to: 'container-port' as const, port, container: c.label, ports } }]
        : [];
    }));
  }));
}

/** A NetworkPolicy peer's pods, where the objects can say which: the policy's namespace, or namespaces named by kubernetes.io/metadata.name. */
function peerNamespaces(peer: Json, own: string): string[] | undefined {
  if (peer.namespaceSelector === undefined) return [own];
  const selector = record(peer.namespaceSelector);
  const name = text(record(selector.matchLabels)['kubernetes.io/metadata.name']);
  return name !== undefined && Object.keys(record(selector.matchLabels)).length === 1 && list(selector.matchExpressions).length === 0 ? [name] : undefined;
}

/** A monitor's namespaces: namespaceSelector.matchNames, by default its own (prometheus-operator NamespaceSelector). */
function monitoredNamespaces(spec: Json, own: string): string[] {
  const names = record(spec.namespaceSelector).matchNames;
  return Array.isArray(names) ? names.map(String) : [own];
}

/** `group/version` → group, defaulting as the field's API does when absent. */
const groupOf = (value: unknown, fallback: string): string => (typeof value === 'string' ? apiGroupOf(value) : fallback);

/** An External Secrets store reference: kind SecretStore (the default) or ClusterSecretStore (external-secrets apis/externalsecrets/v1 SecretStoreRef). */
function storeRef(ref: Json, namespace: string, path: string): Reference[] {
  const name = text(ref.name);
  if (name === undefined) return [];
  const kind = ref.kind === undefined ? 'SecretStore' : String(ref.kind);
  const allowed = ['SecretStore', 'ClusterSecretStore'];
  const cluster = kind === 'ClusterSecretStore';
  return [{
    path,
    target: {
      to: 'object', kind: cluster ? KINDS.ClusterSecretStore : KINDS.SecretStore, key: { namespace: cluster ? '' : namespace, name },
      ...(allowed.includes(kind) ? {} : { badKind: { given: kind, allowed } }),
    },
  }];
}

/** A cert-manager issuer reference: kind Issuer (the default, in the namespace) or ClusterIssuer; another group is an external issuer, not resolved here. */
function issuerRef(name: string | undefined, kind: unknown, group: unknown, namespace: string, path: string): Reference[] {
  if (name === undefined || (group !== undefined && group !== 'cert-manager.io')) return [];
  const given = kind === undefined ? 'Issuer' : String(kind);
  const cluster = given === 'ClusterIssuer';
  return [{
    path,
    target: {
      to: 'object', kind: cluster ? KINDS.ClusterIssuer : KINDS.Issuer, key: { namespace: cluster ? '' : namespace, name },
      ...(['Issuer', 'ClusterIssuer'].includes(given) ? {} : { badKind: { given, allowed: ['Issuer', 'ClusterIssuer'] } }),
    },
  }];
}

/** The backends of an Ingress: the default backend and every path's. */
function ingressBackends(spec: Json): Array<{ backend: Json; path: string }> {
  return [
    ...(spec.defaultBackend === undefined ? [] : [{ backend: record(spec.defaultBackend), path: 'spec.defaultBackend.service' }]),
    ...list(spec.rules).flatMap((r, i) => list(record(r.http).paths).map((p, j) => ({ backend: record(p.backend), path: `spec.rules[${i}].http.paths[${j}].backend.service` }))),
  ];
}

const ENDPOINTS = 'kubernetes pkg/controller/endpointslice (endpointslice controller)';
const NETPOL = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/';

/**
 * The table of references, after the rows of what a pod reads. Order is the order of the docs.
 */
export const REFERENCE_FIELDS: readonly ReferenceField[] = [
  ...POD_READ_ROWS.values(),
  {
    id: 'probe port',
    from: [POD_TEMPLATE_KINDS], field: '<pod spec>.containers[].{liveness,readiness,startup}Probe.{httpGet,tcpSocket}.port (a name)',
    names: 'a port of the same container, by name', namespace: 'the container', resolvedBy: 'kubelet',
    whenMissing: 'the kubelet cannot resolve the port, so the probe fails: a liveness or startup probe restarts the container forever, a readiness probe keeps it out of its Services (kubernetes pkg/kubelet/prober/prober.go, "couldn\'t find port")',
    find: probePorts,
  },
  {
    id: 'pod priorityClassName',
    from: [POD_TEMPLATE_KINDS], field: '<pod spec>.priorityClassName', names: 'scheduling.k8s.io/PriorityClass', namespace: 'none (cluster-scoped)', resolvedBy: 'admission',
    whenMissing: 'the Priority admission plugin refuses the pod ("no PriorityClass with name ... was found"; kubernetes plugin/pkg/admission/priority/admission.go), so its controller creates none (FailedCreate)',
    find: (o) => podTemplatesOf(o).flatMap((t) => {
      const name = text(t.spec.priorityClassName);
      return name === undefined ? [] : [{ path: `${t.path}.priorityClassName`, target: { to: 'object' as const, kind: KINDS.PriorityClass, key: { namespace: '', name } } }];
    }),
  },
  {
    id: 'Service selector',
    from: [KINDS.Service], field: 'spec.selector', names: 'pods', namespace: 'the Service\'s', resolvedBy: 'endpoints controller',
    whenMissing: `the Service has no endpoints: every connection to it is refused (${ENDPOINTS})`,
    find: (o) => {
      const selector = record(record(o.spec).selector);
      return Object.keys(selector).length === 0 ? [] : [{ path: 'spec.selector', target: { to: 'pods', namespaces: [ns(o)], selector: { matchLabels: selector }, of: 'pods' } }];
    },
  },
  {
    id: 'Service targetPort',
    from: [KINDS.Service], field: 'spec.ports[].targetPort (a name)', names: 'a container port of the selected pods, by name', namespace: 'the Service\'s', resolvedBy: 'endpoints controller',
    whenMissing: `a pod without a container port of that name is left out of the Service's endpoints (${ENDPOINTS}, FindPort)`,
    find: (o) => {
      const spec = record(o.spec);
      const selector = record(spec.selector);
      if (Object.keys(selector).length === 0) return [];
      return list(spec.ports).flatMap((p, i) => (typeof p.targetPort === 'string'
        ? [{ path: `spec.ports[${i}].targetPort`, target: { to: 'pods' as const, namespaces: [ns(o)], selector: { matchLabels: selector }, of: 'pods' as const, port: p.targetPort } }]
        : []));
    },
  },
  {
    id: 'PodDisruptionBudget selector',
    from: [KINDS.PodDisruptionBudget], field: 'spec.selector, spec.minAvailable, spec.maxUnavailable', names: 'pods, and how many of them run', namespace: 'the budget\'s', resolvedBy: 'controller',
    whenMissing: 'the budget protects no pod: a drain evicts the pods it was written for all at once; and a budget whose minAvailable is all the pods, or whose maxUnavailable is 0, allows no eviction, so every node drain waits forever (https://kubernetes.io/docs/tasks/run-application/configure-pdb/)',
    find: (o) => {
      const spec = record(o.spec);
      const budget = {
        ...(typeof spec.minAvailable === 'number' || typeof spec.minAvailable === 'string' ? { minAvailable: spec.minAvailable } : {}),
        ...(typeof spec.maxUnavailable === 'number' || typeof spec.maxUnavailable === 'string' ? { maxUnavailable: spec.maxUnavailable } : {}),
      };
      return [{ path: 'spec.selector', target: { to: 'pods', namespaces: [ns(o)], selector: record(spec.selector), of: 'pods', budget } }];
    },
  },
  {
    id: 'NetworkPolicy podSelector',
    from: [KINDS.NetworkPolicy], field: 'spec.podSelector (not empty)', names: 'pods', namespace: 'the policy\'s', resolvedBy: 'network plugin',
    whenMissing: `the policy isolates no pod: the pods it was written for accept and send any traffic (${NETPOL})`,
    find: (o) => {
      const selector = record(record(o.spec).podSelector);
      return hasSelector(selector) ? [{ path: 'spec.podSelector', target: { to: 'pods', namespaces: [ns(o)], selector, of: 'pods' } }] : [];
    },
  },
  {
    id: 'NetworkPolicy peer',
    from: [KINDS.NetworkPolicy], field: 'spec.{ingress[].from,egress[].to}[].podSelector', names: 'pods',
    namespace: 'the policy\'s, or the one namespaceSelector names by kubernetes.io/metadata.name (other namespace selectors are not resolved)', resolvedBy: 'network plugin',
    whenMissing: `the rule allows traffic from or to no pod: the traffic it was written for is denied (${NETPOL})`,
    find: (o) => {
      const spec = record(o.spec);
      const peers = [
        ...list(spec.ingress).flatMap((r, i) => list(r.from).map((p, j) => ({ peer: p, path: `spec.ingress[${i}].from[${j}].podSelector` }))),
        ...list(spec.egress).flatMap((r, i) => list(r.to).map((p, j) => ({ peer: p, path: `spec.egress[${i}].to[${j}].podSelector` }))),
      ];
      return peers.flatMap(({ peer, path }) => {
        const selector = record(peer.podSelector);
        const namespaces = peerNamespaces(peer, ns(o));
        return hasSelector(selector) && namespaces ? [{ path, target: { to: 'pods' as const, namespaces, selector, of: 'pods' as const } }] : [];
      });
    },
  },
  {
    id: 'NetworkPolicy egress DNS',
    from: [KINDS.NetworkPolicy], field: 'spec.policyTypes: [Egress]', names: 'the cluster\'s DNS resolver (port 53)', namespace: 'kube-system',
    resolvedBy: 'network plugin',
    whenMissing: `every name lookup of the isolated pods times out, so they reach nothing by name (${NETPOL}); close it deliberately with the annotation ${'references.platform.internal/dns-egress: closed'}`,
    find: (o) => {
      const spec = record(o.spec);
      if (!(Array.isArray(spec.policyTypes) ? spec.policyTypes.includes('Egress') : spec.egress !== undefined)) return [];
      if (annotationsOf(o)[DNS_EGRESS_ANNOTATION] === 'closed') return [];
      return [{ path: 'spec.policyTypes', target: { to: 'dns-egress', namespace: ns(o), selector: record(spec.podSelector) } }];
    },
  },
  {
    id: 'PodMonitor selector',
    from: [KINDS.PodMonitor], field: 'spec.selector, spec.namespaceSelector.matchNames, spec.podMetricsEndpoints[].port',
    names: 'pods, and their metrics port by name', namespace: 'the PodMonitor\'s, or namespaceSelector.matchNames', resolvedBy: 'Prometheus operator',
    whenMissing: 'Prometheus scrapes nothing and the alerts on those metrics never fire (prometheus-operator Documentation/api-reference, PodMonitorSpec)',
    find: (o) => {
      const spec = record(o.spec);
      if (record(spec.namespaceSelector).any === true) return [];
      const namespaces = monitoredNamespaces(spec, ns(o));
      const selector = record(spec.selector);
      const ports = list(spec.podMetricsEndpoints).map((e) => text(e.port));
      return [
        { path: 'spec.selector', target: { to: 'pods' as const, namespaces, selector, of: 'pods' as const } },
        ...ports.flatMap((port, i) => (port === undefined ? [] : [{ path: `spec.podMetricsEndpoints[${i}].port`, target: { to: 'pods' as const, namespaces, selector, of: 'pods' as const, port } }])),
      ];
    },
  },
  {
    id: 'ServiceMonitor selector',
    from: [KINDS.ServiceMonitor], field: 'spec.selector, spec.namespaceSelector.matchNames, spec.endpoints[].port',
    names: 'Services, and their port by name', namespace: 'the ServiceMonitor\'s, or namespaceSelector.matchNames', resolvedBy: 'Prometheus operator',
    whenMissing: 'Prometheus scrapes nothing and the alerts on those metrics never fire (prometheus-operator Documentation/api-reference, ServiceMonitorSpec)',
    find: (o) => {
      const spec = record(o.spec);
      if (record(spec.namespaceSelector).any === true) return [];
      const namespaces = monitoredNamespaces(spec, ns(o));
      const selector = record(spec.selector);
      return [
        { path: 'spec.selector', target: { to: 'pods' as const, namespaces, selector, of: 'services' as const } },
        ...list(spec.endpoints).flatMap((e, i) => (text(e.port) === undefined ? [] : [{ path: `spec.endpoints[${i}].port`, target: { to: 'pods' as const, namespaces, selector, of: 'services' as const, port: String(e.port) } }])),
      ];
    },
  },
  {
    id: 'HorizontalPodAutoscaler target',
    from: [KINDS.HorizontalPodAutoscaler], field: 'spec.scaleTargetRef (apiVersion, kind, name)', names: 'the object it scales, of the kind and API group given',
    namespace: 'the autoscaler\'s', resolvedBy: 'controller',
    whenMissing: 'the autoscaler reports FailedGetScale and scales nothing (kubernetes pkg/controller/podautoscaler/horizontal.go)',
    find: (o) => {
      const ref = record(record(o.spec).scaleTargetRef);
      const name = text(ref.name);
      return name === undefined ? [] : [{ path: 'spec.scaleTargetRef', target: { to: 'object', kind: { group: groupOf(ref.apiVersion, ''), kind: String(ref.kind) }, key: { namespace: ns(o), name } } }];
    },
  },
  {
    id: 'Ingress backend',
    from: [KINDS.Ingress], field: 'spec.{defaultBackend,rules[].http.paths[].backend}.service (name, port.name or port.number)', names: 'a Service, and its port',
    namespace: 'the Ingress\'s', resolvedBy: 'controller',
    whenMissing: 'the ingress controller has no backend for the route and answers 503 (https://kubernetes.io/docs/concepts/services-networking/ingress/)',
    find: (o) => ingressBackends(record(o.spec)).flatMap(({ backend, path }) => {
      const service = record(backend.service);
      const name = text(service.name);
      if (name === undefined) return [];
      const port = record(service.port);
      const p = text(port.name) ?? (typeof port.number === 'number' ? port.number : undefined);
      return [{ path, target: { to: 'object' as const, kind: KINDS.Service, key: { namespace: ns(o), name }, ...(p === undefined ? {} : { port: p }) } }];
    }),
  },
  {
    id: 'route parentRefs',
    from: [KINDS.HTTPRoute], field: 'spec.parentRefs[] (kind Gateway; namespace, sectionName, port)', names: 'a Gateway, and its listener by name or port',
    namespace: 'parentRefs[].namespace, by default the route\'s', resolvedBy: 'Gateway controller',
    whenMissing: 'no Gateway accepts the route (Accepted=False, NoMatchingParent) and it serves nothing (gateway-api apis/v1 shared_types.go, ParentReference)',
    find: (o) => list(record(o.spec).parentRefs).flatMap((p, i) => {
      if ((p.kind ?? 'Gateway') !== 'Gateway' || (p.group ?? 'gateway.networking.k8s.io') !== 'gateway.networking.k8s.io' || text(p.name) === undefined) return [];
      return [{
        path: `spec.parentRefs[${i}]`,
        target: {
          to: 'object' as const, kind: KINDS.Gateway, key: { namespace: text(p.namespace) ?? ns(o), name: String(p.name) },
          ...(text(p.sectionName) ? { section: String(p.sectionName) } : {}), ...(typeof p.port === 'number' ? { port: p.port } : {}),
        },
      }];
    }),
  },
  {
    id: 'route backendRefs',
    from: [KINDS.HTTPRoute], field: 'spec.rules[].backendRefs[] (kind Service; namespace, port)', names: 'a Service, and its port',
    namespace: 'backendRefs[].namespace, by default the route\'s', resolvedBy: 'Gateway controller',
    whenMissing: 'the Gateway controller sets ResolvedRefs=False (BackendNotFound) and answers 500 for the rule (gateway-api apis/v1 httproute_types.go, BackendRef)',
    find: (o) => list(record(o.spec).rules).flatMap((rule, i) => list(rule.backendRefs).flatMap((b, j) => {
      if ((b.kind ?? 'Service') !== 'Service' || (b.group ?? '') !== '' || text(b.name) === undefined) return [];
      return [{
        path: `spec.rules[${i}].backendRefs[${j}]`,
        target: { to: 'object' as const, kind: KINDS.Service, key: { namespace: text(b.namespace) ?? ns(o), name: String(b.name) }, ...(typeof b.port === 'number' ? { port: b.port } : {}) },
      }];
    })),
  },
  {
    id: 'ExternalSecret store',
    from: [KINDS.ExternalSecret], field: 'spec.secretStoreRef (name and kind)', names: 'a SecretStore (the default kind) or a ClusterSecretStore',
    namespace: 'the ExternalSecret\'s for a SecretStore; none for a ClusterSecretStore', resolvedBy: 'External Secrets Operator',
    whenMissing: 'the operator reports SecretSyncedError and writes no Secret, so whatever reads it never starts (external-secrets apis/externalsecrets/v1 externalsecret_types.go, SecretStoreRef)',
    find: (o) => storeRef(record(record(o.spec).secretStoreRef), ns(o), 'spec.secretStoreRef'),
  },
  {
    id: 'Certificate issuer',
    from: [KINDS.Certificate], field: 'spec.issuerRef (name, kind, group)', names: 'an Issuer (the default kind) or a ClusterIssuer of group cert-manager.io',
    namespace: 'the Certificate\'s for an Issuer; none for a ClusterIssuer', resolvedBy: 'cert-manager',
    whenMissing: 'cert-manager never issues the certificate (IssuerNotFound) and its Secret is never written (cert-manager docs, concepts/issuer)',
    find: (o) => {
      const ref = record(record(o.spec).issuerRef);
      return issuerRef(text(ref.name), ref.kind, ref.group, ns(o), 'spec.issuerRef');
    },
  },
  {
    id: 'issuer annotation',
    from: [KINDS.Gateway, KINDS.Ingress], field: 'metadata.annotations cert-manager.io/issuer, cert-manager.io/cluster-issuer', names: 'an Issuer, or a ClusterIssuer',
    namespace: 'the object\'s for an Issuer; none for a ClusterIssuer', resolvedBy: 'cert-manager',
    whenMissing: 'cert-manager\'s ingress or gateway shim creates a Certificate that is never issued: the listener serves no certificate (cert-manager docs, usage/ingress and usage/gateway)',
    find: (o) => {
      const annotations = annotationsOf(o);
      return [
        ...issuerRef(text(annotations['cert-manager.io/issuer']), 'Issuer', undefined, ns(o), 'metadata.annotations.cert-manager.io/issuer'),
        ...issuerRef(text(annotations['cert-manager.io/cluster-issuer']), 'ClusterIssuer', undefined, ns(o), 'metadata.annotations.cert-manager.io/cluster-issuer'),
      ];
    },
  },
  {
    id: 'RoleBinding roleRef',
    from: [KINDS.RoleBinding], field: 'roleRef (kind Role)', names: 'a Role', namespace: 'the binding\'s', resolvedBy: 'admission',
    whenMissing: 'the binding grants nothing: the subjects\' requests are refused with 403 Forbidden (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding)',
    find: (o) => {
      const ref = record(o.roleRef);
      return ref.kind === 'Role' && text(ref.name) ? [{ path: 'roleRef', target: { to: 'object', kind: KINDS.Role, key: { namespace: ns(o), name: String(ref.name) } } }] : [];
    },
  },
  {
    id: 'binding subjects',
    from: [KINDS.RoleBinding, KINDS.ClusterRoleBinding], field: 'subjects[] (kind ServiceAccount)', names: 'a ServiceAccount', namespace: 'subjects[].namespace', resolvedBy: 'admission',
    whenMissing: 'the binding grants its permissions to no running pod: the pods meant to use them are refused with 403 Forbidden (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects)',
    find: (o) => list(o.subjects).flatMap((subject, i) => (subject.kind === 'ServiceAccount' && text(subject.name)
      ? [{ path: `subjects[${i}]`, target: { to: 'object' as const, kind: KINDS.ServiceAccount, key: { namespace: text(subject.namespace) ?? ns(o), name: String(subject.name) } } }]
      : [])),
  },
  {
    id: 'CloudNativePG Secrets',
    from: [KINDS.BarmanObjectStore, KINDS.CnpgCluster],
    field: 'ObjectStore spec.configuration.{endpointCA,s3Credentials.*,azureCredentials.*,googleCredentials.*}; Cluster spec.externalClusters[].password, spec.bootstrap.initdb.secret',
    names: 'Secret and key', namespace: 'the object\'s', resolvedBy: 'CloudNativePG',
    whenMissing: 'the operator cannot archive, back up or bootstrap the database (cloudnative-pg docs/src/backup.md, bootstrap.md)',
    find: (o) => operatorSecretReferences(o).map((r) => ({ path: r.field, target: { to: 'object' as const, kind: KINDS.Secret, key: { namespace: ns(o), name: r.name }, dataKey: r.key } })),
  },
  {
    id: 'ScheduledBackup cluster',
    from: [KINDS.CnpgScheduledBackup], field: 'spec.cluster.name', names: 'a CloudNativePG Cluster', namespace: 'the backup\'s', resolvedBy: 'CloudNativePG',
    whenMissing: 'no backup is ever taken (cloudnative-pg docs/src/backup.md, "Scheduled backups")',
    find: (o) => {
      const name = text(record(record(o.spec).cluster).name);
      return name === undefined ? [] : [{ path: 'spec.cluster', target: { to: 'object', kind: KINDS.CnpgCluster, key: { namespace: ns(o), name } } }];
    },
  },
  {
    id: 'Cluster image catalog',
    from: [KINDS.CnpgCluster], field: 'spec.imageCatalogRef (kind, name, major)', names: 'an ImageCatalog or a ClusterImageCatalog with an image for the major',
    namespace: 'the Cluster\'s for an ImageCatalog; none for a ClusterImageCatalog', resolvedBy: 'CloudNativePG',
    whenMissing: 'CloudNativePG\'s release manifests install no catalog, so the operator stops the Cluster in PhaseImageCatalogError (cloudnative-pg api/v1 cluster_types.go)',
    find: (o) => {
      const ref = record(record(o.spec).imageCatalogRef);
      const name = text(ref.name);
      if (name === undefined) return [];
      const cluster = ref.kind === 'ClusterImageCatalog';
      return [{ path: 'spec.imageCatalogRef', target: { to: 'object', kind: cluster ? KINDS.ClusterImageCatalog : KINDS.ImageCatalog, key: { namespace: cluster ? '' : ns(o), name } } }];
    },
  },
  {
    id: 'Cluster object store',
    from: [KINDS.CnpgCluster], field: 'spec.plugins[].parameters.barmanObjectName', names: 'a Barman Cloud ObjectStore', namespace: 'the Cluster\'s', resolvedBy: 'CloudNativePG',
    whenMissing: 'the Barman Cloud plugin archives no WAL and takes no backup (plugin-barman-cloud docs, usage)',
    find: (o) => list(record(o.spec).plugins).flatMap((p, i) => {
      const name = text(record(p.parameters).barmanObjectName);
      return name === undefined ? [] : [{ path: `spec.plugins[${i}].parameters.barmanObjectName`, target: { to: 'object' as const, kind: KINDS.BarmanObjectStore, key: { namespace: ns(o), name } } }];
    }),
  },
];

/** The annotation that closes DNS egress of a NetworkPolicy's pods deliberately: `closed`. */
export const DNS_EGRESS_ANNOTATION = 'references.platform.internal/dns-egress';

/** One reference with the row that found it. */
export interface FoundReference extends Reference {
  readonly row: ReferenceField;
}

/**
 * Every reference in `object`, in the order of the table: what its pods read (the walker), then the
 * other rows of its kind. `reads` is `podReadsOf(object)`, for a caller that has it already.
 */
export function referencesOf(object: KubeObject, rows: readonly ReferenceField[] = REFERENCE_FIELDS, reads: readonly PodRead[] = podReadsOf(object)): readonly FoundReference[] {
  if (rows !== REFERENCE_FIELDS || reads !== podReadsOf(object)) return findReferences(object, rows, reads);
  let found = REFERENCES.get(object);
  if (found === undefined) REFERENCES.set(object, (found = findReferences(object, rows, reads)));
  return found;
}

/** referencesOf's answer with the whole table, by object (asked by the reference check and the sync order; see podReadsOf). */
const REFERENCES = new WeakMap<KubeObject, readonly FoundReference[]>();

function findReferences(object: KubeObject, rows: readonly ReferenceField[], reads: readonly PodRead[]): FoundReference[] {
  const found: FoundReference[] = [];
  for (const read of reads) {
    const row = POD_READ_ROWS.get(read.field);
    if (!row || !rows.includes(row)) continue;
    found.push({
      path: read.path, row,
      target: { to: 'object', kind: read.kind, key: read.target, optional: read.optional, ...(read.key === undefined ? {} : { dataKey: read.key }) },
    });
  }
  const table = rows === REFERENCE_FIELDS ? tableRowsOf(object) : rows.filter((row) => !POD_READ_ROWS_SET.has(row) && inScope(object, row.from));
  for (const row of table) {
    for (const ref of row.find(object)) found.push({ ...ref, row });
  }
  return found;
}

/**
 * The rows of REFERENCE_FIELDS other than the pod reads whose kinds include `object`'s, in table
 * order: a row's scope depends on the object's API group and kind only, so this is worked out once
 * per kind instead of testing every row's scope against every object.
 */
function tableRowsOf(object: KubeObject): readonly ReferenceField[] {
  const key = groupKindKey(groupKindOf(object));
  let rows = ROWS_BY_KIND.get(key);
  if (!rows) ROWS_BY_KIND.set(key, (rows = REFERENCE_FIELDS.filter((row) => !POD_READ_ROWS_SET.has(row) && inScope(object, row.from))));
  return rows;
}
const ROWS_BY_KIND = new Map<string, readonly ReferenceField[]>();
const POD_READ_ROWS_SET: ReadonlySet<ReferenceField> = new Set(POD_READ_ROWS.values());

/** A Secret an operator's object reads in its own namespace (pods' reads are in pod-reads.ts). */
interface OperatorSecretReference {
  readonly field: string;
  readonly name: string;
  readonly key: string;
}

/** The Secrets an operator's object reads: an ObjectStore's credentials and CA, a Cluster's external clusters' passwords and initdb secret. */
function operatorSecretReferences(object: KubeObject): OperatorSecretReference[] {
  const refs: OperatorSecretReference[] = [];
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.BarmanObjectStore)) {
    const configuration = record(spec.configuration);
    // endpointCA: the CA bundle barman-cloud trusts for the endpoint (ObjectStore CRD, plugin-barman-cloud v0.14.0).
    const ca = record(configuration.endpointCA);
    if (typeof ca.name === 'string' && typeof ca.key === 'string') refs.push({ field: 'spec.configuration.endpointCA', name: ca.name, key: ca.key });
    for (const provider of ['s3Credentials', 'azureCredentials', 'googleCredentials']) {
      for (const [field, value] of Object.entries(record(configuration[provider]))) {
        const ref = record(value);
        if (typeof ref.name === 'string' && typeof ref.key === 'string') refs.push({ field: `spec.configuration.${provider}.${field}`, name: ref.name, key: ref.key });
      }
    }
  } else {
    list(spec.externalClusters).forEach((cluster, i) => {
      const password = record(cluster.password);
      if (typeof password.name === 'string') refs.push({ field: `spec.externalClusters[${i}].password`, name: password.name, key: String(password.key) });
    });
    const secret = record(record(record(spec.bootstrap).initdb).secret);
    if (typeof secret.name === 'string') refs.push({ field: 'spec.bootstrap.initdb.secret', name: secret.name, key: 'password' });
  }
  return refs;
}

/** Whether a label selector (`matchLabels`, `matchExpressions`) selects `labels` (apimachinery pkg/apis/meta/v1 LabelSelector). */
export function selects(selector: Json, labels: Readonly<Record<string, string>>): boolean {
  const matchLabels = Object.entries(record(selector.matchLabels)).every(([k, v]) => labels[k] === String(v));
  return matchLabels && list(selector.matchExpressions).every((e) => {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    switch (e.operator) {
      case 'In': return key in labels && values.includes(labels[key]);
      case 'NotIn': return !(key in labels) || !values.includes(labels[key]);
      case 'Exists': return key in labels;
      case 'DoesNotExist': return !(key in labels);
      default: return false;
    }
  });
}
