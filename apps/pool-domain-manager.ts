import { Type } from '@sinclair/typebox';
import { WebService } from '../lib/apps/web-service';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../lib/cnpg/cnpg-database-values';
import { defineApp } from '../lib/core/app';
import { declaredClient } from '../lib/core/environment';
import { ImageContract } from '../lib/core/image-contract';
import { UserError } from '../lib/core/errors';
import { ExternalSecret, ExternalSecretValues } from '../lib/secrets/external-secret';
import { appPodLabels } from '../lib/core/labels';
import { dnsLabel, dnsSubdomain } from '../lib/core/values';

/**
 * What the pool-domain-manager image needs, read at openova-io/openova 585b046:
 * core/pool-domain-manager/Containerfile (`USER 65534:65534`, `EXPOSE 8080`, writes nothing),
 * cmd/pdm/main.go `loadConfig` (exits 2 without PDM_DATABASE_URL, DYNADOT_API_KEY or
 * DYNADOT_API_SECRET; PORT defaults to 8080) and api/openapi.yaml with internal/handler
 * (`/healthz` pings the database: 503 while CNPG is unreachable, so it can only mean "ready";
 * there is no endpoint free of the database, so liveness is the port accepting).
 */
export const POOL_DOMAIN_MANAGER_IMAGE = new ImageContract({
  repository: 'ghcr.io/openova/pool-domain-manager',
  source: 'openova-io/openova@585b046: core/pool-domain-manager/Containerfile, cmd/pdm/main.go, api/openapi.yaml',
  user: 65534,
  ports: [8080],
  requiredEnv: {
    PDM_DATABASE_URL: 'loadConfig: "PDM_DATABASE_URL is required" (exit 2)',
    DYNADOT_API_KEY: 'loadConfig: "DYNADOT_API_KEY is required" (exit 2)',
    DYNADOT_API_SECRET: 'loadConfig: "DYNADOT_API_SECRET is required" (exit 2)',
  },
  ready: { path: '/healthz' },
  alive: 'tcp',
  dependentEndpoints: { '/healthz': 'the CNPG database (503 while it is unreachable)' },
});

const PORT = POOL_DOMAIN_MANAGER_IMAGE.port;
/** Variables this app sets itself, so the secret store must not carry them. */
const DERIVED_ENV = ['PORT', 'PDM_DATABASE_URL'] as const;

/**
 * Reference deployment 5: pool-domain-manager, the only allocator of pool subdomains and the only
 * caller of the DNS provider. ClusterIP only, on its own CNPG database in the same namespace.
 *
 * Configuration arrives through an ExternalSecret (DYNADOT_MANAGED_DOMAINS,
 * PDM_RESERVATION_TTL, PDM_SWEEPER_INTERVAL and any credentials). Two variables are derived
 * instead of stored: PORT from the container port the probes and Service use, and
 * PDM_DATABASE_URL from the CNPG application Secret's `uri` key, so neither can disagree with
 * what is deployed and the database password rotates without touching the store.
 */
export const poolDomainManager = defineApp({
  name: 'pool-domain-manager',
  description: 'Pool subdomain allocator (Go) on its own CNPG database, ClusterIP only',
  partOf: 'openova',
  values: Type.Object({
    image: Type.String({ description: 'the image, <repo>@sha256:<digest> in production' }),
    env: ExternalSecretValues,
    database: CnpgDatabaseValues,
    backupCredentials: Type.Optional(Type.Object({
      secretName: dnsSubdomain({ description: 'the Secret the backup ObjectStore reads its S3 keys from' }),
      source: ExternalSecretValues,
    }, { additionalProperties: false, description: 'S3 credentials for the backups, from the secret store' })),
    clients: Type.Array(dnsLabel(), {
      minItems: 1,
      description: 'in-cluster callers admitted to port 8080, by their name under existing.clients in environment.yaml (catalyst-api is the only one upstream)',
    }),
  }, { additionalProperties: false }),
  build(chart, values) {
    const stored = DERIVED_ENV.filter((name) => name in (values.env.data ?? {}) || values.env.properties?.includes(name));
    if (stored.length > 0) {
      const inData = values.env.data !== undefined && stored[0] in values.env.data;
      throw new UserError({
        where: `${chart.overlayFile} env.${inData ? `data.${stored[0]}` : `properties.${values.env.properties!.indexOf(stored[0])}`}`,
        message: `${stored.join(' and ')} must not come from the secret store: this app derives ${stored.length > 1 ? 'them' : 'it'} (PORT from the container port ${PORT}, PDM_DATABASE_URL from the database Secret's uri key)`,
        hint: 'remove the key from env',
      });
    }
    const env = new ExternalSecret(chart, 'Env', { name: 'pool-domain-manager-env', ...values.env });
    const backupCredentials = values.backupCredentials
      && new ExternalSecret(chart, 'BackupCredentials', { name: values.backupCredentials.secretName, component: 'database', ...values.backupCredentials.source });
    // The backup store reads its keys through the ExternalSecret, so a renamed key fails synth.
    const db = cnpgDatabaseFromValues(chart, 'Database', values.database, { secrets: backupCredentials ? [backupCredentials] : [] });
    db.connections.allowFrom({ podLabels: appPodLabels('pool-domain-manager', chart.environment.stage) });

    new WebService(chart, 'Web', {
      name: 'pool-domain-manager',
      image: values.image,
      contract: POOL_DOMAIN_MANAGER_IMAGE,
      env: { PORT: String(PORT) },
      envFromSecrets: [env],
      secretEnv: { PDM_DATABASE_URL: { secret: db.connection.secret, key: db.connection.secretKeys.uri } },
      allowFrom: values.clients.map((name, i) => declaredClient(chart.environment, name, `${chart.overlayFile} clients.${i}`)),
    });
  },
});
