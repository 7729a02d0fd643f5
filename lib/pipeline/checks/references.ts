import upstream from '../../../imports/UPSTREAM.json';
import { OPERATORS, type Environment, type OperatorName } from '../../core/environment';
import type { Problem } from '../../core/errors';
import { secretKeyProblem } from '../../core/secret-source';
import { claimSpecsOf, storageClassProblems } from '../../core/volume-claim';
import type { RenderedApp } from './rendered';
import type { KubeObject } from './schema-validation';
import { containersOf, list, objectId, podTemplatesOf, record, type Json } from './objects';
import { groupKindOf, isGroupKind, KINDS } from '../../core/kinds';

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

/** What is known to write a Secret: its keys, or undefined when only the cluster knows them. */
export interface SecretProducer {
  readonly by: string;
  readonly keys?: readonly string[];
}

/** The keys CloudNativePG writes into `<cluster>-app` (docs/src/applications.md, "Secrets"). */
export const CNPG_APP_SECRET_KEYS = ['dbname', 'fqdn-jdbc-uri', 'fqdn-uri', 'host', 'jdbc-uri', 'password', 'pgpass', 'port', 'uri', 'user', 'username'] as const;

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

  // Secrets: who writes each, with which keys.
  const secrets = new Map<string, SecretProducer>();
  for (const entry of existing.secrets ?? []) secrets.set(entry, { by: `${environment.file} existing.secrets` });
  for (const { object } of all) for (const [key, producer] of secretsProducedBy(object)) secrets.set(key, producer);
  const checkSecret = (object: KubeObject, app: { name: string }, field: string, namespace: string, name: string, key: string | undefined, optional: boolean) => {
    if (optional) return;
    const producer = secrets.get(`${namespace}/${name}`);
    if (!producer) {
      report(app, {
        where: where(object, app, field),
        message: `reads Secret ${namespace}/${name}, which nothing in environment ${environment.name} writes (no SealedSecret, ExternalSecret, database or Gateway certificate of that name)`,
        hint: `emit it (a SealedSecret or ExternalSecret), or, if another system writes it, ${declare('secrets', `${namespace}/${name}`)}`,
      });
    } else if (key !== undefined) {
      // The same check the constructs run on their ISecretSource (lib/core/secret-source.ts).
      const problem = secretKeyProblem(key, `${namespace}/${name}`, producer);
      if (problem) report(app, { where: where(object, app, field), ...problem });
    }
  };
  for (const { object, app } of all) {
    const ns = String(object.metadata.namespace ?? '');
    for (const ref of secretReferences(object)) checkSecret(object, app, ref.field, ns, ref.name, ref.key, ref.optional);
  }

  // External Secrets: the store, and what a Kubernetes-provider store reads in its remote namespace.
  const stores = new Map<string, Json>();
  for (const { object } of all) {
    if (isGroupKind(object, KINDS.SecretStore)) stores.set(`SecretStore/${object.metadata.namespace}/${object.metadata.name}`, record(object.spec));
    if (isGroupKind(object, KINDS.ClusterSecretStore)) stores.set(`ClusterSecretStore/${object.metadata.name}`, record(object.spec));
  }
  const declaredStores = new Set(existing.secretStores ?? []);
  for (const { object, app } of all) {
    if (!isGroupKind(object, KINDS.ExternalSecret)) continue;
    const spec = record(object.spec);
    const ref = record(spec.secretStoreRef);
    const kind = ref.kind === 'ClusterSecretStore' ? 'ClusterSecretStore' : 'SecretStore';
    const id = kind === 'ClusterSecretStore' ? `ClusterSecretStore/${ref.name}` : `SecretStore/${object.metadata.namespace}/${ref.name}`;
    const store = stores.get(id);
    if (!store && !declaredStores.has(id)) {
      report(app, {
        where: where(object, app, 'spec.secretStoreRef'),
        message: `reads from ${id.replace(/\//, ' ')}, which no app emits and ${environment.file} does not declare`,
        hint: `emit the store, or, if the cluster has it, ${declare('secretStores', id)}`,
      });
      continue;
    }
    const remote = record(record(store?.provider).kubernetes).remoteNamespace;
    if (typeof remote !== 'string') continue;
    list(spec.data).forEach((item, i) => {
      const remoteRef = record(item.remoteRef);
      if (typeof remoteRef.key !== 'string') return;
      checkSecret(object, app, `spec.data[${i}].remoteRef`, remote, remoteRef.key, typeof remoteRef.property === 'string' ? remoteRef.property : undefined, false);
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
          hint: 'move the CnpgDatabase to the platform app and reach it with CnpgDatabase.connectionFor and DatabaseCredentials',
        }, true);
      }
    }
  }
  return problems;
}

/** The Secrets `object` makes appear in the cluster, by "namespace/name". */
export function secretsProducedBy(object: KubeObject): Array<[string, SecretProducer]> {
  const ns = String(object.metadata.namespace ?? '');
  const name = String(object.metadata.name);
  const spec = record(object.spec);
  if (isGroupKind(object, KINDS.SealedSecret)) {
    const template = record(spec.template);
    const target = typeof record(template.metadata).name === 'string' ? String(record(template.metadata).name) : name;
    return [[`${ns}/${target}`, { by: `SealedSecret ${ns}/${name}`, keys: [...Object.keys(record(spec.encryptedData)), ...Object.keys(record(template.data))].sort() }]];
  }
  if (isGroupKind(object, KINDS.ExternalSecret)) {
    const target = typeof record(spec.target).name === 'string' ? String(record(spec.target).name) : name;
    const templated = Object.keys(record(record(record(spec.target).template).data));
    // dataFrom extracts whatever the remote entry holds: keys known only in the cluster.
    const keys = list(spec.dataFrom).length > 0 ? undefined : [...list(spec.data).map((d) => String(d.secretKey)), ...templated].sort();
    return [[`${ns}/${target}`, { by: `ExternalSecret ${ns}/${name}`, keys }]];
  }
  if (isGroupKind(object, KINDS.CnpgCluster)) {
    const by = `Cluster ${ns}/${name}`;
    const ownSecret = typeof record(record(record(spec.bootstrap).initdb).secret).name === 'string';
    return [
      ...(ownSecret ? [] : [[`${ns}/${name}-app`, { by, keys: [...CNPG_APP_SECRET_KEYS] }] as [string, SecretProducer]]),
      [`${ns}/${name}-ca`, { by }],
      [`${ns}/${name}-server`, { by }],
      [`${ns}/${name}-replication`, { by }],
      ...(spec.enableSuperuserAccess === true ? [[`${ns}/${name}-superuser`, { by }] as [string, SecretProducer]] : []),
    ];
  }
  if (isGroupKind(object, KINDS.Gateway)) {
    // cert-manager's gateway-shim issues a Certificate per listener certificateRef when the
    // Gateway carries an issuer annotation (cert-manager docs, usage/gateway).
    const annotations = record(object.metadata.annotations);
    if (!('cert-manager.io/cluster-issuer' in annotations || 'cert-manager.io/issuer' in annotations)) return [];
    return list(spec.listeners).flatMap((l) => list(record(l.tls).certificateRefs))
      .map((ref) => [`${typeof ref.namespace === 'string' ? ref.namespace : ns}/${String(ref.name)}`, { by: `cert-manager, for Gateway ${ns}/${name}`, keys: ['ca.crt', 'tls.crt', 'tls.key'] }]);
  }
  if (isGroupKind(object, KINDS.Certificate)) {
    return [[`${ns}/${String(spec.secretName)}`, { by: `Certificate ${ns}/${name}`, keys: ['ca.crt', 'tls.crt', 'tls.key'] }]];
  }
  return [];
}

interface SecretReference {
  readonly field: string;
  readonly name: string;
  readonly key?: string;
  readonly optional: boolean;
}

/** The Secrets an object reads in its own namespace: pods' env, envFrom and volumes; stores' credentials. */
function secretReferences(object: KubeObject): SecretReference[] {
  const refs: SecretReference[] = [];
  for (const template of podTemplatesOf(object)) {
    for (const { container, field, name } of containersOf(template.spec)) {
      const at = `${template.path}.${field}[${name}]`;
      for (const env of list(container.env)) {
        const ref = record(record(env.valueFrom).secretKeyRef);
        if (typeof ref.name === 'string') refs.push({ field: `${at}.env[${String(env.name)}]`, name: ref.name, key: String(ref.key), optional: ref.optional === true });
      }
      for (const from of list(container.envFrom)) {
        const ref = record(from.secretRef);
        if (typeof ref.name === 'string') refs.push({ field: `${at}.envFrom`, name: ref.name, optional: ref.optional === true });
      }
    }
    for (const volume of list(template.spec.volumes)) {
      const secret = record(volume.secret);
      if (typeof secret.secretName === 'string') {
        const items = list(secret.items);
        if (items.length === 0) refs.push({ field: `${template.path}.volumes[${String(volume.name)}]`, name: secret.secretName, optional: secret.optional === true });
        for (const item of items) refs.push({ field: `${template.path}.volumes[${String(volume.name)}]`, name: secret.secretName, key: String(item.key), optional: secret.optional === true });
      }
    }
  }
  if (isGroupKind(object, KINDS.BarmanObjectStore)) {
    const configuration = record(record(object.spec).configuration);
    // endpointCA: the CA bundle barman-cloud trusts for the endpoint (ObjectStore CRD, plugin-barman-cloud v0.14.0).
    const ca = record(configuration.endpointCA);
    if (typeof ca.name === 'string' && typeof ca.key === 'string') refs.push({ field: 'spec.configuration.endpointCA', name: ca.name, key: ca.key, optional: false });
    for (const provider of ['s3Credentials', 'azureCredentials', 'googleCredentials']) {
      for (const [field, value] of Object.entries(record(configuration[provider]))) {
        const ref = record(value);
        if (typeof ref.name === 'string' && typeof ref.key === 'string') refs.push({ field: `spec.configuration.${provider}.${field}`, name: ref.name, key: ref.key, optional: false });
      }
    }
  }
  if (isGroupKind(object, KINDS.CnpgCluster)) {
    list(record(object.spec).externalClusters).forEach((cluster, i) => {
      const password = record(cluster.password);
      if (typeof password.name === 'string') refs.push({ field: `spec.externalClusters[${i}].password`, name: password.name, key: String(password.key), optional: false });
    });
    const secret = record(record(record(record(object.spec).bootstrap).initdb).secret);
    if (typeof secret.name === 'string') refs.push({ field: 'spec.bootstrap.initdb.secret', name: secret.name, key: 'password', optional: false });
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
