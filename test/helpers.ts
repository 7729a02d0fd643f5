import { mkdtempSync, cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { App } from 'cdk8s';
import { parseDocument } from 'yaml';
import { AppChart, defineApp } from '../lib/core/app';
import { k8s } from '../lib/core/k8s';
import type { Environment, EnvironmentValues, ExistingValues } from '../lib/core/environment';
import { UserError } from '../lib/core/errors';
import type { KubeObject } from '../lib/pipeline/checks/schema-validation';
import { renderChart } from '../lib/pipeline/engine/render';

export const ROOT = resolve(__dirname, '..');

/** An environment with every integration configured; override what a test is about. */
export function testEnvironment(overrides: Partial<EnvironmentValues> & { name?: string } = {}): Environment {
  return {
    name: 'test-sandbox',
    file: 'overlays/test-sandbox/environment.yaml',
    cluster: 'test',
    stage: 'sandbox',
    production: false,
    kubernetes: '1.34',
    argocd: { server: 'https://kubernetes.default.svc', repoURL: 'https://git.example.org/deployments.git' },
    storageClass: 'standard',
    gateway: { className: 'eg' },
    certManager: { issuer: 'letsencrypt-staging' },
    tailscale: { tailnetDomain: 'tail0000.ts.net' },
    cloudnativePg: { operatorNamespace: 'cnpg-system', operatorPodLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
    prometheus: { selectorLabels: {} },
    ...overrides,
  };
}

/** A chart for one test app in `environment`. */
export function testChart(options: { environment?: Environment; namespace?: string; app?: string } = {}): AppChart {
  const app = defineApp({ name: options.app ?? 'demo', description: 'test app', values: Type.Object({}), build: () => undefined });
  return new AppChart(new App(), {
    environment: options.environment ?? testEnvironment(),
    app,
    namespace: options.namespace ?? 'demo',
    overlayFile: `overlays/test-sandbox/${app.name}.yaml`,
  });
}

/**
 * A raw L1 Deployment that meets the policy (Pod Security Standards "restricted", probes,
 * requests, a pinned image) unless `escalate` lets its container gain privileges.
 */
export function restrictedDeployment(chart: AppChart, name: string, options: { readonly escalate?: boolean } = {}): k8s.KubeDeployment {
  const labels = { 'app.kubernetes.io/name': name };
  return new k8s.KubeDeployment(chart, 'web', {
    metadata: { name },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'web',
            image: `ghcr.io/example/${name}:1.0.0@sha256:${'b'.repeat(64)}`,
            securityContext: { allowPrivilegeEscalation: options.escalate ?? false, capabilities: { drop: ['ALL'] } },
            readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } },
            livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } },
            resources: { requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') } },
          }],
        },
      },
    },
  });
}

/** Renders a chart the way synth does: construct validations, then schema validation. */
export function render(chart: AppChart): KubeObject[] {
  return renderChart(chart);
}

/** The one object of `kind` (and `name`, when given) among `objects`; fails the test otherwise. */
export function only(objects: readonly KubeObject[], kind: string, name?: string): Record<string, any> {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`);
  return matches[0] as Record<string, any>;
}

/** The problem messages a UserError carries, or a failure when `fn` does not throw one. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}${p.allowed ? ` [allowed: ${p.allowed}]` : ''}`);
    throw error;
  }
  throw new Error('expected a UserError, but nothing was thrown');
}

/**
 * A scratch copy of the project (sources, overlays, imports, committed dist/) with node_modules
 * linked, for tests that build and run the CLI end to end without touching the working tree.
 */
export function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-project-'));
  for (const entry of ['apps', 'lib', 'overlays', 'imports', 'scripts', 'dist', 'main.ts', 'package.json', 'cdk8s.yaml', 'tsconfig.json']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/**
 * Adds entries to `existing:` in `<overlaysDir>/<env>/environment.yaml` (lists are extended,
 * operators merged), for test apps whose objects live in a namespace or route to a Service that
 * no app emits: every reference must resolve to something emitted or declared
 * (lib/pipeline/checks/references.ts).
 */
export function declareExisting(overlaysDir: string, env: string, add: ExistingValues): void {
  const file = join(overlaysDir, env, 'environment.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  const existing = (doc.toJS() as { existing?: Record<string, unknown> }).existing ?? {};
  for (const [key, value] of Object.entries(add)) {
    const before = existing[key];
    const merged = Array.isArray(value)
      ? [...(Array.isArray(before) ? before : []), ...value.filter((v) => !(Array.isArray(before) && before.includes(v)))]
      : { ...(before as object | undefined), ...(value as object) };
    doc.setIn(['existing', key], merged);
  }
  writeFileSync(file, doc.toString({ flowCollectionPadding: false }));
}

/**
 * A scratch root holding only what the CLI reads and writes (overlays/ and, unless `dist` is
 * false, the committed dist/), for tests that run it in-process: `from` copies another root.
 */
export function scratchRoot(options: { readonly dist?: boolean; readonly from?: string } = {}): string {
  const from = options.from ?? ROOT;
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-root-'));
  for (const entry of options.dist === false ? ['overlays'] : ['overlays', 'dist']) cpSync(join(from, entry), join(dir, entry), { recursive: true });
  return dir;
}
