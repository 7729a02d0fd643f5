import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, problemsOf, ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays'), environments: ['railiance01-prod'] });
const objectsOf = (app: string) => result.apps.find((a) => a.app.name === app)!.objects;

/** The railiance01-prod overlays in a scratch directory, with `edit` applied to one file. */
function editedOverlays(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
  cpSync(join(ROOT, 'overlays', 'railiance01-prod'), join(dir, 'railiance01-prod'), { recursive: true });
  const path = join(dir, 'railiance01-prod', file);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

describe('railiance01-prod: the platform layer and State Hub (reference deployments 3 and 4)', () => {
  test('two apps with their own dist/ directories: the platform owns the database, the app owns the workload', () => {
    expect(result.apps.map((a) => a.app.name).sort()).toEqual(['railiance-platform', 'state-hub']);
    expect(objectsOf('railiance-platform').map((o) => o.kind)).toContain('Cluster');
    expect(objectsOf('state-hub').map((o) => o.kind)).not.toContain('Cluster');
    expect([...result.files.keys()].filter((f) => f.endsWith('cluster-state-hub-db.yaml'))).toEqual(['railiance01-prod/railiance-platform/cluster-state-hub-db.yaml']);
  });

  test('state-hub-db: one instance with its reason recorded, backups to the object store, in databases', () => {
    const cluster = only(objectsOf('railiance-platform'), 'Cluster');
    expect(cluster.metadata.namespace).toBe('databases');
    expect(cluster.spec.instances).toBe(1);
    expect(cluster.metadata.annotations['platform.internal/single-instance-reason']).toMatch(/single-node k3s/);
    expect(cluster.spec.plugins[0]).toMatchObject({ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true, parameters: { barmanObjectName: 'state-hub-backups' } });
    expect(only(objectsOf('railiance-platform'), 'ScheduledBackup').spec.schedule).toBe('0 0 3 * * *');
    expect(cluster.spec.bootstrap).toEqual({ initdb: { database: 'statehub', owner: 'statehub' } });
  });

  test('the database admits State Hub\'s pods (web and migration) only, from railiance-apps', () => {
    const policy = only(objectsOf('railiance-platform'), 'NetworkPolicy');
    const clientRules = policy.spec.ingress.filter((r: any) => r.from?.some((p: any) => p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === 'railiance-apps'));
    expect(clientRules).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'railiance-apps' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'state-hub', 'app.kubernetes.io/instance': 'state-hub-prod' } },
      }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    }]);
    const hubPods = [only(objectsOf('state-hub'), 'Deployment'), only(objectsOf('state-hub'), 'Job')].map((o) => o.spec.template.metadata.labels);
    for (const labels of hubPods) expect(labels).toMatchObject(clientRules[0].from[0].podSelector.matchLabels);
  });

  test('cross-namespace credentials: the grant and the copy name the same ServiceAccount, and no Secret is in git', () => {
    const binding = only(objectsOf('railiance-platform'), 'RoleBinding');
    const copy = only(objectsOf('state-hub'), 'SecretStore');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: copy.spec.provider.kubernetes.auth.serviceAccount.name, namespace: 'railiance-apps' }]);
    expect(only(objectsOf('railiance-platform'), 'Role').rules).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['state-hub-db-app'], verbs: ['get'] }]);
    for (const [path, text] of result.files) {
      expect([path, /^kind: Secret$/m.test(text)]).toEqual([path, false]);
    }
  });

  test('the import switch bootstraps a new generation, state-hub-db-2, from the workstation database', () => {
    // The commented block under "# - cluster:" (docs/state-hub-migration.md, step 3), uncommented.
    // The whole switch, sealed password and cut-over included, is test/apps/state-hub-migration.test.ts.
    const overlays = editedOverlays('railiance-platform.yaml', (text) => text.replace(/^ {2}# (- | {2})/gm, '  $1'));
    const switched = synthesize({ apps, overlaysDir: overlays, environments: ['railiance01-prod'], appNames: ['railiance-platform'] });
    const cluster = only(switched.apps[0].objects, 'Cluster', 'state-hub-db-2');
    expect(cluster.spec.bootstrap.initdb.import).toEqual({ type: 'microservice', databases: ['statehub'], source: { externalCluster: 'import-source' } });
    expect(cluster.spec.externalClusters[0]).toMatchObject({ name: 'import-source', password: { name: 'state-hub-import-source', key: 'password' } });
    expect(only(switched.apps[0].objects, 'Cluster', 'state-hub-db').spec.bootstrap.initdb.import).toBeUndefined();
  });

  test('public exposure of State Hub in the overlay is refused, naming the construct', () => {
    const overlays = editedOverlays('state-hub.yaml', (text) => text.replace('# tailnet: { hostname: state-hub }', 'tailnet: { hostname: state-hub, funnel: true }'));
    writeFileSync(join(overlays, 'railiance01-prod', 'environment.yaml'), `${readFileSync(join(overlays, 'railiance01-prod', 'environment.yaml'), 'utf8')}tailscale: { tailnetDomain: tail0000.ts.net }\n`);
    const problems = problemsOf(() => synthesize({ apps, overlaysDir: overlays, environments: ['railiance01-prod'] }));
    expect(problems.join('\n')).toMatch(/^apps\/state-hub\.ts:\d+:\d+ state-hub\/StateHub: State Hub is private: Tailscale Funnel .*overlays\/railiance01-prod\/state-hub\.yaml/m);
  });
});
