import { StateHub } from '../lib/apps/state-hub';
import { WebService } from '../lib/apps/web-service';
import { BarmanObjectStore } from '../lib/cnpg/barman-object-store';
import { CnpgDatabase } from '../lib/cnpg/cnpg-database';
import { SecretSource } from '../lib/core/secret-source';
import { ServiceRef } from '../lib/core/service-ref';
import { Gateway, gatewayProxyPeer } from '../lib/gateway/gateway';
import { TailscaleFunnel } from '../lib/tailscale/tailscale-funnel';
import { only, render, testChart, testEnvironment } from './helpers';

/**
 * The 0.1 names README.md's "Migrating from 0.1" lists keep working for one release, as
 * @deprecated aliases: each gives what its new name gives.
 */
describe('the 0.1 names still work, as their new names', () => {
  test('references to existing objects', () => {
    expect(ServiceRef.fromName('api', { namespace: 'shop', ports: [{ port: 80 }] })).toEqual(ServiceRef.fromServiceAttributes({ name: 'api', namespace: 'shop', ports: [{ port: 80 }] }));
    expect(SecretSource.fromName('s', { keys: ['k'] })).toEqual(SecretSource.fromSecretAttributes({ name: 's', keys: ['k'] }));
    expect(SecretSource.fromName('s')).toEqual(SecretSource.fromSecretName('s'));
    expect(BarmanObjectStore.fromName('store', 'databases')).toEqual(BarmanObjectStore.fromObjectStoreAttributes({ name: 'store', namespace: 'databases' }));
    const attributes = { name: 'public', namespace: 'edge', listeners: [] };
    expect(Gateway.fromAttributes(attributes).connections.peer).toEqual(Gateway.fromGatewayAttributes(attributes).connections.peer);
    expect(CnpgDatabase.connectionFor({ clusterName: 'db', namespace: 'databases', database: 'app', user: 'owner' }))
      .toEqual(CnpgDatabase.fromDatabaseAttributes({ name: 'db', namespace: 'databases', database: 'app', owner: 'owner' }).connection);
  });

  test('admission: ingressFrom, clients, allowFrom and allowConnectionsFrom methods, proxyPeer and gatewayProxyPeer', () => {
    const chart = testChart();
    const web = new WebService(chart, 'web', { name: 'api', image: 'registry.example/api:1', port: 8000, healthPath: '/health', ingressFrom: [] });
    const funnel = new TailscaleFunnel(chart, 'funnel', { backend: web.service, port: 8000, hostname: 'api' });
    const gateway = Gateway.fromGatewayAttributes({ name: 'public', namespace: 'edge', listeners: [] });
    expect(funnel.proxyPeer).toEqual(funnel.connections.peer);
    expect(gatewayProxyPeer(gateway)).toEqual(gateway.connections.peer);
    web.allowFrom(funnel.proxyPeer);
    expect(web.connections.allowed).toEqual([funnel.connections.peer]);

    const db = new CnpgDatabase(chart, 'db', { name: 'db', postgresVersion: 17, imageName: 'ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie', storageSize: '1Gi', clients: [{ podLabels: { app: 'a' } }] });
    db.allowConnectionsFrom(web);
    expect(db.allowedClients).toEqual([{ podLabels: { app: 'a' } }, web.connections.peer]);
    expect(only(render(chart), 'NetworkPolicy', 'api-ingress').spec.ingress[0].from).toHaveLength(1);
  });

  test('StateHub takes clients and a bare DatabaseConnection', () => {
    const chart = testChart({ environment: testEnvironment({ production: true }), namespace: 'railiance-apps', app: 'state-hub' });
    const image = `registry.example/state-hub@sha256:${'a'.repeat(64)}`;
    const database = CnpgDatabase.connectionFor({ clusterName: 'state-hub-db', namespace: 'databases', database: 'statehub' });
    const hub = new StateHub(chart, 'hub', { image, database, clients: [{ namespace: 'ops', podLabels: { app: 'bridge' } }] });
    expect(hub.connections.allowed).toEqual([{ namespace: 'ops', podLabels: { app: 'bridge' } }]);
    expect(only(render(chart), 'Deployment').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef).toEqual({ name: 'state-hub-db-app', key: 'uri' });
  });
});
