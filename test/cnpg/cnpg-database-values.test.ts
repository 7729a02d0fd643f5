import { Type } from '@sinclair/typebox';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../../lib/cnpg/cnpg-database-values';
import { parseOverlay } from '../../lib/pipeline/engine/overlay';
import { SealedSecret } from '../../lib/secrets/sealed-secret';
import { checkReferences } from '../../lib/pipeline/checks/references';
import { only, problemsOf, render, testChart, testEnvironment } from '../helpers';

/** Bytes shaped like kubeseal output (a 256-byte session key and the AES-GCM tag). */
const SEALED = Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(256 + 32, 7)]).toString('base64');

const schema = Type.Object({ database: CnpgDatabaseValues }, { additionalProperties: false });
const parse = (text: string) => parseOverlay(text, 'overlays/railiance01-prod/railiance-platform.yaml', schema);

const STATE_HUB = `
database:
  name: state-hub-db
  singleInstanceReason: railiance01 is a single-node k3s cluster
  postgresVersion: 17
  imageName: ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie
  storageSize: 10Gi
  database: statehub
  clients:
    - namespace: railiance-apps
      podLabels: { app.kubernetes.io/name: state-hub }
  backup:
    schedule: "0 0 2 * * *"
    objectStore:
      name: state-hub-backups
      destinationPath: s3://railiance-backups/databases
      endpointUrl: https://minio.storage.svc:9000
      s3Credentials: { secretName: state-hub-backup-s3 }
      retentionPolicy: 30d
`;

function build(text: string) {
  const values = parse(text);
  const chart = testChart({ namespace: 'databases', app: 'railiance-platform' });
  const db = cnpgDatabaseFromValues(chart, 'state-hub-db', values.database);
  return { chart, db };
}

describe('CnpgDatabaseValues', () => {
  test('an overlay builds the database and its backup store', () => {
    const { chart, db } = build(STATE_HUB);
    const objects = render(chart);
    expect(only(objects, 'ObjectStore').metadata.name).toBe('state-hub-backups');
    expect(only(objects, 'Cluster').spec.plugins[0].parameters).toEqual({ barmanObjectName: 'state-hub-backups' });
    expect(only(objects, 'ScheduledBackup').spec.schedule).toBe('0 0 2 * * *');
    expect(db.connection.database).toBe('statehub');
  });

  test('a secret the overlay names is read through the source the app emits, its keys checked', () => {
    const values = parse(STATE_HUB);
    const chart = testChart({ namespace: 'databases', app: 'railiance-platform' });
    const secret = new SealedSecret(chart, 'creds', { name: 'state-hub-backup-s3', scope: 'strict', encryptedData: { ACCESS_KEY_ID: SEALED, SECRET_KEY: SEALED } });
    cnpgDatabaseFromValues(chart, 'state-hub-db', values.database, { secrets: [secret] });
    expect(problemsOf(() => render(chart))).toEqual([
      expect.stringContaining('s3Credentials.secretAccessKeyKey reads key "ACCESS_SECRET_KEY" of Secret state-hub-backup-s3, which SealedSecret state-hub-backup-s3 writes without that key (it has ACCESS_KEY_ID, SECRET_KEY)'),
    ]);
  });

  test('a secret the app does not emit is a reference: the environment must declare it under existing.secrets', () => {
    const { chart } = build(STATE_HUB);
    const objects = render(chart);
    expect(only(objects, 'ObjectStore').spec.configuration.s3Credentials.accessKeyId).toEqual({ name: 'state-hub-backup-s3', key: 'ACCESS_KEY_ID' });
    const operators = { 'cloudnative-pg': '1.30.0', 'barman-cloud': '0.14.0' };
    const check = (secrets: string[]) => checkReferences(testEnvironment({ existing: { operators, namespaces: ['databases'], secrets } }), [{ app: { name: 'railiance-platform' }, objects }])
      .filter((p) => p.message.includes('state-hub-backup-s3')).map((p) => p.message);
    expect(check([])).toEqual([
      'reads Secret databases/state-hub-backup-s3, which nothing in environment test-sandbox writes (no Secret, SealedSecret, ExternalSecret, database or Gateway certificate of that name)',
      'reads Secret databases/state-hub-backup-s3, which nothing in environment test-sandbox writes (no Secret, SealedSecret, ExternalSecret, database or Gateway certificate of that name)',
    ]);
    expect(check(['databases/state-hub-backup-s3'])).toEqual([]);
  });

  test('recovery takes the backup store unless another is named', () => {
    const { chart } = build(`${STATE_HUB}    serverName: state-hub-db-2\n  recovery:\n    serverName: state-hub-db\n`);
    const cluster = only(render(chart), 'Cluster');
    expect(cluster.spec.externalClusters[0].plugin.parameters).toEqual({ barmanObjectName: 'state-hub-backups', serverName: 'state-hub-db' });
    expect(cluster.spec.plugins[0].parameters.serverName).toBe('state-hub-db-2');
  });

  test('recovery can name an existing store this app does not emit', () => {
    const { chart } = build(`${STATE_HUB}  recovery:\n    existingObjectStore: old-backups\n`);
    const objects = render(chart);
    expect(objects.filter((o) => o.kind === 'ObjectStore').map((o) => o.metadata.name)).toEqual(['state-hub-backups']);
    expect(only(objects, 'Cluster').spec.externalClusters[0].plugin.parameters.barmanObjectName).toBe('old-backups');
  });

  test('recovery without any store is refused', () => {
    const text = STATE_HUB.slice(0, STATE_HUB.indexOf('  backup:')) + '  recovery: {}\n';
    expect(problemsOf(() => build(text)).join('\n')).toMatch(/recovery has no store/);
  });

  test('recovery naming the backup store again is refused', () => {
    const text = `${STATE_HUB}  recovery:\n    objectStore: { name: state-hub-backups, destinationPath: "s3://x", inheritFromIamRole: true }\n`;
    expect(problemsOf(() => build(text)).join('\n')).toMatch(/recovery.objectStore repeats backup.objectStore "state-hub-backups"/);
  });

  test('unknown keys and bad values are reported with the overlay line', () => {
    const problems = problemsOf(() => parse(STATE_HUB.replace('storageSize: 10Gi', 'storageSize: 10Gi\n  replicas: 2').replace('retentionPolicy: 30d', 'retentionPolicy: 30 days')));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/railiance-platform.yaml:\d+:\d+ database.replicas: unknown key "replicas"/),
      expect.stringMatching(/database.backup.objectStore.retentionPolicy: "30 days" must be a retention policy: a positive number followed by d, w or m/),
    ]));
  });

  test('a Cluster name longer than 50 characters is refused by the schema', () => {
    expect(problemsOf(() => parse(STATE_HUB.replace('name: state-hub-db', `name: ${'a'.repeat(51)}`))).join('\n')).toMatch(/database.name: .* must NOT have more than 50 characters/);
  });
});
