/**
 * Synthetic apps for the scale benchmark (scripts/bench.mjs), composed from the real constructs
 * exactly as apps/*.ts compose them. Bench-only: nothing in lib/ or apps/ imports this file.
 *
 * Two kinds, as a platform team would define a fleet of similar apps: one values schema per
 * kind (module-level TypeBox objects, shared by every app of the kind), one `defineApp` per app.
 *
 * - `web`: an app-owned Gateway, a WebService (ServiceAccount, ConfigMap, Deployment, Service)
 *   with an HTTPRoute and its HTTPS redirect, and a CloudNativePG database (Cluster, NetworkPolicy
 *   admitting the web pods; in production an ObjectStore and ScheduledBackup) whose URI reaches
 *   the pods from the operator's Secret.
 * - `daemon`: the codeforphilly deployment itself (apps/codeforphilly.ts) under another name:
 *   Namespace, SealedSecrets, Gateway, PushDaemonApp with two volumes, HTTPRoute + redirect.
 */
import { Type } from '@sinclair/typebox';
import { JsonPatch } from 'cdk8s';
import { codeforphilly } from '../../apps/codeforphilly';
import { WebService } from '../../lib/apps/web-service';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../../lib/cnpg/cnpg-database-values';
import { defineApp, type AppDefinition } from '../../lib/core/app';
import { protectFromPrune } from '../../lib/core/delivery';
import { k8s } from '../../lib/core/k8s';
import { quantity } from '../../lib/core/values';
import { Gateway } from '../../lib/gateway/gateway';

export type SyntheticKind = 'web' | 'daemon';

const WebValues = Type.Object({
  image: Type.String({ description: 'the web image, with a tag (outside production) or a digest' }),
  hostname: Type.String({ description: 'the public hostname' }),
  replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
  resources: Type.Optional(Type.Object({ cpu: Type.Optional(quantity()), memory: Type.Optional(quantity()) }, { additionalProperties: false })),
  database: CnpgDatabaseValues,
}, { additionalProperties: false });

function webApp(name: string): AppDefinition {
  return defineApp({
    name,
    description: `synthetic web app ${name}: WebService + HttpRoute + CnpgDatabase`,
    partOf: 'bench',
    values: WebValues,
    build(chart, values) {
      const namespace = new k8s.KubeNamespace(chart, 'Namespace', {
        metadata: { name: values.namespace, labels: { ...chart.labelsFor('namespace'), 'pod-security.kubernetes.io/enforce': 'restricted' } },
      });
      namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
      // It holds the database: as every app-owned Namespace with data, it is never pruned.
      protectFromPrune(namespace);
      const gateway = new Gateway(chart, 'Gateway', { name, hostnames: [values.hostname], tlsSecretName: `${name}-gw-tls` });
      const db = cnpgDatabaseFromValues(chart, 'Database', values.database);
      const web = new WebService(chart, 'Web', {
        name,
        image: values.image,
        port: 8080,
        healthPath: '/healthz',
        replicas: values.replicas,
        resources: values.resources,
        env: { PORT: '8080', PUBLIC_URL: `https://${values.hostname}`, DATABASE_HOST: db.connection.host },
        secretEnv: { DATABASE_URL: { secret: db.connection.secret, key: db.connection.secretKeys.uri } },
        route: { gateway, hostnames: [values.hostname], requestTimeout: '30s' },
      });
      db.connections.allowFrom({ podLabels: { ...web.selector } });
    },
  }) as unknown as AppDefinition;
}

function daemonApp(name: string): AppDefinition {
  return { ...codeforphilly, name, description: `synthetic copy of codeforphilly: ${name}` } as unknown as AppDefinition;
}

/** App definitions for the generated project: `[name, kind]` pairs from its apps.json. */
export function syntheticApps(list: ReadonlyArray<readonly [string, SyntheticKind]>): AppDefinition[] {
  return list.map(([name, kind]) => (kind === 'web' ? webApp(name) : daemonApp(name)));
}
