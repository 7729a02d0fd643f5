import { list, record, text, type Manifest } from '../core/manifest';
import { checkDuration, parseDuration } from './duration';
import { checkGatewayHostname } from './hostname';

/**
 * Gateway API's rules for a Gateway and an HTTPRoute, on the objects as rendered: `Gateway` and
 * `HttpRoute` check their own objects with them, and the output policy (`gateway-api`) checks
 * every Gateway and HTTPRoute however it was built. Most are the CRDs' CEL rules, which the
 * schema validation at synth does not evaluate (gateway-api v1 apis/v1/httproute_types.go and
 * gateway_types.go, as pinned in imports/crds/), and cert-manager's gateway-shim
 * (pkg/controller/certificate-shim: validateGatewayListenerBlock, issuerForIngressLike).
 */

/** Every way a rendered Gateway breaks the rules, one message each. */
export function checkGateway(gateway: Manifest): string[] {
  const errors: string[] = [];
  const annotations = record(record(gateway.metadata).annotations);
  const listeners = list(record(gateway.spec).listeners);
  // cert-manager reads exactly one issuer annotation; both set is a BadConfig (issuerForIngressLike).
  const certManager = 'cert-manager.io/issuer' in annotations || 'cert-manager.io/cluster-issuer' in annotations;
  if ('cert-manager.io/issuer' in annotations && 'cert-manager.io/cluster-issuer' in annotations) {
    errors.push('has both cert-manager.io/issuer and cert-manager.io/cluster-issuer annotations; cert-manager refuses the Gateway (BadConfig) and issues nothing: keep one');
  }
  if (listeners.length > 64) errors.push(`${listeners.length} listeners; a Gateway has at most 64 (GatewaySpec.Listeners)`);
  const seen = new Set<string>();
  const names = new Set<string>();
  const reported = new Set<string>();
  for (const listener of listeners) {
    const hostname = text(listener.hostname);
    const name = text(listener.name) ?? '';
    if (hostname !== undefined) {
      const problem = checkGatewayHostname(hostname);
      if (problem && !reported.has(hostname)) errors.push(`hostname "${hostname}" ${problem}`);
      if (problem) reported.add(hostname);
    }
    // Two listeners with the same port, protocol and hostname are Conflicted (GatewaySpec.Listeners).
    const key = `${String(listener.port)}/${String(listener.protocol)}/${hostname ?? ''}`;
    if (seen.has(key) && !reported.has(`twice:${hostname ?? ''}`)) {
      errors.push(`hostname "${hostname ?? '(any)'}" is listed twice; two listeners with the same port, protocol and hostname conflict`);
      reported.add(`twice:${hostname ?? ''}`);
    } else if (!seen.has(key) && names.has(name)) {
      errors.push(`listener name "${name}" is used twice; the Gateway CRD requires unique listener names`);
    }
    seen.add(key);
    names.add(name);
    if (name.length > 253) errors.push(`listener name "${name}" is longer than 253 characters`);
    if (listener.protocol === 'HTTPS' && certManager) {
      const tls = record(listener.tls);
      if (tls.mode !== undefined && tls.mode !== 'Terminate') errors.push(`listener ${name} has tls.mode ${String(tls.mode)}; cert-manager issues only for Terminate listeners`);
      for (const ref of list(tls.certificateRefs)) {
        if (ref.namespace !== undefined && ref.namespace !== record(gateway.metadata).namespace) {
          errors.push(`listener ${name} names its certificate Secret in namespace ${String(ref.namespace)}; cert-manager issues only into the Gateway's own namespace (validateGatewayListenerBlock)`);
        }
      }
    }
  }
  // cert-manager's gateway-shim skips an HTTPS listener without a hostname ("Skipped a listener
  // block: ... the hostname cannot be empty", a BadConfig event; cert-manager
  // pkg/controller/certificate-shim validateGatewayListenerBlock), so such a listener needs a
  // certificate from elsewhere; with no hostname on any of them, the annotation issues nothing.
  const https = listeners.filter((l) => l.protocol === 'HTTPS');
  if (certManager && https.length > 0 && https.every((l) => text(l.hostname) === undefined)) {
    errors.push('no HTTPS listener has a hostname, so cert-manager issues no certificate for this Gateway (it skips listeners without one); give the listeners their hostnames');
  }
  return errors;
}

/** Path value rules for Exact and PathPrefix (HTTPPathMatch CEL rules in httproute_types.go). */
function checkPath(value: string): string | undefined {
  if (!value.startsWith('/')) return 'must start with "/"';
  if (value.length > 1024) return 'is longer than 1024 characters';
  for (const bad of ['//', '/./', '/../', '%2f', '%2F', '#']) if (value.includes(bad)) return `must not contain "${bad}"`;
  if (value.endsWith('/..') || value.endsWith('/.')) return 'must not end with "/." or "/.."';
  return undefined;
}

/** Every way a rendered HTTPRoute breaks the rules, one message each. */
export function checkHttpRoute(route: Manifest): string[] {
  const errors: string[] = [];
  const spec = record(route.spec);
  for (const hostname of Array.isArray(spec.hostnames) ? spec.hostnames : []) {
    const problem = checkGatewayHostname(String(hostname));
    if (problem) errors.push(`hostname "${String(hostname)}" ${problem}`);
  }
  list(spec.rules).forEach((rule, i) => errors.push(...checkRule(rule, `rules[${i}]`)));
  return errors;
}

function checkRule(rule: Manifest, at: string): string[] {
  const errors: string[] = [];
  const matches = list(rule.matches);
  matches.forEach((m, j) => {
    const path = record(m.path);
    const value = text(path.value);
    if (value !== undefined && path.type !== 'RegularExpression') {
      const problem = checkPath(value);
      if (problem) errors.push(`${at}.matches[${j}].path "${value}" ${problem}`);
    }
  });
  const filters = list(rule.filters);
  const redirect = filters.find((f) => f.type === 'RequestRedirect');
  const rewrite = filters.find((f) => f.type === 'URLRewrite');
  const backends = list(rule.backendRefs);
  if (redirect && backends.length > 0) errors.push(`${at}: a redirect rule cannot also have backends (RequestRedirect is answered by the gateway)`);
  if (redirect && rewrite) errors.push(`${at}: redirect and rewrite cannot be combined in one rule`);
  if (!redirect && backends.length === 0) errors.push(`${at}: no backends and no redirect; requests would get 500`);
  for (const backend of backends) {
    const weight = backend.weight;
    if (weight !== undefined && (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 1_000_000)) {
      errors.push(`${at}: backend ${String(backend.name)} weight ${String(weight)} is outside 0 to 1000000`);
    }
  }
  for (const filter of [record(redirect?.requestRedirect), record(rewrite?.urlRewrite)]) {
    if (record(filter.path).type !== 'ReplacePrefixMatch') continue;
    // ReplacePrefixMatch needs exactly one PathPrefix match to know what prefix to replace.
    // A rule without matches gets the CRD's default, one PathPrefix "/", before the CEL rule runs
    // (imports/crds/gateway-api-standard-v1.6.1, HTTPRoute spec.rules[].matches `default`).
    const effective = matches.length > 0 ? matches : [{ path: { type: 'PathPrefix', value: '/' } }];
    const prefixMatches = effective.filter((m) => record(m.path).type === 'PathPrefix');
    if (effective.length !== 1 || prefixMatches.length !== 1) errors.push(`${at}: replacePrefixMatch needs exactly one PathPrefix match in the rule`);
  }
  for (const [name, filterType, field] of [['requestHeaders', 'RequestHeaderModifier', 'requestHeaderModifier'], ['responseHeaders', 'ResponseHeaderModifier', 'responseHeaderModifier']] as const) {
    const modifier = record(filters.find((f) => f.type === filterType)?.[field]);
    const all = [...list(modifier.set).map((h) => h.name), ...list(modifier.add).map((h) => h.name), ...(Array.isArray(modifier.remove) ? modifier.remove : [])].map((h) => String(h).toLowerCase());
    const dupes = all.filter((h, i) => all.indexOf(h) !== i);
    if (dupes.length) errors.push(`${at}.${name}: header "${dupes[0]}" appears in more than one action; each header takes one action`);
  }
  const timeouts = record(rule.timeouts);
  const request = text(timeouts.request);
  const backendRequest = text(timeouts.backendRequest);
  for (const [field, value] of [['timeouts.request', request], ['timeouts.backendRequest', backendRequest]] as const) {
    const problem = checkDuration(`${at}.${field}`, value);
    if (problem) errors.push(problem);
  }
  if (request && backendRequest) {
    const [r, b] = [parseDuration(request), parseDuration(backendRequest)];
    // HTTPRouteTimeouts: backendRequest must be <= request (when request is not 0).
    if (r !== undefined && b !== undefined && r > 0 && b > r) errors.push(`${at}: timeouts.backendRequest (${backendRequest}) is longer than timeouts.request (${request})`);
  }
  return errors;
}
