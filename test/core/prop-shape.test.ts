import type { Construct } from 'constructs';
import { MigrationJob } from '../../lib/apps/migration-job';
import { PersistentClaim } from '../../lib/apps/persistent-claim';
import { PushDaemonApp } from '../../lib/apps/push-daemon-app';
import { ScheduledJob } from '../../lib/apps/scheduled-job';
import { StateHub } from '../../lib/apps/state-hub';
import { WebService } from '../../lib/apps/web-service';
import { BarmanObjectStore } from '../../lib/cnpg/barman-object-store';
import { CnpgDatabase } from '../../lib/cnpg/cnpg-database';
import { DatabaseAlerts } from '../../lib/cnpg/database-alerts';
import { DatabaseCredentials } from '../../lib/cnpg/database-credentials';
import { SecretSource } from '../../lib/core/secret-source';
import { ServiceRef } from '../../lib/core/service-ref';
import { BackendTrafficPolicy } from '../../lib/gateway/backend-traffic-policy';
import { CorsPolicy } from '../../lib/gateway/cors-policy';
import { Gateway } from '../../lib/gateway/gateway';
import { HttpRoute } from '../../lib/gateway/http-route';
import { ReferenceGrant } from '../../lib/gateway/reference-grant';
import { ExternalSecret } from '../../lib/secrets/external-secret';
import { SealedSecret } from '../../lib/secrets/sealed-secret';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';
import { problemsOf, testChart } from '../helpers';

/*
 * Props as a JavaScript caller, a cast or JSON can pass them (issue 31.5): every public construct
 * checks its props' shape before it reads them, so a wrong shape is the user's error (UserError:
 * the construct path, the prop path, what the prop takes), never a TypeError inside the library.
 */

type Props = Record<string, unknown>;
/** A construct built as JavaScript would call it: props of any shape. */
type Build = (scope: Construct, props: Props) => unknown;
const js = <T,>(props: unknown) => props as T;

const backend = ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'demo', ports: [{ name: 'http', port: 8000 }] });
const secret = SecretSource.fromSecretName('api-secrets');
const gatewayRef = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'demo', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: 'app.example.org', allowedRoutes: { from: 'Same' } }] });
const web = { name: 'api', image: 'registry.example/api:1.2.3', port: 8000, healthPath: '/health' };
const db = CnpgDatabase.fromDatabaseAttributes({ name: 'api-db', namespace: 'demo', database: 'api' });

/** Each public construct, how it is built, and props it takes. */
const CONSTRUCTS: ReadonlyArray<[string, Build, Props]> = [
  ['WebService', (s, p) => new WebService(s, 'c', js(p)), web],
  ['ScheduledJob', (s, p) => new ScheduledJob(s, 'c', js(p)), { name: 'report', image: 'registry.example/report:1.0', schedule: '0 2 * * *' }],
  ['MigrationJob', (s, p) => new MigrationJob(s, 'c', typeof p === 'object' ? js({ service: new WebService(s, 'svc', web), ...p }) : js(p)), { command: ['/app/migrate'] }],
  ['PersistentClaim', (s, p) => new PersistentClaim(s, 'c', js(p)), { name: 'data', size: '1Gi' }],
  ['PushDaemonApp', (s, p) => new PushDaemonApp(s, 'c', js(p)), {
    name: 'docs', image: 'registry.example/docs:1.0', port: 8000, healthPath: '/health', pushTimeoutSeconds: 30,
    dataRemote: { urlEnv: 'REPO_URL', branchEnv: 'REPO_BRANCH', branch: 'main', deployKey: secret, knownHosts: 'github.com ssh-ed25519 AAAA' },
    dataVolume: { mountPath: '/data', size: '1Gi' },
  }],
  ['StateHub', (s, p) => new StateHub(s, 'c', js(p)), { image: 'registry.example/state-hub:1.0', database: db }],
  ['CnpgDatabase', (s, p) => new CnpgDatabase(s, 'c', js(p)), { name: 'api-db', postgresVersion: 17, storageSize: '1Gi' }],
  ['BarmanObjectStore', (s, p) => new BarmanObjectStore(s, 'c', js(p)), { name: 'backups', destinationPath: 's3://bucket/path', s3Credentials: { secret } }],
  ['DatabaseCredentials', (s, p) => new DatabaseCredentials(s, 'c', js(p)), { connection: db.connection }],
  ['DatabaseAlerts', (s, p) => new DatabaseAlerts(s, 'c', js(p)), { clusterName: 'api-db', backups: true, instances: 2 }],
  ['Gateway', (s, p) => new Gateway(s, 'c', js(p)), { name: 'web', hostnames: ['app.example.org'] }],
  ['HttpRoute', (s, p) => new HttpRoute(s, 'c', js(p)), { name: 'api', gateway: gatewayRef, rules: [{ backends: [{ service: backend, port: 8000 }] }] }],
  ['BackendTrafficPolicy', (s, p) => new BackendTrafficPolicy(s, 'c', js(p)), { target: gatewayRef, timeout: { request: '30s' } }],
  ['CorsPolicy', (s, p) => new CorsPolicy(s, 'c', js(p)), { target: gatewayRef, allowOrigins: ['https://app.example.org'] }],
  ['ReferenceGrant', (s, p) => new ReferenceGrant(s, 'c', js(p)), { name: 'grant', namespace: 'other', from: { kind: 'HTTPRoute', namespace: 'demo' }, to: { kind: 'Service', names: ['api'] } }],
  ['TailscaleFunnel', (s, p) => new TailscaleFunnel(s, 'c', js(p)), { backend, port: 'http', hostname: 'demo-api' }],
  ['ExternalSecret', (s, p) => new ExternalSecret(s, 'c', js(p)), { name: 'env', store: { name: 'vault', kind: 'ClusterSecretStore' }, data: { TOKEN: { key: 'api', property: 'token' } } }],
  ['SealedSecret', (s, p) => new SealedSecret(s, 'c', js(p)), { name: 'env', encryptedData: { TOKEN: 'AgB...' }, scope: 'strict' }],
];

/** The problems building `build` with `props` raises at once (the shape is checked in the constructor). */
const built = (build: Build, props: Props) => {
  try {
    build(testChart(), props);
    return '';
  } catch (error) {
    return problemsOf(() => {
      throw error;
    }).join('\n');
  }
};

describe('every public construct checks its props\' shape when built', () => {
  test.each(CONSTRUCTS)('%s: an unknown prop is refused, with the nearest known name; its props as given pass', (_name, build, props) => {
    expect(built(build, props)).toBe('');
    const misspelt = Object.keys(props)[0];
    expect(built(build, { ...props, [`${misspelt}x`]: 1 })).toMatch(new RegExp(`demo/c: unknown prop "${misspelt}x" \\[allowed: .*\\(did you mean "${misspelt}"\\?\\)\\]`));
  });

  test.each(CONSTRUCTS)('%s: props that are not an object are refused', (_name, build) => {
    expect(built(build, js<Props>('api'))).toMatch(/demo\/c: the props are the string "api"; they must be an object/);
  });
});

describe('wrong shapes, with the prop path and what the prop takes', () => {
  test.each<[string, Build, Props, RegExp]>([
    ['a number where a string goes', CONSTRUCTS[0][1], { ...web, image: 42 }, /prop image is the number 42 \[allowed: a value of type string\]/],
    ['a string where a number goes', CONSTRUCTS[0][1], { ...web, port: '8000' }, /prop port is the string "8000" \[allowed: a port number\]/],
    ['a value outside an enumeration', CONSTRUCTS[0][1], { ...web, strategy: 'Rolling' }, /prop strategy is the string "Rolling" \[allowed: one of "RollingUpdate", "Recreate"\]/],
    ['a Secret\'s bare name in a volume', CONSTRUCTS[0][1], { ...web, volumes: [{ name: 'key', mountPath: '/etc/key', source: { secret: 'tls-key' } }] },
      /prop volumes\[0\]\.source\.secret is the string "tls-key"; it takes an ISecretSource: .*SecretSource\.fromSecretName\("tls-key"\)/],
    ['a volume source of no known kind', CONSTRUCTS[0][1], { ...web, volumes: [{ name: 'x', mountPath: '/x', source: { hostPath: '/var' } }] },
      /prop volumes\[0\]\.source is an object with hostPath \[allowed: one of \{ claim: .*\{ emptyDir: \{ sizeLimit\? \} \}\]/],
    ['a number in env', CONSTRUCTS[0][1], { ...web, env: { WORKERS: 4 } }, /prop env\.WORKERS is the number 4 \[allowed: a value of type string\]/],
    ['a path match that is not one', CONSTRUCTS[0][1], { ...web, tailnet: { hostname: 'api-admin', only: [{ value: '/admin', type: 'Regex' }] } },
      /prop tailnet\.only\[0\]\.type is the string "Regex" \[allowed: one of "PathPrefix", "Exact"\]/],
    ['a command as one string', CONSTRUCTS[2][1], { command: 'alembic upgrade head' }, /prop command is the string "alembic upgrade head" \[allowed: a command: a list of strings/],
    ['a Service name where a Service goes', CONSTRUCTS[15][1], { backend: 'api', port: 'http', hostname: 'demo-api' },
      /prop backend is the string "api"; it takes an IServiceRef: a construct's service/],
    ['a Gateway name where a Gateway goes', CONSTRUCTS[11][1], { name: 'api', gateway: 'public', rules: [] }, /prop gateway is the string "public"; it takes an IGateway/],
    ['one hostname where a list goes', CONSTRUCTS[10][1], { name: 'web', hostnames: 'app.example.org' }, /prop hostnames is the string "app\.example\.org" \[allowed: a list of hostnames\]/],
    ['a size as a number', CONSTRUCTS[6][1], { name: 'api-db', postgresVersion: 17, storageSize: 10 }, /prop storageSize is the number 10 \[allowed: a Kubernetes quantity string/],
    ['a missing prop', CONSTRUCTS[6][1], { name: 'api-db', storageSize: '1Gi' }, /prop postgresVersion is required but missing \[allowed: a PostgreSQL major version/],
    ['a sealing scope that is not one', CONSTRUCTS[17][1], { name: 'env', encryptedData: { A: 'x' }, scope: 'strictly' }, /prop scope is the string "strictly" \[allowed: one of "strict", "namespace-wide", "cluster-wide"\]/],
    ['an object without a name for a Secret', CONSTRUCTS[7][1], { name: 'b', destinationPath: 's3://b/p', s3Credentials: { secret: {} } }, /prop s3Credentials\.secret is an object without a name; it takes an ISecretSource/],
  ])('%s', (_case, build, props, message) => {
    expect(built(build, props)).toMatch(message);
  });

  test('every problem of the props is reported at once', () => {
    const problems = built(CONSTRUCTS[0][1], { ...web, port: '8000', strategy: 'Rolling', replica: 2 }).split('\n');
    expect(problems).toHaveLength(3);
  });

  test('a construct given as a reference passes though its members are inherited (a WebService\'s taskPodSpec): only the wrong prop is reported', () => {
    expect(built(CONSTRUCTS[2][1], { command: 'alembic upgrade head' }).split('\n')).toEqual([expect.stringMatching(/^demo\/c: prop command is the string/)]);
  });
});
