import { Type } from '@sinclair/typebox';
import { WebService } from '../lib/apps/web-service';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../lib/cnpg/cnpg-database-values';
import { defineApp } from '../lib/core/app';
import { declaredClient } from '../lib/core/environment';
import { ImageContract } from '../lib/core/image-contract';
import { ExternalSecret, ExternalSecretValues } from '../lib/secrets/external-secret';
import { appPodLabels } from '../lib/core/labels';
import { SecretSource } from '../lib/core/secret-source';
import { dnsLabel, dnsSubdomain, patternRule } from '../lib/core/values';

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

/**
 * Where openova keeps the Dynadot credentials: Secret `dynadot-api-credentials` in
 * openova-system, keys `api-key`, `api-secret` and `domains` (openova-io/openova@585b046:
 * core/pool-domain-manager/internal/dynadot/dynadot.go, "mounted from the secret's `domains`
 * key"; docs/SECRET-ROTATION.md names the Secret and its two API keys). The app reads that
 * Secret, which the environment declares under existing.secrets; it is not copied into a store
 * entry of this repository's invention.
 */
const DYNADOT_SECRET_KEYS = { DYNADOT_API_KEY: 'api-key', DYNADOT_API_SECRET: 'api-secret', DYNADOT_MANAGED_DOMAINS: 'domains' } as const;

/** A Go duration as time.ParseDuration reads it, e.g. "10m", "30s", "1h30m". */
const goDuration = (description: string) => Type.String({
  ...patternRule('^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$', 'must be a Go duration: numbers with units ns, us, ms, s, m or h, e.g. "10m" or "1h30m"'),
  description,
});

/**
 * Reference deployment 5: pool-domain-manager, the only allocator of pool subdomains and the only
 * caller of the DNS provider. ClusterIP only, on its own CNPG database in the same namespace.
 *
 * The Dynadot credentials and managed domains come from the Secret openova already keeps
 * (`dynadotSecret`, declared under existing.secrets). The reservation TTL and sweeper interval
 * have defaults in the image (cmd/pdm/main.go loadConfig: 10m and 30s) and are set only when the
 * overlay gives them. Two variables are derived: PORT from the container port the probes and
 * Service use, and PDM_DATABASE_URL from the CNPG application Secret's `uri` key, so neither can
 * disagree with what is deployed and the database password rotates without touching a store.
 */
export const poolDomainManager = defineApp({
  name: 'pool-domain-manager',
  description: 'Pool subdomain allocator (Go) on its own CNPG database, ClusterIP only',
  partOf: 'openova',
  values: Type.Object({
    image: Type.String({ description: 'the image, <repo>@sha256:<digest> in production' }),
    dynadotSecret: Type.Optional(dnsSubdomain({ description: 'the existing Secret with the Dynadot keys api-key, api-secret and domains (declared under existing.secrets); default dynadot-api-credentials, as openova names it' })),
    settings: Type.Optional(Type.Object({
      PDM_RESERVATION_TTL: Type.Optional(goDuration('how long a reservation holds before the sweeper releases it; the image defaults to 10m')),
      PDM_SWEEPER_INTERVAL: Type.Optional(goDuration('how often expired reservations are swept; the image defaults to 30s')),
      PDM_LOG_LEVEL: Type.Optional(Type.Union(['debug', 'info', 'warn', 'error'].map((l) => Type.Literal(l)), { description: 'the image defaults to info' })),
    }, { additionalProperties: false, description: 'settings with defaults in the image (cmd/pdm/main.go): set one only to change it' })),
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
    const dynadot = SecretSource.fromSecretAttributes({ name: values.dynadotSecret ?? 'dynadot-api-credentials', keys: Object.values(DYNADOT_SECRET_KEYS) });
    const backupCredentials = values.backupCredentials
      && new ExternalSecret(chart, 'BackupCredentials', { name: values.backupCredentials.secretName, component: 'database', ...values.backupCredentials.source });
    // The backup store reads its keys through the ExternalSecret, so a renamed key fails synth.
    const db = cnpgDatabaseFromValues(chart, 'Database', values.database, { secrets: backupCredentials ? [backupCredentials] : [] });
    db.connections.allowFrom({ podLabels: appPodLabels('pool-domain-manager', chart.environment.stage) });

    new WebService(chart, 'Web', {
      name: 'pool-domain-manager',
      image: values.image,
      contract: POOL_DOMAIN_MANAGER_IMAGE,
      env: { PORT: String(PORT), ...values.settings },
      // cmd/pdm/main.go connects to the database (within 30 s) and bootstraps the pool zones in
      // PowerDNS (within 60 s) before it listens: up to 90 s before the port accepts.
      startup: { budgetSeconds: 120 },
      secretEnv: {
        PDM_DATABASE_URL: { secret: db.connection.secret, key: db.connection.secretKeys.uri },
        ...Object.fromEntries(Object.entries(DYNADOT_SECRET_KEYS).map(([name, key]) => [name, { secret: dynadot, key }])),
      },
      allowFrom: values.clients.map((name, i) => declaredClient(chart.environment, name, `${chart.overlayFile} clients.${i}`)),
    });
  },
});
