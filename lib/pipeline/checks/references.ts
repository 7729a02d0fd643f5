import upstream from '../../../imports/UPSTREAM.json';
import { OPERATORS, secretStoreId, type Environment, type OperatorName, type SecretStoreKey } from '../../core/environment';
import type { Problem } from '../../core/errors';
import { secretKeyProblem } from '../../core/secret-source';
import { claimSpecsOf, storageClassProblems } from '../../core/volume-claim';
import type { RenderedApp } from './rendered';
import type { KubeObject } from './schema-validation';
import { formatObjectKey, list, objectId, objectKeyOf, record, type Json, type ObjectKey } from './objects';
import { podReadsOf } from './pod-reads';
import { ProducedIndex } from './producers';
import { groupKindOf, isGroupKind, KINDS, sameGroupKind } from '../../core/kinds';

/**
 * The environment's reference check: every object in `dist/<env>/` may point only at things the
 * environment emits or declares under `existing` in its environment.yaml. It runs over the
 * rendered objects of all apps of one environment, however they were built, because a reference
 * is only as good as what is at the other end: a Cluster naming an image catalog nobody
 * installed stops in PhaseImageCatalogError (cloudnative-pg api/v1 cluster_types.go), a pod
 * reading a Secret key nobody writes never starts (CreateContainerConfigError), an object of an
 * API group whose operator is absent is refused by the API server or ignored.
 *
 * Also here, because they span apps: the platform layer alone owns database servers where an
 * environment has one (reference deployment 3), and no two Clusters archive into one folder
 * (plugin-barman-cloud refuses to archive into a non-empty WAL archive).
 */

/** Which apps a check reports on, and how much of the environment it sees. */
export interface ReferenceScope {
  /**
   * Report the problems of these apps only; the other apps' objects count as what the environment
   * emits. A synth run narrowed by `--app` reports on the apps it builds.
   * @default every app given
   */
  readonly reportOn?: readonly string[];
  /**
   * Every app deployed to the environment is among those given. When false (a narrowed run that
   * could not read some other app's output), anything another app might emit is unknown, so only
   * what environment.yaml alone decides is checked: operators and StorageClasses.
   * @default true
   */
  readonly complete?: boolean;
}

/** Every reference problem among the rendered apps of `environment`. */
export function checkReferences(environment: Environment, apps: readonly RenderedApp[], scope: ReferenceScope = {}): Problem[] {
  const existing = environment.existing ?? {};
  const problems: Problem[] = [];
  const reported = scope.reportOn ? new Set(scope.reportOn) : undefined;
  const complete = scope.complete ?? true;
  // `byEnvironmentAlone`: the problem holds whatever the other apps emit (an operator or a
  // StorageClass is only ever declared), so it is reported even when some apps are unknown.
  const report = (app: { name: string }, problem: Problem, byEnvironmentAlone = false) => {
    if (reported && !reported.has(app.name)) return;
    if (!complete && !byEnvironmentAlone) return;
    problems.push(problem);
  };
  // The reported apps last, so that a conflict between two apps (one WAL archive folder) is
  // reported on the later one, which is then a reported one.
  const ordered = reported ? [...apps.filter((a) => !reported.has(a.app.name)), ...apps.filter((a) => reported.has(a.app.name))] : apps;
  const all = ordered.flatMap((a) => a.objects.map((object) => ({ object, app: a.app })));
  const where = (object: KubeObject, app: { name: string }, field: string) => `${objectId(object)} ${field} (app ${app.name}, environment ${environment.name})`;
  const declare = (key: string, value: string) => `add "${value}" to existing.${key} in ${environment.file}`;

  // Operators, and the release the library's objects are generated for.
  const operatorOf = (object: KubeObject): OperatorName | undefined => {
    if (isGroupKind(object, KINDS.Ingress) && record(object.spec).ingressClassName === 'tailscale') return 'tailscale';
    const group = groupKindOf(object).group;
    return (Object.keys(OPERATORS) as OperatorName[]).find((name) => (OPERATORS[name].groups as readonly string[]).includes(group));
  };
  const operatorReported = new Set<string>();
  for (const { object, app } of all) {
    const operator = operatorOf(object);
    if (!operator || operatorReported.has(operator) || (reported && !reported.has(app.name))) continue;
    const declared = existing.operators?.[operator];
    if (declared === undefined) {
      operatorReported.add(operator);
      report(app, {
        where: where(object, app, 'kind'),
        message: `needs the ${operator} operator (${OPERATORS[operator].upstream}), which ${environment.file} does not declare`,
        hint: `if the cluster runs it, add existing.operators.${operator}: "<release>" to ${environment.file}; otherwise install it first`,
      }, true);
      continue;
    }
    const pinned = pinnedRelease(object);
    if (pinned && olderMinor(declared, pinned)) {
      operatorReported.add(operator);
      report(app, {
        where: where(object, app, 'apiVersion'),
        message: `is generated from the ${pinned} CRDs, but ${environment.file} says the cluster runs ${operator} ${declared}: fields it does not know are pruned or refused`,
        hint: `upgrade ${operator} to ${pinned} or newer, then update existing.operators.${operator}`,
      }, true);
    }
  }

  // Namespaces: emitted by an app, or declared as someone else's.
  const namespaces = new Set([...all.filter(({ object }) => isGroupKind(object, KINDS.Namespace)).map(({ object }) => String(object.metadata.name)), ...(existing.namespaces ?? [])]);
  const namespaceReported = new Set<string>();
  for (const { object, app } of all) {
    const ns = object.metadata.namespace;
    if (typeof ns !== 'string' || namespaces.has(ns) || namespaceReported.has(ns) || (reported && !reported.has(app.name))) continue;
    namespaceReported.add(ns);
    report(app, {
      where: where(object, app, 'metadata.namespace'),
      message: `is in namespace "${ns}", which no app emits and ${environment.file} does not declare`,
      hint: `emit the Namespace in the app that owns it, or, if it exists and is not this repository's, add it to existing.namespaces in ${environment.file} (nothing declared there is labelled or pruned)`,
    });
  }

  // Secrets: who writes each (producers.ts), with which keys; what reads them (pod-reads.ts and
  // the operators' own references below).
  const produced = new ProducedIndex(all.map(({ object }) => object));
  const declaredSecrets = new Set(existing.secrets ?? []);
  const checkSecret = (object: KubeObject, app: { name: string }, field: string, secret: ObjectKey, key: string | undefined, optional: boolean) => {
    if (optional) return;
    const id = formatObjectKey(secret);
    const producer = produced.find(KINDS.Secret, secret) ?? (declaredSecrets.has(id) ? { by: `${environment.file} existing.secrets` } : undefined);
    if (!producer) {
      report(app, {
        where: where(object, app, field),
        message: `reads Secret ${id}, which nothing in environment ${environment.name} writes (no Secret, SealedSecret, ExternalSecret, database or Gateway certificate of that name)`,
        hint: `emit it (a SealedSecret or ExternalSecret), or, if another system writes it, ${declare('secrets', id)}`,
      });
    } else if (key !== undefined) {
      // The same check the constructs run on their ISecretSource (lib/core/secret-source.ts).
      const problem = secretKeyProblem(key, id, producer);
      if (problem) report(app, { where: where(object, app, field), ...problem });
    }
  };
  for (const { object, app } of all) {
    for (const read of podReadsOf(object)) {
      if (sameGroupKind(read.kind, KINDS.Secret)) checkSecret(object, app, read.path, read.target, read.key, read.optional);
    }
    for (const ref of operatorSecretReferences(object)) checkSecret(object, app, ref.field, { namespace: objectKeyOf(object).namespace, name: ref.name }, ref.key, false);
  }

  // External Secrets: the store, and what a Kubernetes-provider store reads in its remote namespace.
  // Keyed by the form environment.yaml declares stores in (secretStoreId), so emitted and declared compare.
  const stores = new Map<string, Json>();
  for (const { object } of all) {
    const { namespace, name } = objectKeyOf(object);
    if (isGroupKind(object, KINDS.SecretStore)) stores.set(secretStoreId({ kind: 'SecretStore', namespace, name }), record(object.spec));
    if (isGroupKind(object, KINDS.ClusterSecretStore)) stores.set(secretStoreId({ kind: 'ClusterSecretStore', name }), record(object.spec));
  }
  const declaredStores = new Set(existing.secretStores ?? []);
  for (const { object, app } of all) {
    if (!isGroupKind(object, KINDS.ExternalSecret)) continue;
    const spec = record(object.spec);
    const ref = record(spec.secretStoreRef);
    const storeKey: SecretStoreKey = ref.kind === 'ClusterSecretStore'
      ? { kind: 'ClusterSecretStore', name: String(ref.name) }
      : { kind: 'SecretStore', namespace: objectKeyOf(object).namespace, name: String(ref.name) };
    const id = secretStoreId(storeKey);
    const store = stores.get(id);
    if (!store && !declaredStores.has(id)) {
      report(app, {
        where: where(object, app, 'spec.secretStoreRef'),
        message: `reads from ${storeKey.kind} ${storeKey.kind === 'SecretStore' ? `${storeKey.namespace}/` : ''}${storeKey.name}, which no app emits and ${environment.file} does not declare`,
        hint: `emit the store, or, if the cluster has it, ${declare('secretStores', id)}`,
      });
      continue;
    }
    const remote = record(record(store?.provider).kubernetes).remoteNamespace;
    if (typeof remote !== 'string') continue;
    list(spec.data).forEach((item, i) => {
      const remoteRef = record(item.remoteRef);
      if (typeof remoteRef.key !== 'string') return;
      checkSecret(object, app, `spec.data[${i}].remoteRef`, { namespace: remote, name: remoteRef.key }, typeof remoteRef.property === 'string' ? remoteRef.property : undefined, false);
    });
  }

  // Services a route or an ingress sends traffic to.
  const services = new Set([...all.filter(({ object }) => isGroupKind(object, KINDS.Service)).map(({ object }) => `${object.metadata.namespace}/${object.metadata.name}`), ...(existing.services ?? [])]);
  for (const { object, app } of all) {
    for (const ref of serviceReferences(object)) {
      if (services.has(`${ref.namespace}/${ref.name}`)) continue;
      report(app, {
        where: where(object, app, ref.field),
        message: `sends traffic to Service ${ref.namespace}/${ref.name}, which no app emits and ${environment.file} does not declare`,
        hint: `if another system manages it, ${declare('services', `${ref.namespace}/${ref.name}`)}`,
      });
    }
  }

  // CloudNativePG: image catalogs, object stores, scheduled backups, one folder per archive.
  const archives = new Map<string, string>();
  for (const { object, app } of all) {
    const spec = record(object.spec);
    if (isGroupKind(object, KINDS.CnpgCluster)) {
      const catalog = record(spec.imageCatalogRef);
      if (typeof catalog.name === 'string') {
        const problem = catalogProblem(all.map((a) => a.object), existing.imageCatalogs ?? [], String(catalog.kind), catalog.name, String(object.metadata.namespace), Number(catalog.major));
        if (problem) report(app, { where: where(object, app, 'spec.imageCatalogRef'), message: problem, hint: `emit the catalog from the platform layer, pin the image (imageName) instead, or, if the cluster has it, declare it under existing.imageCatalogs in ${environment.file}` });
      }
      for (const plugin of list(spec.plugins)) {
        const params = record(plugin.parameters);
        if (typeof params.barmanObjectName !== 'string') continue;
        const store = all.find(({ object: o }) => isGroupKind(o, KINDS.BarmanObjectStore) && o.metadata.name === params.barmanObjectName && o.metadata.namespace === object.metadata.namespace);
        if (!store) {
          report(app, { where: where(object, app, 'spec.plugins'), message: `archives through ObjectStore ${params.barmanObjectName}, which no app emits in namespace ${object.metadata.namespace}`, hint: 'emit the ObjectStore in the Cluster\'s namespace (BarmanObjectStore)' });
          continue;
        }
        if (plugin.isWALArchiver !== true) continue;
        const folder = `${record(record(store.object.spec).configuration).destinationPath}/${typeof params.serverName === 'string' ? params.serverName : object.metadata.name}`;
        const earlier = archives.get(folder);
        if (earlier) {
          report(app, {
            where: where(object, app, 'spec.plugins'),
            message: `archives WAL into ${folder}, as ${earlier} does; the Barman Cloud plugin refuses to archive into a non-empty WAL archive, so one of them stops archiving and its pg_wal fills the volume`,
            hint: 'give the newer cluster its own backup.serverName (a new generation such as "<cluster>-2")',
          });
        } else {
          archives.set(folder, objectId(object));
        }
      }
    }
    if (isGroupKind(object, KINDS.CnpgScheduledBackup)) {
      const cluster = record(spec.cluster).name;
      if (!all.some(({ object: o }) => isGroupKind(o, KINDS.CnpgCluster) && o.metadata.name === cluster && o.metadata.namespace === object.metadata.namespace)) {
        report(app, { where: where(object, app, 'spec.cluster'), message: `backs up Cluster ${String(cluster)}, which no app emits in namespace ${object.metadata.namespace}` });
      }
    }
  }

  // Claims against what the environment's StorageClasses provide (existing.storageClasses).
  // The same check PersistentClaim runs (lib/core/volume-claim.ts); it needs environment.yaml alone.
  for (const { object, app } of all) {
    for (const claim of claimsOf(object, environment.storageClass)) {
      for (const problem of storageClassProblems(environment, claim)) report(app, { where: where(object, app, claim.field), ...problem }, true);
    }
  }

  // The layering rule: where an environment has a platform layer, it alone owns database servers.
  if (apps.some((a) => a.app.layer === 'platform')) {
    for (const { object, app } of all) {
      if ((app.layer ?? 'application') === 'application' && isGroupKind(object, KINDS.CnpgCluster)) {
        report(app, {
          where: where(object, app, 'kind'),
          message: `is a database server in application app ${app.name}, but environment ${environment.name} has a platform layer, which owns every database server`,
          hint: 'move the CnpgDatabase to the platform app and reach it with CnpgDatabase.fromDatabaseAttributes and DatabaseCredentials',
        }, true);
      }
    }
  }
  return problems;
}

/** A Secret an operator's object reads in its own namespace (pods' reads are in pod-reads.ts). */
interface OperatorSecretReference {
  readonly field: string;
  readonly name: string;
  readonly key: string;
}

/** The Secrets an operator's object reads: an ObjectStore's credentials and CA, a Cluster's external clusters' passwords and initdb secret. */
function operatorSecretReferences(object: KubeObject): OperatorSecretReference[] {
  const refs: OperatorSecretReference[] = [];
  if (isGroupKind(object, KINDS.BarmanObjectStore)) {
    const configuration = record(record(object.spec).configuration);
    // endpointCA: the CA bundle barman-cloud trusts for the endpoint (ObjectStore CRD, plugin-barman-cloud v0.14.0).
    const ca = record(configuration.endpointCA);
    if (typeof ca.name === 'string' && typeof ca.key === 'string') refs.push({ field: 'spec.configuration.endpointCA', name: ca.name, key: ca.key });
    for (const provider of ['s3Credentials', 'azureCredentials', 'googleCredentials']) {
      for (const [field, value] of Object.entries(record(configuration[provider]))) {
        const ref = record(value);
        if (typeof ref.name === 'string' && typeof ref.key === 'string') refs.push({ field: `spec.configuration.${provider}.${field}`, name: ref.name, key: ref.key });
      }
    }
  }
  if (isGroupKind(object, KINDS.CnpgCluster)) {
    list(record(object.spec).externalClusters).forEach((cluster, i) => {
      const password = record(cluster.password);
      if (typeof password.name === 'string') refs.push({ field: `spec.externalClusters[${i}].password`, name: password.name, key: String(password.key) });
    });
    const secret = record(record(record(record(object.spec).bootstrap).initdb).secret);
    if (typeof secret.name === 'string') refs.push({ field: 'spec.bootstrap.initdb.secret', name: secret.name, key: 'password' });
  }
  return refs;
}

/** The volumes an object claims: PersistentVolumeClaims, and a CNPG Cluster's data and WAL volumes (ReadWriteOnce each). */
function claimsOf(object: KubeObject, defaultClass: string | undefined): Array<{ field: string; storageClass?: string; accessModes: string[]; size?: string }> {
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.CnpgCluster)) {
    return (['storage', 'walStorage'] as const).filter((f) => spec[f] !== undefined).map((f) => {
      const volume = record(spec[f]);
      return { field: `spec.${f}`, storageClass: typeof volume.storageClass === 'string' ? volume.storageClass : defaultClass, accessModes: ['ReadWriteOnce'], size: typeof volume.size === 'string' ? volume.size : undefined };
    });
  }
  // A PVC's own spec and a StatefulSet's claim templates: the same list the volume-claim rule reads.
  return claimSpecsOf(object).map(({ field, spec: claim }) => {
    const storage = record(record(claim.resources).requests).storage;
    return {
      field,
      storageClass: typeof claim.storageClassName === 'string' && claim.storageClassName !== '' ? claim.storageClassName : defaultClass,
      accessModes: Array.isArray(claim.accessModes) ? claim.accessModes.map(String) : [],
      size: storage === undefined ? undefined : String(storage),
    };
  });
}

/** The Services an Ingress or HTTPRoute sends traffic to. */
function serviceReferences(object: KubeObject): Array<{ field: string; namespace: string; name: string }> {
  const ns = String(object.metadata.namespace ?? '');
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.Ingress)) {
    const backends = [record(spec.defaultBackend), ...list(spec.rules).flatMap((r) => list(record(r.http).paths).map((p) => record(p.backend)))];
    return backends.filter((b) => typeof record(b.service).name === 'string').map((b) => ({ field: 'spec backend', namespace: ns, name: String(record(b.service).name) }));
  }
  if (isGroupKind(object, KINDS.HTTPRoute)) {
    return list(spec.rules).flatMap((r) => list(r.backendRefs))
      .filter((b) => (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '')
      .map((b) => ({ field: 'spec.rules.backendRefs', namespace: typeof b.namespace === 'string' ? b.namespace : ns, name: String(b.name) }));
  }
  return [];
}

function catalogProblem(
  objects: readonly KubeObject[],
  declared: ReadonlyArray<{ kind: string; name: string; namespace?: string; majors: readonly number[] }>,
  kind: string,
  name: string,
  namespace: string,
  major: number,
): string | undefined {
  const emitted = objects.find((o) => isGroupKind(o, kind === 'ClusterImageCatalog' ? KINDS.ClusterImageCatalog : KINDS.ImageCatalog) && o.metadata.name === name && (kind === 'ClusterImageCatalog' || o.metadata.namespace === namespace));
  const majors = emitted
    ? list(record(emitted.spec).images).map((i) => Number(i.major))
    : declared.find((c) => c.kind === kind && c.name === name && (kind === 'ClusterImageCatalog' || c.namespace === namespace))?.majors;
  if (!majors) {
    return `takes its image from ${kind} ${name}, which no app emits and the environment does not declare; CloudNativePG's release manifests install no catalog, so the operator stops the Cluster in PhaseImageCatalogError`;
  }
  return majors.includes(major) ? undefined : `takes PostgreSQL ${major} from ${kind} ${name}, which has images for ${majors.join(', ')} only`;
}

/** The release of the CRDs the object's API group was imported from, e.g. "1.30.0" (imports/UPSTREAM.json). */
function pinnedRelease(object: KubeObject): string | undefined {
  const group = groupKindOf(object).group;
  const entry = upstream.find((u) => typeof u.kinds === 'object' && !Array.isArray(u.kinds) && object.kind in u.kinds && fileGroupMatches(u.file, group));
  return entry ? /v(\d+\.\d+\.\d+)/.exec(entry.upstream)?.[1] : undefined;
}

/** Whether an UPSTREAM.json file holds the CRDs of `group` (one operator's file each). */
function fileGroupMatches(file: string, group: string): boolean {
  const byFile: Record<string, string> = { cnpg: 'postgresql.cnpg.io', 'barman-cloud': 'barmancloud.cnpg.io', 'envoy-gateway': 'gateway.envoyproxy.io', 'sealed-secrets': 'bitnami.com', 'external-secrets': 'external-secrets.io', 'prometheus-operator': 'monitoring.coreos.com' };
  return Object.entries(byFile).some(([prefix, g]) => file.startsWith(prefix) && g === group);
}

/** Whether release `declared` is older than `pinned` in its major or minor number. */
function olderMinor(declared: string, pinned: string): boolean {
  const [a, b] = [declared, pinned].map((v) => v.replace(/^v/, '').split('.').map(Number));
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
