import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { only, problemsOf, ROOT } from '../helpers';

const result = synthesize({ apps, overlaysDir: join(ROOT, 'overlays'), environments: ['openova-prod'] });
const objects = result.apps[0].objects;
const deployment = only(objects, 'Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe('pool-domain-manager (reference deployment 5)', () => {
  test('runs in openova-system on port 8080 as uid 65534, ready on /healthz, alive on the TCP port, ClusterIP only', () => {
    expect(deployment.metadata.namespace).toBe('openova-system');
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 65534, runAsGroup: 65534, runAsNonRoot: true });
    expect(container.readinessProbe.httpGet.path).toBe('/healthz');
    // /healthz answers 503 while CNPG is unreachable (the seed's openapi.yaml): a liveness probe
    // on it would restart every pod on a database failover, so liveness only checks the socket.
    expect(container.livenessProbe.httpGet).toBeUndefined();
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(only(objects, 'Service').spec.type).toBe('ClusterIP');
    expect(objects.some((o) => ['Ingress', 'HTTPRoute', 'Gateway'].includes(o.kind))).toBe(false);
  });

  test('the Dynadot keys come from the Secret openova keeps; defaulted settings are not set; PORT and PDM_DATABASE_URL are derived', () => {
    const fromSecret = (name: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: 'dynadot-api-credentials', key } } });
    expect(container.env).toEqual([
      fromSecret('DYNADOT_API_KEY', 'api-key'),
      fromSecret('DYNADOT_API_SECRET', 'api-secret'),
      fromSecret('DYNADOT_MANAGED_DOMAINS', 'domains'),
      { name: 'PDM_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'pool-domain-manager-db-app', key: 'uri' } } },
    ]);
    // No store entry of this repository's invention, and nothing that fails whole when optional keys are missing.
    expect(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name)).toEqual(['pool-domain-manager-backup-s3']);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'pool-domain-manager-env' } }]);
    // PDM_RESERVATION_TTL and PDM_SWEEPER_INTERVAL keep the image's defaults (10m, 30s) unless set.
    expect(only(objects, 'ConfigMap', 'pool-domain-manager-env').data).toEqual({ PORT: '8080' });
  });

  /** The openova-prod overlays in a scratch directory, with pool-domain-manager.yaml edited. */
  function editedOverlay(edit: (text: string) => string): string {
    const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
    cpSync(join(ROOT, 'overlays', 'openova-prod'), join(dir, 'openova-prod'), { recursive: true });
    const file = join(dir, 'openova-prod', 'pool-domain-manager.yaml');
    writeFileSync(file, edit(readFileSync(file, 'utf8')));
    return dir;
  }

  test('a setting given in the overlay is set as the image reads it; a duration Go cannot parse is refused', () => {
    const set = editedOverlay((t) => t.replace('# settings: { PDM_RESERVATION_TTL: 15m }', 'settings: { PDM_RESERVATION_TTL: 15m, PDM_SWEEPER_INTERVAL: 1m30s }'));
    const env = only(synthesize({ apps, overlaysDir: set, environments: ['openova-prod'] }).apps[0].objects, 'ConfigMap', 'pool-domain-manager-env');
    expect(env.data).toEqual({ PORT: '8080', PDM_RESERVATION_TTL: '15m', PDM_SWEEPER_INTERVAL: '1m30s' });
    const bad = editedOverlay((t) => t.replace('# settings: { PDM_RESERVATION_TTL: 15m }', 'settings: { PDM_RESERVATION_TTL: 15 minutes }'));
    expect(problemsOf(() => synthesize({ apps, overlaysDir: bad })).join('\n'))
      .toMatch(/pool-domain-manager\.yaml:\d+:\d+ settings\.PDM_RESERVATION_TTL: .*must be a Go duration/);
  });

  test('the Dynadot Secret must be declared: another name the environment does not declare is refused', () => {
    const dir = editedOverlay((t) => t.replace('dynadotSecret: dynadot-api-credentials', 'dynadotSecret: dynadot-keys'));
    expect(problemsOf(() => synthesize({ apps, overlaysDir: dir })).join('\n')).toMatch(/dynadot-keys/);
  });

  test('its own CNPG database: two instances with backups (production), admitting only its pods', () => {
    const cluster = only(objects, 'Cluster');
    expect(cluster.metadata.namespace).toBe('openova-system');
    expect(cluster.spec.instances).toBe(2);
    expect(only(objects, 'ScheduledBackup').spec.cluster.name).toBe('pool-domain-manager-db');
    const clients = only(objects, 'NetworkPolicy', 'pool-domain-manager-db-ingress').spec.ingress.find((r: any) => r.ports.length === 1 && r.ports[0].port === 5432);
    expect(clients.from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openova-system' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'pool-domain-manager', 'app.kubernetes.io/instance': 'pool-domain-manager-prod' } },
    }]);
    expect(only(objects, 'ExternalSecret', 'pool-domain-manager-backup-s3').spec.data.map((d: any) => d.secretKey)).toEqual(['ACCESS_KEY_ID', 'ACCESS_SECRET_KEY']);
  });

  test('the service admits only its declared caller, catalyst-api, resolved from existing.clients', () => {
    expect(only(objects, 'NetworkPolicy', 'pool-domain-manager-ingress').spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalyst' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'catalyst-api' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }]);
  });

  test('a client the environment does not declare is refused with the overlay field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
    cpSync(join(ROOT, 'overlays', 'openova-prod'), join(dir, 'openova-prod'), { recursive: true });
    const file = join(dir, 'openova-prod', 'pool-domain-manager.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('clients: [catalyst-api]', 'clients: [catalyst-api, billing]'));
    expect(problemsOf(() => synthesize({ apps, overlaysDir: dir })).join('\n'))
      .toMatch(/overlays\/openova-prod\/pool-domain-manager\.yaml clients\.1: names client "billing", which .*environment\.yaml does not declare/);
  });

  test('a key renamed in the ExternalSecret that feeds the backups is refused: the ObjectStore reads ACCESS_KEY_ID', () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlays-'));
    cpSync(join(ROOT, 'overlays', 'openova-prod'), join(dir, 'openova-prod'), { recursive: true });
    const file = join(dir, 'openova-prod', 'pool-domain-manager.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('properties: [ACCESS_KEY_ID, ACCESS_SECRET_KEY]', 'properties: [AWS_ACCESS_KEY_ID, ACCESS_SECRET_KEY]'));
    // The construct sees it first (the store reads through the ExternalSecret); the reference
    // check over the rendered objects, the same check, is tested in test/pipeline/checks/references.test.ts.
    expect(problemsOf(() => synthesize({ apps, overlaysDir: dir }))).toEqual([
      expect.stringMatching(/s3Credentials\.accessKeyIdKey reads key "ACCESS_KEY_ID" of Secret pool-domain-manager-backup-s3, which ExternalSecret pool-domain-manager-backup-s3 writes without that key \(it has ACCESS_SECRET_KEY, AWS_ACCESS_KEY_ID\)/s),
    ]);
  });
});
