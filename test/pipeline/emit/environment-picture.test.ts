import { Type } from '@sinclair/typebox';
import type { Environment } from '../../../lib/core/environment';
import { environmentReadme } from '../../../lib/pipeline/emit/environment-picture';
import type { SynthesizedApp } from '../../../lib/pipeline/checks/rendered';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { testEnvironment } from '../../helpers';

/** One app of `objects`, rendered: the picture reads the output, however it was built. */
function readme(environment: Environment, objects: KubeObject[]): string {
  const app: SynthesizedApp = {
    environment,
    app: { name: 'docs', description: 'docs', values: Type.Object({}), build: () => undefined },
    namespace: 'docs',
    files: new Map(),
    objects,
  };
  return environmentReadme(environment, [app]);
}

const ingress = (tlsHost?: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'docs', namespace: 'docs' },
  spec: { ingressClassName: 'tailscale', defaultBackend: { service: { name: 'docs', port: { name: 'http' } } }, ...(tlsHost ? { tls: [{ hosts: [tlsHost] }] } : {}) },
});
const entries = (text: string) => text.split('\n').filter((l) => l.startsWith('| https://')).map((l) => l.split(' | ')[0].slice(2));

describe('the environment picture draws a tailnet entry at the host the Tailscale operator serves', () => {
  test('a TLS host already under the tailnet domain is its device name under that domain, not the domain twice', () => {
    expect(entries(readme(testEnvironment({ tailscale: { tailnetDomain: 'tail5b443a.ts.net' } }), [ingress('docs.tail5b443a.ts.net')]))).toEqual(['https://docs.tail5b443a.ts.net']);
  });

  test('a TLS host of one label, or none, is the device name under the environment\'s tailnet', () => {
    const environment = testEnvironment({ tailscale: { tailnetDomain: 'tail5b443a.ts.net' } });
    expect(entries(readme(environment, [ingress('docs')]))).toEqual(['https://docs.tail5b443a.ts.net']);
    expect(entries(readme(environment, [ingress()]))).toEqual(['https://docs-docs-ingress.tail5b443a.ts.net']);
  });

  test('where the environment does not say its tailnet, the MagicDNS domain of the TLS host is kept', () => {
    expect(entries(readme(testEnvironment({ tailscale: undefined }), [ingress('docs.tail5b443a.ts.net')]))).toEqual(['https://docs.tail5b443a.ts.net']);
    expect(entries(readme(testEnvironment({ tailscale: undefined }), [ingress('docs')]))).toEqual(['https://docs']);
  });
});

describe('the environment picture links a workload to the database whose Secret it reads', () => {
  const cluster: KubeObject = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'db', namespace: 'databases' }, spec: { instances: 1 } };
  const store: KubeObject = { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'db-credentials', namespace: 'docs' }, spec: { provider: { kubernetes: { remoteNamespace: 'databases' } } } };
  const copy: KubeObject = {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db-app', namespace: 'docs' },
    spec: { secretStoreRef: { kind: 'SecretStore', name: 'db-credentials' }, data: [{ secretKey: 'uri', remoteRef: { key: 'db-app', property: 'uri' } }] },
  };
  const reader = (namespace: string): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'docs', namespace },
    spec: { template: { spec: { initContainers: [{ name: 'wait', image: 'wait:1', envFrom: [{ secretRef: { name: 'db-app' } }] }], containers: [{ name: 'docs', image: 'docs:1' }] } } },
  });
  const edge = 'Deployment_docs_docs --> Cluster_databases_db';

  test('through the Secret the Cluster writes, read from any container field, or a copy of it the app\'s store takes from the database namespace', () => {
    expect(readme(testEnvironment(), [cluster, reader('databases')])).toContain('Deployment_databases_docs --> Cluster_databases_db');
    expect(readme(testEnvironment(), [cluster, store, copy, reader('docs')])).toContain(edge);
  });

  test('not through a Secret of the same name that is no copy of it', () => {
    expect(readme(testEnvironment(), [cluster, reader('docs')])).not.toContain(edge);
    expect(readme(testEnvironment(), [cluster, copy, reader('docs')])).not.toContain(edge);
  });
});
