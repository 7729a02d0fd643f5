import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { kubernetesRelease, sources, validators } from '../imports/validators';
import { ROOT } from './helpers';

interface Upstream { file: string; upstream: string; kinds: Record<string, string> | string[]; classes?: Record<string, string>; sha256: string }
const upstream: Upstream[] = JSON.parse(readFileSync(join(ROOT, 'imports/UPSTREAM.json'), 'utf8'));
interface Vendored { upstreamFile: string; upstream: string; sha256: string; classes: Record<string, string>; documents: { kind: string; group: string; file: string; sha256: string }[] }
const vendored: Vendored[] = JSON.parse(readFileSync(join(ROOT, 'imports/crds/VENDORED.json'), 'utf8'));
interface KubernetesDump { release: string; documents: { path: string; file: string; sha256: string }[] }
const dump: KubernetesDump = JSON.parse(readFileSync(join(ROOT, 'imports/kubernetes/VENDORED.json'), 'utf8'));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
interface Crd { spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] } }
// js-yaml: several times faster than the yaml package on 9 MB of CRDs.
const crdOf = (file: string): Crd => load(readFileSync(join(ROOT, 'imports/crds', file), 'utf8')) as Crd;

describe('imports/', () => {
  test('records the upstream version and checksum of every source it was generated from', () => {
    for (const entry of upstream) {
      expect(entry.upstream).toMatch(/v\d+\.\d+\.\d+/);
      expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('the built-in kinds come from the kube-apiserver release the server check builds', () => {
    // test/apiserver/go.mod pins the kube-apiserver the server check runs; its OpenAPI is the dump.
    const goMod = readFileSync(join(ROOT, 'test/apiserver/go.mod'), 'utf8');
    expect(goMod).toMatch(new RegExp(`^\\s*k8s.io/kubernetes ${dump.release.replace(/\./g, '\\.')}$`, 'm'));
    expect(kubernetesRelease).toBe(dump.release);
    const entry = upstream.find((u) => u.file === 'kubernetes/VENDORED.json');
    expect(entry?.sha256).toBe(sha256(join(ROOT, 'imports/kubernetes/VENDORED.json')));
  });

  test('the Kubernetes dump is unchanged since it was taken, and holds every group version of the release', () => {
    for (const doc of dump.documents) expect([doc.file, sha256(join(ROOT, 'imports/kubernetes', doc.file))]).toEqual([doc.file, doc.sha256]);
    const groupVersions = dump.documents.map((d) => d.path).filter((p) => /^api\/v1$|^apis\/[^/]+\/[^/]+$/.test(p));
    expect(groupVersions).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/autoscaling/v2', 'apis/policy/v1', 'apis/networking.k8s.io/v1']));
    // An API removed before the release is not served by it (the Deprecated API Migration Guide).
    expect(groupVersions).not.toEqual(expect.arrayContaining(['apis/autoscaling/v2beta2']));
  });

  test('every built-in kind of the release has a strict validator, taken from the dump, not from a list', () => {
    const builtIn = upstream.find((u) => u.file === 'kubernetes/VENDORED.json')?.kinds as string[];
    expect(Object.keys(sources).filter((k) => sources[k] === 'kubernetes').sort()).toEqual([...builtIn].sort());
    expect(builtIn).toEqual(expect.arrayContaining([
      'v1/Pod', 'v1/LimitRange', 'v1/ResourceQuota', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'batch/v1/CronJob',
      'autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget', 'rbac.authorization.k8s.io/v1/ClusterRole',
    ]));
    expect(builtIn.length).toBeGreaterThan(60);
  });

  test('every served version of every vendored CRD has a strict validator, and nothing else does', () => {
    const expected = vendored.flatMap((entry) => entry.documents.flatMap((doc) => {
      const crd = crdOf(doc.file);
      return crd.spec.versions.filter((v) => v.served).map((v) => `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`);
    }));
    expect(Object.keys(validators).filter((k) => sources[k] !== 'kubernetes').sort()).toEqual(expected.sort());
  });

  test('vendors every CRD of each upstream file unchanged, with the checksum UPSTREAM.json records', () => {
    for (const entry of vendored) {
      expect(upstream.find((u) => u.file === entry.upstreamFile)?.sha256).toBe(entry.sha256);
      for (const doc of entry.documents) expect([doc.file, sha256(join(ROOT, 'imports/crds', doc.file))]).toEqual([doc.file, doc.sha256]);
    }
  });

  test('vendors the full CRD sets of the pinned operators, not only the kinds the apps emit', () => {
    const kinds = new Set(vendored.flatMap((e) => e.documents.map((d) => `${d.group}/${d.kind}`)));
    for (const kind of [
      'cert-manager.io/Certificate', 'cert-manager.io/ClusterIssuer', 'monitoring.coreos.com/ServiceMonitor', 'external-secrets.io/ClusterSecretStore',
      'postgresql.cnpg.io/Pooler', 'gateway.networking.k8s.io/GRPCRoute', 'gateway.envoyproxy.io/ClientTrafficPolicy', 'tailscale.com/ProxyClass',
      'kustomize.toolkit.fluxcd.io/Kustomization', 'source.toolkit.fluxcd.io/GitRepository', 'argoproj.io/ApplicationSet',
    ]) expect([kind, kinds.has(kind)]).toEqual([kind, true]);
  });

  test('typed L1 classes exist for the kinds each vendored file lists under classes', () => {
    for (const entry of vendored) {
      for (const kind of Object.keys(entry.classes)) {
        const group = entry.documents.find((d) => d.kind === kind)?.group ?? '';
        // cdk8s import names the class in PascalCase (HTTPRoute -> HttpRoute).
        expect([kind, new RegExp(`^export class ${kind} extends ApiObject`, 'mi').test(readFileSync(join(ROOT, 'imports', `${group}.ts`), 'utf8'))]).toEqual([kind, true]);
      }
    }
  });

  test('npm run import reads the vendored sources in imports/, not ../shared', () => {
    for (const file of ['scripts/import.mjs', ...readdirSync(join(ROOT, 'scripts/import')).map((f) => `scripts/import/${f}`)]) {
      expect([file, /\.\.\/shared\b|shared\/(crds|schemas)/.test(readFileSync(join(ROOT, file), 'utf8'))]).toEqual([file, false]);
    }
  });

  test('neither synth nor tests read ../shared (a user clone does not have it)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js|mjs)$/.test(entry) && path !== __filename && /\.\.\/shared\b|shared\/(crds|schemas)/.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    for (const dir of ['lib', 'apps', 'test']) walk(join(ROOT, dir));
    expect(offenders).toEqual([]);
  });
});
