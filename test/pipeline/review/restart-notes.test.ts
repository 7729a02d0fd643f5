import { toYaml } from '../../../lib/pipeline/engine/output';
import { diffManifests, parseManifestTrees, riskId } from '../../../lib/pipeline/review/manifest-diff';
import { restartNotes, type RestartNote } from '../../../lib/pipeline/review/restart-notes';

// Raw objects, as any route to dist/ may write them: the notes read the rendered output, not
// how it was built.
type Obj = Record<string, any>;

function tree(objects: readonly Obj[]): Map<string, string> {
  return new Map(objects.map((o) => [`test-sandbox/demo/${o.kind.toLowerCase()}-${o.metadata.namespace}-${o.metadata.name}.yaml`, toYaml(o)]));
}

function notes(before: readonly Obj[], after: readonly Obj[]): RestartNote[] {
  const parsed = parseManifestTrees(tree(before), tree(after));
  return restartNotes(diffManifests(parsed.before, parsed.after).changes, parsed.after);
}

/** `<workload kind>/<name> reads <Kind> <name> as <how> (source <Kind>)`, one per note. */
function summary(result: readonly RestartNote[]): string[] {
  return result.map((n) => `${n.workload.kind}/${n.workload.name} reads ${n.reads.kind} ${n.reads.name} as ${n.how.join(' and ')} (source ${n.source.kind})`);
}

function workload(kind: string, name: string, pod: Obj, options: { namespace?: string; annotations?: Obj } = {}): Obj {
  return {
    apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind,
    metadata: { name, namespace: options.namespace ?? 'demo' },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name }, ...(options.annotations ? { annotations: options.annotations } : {}) }, spec: pod } },
  };
}

const configMap = (name: string, data: Obj, namespace = 'demo'): Obj => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const sealed = (name: string, encryptedData: Obj, template: Obj = {}): Obj => ({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name, namespace: 'demo' }, spec: { encryptedData, template } });
const external = (name: string, key: string, target?: string): Obj => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name, namespace: 'demo' },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' }, ...(target ? { target: { name: target } } : {}), data: [{ secretKey: 'token', remoteRef: { key } }] },
});

const envFromConfigMap = (name: string): Obj => ({ containers: [{ name: 'web', image: 'web:1', env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name, key: 'mode' } } }] }] });

describe('a changed Secret or ConfigMap whose readers will not restart', () => {
  test('a raw ConfigMap read through configMapKeyRef, with no checksum on the template: noted, with the rollout command', () => {
    const deployment = workload('Deployment', 'web', envFromConfigMap('settings'));
    const result = notes([configMap('settings', { mode: 'a' }), deployment], [configMap('settings', { mode: 'b' }), deployment]);
    expect(summary(result)).toEqual(['Deployment/web reads ConfigMap settings as environment variables (source ConfigMap)']);
    expect(result[0].fields.map((f) => f.path)).toEqual(['data.mode']);
    expect(result[0].command).toBe('kubectl rollout restart deployment/web -n demo');
    expect(result[0].writtenBy).toBeUndefined();
  });

  test('the same change with a checksum annotation that changes with the data: the pods roll, no note', () => {
    const before = workload('Deployment', 'web', envFromConfigMap('settings'), { annotations: { 'platform.internal/config-checksum': 'a' } });
    const after = workload('Deployment', 'web', envFromConfigMap('settings'), { annotations: { 'platform.internal/config-checksum': 'b' } });
    expect(notes([configMap('settings', { mode: 'a' }), before], [configMap('settings', { mode: 'b' }), after])).toEqual([]);
  });

  test('a re-sealed SealedSecret read through envFrom and a Secret volume: one note per workload, naming the Secret it writes and its controller', () => {
    const pod = (): Obj => ({
      containers: [{ name: 'web', image: 'web:1', envFrom: [{ secretRef: { name: 'web-secrets' } }] }],
      volumes: [{ name: 'keys', secret: { secretName: 'web-secrets' } }],
    });
    const statefulSet = workload('StatefulSet', 'db', { containers: [{ name: 'db', image: 'db:1', env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'web-secrets', key: 'PW' } } }] }] });
    const unrelated = workload('Deployment', 'other', envFromConfigMap('settings'));
    const before = [sealed('web-secrets', { PW: 'AgA1' }), workload('Deployment', 'web', pod()), statefulSet, unrelated];
    const after = [sealed('web-secrets', { PW: 'AgB2' }), workload('Deployment', 'web', pod()), statefulSet, unrelated];
    const result = notes(before, after);
    expect(summary(result)).toEqual([
      'Deployment/web reads Secret web-secrets as environment variables and mounted files (source SealedSecret)',
      'StatefulSet/db reads Secret web-secrets as environment variables (source SealedSecret)',
    ]);
    expect(result[0].fields.map((f) => f.path)).toEqual(['spec.encryptedData.PW']);
    expect(result[0].writtenBy).toBe('the sealed-secrets controller');
    expect(result[1].command).toBe('kubectl rollout restart statefulset/db -n demo');
  });

  test('a SealedSecret whose template names another Secret: the readers of that Secret are noted', () => {
    const deployment = workload('Deployment', 'web', { containers: [{ name: 'web', image: 'web:1', envFrom: [{ secretRef: { name: 'renamed' } }] }] });
    const template = { metadata: { name: 'renamed' } };
    expect(summary(notes([sealed('web-secrets', { PW: 'AgA1' }, template), deployment], [sealed('web-secrets', { PW: 'AgB2' }, template), deployment])))
      .toEqual(['Deployment/web reads Secret renamed as environment variables (source SealedSecret)']);
  });

  test('an ExternalSecret whose spec changes, read through a projected volume of its target Secret: noted, after the operator rewrites it', () => {
    const daemonSet = workload('DaemonSet', 'agent', {
      containers: [{ name: 'agent', image: 'agent:1' }],
      volumes: [{ name: 'creds', projected: { sources: [{ secret: { name: 'agent-token' } }, { configMap: { name: 'agent-token' } }] } }],
    });
    const result = notes([external('agent', 'v1/token', 'agent-token'), daemonSet], [external('agent', 'v2/token', 'agent-token'), daemonSet]);
    expect(summary(result)).toEqual(['DaemonSet/agent reads Secret agent-token as mounted files (source ExternalSecret)']);
    expect(result[0].fields.map((f) => f.path)).toEqual(['spec.data[0].remoteRef.key']);
    expect(result[0].writtenBy).toBe('the External Secrets Operator');
  });

  test('a changed raw Secret: noted for an init container reading it and a projected ConfigMap beside it; not for an image pull secret, read at the next pull', () => {
    const secret = (token: string): Obj => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry', namespace: 'demo' }, stringData: { token } });
    const puller = workload('Deployment', 'puller', { imagePullSecrets: [{ name: 'registry' }], containers: [{ name: 'web', image: 'web:1' }] });
    const init = workload('StatefulSet', 'init', {
      initContainers: [{ name: 'wait', image: 'wait:1', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'registry', key: 'token' } } }] }],
      containers: [{ name: 'web', image: 'web:1' }],
      volumes: [{ name: 'b', projected: { sources: [{ configMap: { name: 'settings' } }] } }],
    });
    expect(summary(notes([secret('a'), puller, init], [secret('b'), puller, init]))).toEqual(['StatefulSet/init reads Secret registry as environment variables (source Secret)']);
    expect(summary(notes([configMap('settings', { mode: 'a' }), init], [configMap('settings', { mode: 'b' }), init]))).toEqual(['StatefulSet/init reads ConfigMap settings as mounted files (source ConfigMap)']);
  });

  test('not noted: a new workload, a workload whose template changes, another namespace, a Job, a change outside the content', () => {
    const reader = (image: string, namespace?: string) => workload('Deployment', 'web', { containers: [{ name: 'web', image, envFrom: [{ configMapRef: { name: 'settings' } }] }] }, { namespace });
    const job = workload('Job', 'migrate', envFromConfigMap('settings'));
    // New: its pods start with the new content.
    expect(notes([configMap('settings', { mode: 'a' })], [configMap('settings', { mode: 'b' }), reader('web:1')])).toEqual([]);
    // The template changes in the same diff: the pods roll anyway.
    expect(notes([configMap('settings', { mode: 'a' }), reader('web:1')], [configMap('settings', { mode: 'b' }), reader('web:2')])).toEqual([]);
    // A ConfigMap of the same name in another namespace is another object.
    expect(notes([configMap('settings', { mode: 'a' }), reader('web:1', 'other')], [configMap('settings', { mode: 'b' }), reader('web:1', 'other')])).toEqual([]);
    // A Job's next pods read the new content.
    expect(notes([configMap('settings', { mode: 'a' }), job], [configMap('settings', { mode: 'b' }), job])).toEqual([]);
    // Only labels change: the content the pods read is the same.
    const labelled = { ...configMap('settings', { mode: 'a' }), metadata: { name: 'settings', namespace: 'demo', labels: { team: 'x' } } };
    expect(notes([configMap('settings', { mode: 'a' }), reader('web:1')], [labelled, reader('web:1')])).toEqual([]);
  });
});

describe('riskId', () => {
  test('names the rule, the environment, the kind with its group, the namespace and the name', () => {
    const object = { environment: 'prod', app: 'hello', file: 'x', apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', namespace: 'hello', name: 'hello-db' };
    expect(riskId({ rule: 'stateful-removal', object })).toBe('stateful-removal:prod/Cluster.postgresql.cnpg.io/hello/hello-db');
    expect(riskId({ rule: 'volume-shrink', object: { ...object, apiVersion: 'v1', kind: 'PersistentVolumeClaim', name: 'data' } })).toBe('volume-shrink:prod/PersistentVolumeClaim/hello/data');
    expect(riskId({ rule: 'stateful-removal', object: { ...object, apiVersion: 'v1', kind: 'Namespace', namespace: undefined, name: 'hello' } })).toBe('stateful-removal:prod/Namespace/hello');
  });
});
