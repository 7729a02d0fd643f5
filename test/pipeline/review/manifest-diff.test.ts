import { UserError } from '../../../lib/core/errors';
import { toYaml } from '../../../lib/pipeline/engine/output';
import { diffManifestTrees, type ManifestDiff } from '../../../lib/pipeline/review/manifest-diff';
import { compareQuantities, parseExactQuantity as parseQuantity } from '../../../lib/core/quantity';

// Trees as synth writes them: dist/<env>/<app>/<kind>-<name>.yaml, one object per file.
type Obj = Record<string, any>;

function tree(...objects: Obj[]): Map<string, string> {
  const files = new Map<string, string>();
  files.set('test-sandbox/demo/kustomization.yaml', '# Generated. Do not edit.\nkind: Kustomization\n');
  for (const o of objects) files.set(`test-sandbox/demo/${o.kind.toLowerCase()}-${o.metadata.namespace ?? 'cluster'}-${o.metadata.name}.yaml`, toYaml(o));
  return files;
}

function diff(before: Obj[], after: Obj[]): ManifestDiff {
  return diffManifestTrees(tree(...before), tree(...after), { beforeDisplay: 'dist', afterDisplay: 'synth' });
}

/** The rules that fired, as `rule Kind name`. */
function risks(result: ManifestDiff): string[] {
  return result.risks.map((r) => `${r.rule} ${r.object.kind} ${r.object.name}`);
}

function fields(result: ManifestDiff): string[] {
  return result.changes.flatMap((c) => (c.type === 'changed' || c.type === 'moved' ? c.fields.map((f) => f.path) : []));
}

function object(apiVersion: string, kind: string, name: string, spec: Obj, extra: Obj = {}): Obj {
  return { apiVersion, kind, metadata: { name, namespace: 'demo', ...extra }, spec };
}

const selector = (component: string) => ({ matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/component': component } });

function deployment(options: { image?: string; component?: string; containers?: Obj[] } = {}): Obj {
  const containers = options.containers ?? [{ name: 'web', image: options.image ?? 'ghcr.io/example/web:1.0.0' }, { name: 'sidecar', image: 'ghcr.io/example/sidecar:2' }];
  return object('apps/v1', 'Deployment', 'web', {
    replicas: 1,
    selector: selector(options.component ?? 'web'),
    template: { metadata: { labels: selector(options.component ?? 'web').matchLabels }, spec: { containers } },
  });
}

function pvc(options: { name?: string; size?: string; storageClassName?: string; accessModes?: string[]; namespace?: string } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: options.name ?? 'data', namespace: options.namespace ?? 'demo', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } },
    spec: { accessModes: options.accessModes ?? ['ReadWriteOnce'], resources: { requests: { storage: options.size ?? '10Gi' } }, storageClassName: options.storageClassName ?? 'standard' },
  };
}

function cnpgCluster(storage: Obj, extra: Obj = {}): Obj {
  return object('postgresql.cnpg.io/v1', 'Cluster', 'db', { instances: 1, storage, ...extra });
}

describe('object changes', () => {
  test('no change: nothing reported, and kustomization.yaml is not an object', () => {
    const result = diff([deployment(), pvc()], [deployment(), pvc()]);
    expect(result.changes).toEqual([]);
    expect(result.risks).toEqual([]);
  });

  test('an image tag change is a field change with a name-matched path, and it is safe', () => {
    const result = diff([deployment()], [deployment({ image: 'ghcr.io/example/web:1.1.0' })]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ type: 'changed', after: { kind: 'Deployment', name: 'web', namespace: 'demo', environment: 'test-sandbox', app: 'demo' } });
    expect(result.changes[0].type === 'changed' && result.changes[0].fields).toEqual([
      { path: 'spec.template.spec.containers[name=web].image', before: 'ghcr.io/example/web:1.0.0', after: 'ghcr.io/example/web:1.1.0' },
    ]);
    expect(result.risks).toEqual([]);
  });

  test('reordering named list items is no change; keys with dots are quoted in paths', () => {
    const reordered = deployment({ containers: [{ name: 'sidecar', image: 'ghcr.io/example/sidecar:2' }, { name: 'web', image: 'ghcr.io/example/web:1.0.0' }] });
    expect(diff([deployment()], [reordered]).changes).toEqual([]);
    const labelled = { ...pvc(), metadata: { ...pvc().metadata, labels: { 'app.kubernetes.io/part-of': 'x' } } };
    expect(fields(diff([pvc()], [labelled]))).toEqual(['metadata.labels']);
    const relabelled = { ...pvc(), metadata: { ...pvc().metadata, labels: { 'app.kubernetes.io/part-of': 'y' } } };
    expect(fields(diff([labelled], [relabelled]))).toEqual(['metadata.labels["app.kubernetes.io/part-of"]']);
  });

  test('added and removed objects are listed; removing a stateless object is safe', () => {
    const config = object('v1', 'ConfigMap', 'settings', {});
    const result = diff([deployment(), config], [deployment(), object('v1', 'ConfigMap', 'other', {})]);
    expect(result.changes.map((c) => `${c.type} ${c.type === 'removed' ? c.before.name : c.after.name}`)).toEqual(['added other', 'removed settings']);
    expect(result.risks).toEqual([]);
  });

  test('an apiVersion bump of the same group is a change, not an add and a remove', () => {
    const v1beta1 = object('example.io/v1beta1', 'Widget', 'w', { size: 1 });
    const v1 = object('example.io/v1', 'Widget', 'w', { size: 1 });
    expect(fields(diff([v1beta1], [v1]))).toEqual(['apiVersion']);
  });
});

describe('immutable fields', () => {
  test('Deployment spec.selector', () => {
    const result = diff([deployment()], [deployment({ component: 'api' })]);
    expect(risks(result)).toEqual(['immutable-field Deployment web']);
    expect(result.risks[0].message).toMatch(/^spec\.selector\.matchLabels\["app\.kubernetes\.io\/component"\] cannot change once the Deployment exists/);
    expect(result.risks[0].source).toMatch(/kubernetes\.io\/docs\/concepts\/workloads\/controllers\/deployment/);
  });

  test('StatefulSet selector, serviceName and volumeClaimTemplates, but not replicas or template', () => {
    const sts = (overrides: Obj) => object('apps/v1', 'StatefulSet', 'queue', {
      replicas: 1, serviceName: 'queue', selector: selector('queue'),
      template: { metadata: { labels: selector('queue').matchLabels }, spec: { containers: [{ name: 'q', image: 'q:1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } } } }],
      ...overrides,
    });
    expect(diff([sts({})], [sts({ replicas: 3, template: { metadata: { labels: selector('queue').matchLabels }, spec: { containers: [{ name: 'q', image: 'q:2' }] } } })]).risks).toEqual([]);
    const result = diff([sts({})], [sts({ serviceName: 'queue-headless', selector: selector('other') })]);
    expect(risks(result)).toEqual(['immutable-field StatefulSet queue']);
    expect(result.risks[0].fields.map((f) => f.path)).toEqual(['spec.serviceName', 'spec.selector.matchLabels["app.kubernetes.io/component"]']);
    const grown = diff([sts({})], [sts({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '2Gi' } } } }] })]);
    expect(grown.risks[0].fields.map((f) => f.path)).toEqual(['spec.volumeClaimTemplates[0].spec.resources.requests.storage']);
  });

  test('PersistentVolumeClaim storageClassName and accessModes; growing the request is safe', () => {
    expect(risks(diff([pvc()], [pvc({ storageClassName: 'fast' })]))).toEqual(['immutable-field PersistentVolumeClaim data']);
    expect(diff([pvc()], [pvc({ storageClassName: 'fast' })]).risks[0].fields).toEqual([{ path: 'spec.storageClassName', before: 'standard', after: 'fast' }]);
    expect(risks(diff([pvc()], [pvc({ accessModes: ['ReadWriteMany'] })]))).toEqual(['immutable-field PersistentVolumeClaim data']);
    expect(diff([pvc()], [pvc({ size: '20Gi' })]).risks).toEqual([]);
  });

  test('Service clusterIP: changing or pinning it is refused; dropping it, or switching to ExternalName, is not', () => {
    const service = (spec: Obj) => object('v1', 'Service', 'web', { ports: [{ name: 'http', port: 80 }], ...spec });
    expect(risks(diff([service({ clusterIP: '10.0.0.10' })], [service({ clusterIP: '10.0.0.11' })]))).toEqual(['immutable-field Service web']);
    expect(risks(diff([service({})], [service({ clusterIP: '10.0.0.11' })]))).toEqual(['immutable-field Service web']);
    expect(diff([service({ clusterIP: '10.0.0.10' })], [service({})]).risks).toEqual([]);
    expect(diff([service({ clusterIP: '10.0.0.10' })], [service({ type: 'ExternalName', externalName: 'db.example.org', clusterIP: '' })]).risks).toEqual([]);
  });

  test('Job spec.template', () => {
    const job = (image: string) => object('batch/v1', 'Job', 'migrate', { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } } });
    const result = diff([job('migrate:1')], [job('migrate:2')]);
    expect(risks(result)).toEqual(['immutable-field Job migrate']);
    expect(result.risks[0].fields.map((f) => f.path)).toEqual(['spec.template.spec.containers[name=migrate].image']);
  });

  test('CNPG Cluster walStorage cannot be removed', () => {
    const result = diff([cnpgCluster({ size: '10Gi' }, { walStorage: { size: '2Gi' } })], [cnpgCluster({ size: '10Gi' })]);
    expect(risks(result)).toEqual(['immutable-field Cluster db']);
    expect(result.risks[0].message).toMatch(/walStorage cannot be disabled once configured/);
  });

  test('CNPG Cluster storage class is not flagged: the operator accepts the change', () => {
    expect(diff([cnpgCluster({ size: '10Gi', storageClass: 'standard' })], [cnpgCluster({ size: '10Gi', storageClass: 'fast' })]).risks).toEqual([]);
  });
});

describe('shrinking volumes', () => {
  test('PersistentVolumeClaim request shrinks', () => {
    const result = diff([pvc({ size: '10Gi' })], [pvc({ size: '9Gi' })]);
    expect(risks(result)).toEqual(['volume-shrink PersistentVolumeClaim data']);
    expect(result.risks[0].message).toBe('spec.resources.requests.storage shrinks from 10Gi to 9Gi: Kubernetes refuses to shrink a claim, so the sync fails');
  });

  test('quantities compare by value across suffixes', () => {
    expect(risks(diff([pvc({ size: '1Gi' })], [pvc({ size: '1000Mi' })]))).toEqual(['volume-shrink PersistentVolumeClaim data']);
    expect(risks(diff([pvc({ size: '1Gi' })], [pvc({ size: '1G' })]))).toEqual(['volume-shrink PersistentVolumeClaim data']);
    expect(diff([pvc({ size: '1G' })], [pvc({ size: '1Gi' })]).risks).toEqual([]);
    expect(diff([pvc({ size: '1Gi' })], [pvc({ size: '1024Mi' })]).risks).toEqual([]);
  });

  test('CNPG Cluster spec.storage.size and spec.walStorage.size shrink', () => {
    const storage = diff([cnpgCluster({ size: '10Gi' })], [cnpgCluster({ size: '5Gi' })]);
    expect(risks(storage)).toEqual(['volume-shrink Cluster db']);
    expect(storage.risks[0].fields).toEqual([{ path: 'spec.storage.size', before: '10Gi', after: '5Gi' }]);
    const wal = diff([cnpgCluster({ size: '10Gi' }, { walStorage: { size: '2Gi' } })], [cnpgCluster({ size: '20Gi' }, { walStorage: { size: '1Gi' } })]);
    expect(risks(wal)).toEqual(['volume-shrink Cluster db']);
    expect(wal.risks[0].fields.map((f) => f.path)).toEqual(['spec.walStorage.size']);
    expect(diff([cnpgCluster({ size: '10Gi' })], [cnpgCluster({ size: '20Gi' })]).risks).toEqual([]);
  });

  test('CNPG Cluster tablespaces: shrinking or removing one is refused', () => {
    const withTablespaces = (...sizes: Array<[string, string]>) => cnpgCluster({ size: '10Gi' }, { tablespaces: sizes.map(([name, size]) => ({ name, storage: { size } })) });
    const shrunk = diff([withTablespaces(['hot', '5Gi'], ['cold', '50Gi'])], [withTablespaces(['cold', '40Gi'], ['hot', '5Gi'])]);
    expect(risks(shrunk)).toEqual(['volume-shrink Cluster db']);
    expect(shrunk.risks[0].fields.map((f) => f.path)).toEqual(['spec.tablespaces[name=cold].storage.size']);
    const dropped = diff([withTablespaces(['hot', '5Gi'], ['cold', '50Gi'])], [withTablespaces(['hot', '5Gi'])]);
    expect(risks(dropped)).toEqual(['immutable-field Cluster db']);
    expect(dropped.risks[0].message).toMatch(/tablespace "cold" is removed.*no tablespace can be deleted once created/);
  });
});

describe('stateful objects removed, renamed or moved', () => {
  test('removing a PersistentVolumeClaim is flagged, and says what ArgoCD does with Prune=false', () => {
    const result = diff([deployment(), pvc()], [deployment()]);
    expect(risks(result)).toEqual(['stateful-removal PersistentVolumeClaim data']);
    expect(result.risks[0].message).toMatch(/the sync leaves it in the cluster, unmanaged \(sync option Prune=false\); whoever deletes it later loses what it holds \(deleting a claim deletes its volume and data/);
    const unprotected = { ...pvc(), metadata: { name: 'data', namespace: 'demo' } };
    expect(diff([unprotected], []).risks[0].message).toMatch(/: the sync deletes it: deleting a claim deletes its volume and data/);
  });

  test('removing a CNPG Cluster, ObjectStore, ScheduledBackup or StatefulSet is flagged', () => {
    const objects = [
      cnpgCluster({ size: '1Gi' }),
      object('barmancloud.cnpg.io/v1', 'ObjectStore', 'backups', {}),
      object('postgresql.cnpg.io/v1', 'ScheduledBackup', 'db-daily', {}),
      object('apps/v1', 'StatefulSet', 'queue', {}),
    ];
    expect(risks(diff(objects, [])).sort()).toEqual([
      'stateful-removal Cluster db', 'stateful-removal ObjectStore backups', 'stateful-removal ScheduledBackup db-daily', 'stateful-removal StatefulSet queue',
    ]);
  });

  test('a removed PVC and an added PVC in the same namespace are reported as a likely rename', () => {
    const result = diff([pvc({ name: 'data' })], [pvc({ name: 'data-v2' })]);
    expect(risks(result)).toEqual(['likely-rename PersistentVolumeClaim data']);
    expect(result.risks[0].message).toMatch(/"data" is removed and "data-v2" added in namespace demo .*likely a rename/);
    const elsewhere = diff([pvc({ name: 'data' })], [pvc({ name: 'data-v2', namespace: 'other' })]);
    expect(risks(elsewhere)).toEqual(['stateful-removal PersistentVolumeClaim data']);
  });

  test('same kind and name in another namespace is one move, not an add and a remove', () => {
    const result = diff([pvc({ namespace: 'demo' }), deployment()], [pvc({ namespace: 'demo-2' }), deployment()]);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ type: 'moved', before: { namespace: 'demo' }, after: { namespace: 'demo-2' }, fields: [] });
    expect(risks(result)).toEqual(['namespace-move PersistentVolumeClaim data']);
    expect(result.risks[0].message).toMatch(/moves from namespace demo to demo-2: Kubernetes cannot move an object, so the sync creates a new one in demo-2, without the old one's data, and leaves the old one in the cluster/);
  });

  test('a stateless object moving namespaces is flagged too, without the data warning', () => {
    const config = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace }, data: { a: '1' } });
    const result = diff([config('demo')], [config('demo-2')]);
    expect(risks(result)).toEqual(['namespace-move ConfigMap settings']);
    expect(result.risks[0].message).toMatch(/creates a new one in demo-2 and deletes the old one$/);
  });
});

describe('reading trees', () => {
  test('a dist file that is not valid YAML, or not an object, is bad input naming the file', () => {
    const broken = new Map([
      ['env/app/deployment-web.yaml', 'kind: [unclosed\n'],
      ['env/app/configmap-x.yaml', '- just\n- a list\n'],
      ['README.md', '# not yaml: [\n'],
    ]);
    let error: unknown;
    try {
      diffManifestTrees(broken, new Map(), { beforeDisplay: 'dist' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const problems = (error as UserError).problems.map((p) => `${p.where}: ${p.message}`);
    expect(problems).toEqual([
      'dist/env/app/configmap-x.yaml: holds a document that is not a Kubernetes object',
      expect.stringMatching(/^dist\/env\/app\/deployment-web\.yaml(:\d+)?: is not valid YAML/),
    ]);
  });
});

describe('Kubernetes quantities', () => {
  const value = (text: unknown) => {
    const q = parseQuantity(text);
    return q ? Number(q.numerator) / Number(q.denominator) : undefined;
  };

  test('binary, decimal, exponent and milli suffixes', () => {
    expect(value('1Ki')).toBe(1024);
    expect(value('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(value('2G')).toBe(2e9);
    expect(value('500m')).toBe(0.5);
    expect(value('1e3')).toBe(1000);
    expect(value('1E')).toBe(1e18);
    expect(value('.5k')).toBe(500);
    expect(value(10)).toBe(10);
  });

  test('anything else is not a quantity', () => {
    for (const text of ['', 'Gi', '1 Gi', '1gi', '1GB', '1e', '1.2.3', 'ten', undefined, null]) expect(parseQuantity(text)).toBeUndefined();
  });

  test('comparison is exact', () => {
    const q = (text: string) => parseQuantity(text)!;
    expect(compareQuantities(q('1Gi'), q('1073741824'))).toBe(0);
    expect(compareQuantities(q('1Gi'), q('1073741825'))).toBeLessThan(0);
    expect(compareQuantities(q('1Ei'), q('1E'))).toBeGreaterThan(0);
  });
});
