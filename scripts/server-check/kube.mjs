// A small Kubernetes API client for the server check: Node's own https, the few calls it needs
// (discovery, server-side apply, get, delete), nothing else. Server-side apply is what `kubectl
// apply --server-side` sends: PATCH with Content-Type application/apply-patch+yaml
// (k8s.io/apimachinery pkg/types/patch.go ApplyPatchType).
import { Agent, request } from 'node:https';

const FIELD_MANAGER = 'server-check';
const REQUEST_TIMEOUT_MS = 60_000;

export class KubeClient {
  /** @param {{ server: string, ca: string, token: string }} connection */
  constructor({ server, ca, token }) {
    this.server = new URL(server);
    this.token = token;
    this.agent = new Agent({ ca, keepAlive: true, maxSockets: 4 });
    /** "apiVersion" -> Map(kind -> { resource, namespaced }), filled on first use per group version. */
    this.discovered = new Map();
  }

  close() {
    this.agent.destroy();
  }

  /** One HTTP call; resolves with status, parsed body and the server's warnings, never rejects on an HTTP status. */
  call(method, path, { body, contentType = 'application/json', query = {} } = {}) {
    const url = new URL(path, this.server);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolvePromise, reject) => {
      const req = request(url, {
        method,
        agent: this.agent,
        timeout: REQUEST_TIMEOUT_MS,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
      }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = { message: text };
          }
          resolvePromise({ status: res.statusCode, body: json, warnings: parseWarnings(res.headers.warning) });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** The REST resource of a kind, from discovery; undefined when the server does not serve it. */
  async resourceOf(apiVersion, kind, { refresh = false } = {}) {
    if (refresh || !this.discovered.has(apiVersion)) {
      const res = await this.call('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      const kinds = new Map();
      if (res.status === 200) {
        for (const r of res.body.resources ?? []) if (!r.name.includes('/')) kinds.set(r.kind, { resource: r.name, namespaced: r.namespaced });
      }
      this.discovered.set(apiVersion, kinds);
    }
    return this.discovered.get(apiVersion).get(kind);
  }

  /** The URL path of one object, or of its collection when `name` is omitted. */
  async pathOf(object) {
    const { apiVersion, kind, metadata = {} } = object;
    const resource = await this.resourceOf(apiVersion, kind);
    if (!resource) return undefined;
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const namespace = resource.namespaced ? `/namespaces/${encodeURIComponent(metadata.namespace ?? 'default')}` : '';
    return `${base}${namespace}/${resource.resource}/${encodeURIComponent(metadata.name)}`;
  }

  /**
   * Server-side apply of one object. `dryRun` sends dryRun=All: every validation and admission
   * step runs, nothing is stored. fieldValidation=Strict refuses unknown and duplicate fields
   * instead of dropping them (what kubectl --validate=strict sends).
   * Resolves with { accepted, status, message, causes, warnings }.
   */
  async apply(object, { dryRun }) {
    const path = await this.pathOf(object);
    if (!path) {
      return { accepted: false, status: 404, message: `the server does not serve kind ${object.kind} in ${object.apiVersion} (is its CRD in imports/crds/?)`, causes: [], warnings: [] };
    }
    const res = await this.call('PATCH', path, {
      body: object,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: 'true', fieldValidation: 'Strict', ...(dryRun ? { dryRun: 'All' } : {}) },
    });
    const accepted = res.status === 200 || res.status === 201;
    return {
      accepted,
      status: res.status,
      message: accepted ? undefined : res.body?.message ?? `HTTP ${res.status}`,
      causes: accepted ? [] : res.body?.details?.causes ?? [],
      warnings: res.warnings,
      object: accepted ? res.body : undefined,
    };
  }

  /**
   * Marks a stored PersistentVolumeClaim Bound with the capacity it asked for, as the
   * PersistentVolume controller and a provisioner leave it in a cluster. Nothing binds claims
   * here, and the server judges an update of an unbound claim differently (k8s.io/kubernetes
   * pkg/apis/core/validation ValidatePersistentVolumeClaimUpdate: only a Bound claim may change
   * resources.requests, and never below status.capacity).
   */
  async markBound(pvc) {
    const path = `${await this.pathOf(pvc)}/status`;
    const status = { phase: 'Bound', accessModes: pvc.spec?.accessModes, capacity: { storage: pvc.spec?.resources?.requests?.storage } };
    const res = await this.call('PATCH', path, { body: { status }, contentType: 'application/merge-patch+json' });
    if (res.status !== 200) throw new Error(`marking ${pvc.metadata.namespace}/${pvc.metadata.name} Bound: ${res.body?.message ?? res.status}`);
  }

  async get(path) {
    return this.call('GET', path);
  }

  /** The body of a GET as the server sent it (bytes), for documents vendored byte for byte; throws unless 200. */
  getBytes(path) {
    const url = new URL(path, this.server);
    return new Promise((resolvePromise, reject) => {
      const req = request(url, { method: 'GET', agent: this.agent, timeout: REQUEST_TIMEOUT_MS, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => (res.statusCode === 200 ? resolvePromise(Buffer.concat(chunks)) : reject(new Error(`GET ${url.pathname}: HTTP ${res.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end();
    });
  }

  /** Deletes one object now; with no controllers running, dependents are left alone. */
  async delete(object) {
    const path = await this.pathOf(object);
    if (!path) return;
    await this.call('DELETE', path, { body: { propagationPolicy: 'Orphan' } });
  }

  /** Creates a namespace with only its name unless it exists (no controller-manager creates any). */
  async ensureNamespace(name) {
    const res = await this.call('GET', `/api/v1/namespaces/${encodeURIComponent(name)}`);
    if (res.status === 200) return;
    const created = await this.call('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
    if (created.status !== 201 && created.status !== 409) throw new Error(`creating namespace ${name}: ${created.body?.message ?? created.status}`);
  }

  /**
   * Installs CRDs for real with server-side apply (client-side apply would store the whole CRD in
   * an annotation, over the 256 KiB limit for the large ones) and waits until each is Established
   * and its kind appears in discovery.
   */
  async installCrds(crds, { timeoutMs = 120_000 } = {}) {
    for (const crd of crds) {
      const res = await this.apply(crd, { dryRun: false });
      if (!res.accepted) throw new Error(`installing CRD ${crd.metadata.name}: ${res.message}`);
    }
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds) {
      const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0].name;
      for (;;) {
        const res = await this.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
        const established = res.body?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        if (established && await this.resourceOf(`${crd.spec.group}/${version}`, crd.spec.names.kind, { refresh: true })) break;
        if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata.name} not established after ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Every served version of every group is looked up again on next use.
    this.discovered.clear();
  }
}

/** RFC 7234 warning headers (`299 - "text"`), as kube-apiserver sends them, to their texts. */
function parseWarnings(header) {
  if (!header) return [];
  const values = Array.isArray(header) ? header : [header];
  const texts = [];
  for (const value of values) {
    for (const match of value.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)) texts.push(match[1].replace(/\\(.)/g, '$1'));
  }
  return texts;
}
