import { Type } from '@sinclair/typebox';
import { StateHub } from '../lib/apps/state-hub';
import { CnpgDatabase } from '../lib/cnpg/cnpg-database';
import { defineApp } from '../lib/core/app';
import { declaredClient } from '../lib/core/environment';
import { dnsLabel, ENV_VAR_NAME_PATTERN, POSTGRES_IDENTIFIER_PATTERN, serviceName } from '../lib/core/values';

/**
 * Reference deployment 4: State Hub in `railiance-apps`, on the `state-hub-db` cluster that
 * `railiance-platform` owns in `databases`. Private: ClusterIP, optionally tailnet-only.
 */
export const stateHub = defineApp({
  name: 'state-hub',
  description: 'State Hub (FastAPI) on the platform-owned CNPG database, private',
  partOf: 'railiance',
  values: Type.Object({
    image: Type.String({ description: 'the State Hub image: <registry>/<repo>@sha256:<digest> in production' }),
    database: Type.Object({
      cluster: serviceName({ maxLength: 50, description: 'the CNPG Cluster name in railiance-platform' }),
      namespace: dnsLabel({ description: 'the namespace of the database (railiance-platform\'s namespace)' }),
      database: Type.String({ ...POSTGRES_IDENTIFIER_PATTERN, description: 'the application database' }),
      owner: Type.Optional(Type.String({ ...POSTGRES_IDENTIFIER_PATTERN, description: 'the application user (default: the database\'s name)' })),
    }, { additionalProperties: false }),
    tailnet: Type.Optional(Type.Object({
      hostname: dnsLabel({ description: 'the tailnet device name' }),
      funnel: Type.Optional(Type.Boolean({ description: 'public through Funnel: refused without publicExposureReason' })),
    }, { additionalProperties: false, description: 'a tailnet-only ingress (needs tailscale in environment.yaml)' })),
    publicExposureReason: Type.Optional(Type.String({ minLength: 1, description: 'why State Hub must be public; without it public exposure is refused' })),
    env: Type.Optional(Type.Record(Type.String(ENV_VAR_NAME_PATTERN), Type.String(), { additionalProperties: false, description: 'non-secret environment, by variable name' })),
    clients: Type.Optional(Type.Array(dnsLabel(), {
      uniqueItems: true,
      description: 'in-cluster callers whose pods reach State Hub through the pod network, by name under existing.clients in environment.yaml; none by default. An operator\'s `kubectl port-forward` is not one: it enters the pod\'s own network namespace through the API server and the kubelet, which no NetworkPolicy governs (docs/state-hub-migration.md, "How an operator reaches State Hub")',
    })),
  }, { additionalProperties: false }),
  build(chart, values) {
    new StateHub(chart, 'StateHub', {
      image: values.image,
      // The same facts the platform app derives from the same name: nothing retyped.
      database: CnpgDatabase.fromDatabaseAttributes({
        name: values.database.cluster,
        namespace: values.database.namespace,
        database: values.database.database,
        owner: values.database.owner,
      }),
      env: values.env,
      tailnet: values.tailnet,
      publicExposureReason: values.publicExposureReason,
      allowFrom: (values.clients ?? []).map((name, i) => declaredClient(chart.environment, name, `${chart.overlayFile} clients.${i}`)),
    });
  },
});
