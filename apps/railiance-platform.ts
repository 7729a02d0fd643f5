import { Type } from '@sinclair/typebox';
import { cnpgDatabaseFromValues, CnpgDatabaseValues } from '../lib/cnpg/cnpg-database-values';
import { defineApp } from '../lib/core/app';
import { appPodLabels } from '../lib/core/labels';
import { SealedSecret, SealedSecretValues } from '../lib/secrets/sealed-secret';
import { dnsLabel, dnsSubdomain } from '../lib/core/values';

/**
 * Reference deployment 3: the Railiance platform layer. It owns the database servers (CNPG
 * clusters in `databases`); the apps that use them live in `railiance-apps` and never manage a
 * database server. Each consumer is admitted to 5432 by the database's NetworkPolicy and granted
 * `get` on the application Secret, which its own app copies with `DatabaseCredentials`.
 */
export const railiancePlatform = defineApp({
  name: 'railiance-platform',
  description: 'Railiance platform layer: CloudNativePG databases for the apps in railiance-apps',
  partOf: 'railiance',
  layer: 'platform',
  values: Type.Object({
    databases: Type.Array(Type.Object({
      cluster: CnpgDatabaseValues,
      consumers: Type.Array(Type.Object({
        app: dnsLabel({ description: 'the consuming app, as named in apps/ (its pods are admitted by app name and stage)' }),
        namespace: dnsLabel({ description: 'the namespace the consuming app runs in' }),
      }, { additionalProperties: false }), { description: 'apps that connect to this database from other namespaces' }),
    }, { additionalProperties: false }), { minItems: 1, description: 'the database clusters this platform runs' }),
    sealedSecrets: Type.Optional(Type.Record(dnsSubdomain(), SealedSecretValues, {
      description: 'Secrets the databases reference (backup store credentials, import source passwords), as kubeseal ciphertext',
    })),
  }, { additionalProperties: false }),
  build(chart, values) {
    const secrets = Object.entries(values.sealedSecrets ?? {}).map(([name, sealed]) => new SealedSecret(chart, `Secret-${name}`, { name, ...sealed }));
    for (const { cluster, consumers } of values.databases) {
      const db = cnpgDatabaseFromValues(chart, cluster.name, cluster, { secrets });
      for (const consumer of consumers) {
        db.connections.allowFrom({ namespace: consumer.namespace, podLabels: appPodLabels(consumer.app, chart.environment.stage) });
        db.grantCredentialsTo({ namespace: consumer.namespace });
      }
    }
  },
});
