// The Gateway API part of the operators check (docs/server-check.md, "Operators"): an environment's
// Gateway API objects, with the Services and Namespaces they refer to and the cluster's
// GatewayClass, translated by Envoy Gateway's own translator (`egctl x translate --from
// gateway-api --to gateway-api`, github.com/envoyproxy/gateway internal/cmd/egctl/translate.go),
// which writes the statuses the running Envoy Gateway would write. Then judged: every route Accepted
// with ResolvedRefs on every parent, every Gateway listener Programmed. Never
// `--add-missing-resources`: a Service or a GatewayClass that neither dist/ nor environment.yaml
// provides must count as missing, as it would in the cluster.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { certManagerWhy } from './certmanager.mjs';

/** The controller name Envoy Gateway claims GatewayClasses with (envoyproxy/gateway api/v1alpha1/envoygateway_types.go GatewayControllerName). */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
const ENVOY_GATEWAY_GROUP = 'gateway.envoyproxy.io';
/** Route kinds, with the key egctl's output lists them under (internal/gatewayapi/resource/resource.go). */
const ROUTES = { HTTPRoute: 'httpRoutes', GRPCRoute: 'grpcRoutes', TLSRoute: 'tlsRoutes', TCPRoute: 'tcpRoutes', UDPRoute: 'udpRoutes' };
/**
 * What egctl's loader reads besides the routes (internal/gatewayapi/resource/load.go
 * loadKubernetesYAMLToResources); anything else in dist/ is no input to the translation.
 */
const INPUT_KINDS = new Set([
  ...Object.keys(ROUTES).map((kind) => `${GATEWAY_GROUP}/${kind}`),
  `${GATEWAY_GROUP}/Gateway`, `${GATEWAY_GROUP}/GatewayClass`, `${GATEWAY_GROUP}/ReferenceGrant`, `${GATEWAY_GROUP}/BackendTLSPolicy`,
  '/Service', '/Namespace', '/Secret', '/ConfigMap',
  ...['EnvoyProxy', 'ClientTrafficPolicy', 'BackendTrafficPolicy', 'SecurityPolicy', 'HTTPRouteFilter', 'Backend', 'EnvoyPatchPolicy', 'EnvoyExtensionPolicy'].map((kind) => `${ENVOY_GATEWAY_GROUP}/${kind}`),
]);

const groupOf = (apiVersion = '') => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const identityOf = ({ apiVersion, kind }) => `${groupOf(apiVersion)}/${kind}`;
const isGatewayApi = (object) => groupOf(object.apiVersion) === GATEWAY_GROUP;

/** Whether an environment has anything for Envoy Gateway to translate (a Gateway or a route). */
export const hasGatewayApi = (manifests) => manifests.some((m) => isGatewayApi(m.object) && (m.object.kind === 'Gateway' || ROUTES[m.object.kind]));

/**
 * The GatewayClass the cluster already has (environment.yaml `gateway.className`, an Envoy Gateway
 * class: `existing.operators.envoy-gateway`), or undefined when the environment declares none.
 */
export function clusterGatewayClass(facts) {
  const name = facts.gateway?.className;
  if (!name) return undefined;
  const parametersRef = facts.gateway.mergeGateways ? { group: ENVOY_GATEWAY_GROUP, kind: 'EnvoyProxy', name: MERGED_PROXY.name, namespace: MERGED_PROXY.namespace } : undefined;
  return { apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'GatewayClass', metadata: { name }, spec: { controllerName: ENVOY_GATEWAY_CONTROLLER, ...(parametersRef ? { parametersRef } : {}) } };
}

/** The EnvoyProxy a class with merged Gateways refers to; its name is the check's own. */
const MERGED_PROXY = { namespace: 'envoy-gateway-system', name: 'merged-gateways' };

/**
 * What the cluster has around the environment's own Gateway API objects, from environment.yaml:
 * with `gateway.mergeGateways`, the EnvoyProxy the class refers to, which merges every Gateway of
 * the class into one Envoy (envoyproxy/gateway api/v1alpha1/envoyproxy_types.go MergeGateways); and
 * the Gateways others run there (`existing.gateways`, each with its listeners, their HTTPS listeners
 * with a certificate, as they have in the cluster), so that routes and ReferenceGrants meet them.
 * egctl does not check merged Gateways' listeners against each other: its translator leaves
 * MergeGateways off (internal/cmd/egctl/translate.go, where the running gateway's
 * internal/gatewayapi/runner/runner.go sets it), so a listener that takes another Gateway's port and
 * hostname on the merged Envoy is not caught here (docs/server-check.md). Returns the objects
 * (GatewayClass aside).
 */
export function clusterFixtures(facts) {
  const className = facts.gateway?.className;
  if (!className) return [];
  const fixtures = [];
  if (facts.gateway.mergeGateways) {
    fixtures.push({ apiVersion: `${ENVOY_GATEWAY_GROUP}/v1alpha1`, kind: 'EnvoyProxy', metadata: { ...MERGED_PROXY }, spec: { mergeGateways: true } });
  }
  for (const gateway of facts.gateways ?? []) {
    const listeners = (gateway.listeners ?? []).map((l) => {
      const tls = l.protocol === 'HTTPS' || l.protocol === 'TLS'
        ? { tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: `${gateway.name}-${l.name}-tls` }] } } : {};
      return { name: l.name, protocol: l.protocol, port: l.port, ...(l.hostname ? { hostname: l.hostname } : {}), ...tls };
    });
    fixtures.push({ apiVersion: `${GATEWAY_GROUP}/v1`, kind: 'Gateway', metadata: { name: gateway.name, namespace: gateway.namespace }, spec: { gatewayClassName: className, listeners } });
    for (const l of listeners.filter((x) => x.tls)) {
      fixtures.push(standInTlsSecret({ namespace: gateway.namespace, name: l.tls.certificateRefs[0].name, dnsNames: [l.hostname ?? `${gateway.name}.${gateway.namespace}.invalid`] }));
    }
  }
  return fixtures;
}

/**
 * The certificate Secrets cert-manager's Gateway shim asks for: one per Secret a TLS listener of a
 * Gateway annotated `cert-manager.io/cluster-issuer` (or `cert-manager.io/issuer`) refers to, with
 * the listeners' hostnames as DNS names. The listener rules are the shim's own
 * (cert-manager v1.21 pkg/controller/certificate-shim/sync.go issuerForIngressLike,
 * handleGatewayAPIListeners and validateGatewayListenerBlock): HTTPS or TLS, not Passthrough, not
 * named by cert-manager.io/certificate-ignore-tls-listeners, a hostname, mode Terminate, Secret
 * references in the Gateway's namespace. The operators check compares this table with what the
 * real shim creates (test/apiserver/operators-check.test.mjs) when the cert-manager runner is built,
 * and uses the real one; this table remains for the fallback when it is not. Only the
 * environment's declared issuer (environment.yaml `certManager.issuer` and `issuerKind`) signs; a
 * Gateway naming another gets no certificate, as its Certificate would never become Ready in the
 * cluster.
 * Returns [{ namespace, name, dnsNames, issuer, gateway }].
 */
export function certificatesWanted(manifests, facts) {
  const wanted = new Map();
  const declared = facts.certManager?.issuer;
  const declaredKind = facts.certManager?.issuerKind ?? 'ClusterIssuer';
  for (const { object } of manifests) {
    if (!isGatewayApi(object) || object.kind !== 'Gateway') continue;
    const annotations = object.metadata?.annotations ?? {};
    const clusterIssuer = annotations['cert-manager.io/cluster-issuer'];
    const namespacedIssuer = annotations['cert-manager.io/issuer'];
    // issuerForIngressLike: both annotations, or a cluster issuer with an issuer-kind or -group, is a
    // BadConfig and no Certificate; issuer-kind overrides the kind of cert-manager.io/issuer.
    if (clusterIssuer !== undefined && (namespacedIssuer !== undefined || annotations['cert-manager.io/issuer-kind'] !== undefined || annotations['cert-manager.io/issuer-group'] !== undefined)) continue;
    const issuer = clusterIssuer ? { kind: 'ClusterIssuer', name: clusterIssuer }
      : namespacedIssuer ? { kind: annotations['cert-manager.io/issuer-kind'] ?? 'Issuer', name: namespacedIssuer } : undefined;
    if (!issuer || issuer.name !== declared || issuer.kind !== declaredKind || (annotations['cert-manager.io/issuer-group'] ?? 'cert-manager.io') !== 'cert-manager.io') continue;
    const namespace = object.metadata.namespace;
    // cert-manager.io/certificate-ignore-tls-listeners: listener names, comma-separated (sync.go isGatewayAPIListenerIgnoredThroughAnnotation).
    const ignored = new Set((annotations['cert-manager.io/certificate-ignore-tls-listeners'] ?? '').split(',').map((n) => n.trim()).filter(Boolean));
    for (const listener of object.spec?.listeners ?? []) {
      if (listener.protocol !== 'HTTPS' && listener.protocol !== 'TLS') continue;
      if (ignored.has(listener.name)) continue;
      const tls = listener.tls;
      if (!tls || (tls.mode ?? 'Terminate') !== 'Terminate' || !listener.hostname) continue;
      const refs = tls.certificateRefs ?? [];
      const valid = refs.length > 0 && refs.every((r) => ['', 'core', undefined].includes(r.group) && ['Secret', '', undefined].includes(r.kind) && (r.namespace === undefined || r.namespace === namespace));
      if (!valid) continue;
      for (const ref of refs) {
        const key = `${namespace}/${ref.name}`;
        const entry = wanted.get(key) ?? { namespace, name: ref.name, dnsNames: [], issuer, gateway: `${namespace}/${object.metadata.name}` };
        if (!entry.dnsNames.includes(listener.hostname)) entry.dnsNames.push(listener.hostname);
        wanted.set(key, entry);
      }
    }
  }
  return [...wanted.values()];
}

/**
 * A kubernetes.io/tls Secret standing in for what cert-manager issues for `certificate`: a
 * self-signed P-256 certificate for its DNS names, made by openssl, valid for a day. Envoy Gateway
 * parses it (a malformed or empty Secret makes the listener's ResolvedRefs false), so it must be a
 * real certificate and key.
 */
export function standInTlsSecret({ namespace, name, dnsNames }) {
  const work = mkdtempSync(join(tmpdir(), 'operators-cert-'));
  try {
    const key = join(work, 'tls.key');
    const crt = join(work, 'tls.crt');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', `/CN=${dnsNames[0]}`, '-addext', `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
      '-keyout', key, '-out', crt,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    return {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name, namespace },
      data: { 'tls.crt': readFileSync(crt).toString('base64'), 'tls.key': readFileSync(key).toString('base64') },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * egctl's input for one environment: its Gateway API objects and what they refer to from dist/,
 * plus the cluster's GatewayClass and `extra` objects (the certificate Secrets). One YAML stream.
 */
export function translationInput(manifests, { gatewayClass, extra = [] }) {
  const objects = manifests.map((m) => m.object).filter((o) => INPUT_KINDS.has(identityOf(o)));
  return [...(gatewayClass ? [gatewayClass] : []), ...objects, ...extra].map((o) => stringify(o)).join('---\n');
}

/** Runs egctl's translation over `input`; returns egctl's Gateway API resources with their status. */
export function translate(egctl, input) {
  const work = mkdtempSync(join(tmpdir(), 'operators-egctl-'));
  try {
    const file = join(work, 'input.yaml');
    writeFileSync(file, input);
    const run = spawnSync(egctl, ['x', 'translate', '--from', 'gateway-api', '--to', 'gateway-api', '--output', 'yaml', '--file', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`egctl x translate failed (${run.error?.message ?? run.signal ?? `exit ${run.status}`}): ${(run.stderr || run.stdout).trim()}`);
    return parse(run.stdout) ?? {};
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const condition = (conditions = [], type) => conditions.find((c) => c.type === type);
const said = (c) => (c ? `${c.type}=${c.status} ${c.reason}${c.message ? `: ${c.message}` : ''}` : undefined);

/**
 * The verdicts on egctl's output for the environment's own Gateways and routes:
 * [{ manifest, healthy, summary, reason }]. A route is healthy when every parentRef has a status
 * entry with Accepted and ResolvedRefs true; a Gateway when every listener is Programmed. Objects
 * Envoy Gateway wrote no status for (another class's Gateway, a route whose Gateway is not here) are
 * unhealthy: nothing in the cluster would serve them. `certificateReason(gateway, certificateRef)`
 * says why a listener's certificate Secret was not issued (cert-manager's account), or undefined.
 */
export function gatewayVerdicts(manifests, translated, { gatewayClass, certificateReason = () => undefined } = {}) {
  const find = (list = [], { metadata }) => list.find((o) => o.metadata?.name === metadata.name && (o.metadata?.namespace ?? 'default') === (metadata.namespace ?? 'default'));
  const verdicts = [];
  for (const manifest of manifests) {
    const { object } = manifest;
    if (!isGatewayApi(object)) continue;
    if (object.kind === 'Gateway') {
      const live = find(translated.gateways, object);
      const listeners = live?.status?.listeners ?? [];
      if (!listeners.length) {
        const className = object.spec?.gatewayClassName;
        const why = className !== gatewayClass?.metadata?.name
          ? `its class "${className}" is not the cluster's (${gatewayClass ? `"${gatewayClass.metadata.name}"` : 'environment.yaml declares no gateway.className'})`
          : 'Envoy Gateway wrote no listener status';
        verdicts.push({ manifest, healthy: false, summary: 'not programmed', reason: why });
        continue;
      }
      const bad = (object.spec?.listeners ?? []).map((l) => ({ l, s: listeners.find((x) => x.name === l.name) }))
        .filter(({ s }) => condition(s?.conditions, 'Programmed')?.status !== 'True');
      // What cert-manager (or its stand-in) says about each certificate Secret of a listener that is not programmed.
      const certificateWhy = (l) => (l.tls?.certificateRefs ?? []).map((ref) => certificateReason(object, ref)).filter(Boolean);
      const reason = bad.map(({ l, s }) => `listener ${l.name}: ${[...(s ? [said(condition(s.conditions, 'Programmed')), said(condition(s.conditions, 'ResolvedRefs')), said(condition(s.conditions, 'Accepted')), condition(s.conditions, 'Conflicted')?.status === 'True' ? said(condition(s.conditions, 'Conflicted')) : undefined] : ['no status']), ...certificateWhy(l)].filter(Boolean).join('; ')}`).join('; ');
      verdicts.push({ manifest, healthy: bad.length === 0, summary: `${listeners.length - bad.length}/${(object.spec?.listeners ?? []).length} listeners programmed`, reason: reason || undefined });
    } else if (ROUTES[object.kind]) {
      const live = find(translated[ROUTES[object.kind]], object);
      const parents = live?.status?.parents ?? [];
      const problems = [];
      for (const ref of object.spec?.parentRefs ?? []) {
        const namespace = ref.namespace ?? object.metadata.namespace;
        const label = `parent ${ref.kind ?? 'Gateway'} ${namespace}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ''}`;
        const entry = parents.find((p) => p.parentRef?.name === ref.name && (p.parentRef?.namespace ?? object.metadata.namespace) === namespace && (p.parentRef?.sectionName ?? '') === (ref.sectionName ?? ''));
        if (!entry) {
          problems.push(`${label}: no status from Envoy Gateway (no Gateway of class ${gatewayClass?.metadata?.name ?? '(none declared)'} by that name here)`);
          continue;
        }
        for (const type of ['Accepted', 'ResolvedRefs']) {
          const c = condition(entry.conditions, type);
          if (c?.status !== 'True') problems.push(`${label}: ${said(c) ?? `no ${type} condition`}`);
        }
      }
      const total = (object.spec?.parentRefs ?? []).length;
      verdicts.push({ manifest, healthy: problems.length === 0 && total > 0, summary: `accepted with resolved refs on ${total - new Set(problems.map((p) => p.split(':')[0])).size}/${total} parents`, reason: problems.join('; ') || (total ? undefined : 'no parentRefs') });
    }
  }
  return verdicts;
}

/**
 * The whole Envoy Gateway verdict for one environment's manifests and facts: the cluster's
 * GatewayClass and what environment.yaml declares around it (merged Gateways, others' Gateways), the
 * certificate Secrets, egctl's translation and the verdicts on it. The certificates are those
 * cert-manager issued when `issued` is given (certmanager.mjs issueCertificates: the real runner);
 * otherwise, as a fallback, openssl stand-ins for what certificatesWanted predicts, and
 * `certificateSource` says so. Used by test/apiserver/operators-check.test.mjs, `npm run diff`
 * (upgrade.mjs --function) and `cdk8s-constructs server-check --function`.
 */
export function judgeGateways(egctl, manifests, facts, { issued } = {}) {
  const gatewayClass = clusterGatewayClass(facts);
  const predicted = certificatesWanted(manifests, facts);
  const certificates = issued
    ? issued.certificates.filter((c) => c.ready).map(({ namespace, secretName, dnsNames, issuer, gateway }) => ({ namespace, name: secretName, dnsNames, issuer, gateway }))
    : predicted;
  const secrets = issued ? issued.secrets : predicted.map(standInTlsSecret);
  const certificateSource = issued
    ? issued.source
    : `FALLBACK: openssl stand-ins for the certificates scripts/server-check/gateway.mjs certificatesWanted predicts (the cert-manager runner is not built: \`SERVER_CHECK_OPERATORS=build npm run test:server\` builds it)`;
  const annotatedOf = (gateway) => Boolean(gateway.metadata?.annotations?.['cert-manager.io/cluster-issuer'] ?? gateway.metadata?.annotations?.['cert-manager.io/issuer']);
  const certificateReason = (gateway, ref) => {
    const namespace = gateway.metadata.namespace ?? 'default';
    const name = ref.name;
    // A Secret that is there (issued, or in dist/) is not cert-manager's to explain.
    if ([...secrets, ...manifests.map((m) => m.object).filter((o) => identityOf(o) === '/Secret')].some((s) => (s.metadata?.namespace ?? 'default') === namespace && s.metadata?.name === name)) return undefined;
    if (issued) return certManagerWhy(issued, { gateway: `${namespace}/${gateway.metadata.name}`, namespace, name, annotated: annotatedOf(gateway) });
    return `cert-manager (stand-in, runner not built): no certificate predicted for Secret ${namespace}/${name} (${annotatedOf(gateway) ? `not the declared issuer ${facts.certManager?.issuerKind ?? 'ClusterIssuer'} ${facts.certManager?.issuer ?? '(none declared)'}, or a listener the shim skips` : 'no cert-manager.io issuer annotation'})`;
  };
  const fixtures = clusterFixtures(facts);
  const input = translationInput(manifests, { gatewayClass, extra: [...fixtures, ...secrets] });
  const started = Date.now();
  const translated = translate(egctl, input);
  const gateways = fixtures.filter((f) => f.kind === 'Gateway');
  return { verdicts: gatewayVerdicts(manifests, translated, { gatewayClass, certificateReason }), certificates, predicted, certificateSource, gatewayClass, gateways, ms: Date.now() - started };
}
