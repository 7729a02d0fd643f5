import { POD_TEMPLATE_KINDS } from '../../../lib/core/kinds';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { POD_READ_FIELDS, podReadsOf, type PodRead } from '../../../lib/pipeline/checks/pod-reads';

// Raw rendered objects: the walker reads the output, however it was built.
const pod = {
  serviceAccountName: 'web',
  imagePullSecrets: [{ name: 'registry' }],
  initContainers: [{ name: 'migrate', image: 'web:1', env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db-app', key: 'uri' } } }] }],
  containers: [{
    name: 'web',
    image: 'web:1',
    env: [
      { name: 'PLAIN', value: 'x' },
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: true } } },
    ],
    envFrom: [{ secretRef: { name: 'web-env' }, prefix: 'APP_' }, { configMapRef: { name: 'web-config' } }],
    volumeMounts: [{ name: 'keys', mountPath: '/keys' }, { name: 'bundle', mountPath: '/bundle' }, { name: 'data', mountPath: '/data' }],
  }],
  ephemeralContainers: [{ name: 'debug', image: 'busybox:1', envFrom: [{ secretRef: { name: 'debug-env', optional: true } }] }],
  volumes: [
    { name: 'keys', secret: { secretName: 'web-keys', items: [{ key: 'tls.key', path: 'key' }, { key: 'tls.crt', path: 'crt' }] } },
    { name: 'conf', configMap: { name: 'web-files' } },
    {
      name: 'bundle',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', audience: 'vault' } },
          { secret: { name: 'bundle-secret', optional: true } },
          { configMap: { name: 'bundle-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
        ],
      },
    },
    { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
    { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } },
    { name: 'tmp', emptyDir: {} },
  ],
};
const deployment: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: pod } },
};

/** `<Kind> <namespace/name>[#key] <path> [<containers>] <use> by <resolver>[ optional]`, one per read. */
const lines = (reads: readonly PodRead[]) => reads.map((r) =>
  `${r.kind.kind} ${r.target.namespace}/${r.target.name}${r.key ? `#${r.key}` : ''} ${r.path} [${r.containers.join(',')}] ${r.field.use} by ${r.field.resolvedBy}${r.optional ? ' optional' : ''}`);

describe('one walker of what a pod reads', () => {
  test('every field of the table, in every container field, with its path, key, optional flag and the containers concerned', () => {
    expect(lines(podReadsOf(deployment))).toEqual([
      'Secret demo/db-app#uri spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyRef [migrate] environment variables by kubelet',
      'ConfigMap demo/settings#mode spec.template.spec.containers[0].env[1].valueFrom.configMapKeyRef [web] environment variables by kubelet optional',
      'Secret demo/web-env spec.template.spec.containers[0].envFrom[0].secretRef [web] environment variables by kubelet',
      'Secret demo/debug-env spec.template.spec.ephemeralContainers[0].envFrom[0].secretRef [debug] environment variables by kubelet optional',
      'ConfigMap demo/web-config spec.template.spec.containers[0].envFrom[1].configMapRef [web] environment variables by kubelet',
      'Secret demo/web-keys#tls.key spec.template.spec.volumes[0].secret.items[0] [web] mounted files by kubelet',
      'Secret demo/web-keys#tls.crt spec.template.spec.volumes[0].secret.items[1] [web] mounted files by kubelet',
      'ConfigMap demo/web-files spec.template.spec.volumes[1].configMap [] mounted files by kubelet',
      'Secret demo/bundle-secret spec.template.spec.volumes[2].projected.sources[1].secret [web] mounted files by kubelet optional',
      'ConfigMap demo/bundle-ca#ca.crt spec.template.spec.volumes[2].projected.sources[2].configMap.items[0] [web] mounted files by kubelet',
      'PersistentVolumeClaim demo/web-data spec.template.spec.volumes[3].persistentVolumeClaim [web] volume by scheduler',
      'StorageClass demo/fast spec.template.spec.volumes[4].ephemeral.volumeClaimTemplate.spec.storageClassName [] volume by controller',
      'Secret demo/registry spec.template.spec.imagePullSecrets[0] [migrate,web,debug] image pull credentials by kubelet',
      'ServiceAccount demo/web spec.template.spec.serviceAccountName [migrate,web,debug] identity by admission',
    ]);
    expect(podReadsOf(deployment).find((r) => r.path.endsWith('envFrom[0].secretRef'))?.envPrefix).toBe('APP_');
  });

  test('every pod-template kind is walked at its own pod spec; other kinds read nothing here', () => {
    const spec = { containers: [{ name: 'c', image: 'c:1', envFrom: [{ secretRef: { name: 's' } }] }] };
    const paths = (o: KubeObject) => podReadsOf(o).map((r) => r.path);
    expect(paths({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec })).toEqual(['spec.containers[0].envFrom[0].secretRef']);
    expect(paths({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec } } } } }))
      .toEqual(['spec.jobTemplate.spec.template.spec.containers[0].envFrom[0].secretRef']);
    expect(paths({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template: { spec } })).toEqual(['template.spec.containers[0].envFrom[0].secretRef']);
    for (const kind of POD_TEMPLATE_KINDS.members.filter((k) => !['Pod', 'CronJob', 'PodTemplate'].includes(k.kind))) {
      const object = { apiVersion: kind.group ? `${kind.group}/v1` : 'v1', kind: kind.kind, metadata: { name: 'x' }, spec: { template: { spec } } };
      expect(paths(object)).toEqual(['spec.template.spec.containers[0].envFrom[0].secretRef']);
    }
    expect(paths({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db' }, spec: { template: { spec } } })).toEqual([]);
  });

  test('the table says, for each field, what it names and who resolves it', () => {
    expect(POD_READ_FIELDS.map((f) => `${f.field}: ${f.reads.kind} (${f.resolvedBy})`)).toEqual([
      'env[].valueFrom.secretKeyRef: Secret (kubelet)',
      'env[].valueFrom.configMapKeyRef: ConfigMap (kubelet)',
      'envFrom[].secretRef: Secret (kubelet)',
      'envFrom[].configMapRef: ConfigMap (kubelet)',
      'volumes[].secret: Secret (kubelet)',
      'volumes[].configMap: ConfigMap (kubelet)',
      'volumes[].projected.sources[].secret: Secret (kubelet)',
      'volumes[].projected.sources[].configMap: ConfigMap (kubelet)',
      'volumes[].persistentVolumeClaim: PersistentVolumeClaim (scheduler)',
      'volumes[].ephemeral.volumeClaimTemplate.spec.storageClassName: StorageClass (controller)',
      'imagePullSecrets[]: Secret (kubelet)',
      'serviceAccountName: ServiceAccount (admission)',
    ]);
    for (const field of POD_READ_FIELDS) expect(field.whenMissing).toMatch(/kubernetes (pkg|plugin)\//);
  });
});
