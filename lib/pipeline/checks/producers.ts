import type { KubeObject } from './schema-validation';
import { containersOf, formatObjectKey, list, objectKeyId, objectKeyOf, podTemplatesOf, record, type Json, type ObjectKey } from './objects';
import { isGroupKind, KINDS, REPLICATED_KINDS, sameGroupKind, type GroupKind } from '../../core/kinds';

/**
 * What the environment produces: the Secrets, ConfigMaps, claims and ServiceAccounts that exist in
 * the cluster once `dist/` is applied, each with the object of `dist/` behind it. The one model of
 * "who writes what", read by the reference check, the sync order, the review's restart notes and
 * the image contract, as `pod-reads.ts` is the one model of what pods read. A table,
 * `PRODUCERS`: a new producer (an operator that writes a Secret) is one row.
 */

/** The keys CloudNativePG writes into `<cluster>-app` (docs/src/applications.md, "Secrets"). */
export const CNPG_APP_SECRET_KEYS = ['dbname', 'fqdn-jdbc-uri', 'fqdn-uri', 'host', 'jdbc-uri', 'password', 'pgpass', 'port', 'uri', 'user', 'username'] as const;

/** The keys cert-manager writes into a certificate's Secret (cert-manager docs, "Certificate resources"). */
const CERTIFICATE_KEYS = ['ca.crt', 'tls.crt', 'tls.key'];

/** One object a producer makes appear. */
interface ProducedName {
  /** Its name. */
  readonly name: string;
  /** Its namespace, where it is not the producer's. */
  readonly namespace?: string;
  /** Its data keys, where they are known at synth. */
  readonly keys?: readonly string[];
}

/** A row of the table: a kind of `dist/` that makes objects of another kind appear. */
export interface Producer {
  /** The kind of the object in `dist/`. */
  readonly producer: GroupKind;
  /** The kind of what appears in the cluster. */
  readonly produces: GroupKind;
  /** Who writes it after the sync (`the sealed-secrets controller`); absent when ArgoCD applies the object as it is. */
  readonly writtenBy?: string;
  /** The producer's fields that hold what the produced object contains, for the review; absent when the content is not in `dist/`. */
  readonly content?: readonly string[];
  /** What the object of `dist/` makes appear. */
  readonly produce: (object: KubeObject, spec: Json, name: string) => readonly ProducedName[];
}

/** One object that exists in the cluster once `dist/` is applied. */
export interface Produced {
  /** Its kind. */
  readonly kind: GroupKind;
  /** Its namespace and name. */
  readonly key: ObjectKey;
  /** Its data keys, where known at synth; undefined when only the cluster knows them. */
  readonly keys?: readonly string[];
  /** The object of `dist/` behind it. */
  readonly source: KubeObject;
  /** Who writes it, for messages: `SealedSecret demo/web`, `cert-manager, for Gateway demo/web`. */
  readonly by: string;
  /** The table row. */
  readonly producer: Producer;
}

const keysOf = (...maps: unknown[]) => maps.flatMap((m) => Object.keys(record(m))).sort();
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
/** A producer of itself, with its data keys where it has any. */
const itself = (keys?: (object: KubeObject) => readonly string[]) => (object: KubeObject, _spec: Json, name: string): ProducedName[] => [{ name, ...(keys ? { keys: keys(object) } : {}) }];

/** The table of what produces what. */
export const PRODUCERS: readonly Producer[] = [
  // Objects applied as they are.
  { producer: KINDS.Secret, produces: KINDS.Secret, content: ['data', 'stringData'], produce: itself((o) => keysOf(o.data, o.stringData)) },
  { producer: KINDS.ConfigMap, produces: KINDS.ConfigMap, content: ['data', 'binaryData'], produce: itself((o) => keysOf(o.data, o.binaryData)) },
  { producer: KINDS.PersistentVolumeClaim, produces: KINDS.PersistentVolumeClaim, produce: itself() },
  { producer: KINDS.ServiceAccount, produces: KINDS.ServiceAccount, produce: itself() },
  // A StatefulSet's claim templates become `<template>-<statefulset>-<ordinal>` per replica,
  // ordinals from spec.ordinals.start (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage).
  {
    producer: KINDS.StatefulSet, produces: KINDS.PersistentVolumeClaim, writtenBy: 'the StatefulSet controller',
    produce: (_o, spec, name) => {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const start = typeof record(spec.ordinals).start === 'number' ? Number(record(spec.ordinals).start) : 0;
      return list(spec.volumeClaimTemplates).flatMap((t) => Array.from({ length: replicas }, (_, i) => ({ name: `${String(record(t.metadata).name)}-${name}-${start + i}` })));
    },
  },
  // The sealed-secrets controller unseals into a Secret (bitnami-labs/sealed-secrets, README "SealedSecrets as templates for secrets").
  {
    producer: KINDS.SealedSecret, produces: KINDS.Secret, writtenBy: 'the sealed-secrets controller', content: ['spec'],
    produce: (_o, spec, name) => {
      const template = record(spec.template);
      return [{ name: text(record(template.metadata).name) ?? name, keys: keysOf(spec.encryptedData, template.data) }];
    },
  },
  // The External Secrets Operator writes spec.target.name, by default the ExternalSecret's name
  // (external-secrets docs, api/externalsecret); dataFrom extracts whatever the remote entry holds,
  // keys known only in the cluster.
  {
    producer: KINDS.ExternalSecret, produces: KINDS.Secret, writtenBy: 'the External Secrets Operator', content: ['spec'],
    produce: (_o, spec, name) => {
      const target = record(spec.target);
      const keys = list(spec.dataFrom).length > 0 ? undefined : [...list(spec.data).map((d) => String(d.secretKey)), ...Object.keys(record(record(target.template).data))].sort();
      return [{ name: text(target.name) ?? name, ...(keys ? { keys } : {}) }];
    },
  },
  // CloudNativePG writes the app user's Secret unless bootstrap.initdb.secret names one, the CA,
  // server and replication certificates, and the superuser's where enabled (docs/src/applications.md,
  // docs/src/certificates.md).
  {
    producer: KINDS.CnpgCluster, produces: KINDS.Secret, writtenBy: 'the CloudNativePG operator',
    produce: (_o, spec, name) => [
      ...(text(record(record(record(spec.bootstrap).initdb).secret).name) ? [] : [{ name: `${name}-app`, keys: [...CNPG_APP_SECRET_KEYS] }]),
      { name: `${name}-ca` },
      { name: `${name}-server` },
      { name: `${name}-replication` },
      ...(spec.enableSuperuserAccess === true ? [{ name: `${name}-superuser` }] : []),
    ],
  },
  // cert-manager's gateway-shim issues a Certificate per listener certificateRef when the Gateway
  // carries an issuer annotation (cert-manager docs, usage/gateway).
  {
    producer: KINDS.Gateway, produces: KINDS.Secret, writtenBy: 'cert-manager',
    produce: (object, spec) => {
      const annotations = record(object.metadata.annotations);
      if (!('cert-manager.io/cluster-issuer' in annotations || 'cert-manager.io/issuer' in annotations)) return [];
      return list(spec.listeners).flatMap((l) => list(record(l.tls).certificateRefs))
        .map((ref) => ({ name: String(ref.name), ...(text(ref.namespace) ? { namespace: text(ref.namespace) } : {}), keys: CERTIFICATE_KEYS }));
    },
  },
  { producer: KINDS.Certificate, produces: KINDS.Secret, writtenBy: 'cert-manager', produce: (_o, spec) => [{ name: String(spec.secretName), keys: CERTIFICATE_KEYS }] },
];

/** Everything `object` makes appear in the cluster (itself included, for the kinds applied as they are). */
export function producedBy(object: KubeObject): Produced[] {
  const own = objectKeyOf(object);
  const spec = record(object.spec);
  return PRODUCERS.filter((p) => isGroupKind(object, p.producer)).flatMap((producer) => producer.produce(object, spec, own.name).map((n): Produced => {
    const key = { namespace: n.namespace ?? own.namespace, name: n.name };
    const by = isGroupKind(object, KINDS.Gateway) ? `cert-manager, for Gateway ${formatObjectKey(own)}` : `${String(object.kind)} ${formatObjectKey(own)}`;
    return { kind: producer.produces, key, ...(n.keys ? { keys: n.keys } : {}), source: object, by, producer };
  }));
}

/** What a set of objects produces, by kind, namespace and name. */
export class ProducedIndex {
  private readonly byKey = new Map<string, Produced[]>();
  private readonly stores = new Map<string, Json>();
  private readonly podsByNamespace = new Map<string, ProducedPods[]>();

  /** @param objects the rendered objects whose products are indexed */
  constructor(objects: Iterable<KubeObject> = []) {
    for (const object of objects) {
      for (const produced of producedBy(object)) this.add(produced);
      for (const pods of podsProducedBy(object)) {
        const same = this.podsByNamespace.get(pods.namespace);
        if (same) same.push(pods);
        else this.podsByNamespace.set(pods.namespace, [pods]);
      }
      if (isGroupKind(object, KINDS.SecretStore)) this.stores.set(objectKeyId(KINDS.SecretStore, objectKeyOf(object)), record(object.spec));
      if (isGroupKind(object, KINDS.ClusterSecretStore)) this.stores.set(objectKeyId(KINDS.ClusterSecretStore, { namespace: '', name: objectKeyOf(object).name }), record(object.spec));
    }
  }

  /** Adds one product; a later one of the same key wins in `find`. */
  add(produced: Produced): void {
    const id = objectKeyId(produced.kind, produced.key);
    this.byKey.set(id, [...(this.byKey.get(id) ?? []), produced]);
  }

  /** Who produces the object of `kind` at `key`: the last one added, or undefined. */
  find(kind: GroupKind, key: ObjectKey): Produced | undefined {
    return this.byKey.get(objectKeyId(kind, key))?.at(-1);
  }

  /**
   * Where the content of a produced object comes from: through an ExternalSecret that copies one
   * Secret out of another namespace with a Kubernetes-provider store of these objects (the
   * provider reads `remoteRef.key` in the store's `remoteNamespace`, by default "default":
   * external-secrets apis/externalsecrets/v1 secretstore_kubernetes_types.go), the producer of
   * that Secret, followed as far as the objects say; else the producer itself.
   */
  origin(kind: GroupKind, key: ObjectKey): Produced | undefined {
    let current = this.find(kind, key);
    const seen = new Set<Produced>();
    while (current && isGroupKind(current.source, KINDS.ExternalSecret) && !seen.has(current)) {
      seen.add(current);
      const copied = this.copiedSecret(current.source);
      const next = copied && this.find(KINDS.Secret, copied);
      if (!next) break;
      current = next;
    }
    return current;
  }

  /** The one Secret an ExternalSecret copies through a Kubernetes-provider store, if that is what it does. */
  private copiedSecret(externalSecret: KubeObject): ObjectKey | undefined {
    const spec = record(externalSecret.spec);
    const ref = record(spec.secretStoreRef);
    const cluster = ref.kind === 'ClusterSecretStore';
    const store = this.stores.get(cluster
      ? objectKeyId(KINDS.ClusterSecretStore, { namespace: '', name: String(ref.name) })
      : objectKeyId(KINDS.SecretStore, { namespace: objectKeyOf(externalSecret).namespace, name: String(ref.name) }));
    const kubernetes = store && record(store.provider).kubernetes;
    if (kubernetes === undefined) return undefined;
    const remoteKeys = new Set([...list(spec.data).map((d) => record(d.remoteRef).key), ...list(spec.dataFrom).map((d) => record(d.extract).key)]);
    const [name] = remoteKeys;
    if (remoteKeys.size !== 1 || typeof name !== 'string') return undefined;
    return { namespace: text(record(kubernetes).remoteNamespace) ?? 'default', name };
  }

  /** The pods the objects make run in `namespace`, in the order of the objects. */
  pods(namespace: string): readonly ProducedPods[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }

  /** Every product of `kind` in `namespace`, for the names that exist when a reference names none of them. */
  namesIn(kind: GroupKind, namespace: string): string[] {
    const names = new Set<string>();
    for (const products of this.byKey.values()) {
      const [p] = products;
      if (sameGroupKind(p.kind, kind) && p.key.namespace === namespace) names.add(p.key.name);
    }
    return [...names].sort();
  }

  /** Every producer of the object of `kind` at `key`, in the order added. */
  all(kind: GroupKind, key: ObjectKey): readonly Produced[] {
    return this.byKey.get(objectKeyId(kind, key)) ?? [];
  }
}

/** A port a pod's container listens on. */
export interface PodPort {
  /** The port's name (`containers[].ports[].name`), where it has one. */
  readonly name?: string;
  /** The number. */
  readonly containerPort: number;
}

/** Pods that run in the cluster once `dist/` is applied: their labels and ports, with the object behind them. */
export interface ProducedPods {
  /** Their namespace. */
  readonly namespace: string;
  /** Their labels, as a selector sees them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The ports their containers declare. */
  readonly ports: readonly PodPort[];
  /** How many run, where the object says (spec.replicas of a replicated workload); undefined when an autoscaler, a node count or an operator decides. */
  readonly replicas?: number;
  /** The object of `dist/` that makes them run. */
  readonly source: KubeObject;
}

const portsOf = (containers: readonly Json[]): PodPort[] => containers.flatMap((c) => list(c.ports))
  .filter((p) => typeof p.containerPort === 'number')
  .map((p) => ({ ...(text(p.name) ? { name: text(p.name) } : {}), containerPort: Number(p.containerPort) }));

/**
 * The pods an object makes run: a pod template's, with its labels and container ports; a
 * CloudNativePG Cluster's instances, labelled `cnpg.io/cluster`, `cnpg.io/podRole: instance` and
 * `cnpg.io/instanceRole` (and the older `role`) primary or replica (cloudnative-pg
 * docs/src/labels_annotations.md), with the ports the operator gives them: postgresql 5432,
 * metrics 9187, status 8000 (cloudnative-pg pkg/specs/pods.go).
 */
export function podsProducedBy(object: KubeObject): ProducedPods[] {
  const namespace = objectKeyOf(object).namespace;
  if (isGroupKind(object, KINDS.CnpgCluster)) {
    const cluster = objectKeyOf(object).name;
    const ports = [{ name: 'postgresql', containerPort: 5432 }, { name: 'metrics', containerPort: 9187 }, { name: 'status', containerPort: 8000 }];
    return ['primary', 'replica'].map((role) => ({
      namespace, ports, source: object,
      labels: { 'cnpg.io/cluster': cluster, 'cnpg.io/podRole': 'instance', 'cnpg.io/instanceRole': role, role },
    }));
  }
  const replicas = record(object.spec).replicas;
  return podTemplatesOf(object).map((template) => ({
    namespace,
    ...(REPLICATED_KINDS.has(object) && typeof replicas === 'number' ? { replicas } : {}),
    labels: Object.fromEntries(Object.entries(record(template.metadata.labels)).map(([k, v]) => [k, String(v)])),
    ports: portsOf(containersOf(template.spec, ['initContainers', 'containers']).map((c) => c.container)),
    source: object,
  }));
}

/** A ProducedIndex to read, not to add to. */
export type ProducedLookup = Omit<ProducedIndex, 'add'>;

const SHARED = new WeakMap<readonly KubeObject[], ProducedIndex>();

/**
 * The ProducedIndex of one app's rendered objects (`RuleContext.objects.all`), built once per list
 * and shared by the rules that read it (image-contract, sync-order), hence read-only.
 */
export function producedIndexOf(objects: readonly KubeObject[]): ProducedLookup {
  let index = SHARED.get(objects);
  if (index === undefined) SHARED.set(objects, (index = new ProducedIndex(objects)));
  return index;
}
