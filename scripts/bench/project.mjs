// Generates a synthetic project for the scale benchmark: a scratch copy of a checkout of this
// repository (sources, imports/, scripts/, package.json; node_modules linked) whose apps/index.ts
// lists synthetic apps (scripts/bench/synthetic-apps.ts) and whose overlays/ has one overlay per
// (environment, app) pair. scripts/bench.mjs then runs the checkout's own `npm run synth` command
// there: its build, then the pipeline users run.
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/** Five environments, one of them production (digests, backups and two database instances). */
export const ENVIRONMENTS = [
  { name: 'bench-dev', stage: 'dev', production: false },
  { name: 'bench-sandbox', stage: 'sandbox', production: false },
  { name: 'bench-staging', stage: 'staging', production: false },
  { name: 'bench-qa', stage: 'qa', production: false },
  { name: 'bench-prod', stage: 'prod', production: true },
];

/** The operators the web apps' objects need, at railiance01-prod's releases. */
const BENCH_OPERATORS = { 'cloudnative-pg': '1.30.0', 'barman-cloud': '0.14.0', 'prometheus-operator': '0.93.0', 'external-secrets': '2.9.0' };

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
/** Not copied into the scratch project: generated, version control, or replaced by the bench. */
const SKIPPED = new Set(['node_modules', 'dist', 'overlays', 'test', 'coverage']);

/** The (name, kind) list of the apps for `pairs` pairs over ENVIRONMENTS: web and daemon alternate. */
export function appList(pairs) {
  const count = Math.ceil(pairs / ENVIRONMENTS.length);
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? [`web-${pad(i)}`, 'web'] : [`daemon-${pad(i)}`, 'daemon']));
}

function pad(i) {
  return String(i).padStart(4, '0');
}

/** The environment file: codeforphilly's (sandbox or prod) with this stage, so it follows the schema. */
function environmentYaml(root, env, secrets) {
  const values = parse(readFileSync(join(root, 'overlays', env.production ? 'cfp-prod' : 'cfp-sandbox', 'environment.yaml'), 'utf8'));
  // A synthetic environment has no publisher: its daemons run codeforphilly's image under the stage's tag.
  delete values.publishedImages;
  // The web apps' databases need the operators codeforphilly's clusters do not run.
  const existing = values.existing ? { ...values.existing, operators: { ...values.existing.operators, ...BENCH_OPERATORS }, secrets: [...(values.existing.secrets ?? []), ...secrets] } : undefined;
  // Where those operators run and what their Prometheus selects, as railiance01-prod declares it.
  const operators = { cloudnativePg: { operatorNamespace: 'cnpg-system', operatorPodLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, prometheus: { selectorLabels: { release: 'kube-prometheus-stack' } } };
  return stringify({ ...values, ...operators, ...(existing ? { existing } : {}), description: `synthetic ${env.stage} environment for npm run bench`, cluster: 'bench', stage: env.stage, production: env.production });
}

function webOverlay(name, env) {
  const database = {
    name: `${name}-db`,
    postgresVersion: 17,
    imageName: `ghcr.io/cloudnative-pg/postgresql:17.6-system-trixie${env.production ? `@${DIGEST}` : ''}`,
    storageSize: '10Gi',
    database: name.replace(/-/g, '_'),
    // Guaranteed QoS, requests equal to limits: production refuses anything else (database-guaranteed).
    resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } },
  };
  if (env.production) {
    Object.assign(database, {
      instances: 2,
      monitoring: true,
      metricsScrapers: [{ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } }],
      backup: {
        objectStore: {
          name: `${name}-backups`,
          destinationPath: `s3://bench-backups/${name}`,
          endpointUrl: 'https://minio.storage.svc:9000',
          s3Credentials: { secretName: `${name}-backup-s3` },
        },
        schedule: '0 0 2 * * *',
      },
    });
  }
  return stringify({
    namespace: name,
    image: `ghcr.io/bench/${name}:${env.production ? `v1.0.0@${DIGEST}` : env.stage}`,
    hostname: `${name}.${env.stage}.bench.example.org`,
    replicas: env.production ? 2 : 1,
    resources: { cpu: '100m', memory: '256Mi' },
    database,
  });
}

/** The daemon kind is codeforphilly under another name: its real overlays with names changed. */
function daemonOverlay(root, name, env) {
  const source = env.production ? 'cfp-prod' : 'cfp-sandbox';
  const values = parse(readFileSync(join(root, 'overlays', source, 'codeforphilly.yaml'), 'utf8'));
  values.namespace = name;
  values.hostname = `${name}.${env.stage}.bench.example.org`;
  delete values.alsoServes; // production's www.codeforphilly.org: one app's host, not every daemon's
  values.image = env.production ? values.image : `ghcr.io/codeforphilly/codeforphilly-ng:${env.stage}`;
  values.dataBranch = env.stage;
  return stringify(values);
}

/**
 * Writes the synthetic project for `pairs` (environment, app) pairs into `dir` and returns what
 * it contains. The pairs fill ENVIRONMENTS app by app, so every environment has about
 * pairs / 5 apps.
 */
export function generateProject(root, dir, pairs) {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (SKIPPED.has(entry) || entry.startsWith('.')) continue; // .git, .build, .dist.* leftovers
    cpSync(join(root, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const apps = appList(pairs);
  writeFileSync(join(dir, 'apps', 'index.ts'), [
    '// Generated by scripts/bench/project.mjs for npm run bench.',
    "import type { AppDefinition } from '../lib/core/app';",
    "import { syntheticApps } from '../scripts/bench/synthetic-apps';",
    '',
    `export const apps: readonly AppDefinition[] = syntheticApps(${JSON.stringify(apps)});`,
    '',
  ].join('\n'));
  let written = 0;
  for (const env of ENVIRONMENTS) mkdirSync(join(dir, 'overlays', env.name), { recursive: true });
  // The backups' S3 keys stand for a Secret another system writes, as a real cluster's would.
  const backupSecrets = apps.filter(([, kind]) => kind === 'web').map(([name]) => `${name}/${name}-backup-s3`);
  for (const env of ENVIRONMENTS) writeFileSync(join(dir, 'overlays', env.name, 'environment.yaml'), environmentYaml(root, env, env.production ? backupSecrets : []));
  outer: for (const [name, kind] of apps) {
    for (const env of ENVIRONMENTS) {
      if (written === pairs) break outer;
      const text = kind === 'web' ? webOverlay(name, env) : daemonOverlay(root, name, env);
      writeFileSync(join(dir, 'overlays', env.name, `${name}.yaml`), text);
      written++;
    }
  }
  return { apps: apps.length, environments: ENVIRONMENTS.length, pairs: written };
}
