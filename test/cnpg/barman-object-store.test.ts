import { BarmanObjectStore, type BarmanObjectStoreProps } from '../../lib/cnpg/barman-object-store';
import { SecretSource } from '../../lib/core/secret-source';
import { ExternalSecret } from '../../lib/secrets/external-secret';
import { only, problemsOf, render, testChart } from '../helpers';

const base: BarmanObjectStoreProps = { name: 'backups', destinationPath: 's3://railiance-backups/databases', s3Credentials: { secret: SecretSource.fromSecretName('backup-s3') } };

function storeOf(props: Partial<BarmanObjectStoreProps> = {}) {
  const chart = testChart({ namespace: 'databases' });
  const construct = new BarmanObjectStore(chart, 'store', { ...base, ...props });
  return { chart, construct };
}

const objectStoreOf = (props: Partial<BarmanObjectStoreProps> = {}) => only(render(storeOf(props).chart), 'ObjectStore');
const errorsOf = (props: Partial<BarmanObjectStoreProps>) => problemsOf(() => render(storeOf(props).chart)).join('\n');

describe('BarmanObjectStore', () => {
  test('emits a barmancloud.cnpg.io ObjectStore with S3 credentials from a Secret and a 30-day retention', () => {
    const store = objectStoreOf();
    expect(store.apiVersion).toBe('barmancloud.cnpg.io/v1');
    expect(store.metadata).toMatchObject({ name: 'backups', namespace: 'databases' });
    expect(store.spec).toEqual({
      configuration: {
        destinationPath: 's3://railiance-backups/databases',
        s3Credentials: {
          accessKeyId: { name: 'backup-s3', key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: 'backup-s3', key: 'ACCESS_SECRET_KEY' },
        },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
      retentionPolicy: '30d',
    });
  });

  test('puts the retention policy at spec level and never sets the forbidden configuration.serverName', () => {
    const store = objectStoreOf({ retentionPolicy: '8w' });
    expect(store.spec.retentionPolicy).toBe('8w');
    expect(store.spec.configuration.retentionPolicy).toBeUndefined();
    expect(store.spec.configuration.serverName).toBeUndefined();
  });

  test('points at an S3-compatible endpoint with its own CA, custom keys, region and encryption', () => {
    const store = objectStoreOf({
      endpointUrl: 'https://minio.storage.svc:9000',
      endpointCa: { secret: SecretSource.fromSecretName('minio-ca'), key: 'ca.crt' },
      s3Credentials: { secret: SecretSource.fromSecretName('minio'), accessKeyIdKey: 'user', secretAccessKeyKey: 'pass', regionKey: 'region', sessionTokenKey: 'token' },
      encryption: 'AES256',
      walCompression: 'zstd',
      dataCompression: 'lz4',
      walMaxParallel: 4,
    });
    expect(store.spec.configuration).toEqual({
      destinationPath: 's3://railiance-backups/databases',
      endpointURL: 'https://minio.storage.svc:9000',
      endpointCA: { name: 'minio-ca', key: 'ca.crt' },
      s3Credentials: {
        accessKeyId: { name: 'minio', key: 'user' },
        secretAccessKey: { name: 'minio', key: 'pass' },
        region: { name: 'minio', key: 'region' },
        sessionToken: { name: 'minio', key: 'token' },
      },
      wal: { compression: 'zstd', encryption: 'AES256', maxParallel: 4 },
      data: { compression: 'lz4', encryption: 'AES256' },
    });
  });

  test('can take credentials from the pod\'s IAM role instead', () => {
    expect(objectStoreOf({ s3Credentials: undefined, inheritFromIamRole: true }).spec.configuration.s3Credentials).toEqual({ inheritFromIAMRole: true });
  });

  test('is protected from ArgoCD pruning and deletion', () => {
    expect(objectStoreOf().metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '-2' });
  });

  test('exposes what a Cluster refers to it by', () => {
    const { construct } = storeOf();
    expect(construct.name).toBe('backups');
    expect(construct.namespace).toBe('databases');
    expect(construct.retentionPolicy).toBe('30d');
    expect(BarmanObjectStore.fromObjectStoreAttributes({ name: 'old-store', namespace: 'databases' })).toEqual({ name: 'old-store', namespace: 'databases' });
  });

  describe('refuses', () => {
    test('a retention policy the CRD pattern rejects', () => {
      expect(errorsOf({ retentionPolicy: '30' })).toMatch(/retentionPolicy "30" is not a retention policy.*\^\[1-9\]\[0-9\]\*\[dwm\]\$/);
      expect(errorsOf({ retentionPolicy: '0d' })).toMatch(/retentionPolicy "0d"/);
      expect(errorsOf({ retentionPolicy: '1y' })).toMatch(/retentionPolicy "1y"/);
    });

    test('a destination that is not s3://bucket/path', () => {
      expect(errorsOf({ destinationPath: 'backups/databases' })).toMatch(/destinationPath "backups\/databases" is not an S3 location/);
      expect(errorsOf({ destinationPath: 's3://Bad_Bucket/x' })).toMatch(/is not an S3 location/);
    });

    test('an endpoint that is not an http(s) URL', () => {
      expect(errorsOf({ endpointUrl: 'minio:9000' })).toMatch(/endpointUrl "minio:9000" is not an http\(s\) URL/);
    });

    test('no credentials, or both kinds', () => {
      expect(errorsOf({ s3Credentials: undefined })).toMatch(/the store has no credentials/);
      expect(errorsOf({ inheritFromIamRole: true })).toMatch(/s3Credentials and inheritFromIamRole are exclusive/);
    });

    test('bad names and empty keys', () => {
      expect(errorsOf({ name: 'Backups' })).toMatch(/ObjectStore name "Backups"/);
      expect(errorsOf({ s3Credentials: { secret: SecretSource.fromSecretName('Bad_Secret') } })).toMatch(/s3Credentials.secret name "Bad_Secret"/);
      expect(errorsOf({ s3Credentials: { secret: SecretSource.fromSecretName('s'), accessKeyIdKey: '' } })).toMatch(/s3Credentials.accessKeyIdKey is empty/);
      expect(errorsOf({ endpointCa: { secret: SecretSource.fromSecretName('ca'), key: '' } })).toMatch(/endpointCa.key is empty/);
    });

    test('a credentials key the ExternalSecret feeding the store does not write, naming both sides', () => {
      const chart = testChart({ namespace: 'databases' });
      const secret = new ExternalSecret(chart, 'creds', {
        name: 'backup-s3',
        store: { name: 'vault' },
        data: { AWS_ACCESS_KEY_ID: { key: 'backup', property: 'id' }, ACCESS_SECRET_KEY: { key: 'backup', property: 'secret' } },
      });
      new BarmanObjectStore(chart, 'store', { ...base, s3Credentials: { secret, regionKey: 'REGION' } });
      expect(problemsOf(() => render(chart))).toEqual([
        expect.stringContaining('s3Credentials.accessKeyIdKey reads key "ACCESS_KEY_ID" of Secret backup-s3, which ExternalSecret backup-s3 writes without that key (it has ACCESS_SECRET_KEY, AWS_ACCESS_KEY_ID)'),
        expect.stringContaining('s3Credentials.regionKey reads key "REGION" of Secret backup-s3, which ExternalSecret backup-s3 writes without that key'),
      ]);
    });

    test('an endpoint CA key the source does not write', () => {
      expect(errorsOf({ endpointCa: { secret: SecretSource.fromSecretAttributes({ name: 'minio-ca', keys: ['tls.crt'] }), key: 'ca.crt' } }))
        .toMatch(/endpointCa.key reads key "ca.crt" of Secret minio-ca, which Secret minio-ca \(not emitted by this app\) writes without that key \(it has tls.crt\)/);
    });

    test('a WAL parallelism below one', () => {
      expect(errorsOf({ walMaxParallel: 0 })).toMatch(/walMaxParallel 0 must be a positive integer/);
    });
  });
});
