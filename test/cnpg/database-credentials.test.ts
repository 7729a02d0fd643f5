import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { databaseConnection } from '../../lib/cnpg/database-connection';
import { DatabaseCredentials, type DatabaseCredentialsProps } from '../../lib/cnpg/database-credentials';
import { only, problemsOf, render, testChart } from '../helpers';

const { connection } = CnpgDatabase.fromDatabaseAttributes({ name: 'state-hub-db', namespace: 'databases', database: 'statehub' });

function credentialsOf(props: Partial<DatabaseCredentialsProps> = {}) {
  const chart = testChart({ namespace: 'railiance-apps', app: 'state-hub' });
  const construct = new DatabaseCredentials(chart, 'db-credentials', { connection, ...props });
  return { chart, construct };
}

const errorsOf = (props: Partial<DatabaseCredentialsProps>) => problemsOf(() => render(credentialsOf(props).chart)).join('\n');

describe('DatabaseCredentials', () => {
  test('emits a ServiceAccount, a kubernetes-provider SecretStore and an ExternalSecret, all in the consumer namespace', () => {
    const objects = render(credentialsOf().chart);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'ServiceAccount railiance-apps/state-hub-db-credentials',
      'SecretStore railiance-apps/state-hub-db-credentials',
      'ExternalSecret railiance-apps/state-hub-db-app',
    ]);
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('the SecretStore reads only the database namespace, as the dedicated ServiceAccount, trusting the in-cluster CA', () => {
    const store = only(render(credentialsOf().chart), 'SecretStore');
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.spec).toEqual({
      provider: {
        kubernetes: {
          remoteNamespace: 'databases',
          server: { caProvider: { type: 'ConfigMap', name: 'kube-root-ca.crt', key: 'ca.crt' } },
          auth: { serviceAccount: { name: 'state-hub-db-credentials' } },
        },
      },
    });
  });

  test('the ExternalSecret copies the application Secret\'s keys and names the host so it resolves from here', () => {
    const external = only(render(credentialsOf().chart), 'ExternalSecret');
    expect(external.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'state-hub-db-credentials' });
    expect(external.spec.refreshInterval).toBe('1h');
    expect(external.spec.data.map((d: any) => d.secretKey)).toEqual(['username', 'user', 'password', 'dbname', 'port', 'uri', 'jdbc-uri', 'fqdn-uri', 'fqdn-jdbc-uri']);
    expect(external.spec.data[0]).toEqual({ secretKey: 'username', remoteRef: { key: 'state-hub-db-app', property: 'username' } });
    expect(external.spec.target).toEqual({
      name: 'state-hub-db-app',
      template: {
        engineVersion: 'v2',
        mergePolicy: 'Merge',
        data: {
          host: 'state-hub-db-rw.databases',
          pgpass: 'state-hub-db-rw.databases:5432:{{ .dbname }}:{{ .username }}:{{ .password }}\n',
        },
      },
    });
  });

  test('copies only username and password from an existing basic-auth Secret, untemplated', () => {
    const existing = databaseConnection({ clusterName: 'state-hub-db', namespace: 'databases', existingSecret: 'state-hub-owner' });
    const external = only(render(credentialsOf({ connection: existing }).chart), 'ExternalSecret');
    expect(external.spec.data).toEqual([
      { secretKey: 'username', remoteRef: { key: 'state-hub-owner', property: 'username' } },
      { secretKey: 'password', remoteRef: { key: 'state-hub-owner', property: 'password' } },
    ]);
    expect(external.spec.target).toEqual({ name: 'state-hub-owner' });
  });

  test('takes a custom Secret name, ServiceAccount and refresh interval', () => {
    const { chart, construct } = credentialsOf({ secretName: 'state-hub-database', serviceAccountName: 'state-hub-eso', refreshInterval: '15m' });
    const objects = render(chart);
    expect(construct.secretName).toBe('state-hub-database');
    expect(only(objects, 'ServiceAccount').metadata.name).toBe('state-hub-eso');
    expect(only(objects, 'SecretStore').spec.provider.kubernetes.auth).toEqual({ serviceAccount: { name: 'state-hub-eso' } });
    expect(only(objects, 'ExternalSecret').spec).toMatchObject({ refreshInterval: '15m', target: { name: 'state-hub-database' } });
  });

  test('matches the grant the database app emits, with nothing but the connection passed between the two apps', () => {
    const platform = testChart({ namespace: 'databases', app: 'railiance-platform' });
    const db = new CnpgDatabase(platform, 'db', { name: 'state-hub-db', postgresVersion: 17, imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6', storageSize: '10Gi', database: 'statehub' });
    db.grantCredentialsTo({ namespace: 'railiance-apps' });
    const binding = only(render(platform), 'RoleBinding');
    const role = only(render(platform), 'Role');

    const { chart, construct } = credentialsOf();
    const objects = render(chart);
    const serviceAccount = only(objects, 'ServiceAccount');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: serviceAccount.metadata.namespace }]);
    expect(role.rules[0].resourceNames).toEqual([only(objects, 'ExternalSecret').spec.data[0].remoteRef.key]);
    expect(construct.connection).toEqual(db.connection);
  });

  test('exposes the key names for env wiring', () => {
    const { construct } = credentialsOf();
    expect(construct.secretKeys.uri).toBe('uri');
    expect(construct.secretKeys.fqdnUri).toBe('fqdn-uri');
  });

  test('snapshot', () => {
    expect(render(credentialsOf().chart)).toMatchSnapshot();
  });

  describe('refuses', () => {
    test('copying into the database\'s own namespace', () => {
      expect(errorsOf({ namespace: 'databases' })).toMatch(/the consumer namespace "databases" is the database's own namespace; use connection.secretName \("state-hub-db-app"\) there directly/);
    });

    test('a refresh interval that is not a Go duration', () => {
      expect(errorsOf({ refreshInterval: '1 hour' })).toMatch(/refreshInterval "1 hour" is not a Go duration/);
    });

    test('invalid names', () => {
      expect(errorsOf({ secretName: 'Bad_Name' })).toMatch(/secretName "Bad_Name"/);
      expect(errorsOf({ serviceAccountName: 'Bad_SA' })).toMatch(/serviceAccountName "Bad_SA"/);
    });
  });
});
