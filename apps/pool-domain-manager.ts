import { Type } from '@sinclair/typebox';
import { WebService } from '../lib/apps/web-service';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../lib/cnpg/cnpg-database-values';
import { defineApp } from '../lib/core/app';
import { UserError } from '../lib/core/errors';
import { ExternalSecret, ExternalSecretValues } from '../lib/core/external-secret';
import { appPodLabels } from '../lib/core/labels';
import { dnsLabel, dnsSubdomain } from '../lib/core/values';

const PORT = 8080;
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
    clients: Type.Optional(Type.Array(Type.Object({
      namespace: dnsLabel(),
      podLabels: Type.Record(Type.String(), Type.String(), { minProperties: 1 }),
    }, { additionalProperties: false }), { description: 'in-cluster callers admitted to port 8080 (default: none)' })),
  }, { additionalProperties: false }),
  build(chart, values) {
    const stored = DERIVED_ENV.filter((name) => name in (values.env.data ?? {}));
    if (stored.length > 0) {
      throw new UserError({
        where: `${chart.overlayFile} env.data.${stored[0]}`,
        message: `${stored.join(' and ')} must not come from the secret store: this app derives ${stored.length > 1 ? 'them' : 'it'} (PORT from the container port ${PORT}, PDM_DATABASE_URL from the database Secret's uri key)`,
        hint: 'remove the key from env.data',
      });
    }
    const env = new ExternalSecret(chart, 'Env', { name: 'pool-domain-manager-env', ...values.env });
    if (values.backupCredentials) {
      new ExternalSecret(chart, 'BackupCredentials', { name: values.backupCredentials.secretName, component: 'database', ...values.backupCredentials.source });
    }
    const db = cnpgDatabaseFromValues(chart, 'Database', values.database);
    db.allowConnectionsFrom({ podLabels: appPodLabels('pool-domain-manager', chart.environment.stage) });

    new WebService(chart, 'Web', {
      name: 'pool-domain-manager',
      image: values.image,
      port: PORT,
      healthPath: '/healthz',
      runAsUser: 65534,
      env: { PORT: String(PORT) },
      envFromSecrets: [env],
      secretEnv: { PDM_DATABASE_URL: { secret: db.connection.secret, key: db.connection.secretKeys.uri } },
      ingressFrom: values.clients ?? [],
    });
  },
});
