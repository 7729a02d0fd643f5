import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineApp } from '../../../lib/core/app';
import { k8s } from '../../../lib/core/k8s';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { problemsOf, restrictedDeployment } from '../../helpers';

/**
 * The reference check on a run narrowed by --app (synthesize's appNames): the apps it builds are
 * checked against environment.yaml and the other apps' output in dist/ (outputDir).
 */

/** Emits the Namespace "shared", which no environment.yaml declares. */
const owner = defineApp({
  name: 'owner',
  description: 'owns the namespace',
  values: Type.Object({}),
  build(chart) {
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'shared' } });
  },
});

/** Runs a Deployment in its overlay's namespace, and may ask for a claim of a class. */
const user = defineApp({
  name: 'user',
  description: 'lives in the owner\'s namespace',
  values: Type.Object({ storageClass: Type.Optional(Type.String()) }),
  build(chart, values) {
    restrictedDeployment(chart, 'user');
    if (values.storageClass) {
      new k8s.KubePersistentVolumeClaim(chart, 'data', {
        metadata: { name: 'data', annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false' } },
        spec: { storageClassName: values.storageClass, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
      });
    }
  },
});

describe('the reference check on a run narrowed by --app', () => {
  let root: string;
  let overlays: string;
  const dist = () => join(root, 'dist');
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'narrowed-'));
    overlays = join(root, 'overlays');
    write('overlays/lab/environment.yaml', [
      'cluster: lab', 'stage: sandbox', 'production: false', 'kubernetes: "1.34"',
      'argocd: { server: https://kubernetes.default.svc, repoURL: https://git.example.org/deployments.git }',
      'storageClass: block',
      'existing: { storageClasses: { block: { accessModes: [ReadWriteOnce] } } }', '',
    ].join('\n'));
    write('overlays/lab/owner.yaml', 'namespace: shared\n');
    write('overlays/lab/user.yaml', 'namespace: shared\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Writes a full run's files to dist/, as `npm run synth` would. */
  const synthAll = () => {
    for (const [path, content] of synthesize({ apps: [owner, user], overlaysDir: overlays }).files) write(`dist/${path}`, content);
  };

  test('the other apps\' output in dist/ counts as emitted: a namespace another app emits is found', () => {
    synthAll();
    expect(synthesize({ apps: [owner, user], overlaysDir: overlays, appNames: ['user'], outputDir: dist() }).apps.map((a) => a.app.name)).toEqual(['user']);
  });

  test('a reference nothing satisfies is refused on the narrowed run with the full run\'s message', () => {
    synthAll();
    write('overlays/lab/user.yaml', 'namespace: nowhere\n');
    const full = problemsOf(() => synthesize({ apps: [owner, user], overlaysDir: overlays }));
    const narrowed = problemsOf(() => synthesize({ apps: [owner, user], overlaysDir: overlays, appNames: ['user'], outputDir: dist() }));
    expect(narrowed).toEqual(['lab/user/deployment-user.yaml Deployment nowhere/user metadata.namespace (app user, environment lab): is in namespace "nowhere", which no app emits and overlays/lab/environment.yaml does not declare']);
    expect(full).toEqual(narrowed);
  });

  test('only the apps built are reported: another app\'s problem in dist/ is its own run\'s', () => {
    synthAll();
    // The owner's output in dist/ now sits in a namespace nobody declares; the user's run is not about it.
    write('dist/lab/owner/stray.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stray, namespace: elsewhere }\n');
    expect(() => synthesize({ apps: [owner, user], overlaysDir: overlays, appNames: ['user'], outputDir: dist() })).not.toThrow();
  });

  test('without the other apps\' output, what environment.yaml alone decides is still checked', () => {
    // No dist/: the owner's Namespace is unknown, so the namespace is not held against the user...
    expect(() => synthesize({ apps: [owner, user], overlaysDir: overlays, appNames: ['user'], outputDir: dist() })).not.toThrow();
    // ...but a StorageClass is only ever declared, so a claim of an unlisted one is refused.
    write('overlays/lab/user.yaml', 'namespace: shared\nstorageClass: nfs\n');
    expect(problemsOf(() => synthesize({ apps: [owner, user], overlaysDir: overlays, appNames: ['user'] }))).toEqual([
      'lab/user/persistentvolumeclaim-data.yaml PersistentVolumeClaim shared/data spec (app user, environment lab): asks StorageClass "nfs", which overlays/lab/environment.yaml does not list under existing.storageClasses [allowed: block]',
    ]);
  });
});
