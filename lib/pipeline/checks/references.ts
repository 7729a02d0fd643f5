import upstream from '../../../imports/UPSTREAM.json';
import { closest } from 'fastest-levenshtein';
import { OPERATORS, parseSecretStoreId, secretStoreId, type Environment, type OperatorName } from '../../core/environment';
import type { Problem } from '../../core/errors';
import { secretKeyProblem } from '../../core/secret-source';
import { claimSpecsOf, storageClassProblems } from '../../core/volume-claim';
import { objectFileNames, type RenderedApp } from './rendered';
import type { KubeObject } from './schema-validation';
import { formatObjectKey, list, objectId, objectKeyId, objectKeyOf, record, type Json, type ObjectKey } from './objects';
import { DNS_EGRESS_ANNOTATION, referencesOf, selects, type FoundReference } from './reference-model';
import { ProducedIndex } from './producers';
import { deliveryEngineOf } from '../../core/delivery';
import { missingPrerequisites } from './operator-prerequisites';
import { CLUSTER_SCOPED_KINDS, groupKindKey, groupKindOf, isGroupKind, KINDS, sameGroupKind, type GroupKind } from '../../core/kinds';

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
  // Each object with the file it is written to (`<env>/<app>/<file>` under the output directory).
  const files = new Map<KubeObject, string>();
  for (const a of apps) objectFileNames(a.objects).forEach((file, i) => files.set(a.objects[i], `${environment.name}/${a.app.name}/${file}`));
  const where = (object: KubeObject, app: { name: string }, field: string) => `${files.get(object) ?? `${environment.name}/${app.name}`} ${objectId(object)} ${field} (app ${app.name}, environment ${environment.name})`;
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

  // Operators need operators: each declared operator's own prerequisites (operator-prerequisites.ts).
  // Reported once per environment, on the first app reported, as it holds whatever the apps emit.
  const firstApp = ordered.find((a) => !reported || reported.has(a.app.name))?.app;
  if (firstApp) {
    for (const row of missingPrerequisites(new Set(Object.keys(existing.operators ?? {})))) {
      report(firstApp, {
        where: `${environment.file} existing.operators.${row.operator}`,
        message: `declares ${row.operator}, which needs the ${row.requires} operator (${row.source}): ${row.because}; ${environment.file} does not declare ${row.requires}`,
        hint: `if the cluster runs ${row.requires}, add existing.operators.${row.requires}: "<release>" to ${environment.file}; otherwise install it before ${row.operator}`,
      }, true);
    }
  }

  // Monitors and alert rules carry the labels the environment's Prometheus selects them by
  // (kube-prometheus-stack: release: <name>, prometheus-community/helm-charts
  // charts/kube-prometheus-stack/templates/prometheus/prometheus.yaml): one it does not select is
  // never scraped or evaluated, and nothing says so.
  const selectorLabels = environment.prometheus?.selectorLabels;
  const monitorReported = new Set<string>();
  for (const { object, app } of all) {
    if (!PROMETHEUS_SELECTED_KINDS.some((kind) => isGroupKind(object, kind)) || monitorReported.has(app.name)) continue;
    const labels = record(object.metadata.labels);
    if (selectorLabels === undefined) {
      monitorReported.add(app.name);
      report(app, {
        where: where(object, app, 'metadata.labels'),
        message: `is a ${object.kind}, but ${environment.file} does not say which labels the cluster's Prometheus selects ${object.kind}s by, so nothing shows it will be scraped or evaluated`,
        hint: `declare prometheus: { selectorLabels: { ... } } in ${environment.file} (kube-prometheus-stack selects release: <its release name> by default; {} when it selects every one: kubectl get prometheus -A -o yaml, spec.podMonitorSelector and spec.ruleSelector)`,
      }, true);
      continue;
    }
    const missing = Object.entries(selectorLabels).filter(([key, value]) => labels[key] !== value);
    if (missing.length > 0) {
      monitorReported.add(app.name);
      report(app, {
        where: where(object, app, 'metadata.labels'),
        message: `lacks ${missing.map(([k, v]) => `${k}: ${v}`).join(', ')}, which the cluster's Prometheus selects ${object.kind}s by (${environment.file} prometheus.selectorLabels): it would never be ${isGroupKind(object, KINDS.PrometheusRule) ? 'evaluated' : 'scraped'}`,
        hint: 'add the labels to the object (CnpgDatabase adds them itself)',
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

  // One index of the rendered objects of every app, and of what they produce, serves every
  // lookup below. Two apps emitting one object (group, kind, namespace, name) fight over it:
  // ArgoCD marks it SharedResourceWarning and each sync of one app overwrites the other's
  // (argo-cd docs/user-guide/app_deletion.md, "SharedResourceWarning"; controller/sync.go); under
  // Flux each Kustomization applies it, and each prunes what leaves its own inventory
  // (fluxcd/kustomize-controller v1.4.0 docs/spec/v1/kustomizations.md, "Prune", "Inventory").
  const emitted = new Map<string, { object: KubeObject; app: { name: string } }>();
  for (const entry of all) {
    const { object, app } = entry;
    const key = objectKeyOf(object);
    const id = objectKeyId(groupKindOf(object), key);
    const earlier = emitted.get(id);
    // A namespaced object without a namespace deploys into its Application's destination, which
    // may differ between the two apps: only objects whose namespace the output states can clash.
    const clashes = key.namespace !== '' || CLUSTER_SCOPED_KINDS.has(object);
    if (earlier && clashes && earlier.app.name !== app.name) {
      report(app, {
        where: where(object, app, 'metadata.name'),
        message: `is emitted by app ${earlier.app.name} and by app ${app.name}: ${deliveryEngineOf(environment) === 'flux'
          ? 'each app\'s Kustomization overwrites the other\'s, and the first to drop it prunes it from under the other'
          : 'ArgoCD marks it SharedResourceWarning and each app\'s sync overwrites the other\'s'}`,
        hint: `emit it from the one app that owns it (${earlier.app.name} or ${app.name}) and only reference it from the other`,
      });
    }
    if (!earlier) emitted.set(id, entry);
  }
  const produced = new ProducedIndex(all.map(({ object }) => object));
  const foreignNamespaces = new Set(existing.namespaces ?? []);
  const declaredSecrets = new Set(existing.secrets ?? []);
  // The names of a kind in a namespace, for the hint of a reference that resolved to nothing: a
  // scan of the index, on the error path only.
  const namesOfKind = (kind: GroupKind, namespace: string): string[] => {
    const names = new Set(produced.namesIn(kind, namespace));
    for (const { object } of emitted.values()) if (isGroupKind(object, kind) && objectKeyOf(object).namespace === namespace) names.add(objectKeyOf(object).name);
    for (const id of declaredIds(kind, namespace)) names.add(id);
    return [...names].sort();
  };
  /** The names that exist, and the closest to `name`, for a hint. */
  const existingNames = (kind: GroupKind, namespace: string, name: string): string => {
    const names = namesOfKind(kind, namespace);
    const place = namespace === '' ? '' : ` in namespace ${namespace}`;
    if (names.length === 0) return `no ${kind.kind} exists${place}`;
    return `did you mean "${closest(name, names)}"? The ${kind.kind}s${place}: ${names.join(', ')}`;
  };
  /** What environment.yaml declares of a kind in a namespace (names). */
  function declaredIds(kind: GroupKind, namespace: string): string[] {
    const inNamespace = (ids: readonly string[]) => ids.filter((id) => id.startsWith(`${namespace}/`)).map((id) => id.slice(namespace.length + 1));
    if (sameGroupKind(kind, KINDS.Secret)) return inNamespace(existing.secrets ?? []);
    if (sameGroupKind(kind, KINDS.Service)) return inNamespace(existing.services ?? []);
    if (sameGroupKind(kind, KINDS.SecretStore) || sameGroupKind(kind, KINDS.ClusterSecretStore)) {
      return (existing.secretStores ?? []).map(parseSecretStoreId).filter((k) => k.kind === kind.kind && (k.kind === 'ClusterSecretStore' || k.namespace === namespace)).map((k) => k.name);
    }
    if (sameGroupKind(kind, KINDS.ImageCatalog) || sameGroupKind(kind, KINDS.ClusterImageCatalog)) {
      return (existing.imageCatalogs ?? []).filter((c) => c.kind === kind.kind && (c.kind === 'ClusterImageCatalog' || c.namespace === namespace)).map((c) => c.name);
    }
    if (sameGroupKind(kind, KINDS.Gateway)) return (existing.gateways ?? []).filter((g) => g.namespace === namespace).map((g) => g.name);
    const issuer = environment.certManager;
    if (issuer && (sameGroupKind(kind, KINDS.Issuer) || sameGroupKind(kind, KINDS.ClusterIssuer)) && (issuer.issuerKind ?? 'ClusterIssuer') === kind.kind) return [issuer.issuer];
    return [];
  }
  /** How to make a missing object exist: emit it, or declare it where environment.yaml can. */
  const howToDeclare = (kind: GroupKind, key: ObjectKey): string | undefined => {
    const id = formatObjectKey(key);
    if (sameGroupKind(kind, KINDS.Secret)) return declare('secrets', id);
    if (sameGroupKind(kind, KINDS.Service)) return declare('services', id);
    if (sameGroupKind(kind, KINDS.SecretStore)) return declare('secretStores', secretStoreId({ kind: 'SecretStore', namespace: key.namespace, name: key.name }));
    if (sameGroupKind(kind, KINDS.ClusterSecretStore)) return declare('secretStores', secretStoreId({ kind: 'ClusterSecretStore', name: key.name }));
    if (sameGroupKind(kind, KINDS.ImageCatalog) || sameGroupKind(kind, KINDS.ClusterImageCatalog)) {
      return `add { kind: ${kind.kind}, name: ${key.name}${key.namespace ? `, namespace: ${key.namespace}` : ''}, majors: [...] } to existing.imageCatalogs in ${environment.file} (or pin the image with imageName)`;
    }
    if (sameGroupKind(kind, KINDS.Issuer) || sameGroupKind(kind, KINDS.ClusterIssuer)) return `set certManager: { issuer: ${key.name}, issuerKind: ${kind.kind} } in ${environment.file}`;
    if (sameGroupKind(kind, KINDS.Gateway)) return `add { namespace: ${key.namespace}, name: ${key.name}, listeners: [...] } to existing.gateways in ${environment.file}`;
    return undefined;
  };

  // Secrets: who writes each (producers.ts), with which keys; what reads them (the reference model).
  const checkSecret = (object: KubeObject, app: { name: string }, field: string, secret: ObjectKey, key: string | undefined, optional: boolean) => {
    if (optional) return;
    const id = formatObjectKey(secret);
    const producer: { by: string; keys?: readonly string[] } | undefined = produced.find(KINDS.Secret, secret) ?? (declaredSecrets.has(id) ? { by: `${environment.file} existing.secrets` } : undefined);
    if (!producer) {
      report(app, {
        where: where(object, app, field),
        message: `reads Secret ${id}, which nothing in environment ${environment.name} writes (no Secret, SealedSecret, ExternalSecret, database or Gateway certificate of that name)`,
        hint: `emit it (a SealedSecret or ExternalSecret), or, if another system writes it, ${declare('secrets', id)}; ${existingNames(KINDS.Secret, secret.namespace, secret.name)}`,
      });
    } else if (key !== undefined) {
      // The same check the constructs run on their ISecretSource (lib/core/secret-source.ts).
      const problem = secretKeyProblem(key, id, producer);
      if (problem) report(app, { where: where(object, app, field), ...problem, hint: `${problem.hint}; did you mean "${closest(key, [...(producer.keys ?? [])])}"?` });
    }
  };

  // Every other reference of the model (reference-model.ts), against the same indexes.
  // The pods of a namespace: those the objects make run, and the clients environment.yaml declares
  // (existing.clients: pods others run, by namespace and labels).
  const clients = Object.entries(existing.clients ?? {});
  const podsIn = (namespace: string) => [
    ...produced.pods(namespace).map((p) => ({ labels: p.labels, ports: p.ports.map((port) => port.name).filter((n): n is string => n !== undefined), source: objectId(p.source), replicas: p.replicas })),
    ...clients.filter(([, c]) => c.namespace === namespace).map(([name, c]) => ({ labels: c.podLabels, ports: [] as string[], source: `client ${name} (existing.clients)`, replicas: undefined })),
  ];
  const podsSelected = (namespace: string, selector: Json, of: 'pods' | 'services') => (of === 'pods'
    ? podsIn(namespace)
    : (servicesIn.get(namespace) ?? []).map((o) => ({ labels: labelsOf(o), ports: list(record(o.spec).ports).map((p) => String(p.name ?? '')), source: objectId(o), replicas: undefined })))
    .filter((p) => selects(selector, p.labels));
  const servicesIn = new Map<string, KubeObject[]>();
  const egressPoliciesIn = new Map<string, KubeObject[]>();
  for (const { object } of emitted.values()) {
    const namespace = objectKeyOf(object).namespace;
    if (isGroupKind(object, KINDS.Service)) servicesIn.set(namespace, [...(servicesIn.get(namespace) ?? []), object]);
    if (isGroupKind(object, KINDS.NetworkPolicy) && isolatesEgress(object)) egressPoliciesIn.set(namespace, [...(egressPoliciesIn.get(namespace) ?? []), object]);
  }
  const resolve = (object: KubeObject, app: { name: string }, ref: FoundReference) => {
    const { target, row } = ref;
    const at = where(object, app, ref.path);
    if (target.to === 'object') {
      // An empty name names nothing: the API server requires one ("name: Required value",
      // kubernetes pkg/apis/core/validation), and the usual cause is a prop of the wrong type
      // (a string where an object with a name goes) rendering a reference without its name.
      if (target.key.name === '') {
        report(app, { where: at, message: `names a ${groupKindKey(target.kind)} without a name: the API server refuses it ("name: Required value")`, hint: `give the ${groupKindKey(target.kind)}'s name; from a construct, check the prop that names it (an ISecretSource is the SealedSecret, ExternalSecret or SecretSource.fromSecretName(...), not a string)` });
        return;
      }
      if (target.optional) return;
      if (target.badKind) {
        report(app, { where: at, message: `names kind "${target.badKind.given}", which the ${row.resolvedBy} does not resolve: ${row.whenMissing}`, allowed: target.badKind.allowed.join(', '), hint: `set kind to one of ${target.badKind.allowed.join(', ')}` });
        return;
      }
      if (sameGroupKind(target.kind, KINDS.Secret)) {
        checkSecret(object, app, ref.path, target.key, target.dataKey, false);
        return;
      }
      const found = emitted.get(objectKeyId(target.kind, target.key))?.object;
      const product = produced.find(target.kind, target.key);
      const builtIn = BUILT_IN.find((b) => sameGroupKind(b.kind, target.kind) && b.name === target.key.name);
      const declared = declaredIds(target.kind, target.key.namespace).includes(target.key.name);
      if (!found && !product && !builtIn && !declared) {
        // What another namespace that is not this repository's holds is not known at synth.
        // (A Gateway there may be declared under existing.gateways, but need not be: as before, unknown.)
        if (target.key.namespace !== objectKeyOf(object).namespace && foreignNamespaces.has(target.key.namespace) && (howToDeclare(target.kind, target.key) === undefined || sameGroupKind(target.kind, KINDS.Gateway))) return;
        const declareHint = howToDeclare(target.kind, target.key);
        report(app, {
          where: at,
          message: `names ${target.kind.kind} ${formatObjectKey(target.key)}, which nothing in environment ${environment.name} emits${declareHint ? ` and ${environment.file} does not declare` : ''}: ${row.whenMissing}`,
          hint: `${existingNames(target.kind, target.key.namespace, target.key.name)}; or emit it${declareHint ? `, or, if another system manages it, ${declareHint}` : ''}`,
        });
        return;
      }
      const keys = product?.keys ?? builtIn?.keys;
      if (target.dataKey !== undefined && keys !== undefined && !keys.includes(target.dataKey)) {
        report(app, {
          where: at,
          message: `reads key "${target.dataKey}" of ${target.kind.kind} ${formatObjectKey(target.key)}, which ${product?.by ?? 'the cluster'} writes without that key: ${row.whenMissing}`,
          allowed: keys.join(', ') || '(no keys)',
          hint: keys.length > 0 ? `did you mean "${closest(target.dataKey, [...keys])}"?` : `add "${target.dataKey}" where it is written`,
        });
      }
      if (found && sameGroupKind(target.kind, KINDS.Service) && target.port !== undefined) {
        const ports = list(record(found.spec).ports);
        const names = ports.map((p) => (typeof target.port === 'string' ? String(p.name ?? '') : Number(p.port)));
        if (!names.includes(target.port)) {
          report(app, {
            where: at,
            message: `names port ${JSON.stringify(target.port)} of Service ${formatObjectKey(target.key)}, which has no such port: ${row.whenMissing}`,
            allowed: ports.map((p) => (typeof target.port === 'string' ? String(p.name ?? '(unnamed)') : String(p.port))).join(', ') || '(no ports)',
          });
        }
      }
      // A Gateway others run is checked against the listeners environment.yaml declares for it.
      const declaredGateway = sameGroupKind(target.kind, KINDS.Gateway) ? (existing.gateways ?? []).find((g) => g.namespace === target.key.namespace && g.name === target.key.name) : undefined;
      if ((found || declaredGateway) && sameGroupKind(target.kind, KINDS.Gateway) && (target.section !== undefined || target.port !== undefined)) {
        const listeners: Json[] = found ? list(record(found.spec).listeners) : (declaredGateway?.listeners ?? []).map((l) => ({ ...l }));
        const match = listeners.filter((l) => (target.section === undefined || l.name === target.section) && (target.port === undefined || l.port === target.port));
        if (match.length === 0) {
          report(app, {
            where: at,
            message: `attaches to ${[target.section === undefined ? '' : `listener "${target.section}"`, target.port === undefined ? '' : `port ${target.port}`].filter(Boolean).join(' on ')} of Gateway ${formatObjectKey(target.key)}, which has no such listener: ${row.whenMissing}`,
            allowed: listeners.map((l) => `${String(l.name)} (port ${String(l.port)})`).join(', ') || '(no listeners)',
            hint: target.section === undefined ? 'name a listener\'s port' : `did you mean "${closest(target.section, listeners.map((l) => String(l.name)))}"?`,
          });
        }
      }
      return;
    }
    if (target.to === 'container-port') {
      if (target.ports.includes(target.port)) return;
      report(app, {
        where: at,
        message: `names port "${target.port}", which ${target.container} does not declare: ${row.whenMissing}`,
        allowed: target.ports.join(', ') || '(no named ports)',
        hint: target.ports.length > 0 ? `did you mean "${closest(target.port, [...target.ports])}"? Or name the container port "${target.port}"` : `declare the port in the container's ports with name "${target.port}"`,
      });
      return;
    }
    if (target.to === 'pods') {
      // The pods known are those of the object's own namespace and of the namespaces an app of
      // the environment emits; what runs in anyone else's namespace is not known at synth.
      const own = objectKeyOf(object).namespace;
      const namespaces = target.namespaces.filter((n) => n === own || emitted.has(objectKeyId(KINDS.Namespace, { namespace: '', name: n })) || clients.some(([, c]) => c.namespace === n));
      if (namespaces.length === 0) return;
      const selected = namespaces.flatMap((n) => podsSelected(n, target.selector, target.of));
      const what = target.of === 'pods' ? 'pod' : 'Service';
      if (selected.length === 0) {
        // The selector's own row reports it; a port on nothing selected adds nothing.
        if (target.port !== undefined) return;
        const candidates = namespaces.flatMap((n) => (target.of === 'pods' ? podsIn(n).map((p) => p.labels) : (servicesIn.get(n) ?? []).map(labelsOf)));
        report(app, {
          where: at,
          message: `selects no ${what} in namespace ${namespaces.join(', ')}: ${row.whenMissing}`,
          allowed: candidates.length === 0 ? `(no ${what}s in ${namespaces.join(', ')})` : candidates.map((l) => JSON.stringify(l)).join('; '),
          hint: `select the labels of the ${what}s it is meant for (one of those listed)`,
        });
        return;
      }
      if (target.budget) {
        // A budget that allows no voluntary disruption blocks every eviction of these pods: drains
        // and cluster upgrades wait forever (https://kubernetes.io/docs/tasks/run-application/configure-pdb/).
        const counts = selected.map((p) => p.replicas);
        const total = counts.every((c): c is number => c !== undefined) ? counts.reduce((a, b) => a + b, 0) : undefined;
        const { minAvailable, maxUnavailable } = target.budget;
        const blocks = maxUnavailable === 0 || maxUnavailable === '0%' || minAvailable === '100%' || (typeof minAvailable === 'number' && total !== undefined && minAvailable >= total);
        if (blocks) {
          report(app, {
            where: at,
            message: `allows no voluntary disruption of the pods it selects (${selected.map((p) => `${p.source}${p.replicas === undefined ? '' : `, ${p.replicas} replica${p.replicas === 1 ? '' : 's'}`}`).join('; ')}): ${maxUnavailable !== undefined ? `maxUnavailable is ${String(maxUnavailable)}` : `minAvailable ${String(minAvailable)} is all of them`}, so every node drain waits on it forever`,
            hint: total !== undefined && total > 1 ? `set minAvailable below ${total} (or maxUnavailable: 1)` : 'run more than one replica, or set maxUnavailable: 1',
          });
        }
      }
      if (target.port !== undefined && !selected.some((p) => p.ports.includes(target.port!))) {
        const ports = [...new Set(selected.flatMap((p) => p.ports))].filter(Boolean);
        report(app, {
          where: at,
          message: `names port "${target.port}", which no ${what} it selects declares (${selected.map((p) => p.source).join(', ')}): ${row.whenMissing}`,
          allowed: ports.join(', ') || '(no named ports)',
          hint: ports.length > 0 ? `did you mean "${closest(target.port, ports)}"?` : `name the port "${target.port}" where the ${what} declares it`,
        });
      }
      return;
    }
    // dns-egress: every pod the policy isolates for egress must reach the resolver through some policy that selects it.
    const policies = egressPoliciesIn.get(target.namespace) ?? [];
    const closedPods = podsIn(target.namespace).filter((p) => selects(target.selector, p.labels))
      .filter((p) => !policies.some((policy) => selects(record(record(policy.spec).podSelector), p.labels) && allowsDns(policy)));
    if (closedPods.length > 0) {
      report(app, {
        where: at,
        message: `isolates the egress of ${[...new Set(closedPods.map((p) => p.source))].join(', ')}, and no NetworkPolicy lets them reach the cluster's DNS resolver (UDP and TCP port 53 in kube-system): ${row.whenMissing}`,
        hint: `add an egress rule to: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }] on ports 53/UDP and 53/TCP, or, if the pods must resolve nothing, annotate the policy ${DNS_EGRESS_ANNOTATION}: closed`,
      });
    }
  };
  for (const { object, app } of all) {
    for (const ref of referencesOf(object)) resolve(object, app, ref);
  }

  // External Secrets: what a Kubernetes-provider store reads in its remote namespace (the store
  // itself is a reference of the model).
  for (const { object, app } of all) {
    if (!isGroupKind(object, KINDS.ExternalSecret)) continue;
    const spec = record(object.spec);
    const ref = record(spec.secretStoreRef);
    const store = ref.kind === 'ClusterSecretStore'
      ? emitted.get(objectKeyId(KINDS.ClusterSecretStore, { namespace: '', name: String(ref.name) }))
      : emitted.get(objectKeyId(KINDS.SecretStore, { namespace: objectKeyOf(object).namespace, name: String(ref.name) }));
    const remote = record(record(record(store?.object.spec).provider).kubernetes).remoteNamespace;
    if (typeof remote !== 'string') continue;
    list(spec.data).forEach((item, i) => {
      const remoteRef = record(item.remoteRef);
      if (typeof remoteRef.key !== 'string') return;
      checkSecret(object, app, `spec.data[${i}].remoteRef`, { namespace: remote, name: remoteRef.key }, typeof remoteRef.property === 'string' ? remoteRef.property : undefined, false);
    });
  }

  // CloudNativePG: image catalogs, object stores, scheduled backups, one folder per archive.
  const archives = new Map<string, string>();
  for (const { object, app } of all) {
    const spec = record(object.spec);
    if (isGroupKind(object, KINDS.CnpgCluster)) {
      // The catalog itself is a reference of the model ("Cluster image catalog"); here, its majors.
      const catalog = record(spec.imageCatalogRef);
      if (typeof catalog.name === 'string') {
        const cluster = catalog.kind === 'ClusterImageCatalog';
        const key = { namespace: cluster ? '' : objectKeyOf(object).namespace, name: catalog.name };
        const emittedCatalog = emitted.get(objectKeyId(cluster ? KINDS.ClusterImageCatalog : KINDS.ImageCatalog, key))?.object;
        const majors = emittedCatalog
          ? list(record(emittedCatalog.spec).images).map((i) => Number(i.major))
          : (existing.imageCatalogs ?? []).find((c) => c.kind === (cluster ? 'ClusterImageCatalog' : 'ImageCatalog') && c.name === key.name && (cluster || c.namespace === key.namespace))?.majors;
        const major = Number(catalog.major);
        if (majors && !majors.includes(major)) {
          report(app, {
            where: where(object, app, 'spec.imageCatalogRef'),
            message: `takes PostgreSQL ${major} from ${String(catalog.kind)} ${catalog.name}, which has images for ${majors.join(', ')} only`,
            hint: `add an image for ${major} to the catalog (or its declaration under existing.imageCatalogs in ${environment.file}), or pin the image with imageName`,
          });
        }
      }
      for (const plugin of list(spec.plugins)) {
        const params = record(plugin.parameters);
        if (typeof params.barmanObjectName !== 'string') continue;
        // A missing store is a reference of the model (reference-model.ts, "Cluster object store").
        const store = emitted.get(objectKeyId(KINDS.BarmanObjectStore, { namespace: objectKeyOf(object).namespace, name: params.barmanObjectName }));
        if (!store) continue;
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

/**
 * What every namespace has without anyone emitting it: the ServiceAccount `default` (the
 * ServiceAccount controller, kubernetes pkg/controller/serviceaccount) and the ConfigMap
 * `kube-root-ca.crt` (the root CA publisher, kubernetes pkg/controller/certificates/rootcacertpublisher);
 * and what every cluster has: the system PriorityClasses.
 */
const BUILT_IN: ReadonlyArray<{ readonly kind: GroupKind; readonly name: string; readonly keys?: readonly string[] }> = [
  { kind: KINDS.ServiceAccount, name: 'default' },
  { kind: KINDS.ConfigMap, name: 'kube-root-ca.crt', keys: ['ca.crt'] },
  // The PriorityClasses every cluster has (kubernetes pkg/apis/scheduling, SystemPriorityClasses).
  { kind: KINDS.PriorityClass, name: 'system-cluster-critical' },
  { kind: KINDS.PriorityClass, name: 'system-node-critical' },
];

/** An object's labels, as a selector reads them. */
function labelsOf(object: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(record(object.metadata.labels)).map(([k, v]) => [k, String(v)]));
}

/** Whether a NetworkPolicy isolates its pods' egress: Egress in policyTypes, or, without policyTypes, egress rules (networking/v1 NetworkPolicySpec). */
function isolatesEgress(policy: KubeObject): boolean {
  const spec = record(policy.spec);
  return Array.isArray(spec.policyTypes) ? spec.policyTypes.includes('Egress') : spec.egress !== undefined;
}

/**
 * Whether a NetworkPolicy lets its pods reach the cluster's DNS resolver on UDP port 53: an
 * egress rule to every destination or to kube-system (all namespaces, that namespace by
 * kubernetes.io/metadata.name, or every address, 0.0.0.0/0), on every port or on port 53 (by number or by
 * the CoreDNS port names dns, dns-tcp) over UDP or with no protocol.
 */
function allowsDns(policy: KubeObject): boolean {
  const toResolver = (peer: Json) => {
    if (peer.ipBlock !== undefined) return record(peer.ipBlock).cidr === '0.0.0.0/0';
    if (peer.namespaceSelector === undefined) return false;
    const selector = record(peer.namespaceSelector);
    const labels = record(selector.matchLabels);
    return (Object.keys(labels).length === 0 && list(selector.matchExpressions).length === 0) || labels['kubernetes.io/metadata.name'] === 'kube-system';
  };
  const onDns = (port: Json) => (port.port === undefined || port.port === 53 || port.port === 'dns' || port.port === 'dns-tcp') && (port.protocol === undefined || port.protocol === 'UDP');
  return list(record(policy.spec).egress).some((rule) => (list(rule.to).length === 0 || list(rule.to).some(toResolver)) && (list(rule.ports).length === 0 || list(rule.ports).some(onDns)));
}

/** The release of the CRDs the object's API group was imported from, e.g. "1.30.0" (imports/UPSTREAM.json). */
function pinnedRelease(object: KubeObject): string | undefined {
  const group = groupKindOf(object).group;
  const entry = upstream.find((u) => typeof u.kinds === 'object' && !Array.isArray(u.kinds) && object.kind in u.kinds && fileGroupMatches(u.file, group));
  return entry ? /v(\d+\.\d+\.\d+)/.exec(entry.upstream)?.[1] : undefined;
}

/** The kinds a Prometheus selects by label: its podMonitorSelector, serviceMonitorSelector and ruleSelector (prometheus-operator v0.93.0 PrometheusSpec). */
const PROMETHEUS_SELECTED_KINDS: readonly GroupKind[] = [KINDS.PodMonitor, KINDS.ServiceMonitor, KINDS.PrometheusRule];

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
