import { Type } from '@sinclair/typebox';
import { ApiObject } from 'cdk8s';
import { Cluster } from '../../../imports/postgresql.cnpg.io';
import { SealedSecret } from '../../../imports/bitnami.com';
import { PodMonitor, PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../../imports/monitoring.coreos.com';
import { type AppChart, defineApp } from '../../../lib/core/app';
import { overlaySchema } from '../../../lib/pipeline/engine/overlay-schema';
import { ARGOCD_SYNC_OPTIONS } from '../../../lib/core/argocd-sync';
import { UserError, type Problem } from '../../../lib/core/errors';
import { k8s } from '../../../lib/core/k8s';
import { parseOverlay } from '../../../lib/pipeline/engine/overlay';
import type { KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { enforcePolicy, findViolations, RULES } from '../../../lib/pipeline/checks/policy';
import { RULE_NAMES, type PolicyException, type RuleName } from '../../../lib/pipeline/checks/types';
import { testChart, testEnvironment } from '../../helpers';

/*
 * Each rule gets objects that break it, written with raw L1 constructs (what an app can always
 * emit, bypassing the library's constructs), and the compliant objects the constructs emit pass.
 */

const DIGEST = `sha256:${'a'.repeat(64)}`;
const CIPHERTEXT = Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(300, 7)]).toString('base64');
const OVERLAY = 'overlays/test-sandbox/demo.yaml';

type Patch<T> = Partial<T> & Record<string, unknown>;

/** A pod spec that meets every rule; `container`, `securityContext` and `spec` patch it. */
function podSpec(patch: { spec?: Patch<k8s.PodSpec>; container?: Patch<k8s.Container>; securityContext?: Patch<k8s.SecurityContext> } = {}): k8s.PodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: 'web',
      image: `ghcr.io/example/web:1.2.3@${DIGEST}`,
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, ...patch.securityContext },
      readinessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') } },
      livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') } },
      resources: { requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') } },
      ports: [{ name: 'http', containerPort: 8080 }],
      ...patch.container,
    }],
    volumes: [{ name: 'tmp', emptyDir: {} }],
    ...patch.spec,
  };
}

const selector = { 'app.kubernetes.io/name': 'web' };

function deployment(chart: AppChart, name: string, spec: k8s.PodSpec, kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' = 'Deployment'): void {
  const template = { metadata: { labels: selector }, spec };
  if (kind === 'Deployment') new k8s.KubeDeployment(chart, name, { metadata: { name }, spec: { selector: { matchLabels: selector }, template } });
  if (kind === 'StatefulSet') new k8s.KubeStatefulSet(chart, name, { metadata: { name }, spec: { serviceName: name, selector: { matchLabels: selector }, template } });
  if (kind === 'DaemonSet') new k8s.KubeDaemonSet(chart, name, { metadata: { name }, spec: { selector: { matchLabels: selector }, template } });
}

function job(chart: AppChart, name: string, spec: k8s.PodSpec): void {
  new k8s.KubeJob(chart, name, { metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', ...spec } } } });
}

function cronJob(chart: AppChart, name: string, spec: k8s.PodSpec): void {
  new k8s.KubeCronJob(chart, name, { metadata: { name }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', ...spec } } } } } });
}

function pvc(chart: AppChart, name: string, syncOptions: string | undefined = 'Prune=false,Delete=false'): void {
  new k8s.KubePersistentVolumeClaim(chart, name, {
    metadata: { name, ...(syncOptions ? { annotations: { [ARGOCD_SYNC_OPTIONS]: syncOptions } } : {}) },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
  });
}

function cluster(chart: AppChart, name: string, options: { imageName?: string; labels?: Record<string, string> } = {}): void {
  // Guaranteed resources (requests == limits), as production requires (rule database-guaranteed).
  const size = { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('1Gi') };
  new Cluster(chart, name, {
    metadata: { name, annotations: { [ARGOCD_SYNC_OPTIONS]: 'Prune=false,Delete=false' } },
    spec: { instances: 1, storage: { size: '1Gi' }, resources: { requests: size, limits: size }, imageName: options.imageName ?? `ghcr.io/cloudnative-pg/postgresql:17.6@${DIGEST}`, ...(options.labels ? { inheritedMetadata: { labels: options.labels } } : {}) },
  });
}

/** What production asks of a database besides the Cluster (rule database-watched): a PodMonitor and an archiving alert. */
function databaseWatch(chart: AppChart, name: string): void {
  new PodMonitor(chart, `${name}-metrics`, { metadata: { name: `${name}-metrics` }, spec: { selector: { matchLabels: { 'cnpg.io/cluster': name } }, podMetricsEndpoints: [{ port: 'metrics' }] } });
  new PrometheusRule(chart, `${name}-alerts`, {
    metadata: { name: `${name}-alerts` },
    spec: { groups: [{ name: `${name}.rules`, rules: [{ alert: 'CnpgWalArchivingFailing', expr: PrometheusRuleSpecGroupsRulesExpr.fromString(`max(cnpg_pg_stat_archiver_last_failed_time{pod=~"${name}-[0-9]+"}) > 0`), for: '5m', labels: { cnpg_cluster: name } }] }] },
  });
}

function networkPolicy(chart: AppChart, name: string, podSelector: k8s.LabelSelector, options: { namespace?: string; from?: boolean; policyTypes?: string[] } = {}): void {
  new k8s.KubeNetworkPolicy(chart, name, {
    metadata: { name, ...(options.namespace ? { namespace: options.namespace } : {}) },
    spec: {
      podSelector,
      policyTypes: options.policyTypes ?? ['Ingress'],
      ingress: [{ ...(options.from === false ? {} : { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }] }), ports: [{ port: k8s.IntOrString.fromNumber(5432) }] }],
    },
  });
}

/** One of every kind the policy looks at, each compliant. */
function compliant(chart: AppChart): void {
  deployment(chart, 'web', podSpec());
  deployment(chart, 'db-proxy', podSpec(), 'StatefulSet');
  job(chart, 'migrate', podSpec({ container: { readinessProbe: undefined, livenessProbe: undefined, command: ['sh', '-c', 'migrate --url postgres://app:$(PGPASSWORD)@db-rw/app'] } }));
  cronJob(chart, 'report', podSpec());
  new k8s.KubeServiceAccount(chart, 'sa', { metadata: { name: 'web' }, automountServiceAccountToken: false });
  new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'web-env' }, data: { LOG_LEVEL: 'info', KNOWN_HOSTS: 'github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl' } });
  new SealedSecret(chart, 'sealed', { metadata: { name: 'web-secrets' }, spec: { encryptedData: { TOKEN: CIPHERTEXT }, template: { metadata: { name: 'web-secrets' } } } });
  new k8s.KubeSecret(chart, 'tls', { metadata: { name: 'web-tls' }, type: 'kubernetes.io/tls' }); // filled by cert-manager: no data here
  pvc(chart, 'data');
  cluster(chart, 'db');
  databaseWatch(chart, 'db');
  networkPolicy(chart, 'db-ingress', { matchLabels: { 'cnpg.io/cluster': 'db' } });
}

/**
 * The chart's objects as the policy sees them. Not through `render`: its schema validation
 * refuses kinds the repo has no schema for (StatefulSet, DaemonSet, CronJob), and the policy must
 * hold for them all the same (the end-to-end test below goes through the whole pipeline).
 */
function objectsOf(chart: AppChart): KubeObject[] {
  return chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c)).map((o) => o.toJson() as KubeObject);
}

/** The problems enforcePolicy reports for `chart`, or [] when it passes. */
function problems(chart: AppChart, exceptions: PolicyException[] = []): Problem[] {
  try {
    enforcePolicy(chart, objectsOf(chart), { exceptions });
    return [];
  } catch (error) {
    if (error instanceof UserError) return [...error.problems];
    throw error;
  }
}

/** The rules that fire for `chart`. */
function rulesFired(chart: AppChart): RuleName[] {
  return [...new Set(findViolations(objectsOf(chart), { production: chart.environment.production }).map((v) => v.rule))].sort();
}

/** A chart with the compliant objects, and `build` adding the ones under test. */
function chartWith(build: (chart: AppChart) => void, options: { production?: boolean } = {}): AppChart {
  const chart = testChart({ environment: testEnvironment({ production: options.production ?? false }) });
  build(chart);
  return chart;
}

describe('policy', () => {
  test('every rule name has a rule, with a summary and its sources', () => {
    expect(Object.keys(RULES).sort()).toEqual([...RULE_NAMES].sort());
    for (const rule of Object.values(RULES)) {
      expect(rule.summary.length).toBeGreaterThan(20);
      expect(rule.sources.length).toBeGreaterThan(0);
    }
  });

  test('compliant objects of every kind pass in production, and come back unchanged', () => {
    const chart = chartWith(compliant, { production: true });
    const objects = objectsOf(chart);
    expect(objects.length).toBe(13);
    expect(enforcePolicy(chart, objects)).toEqual(objects);
  });

  describe('a violation names the construct path, the rule, what is wrong, and how to fix or except it', () => {
    test('pss-restricted: privilege escalation', () => {
      const found = problems(chartWith((c) => deployment(c, 'web', podSpec({ securityContext: { allowPrivilegeEscalation: true } }))));
      expect(found).toEqual([{
        where: 'demo/web (Deployment demo/web)',
        message: '[rule pss-restricted] container "web" allows privilege escalation',
        hint: `set allowPrivilegeEscalation: false in the securityContext of container "web"; or, if it must stay, add { rule: pss-restricted, kind: Deployment, name: web, namespace: demo, reason: <why> } to policyExceptions in ${OVERLAY}`,
      }]);
    });
  });

  const cases: ReadonlyArray<{ rule: RuleName; name: string; build: (chart: AppChart) => void; message: RegExp; production?: boolean }> = [
    { rule: 'pss-restricted', name: 'a CronJob with a hostPath volume', build: (c) => cronJob(c, 'report', podSpec({ spec: { volumes: [{ name: 'host', hostPath: { path: '/var/run' } }] } })), message: /volume "host" mounts a hostPath/ },
    { rule: 'pss-restricted', name: 'a Job on the host network', build: (c) => job(c, 'migrate', podSpec({ spec: { hostNetwork: true } })), message: /shares the host's namespaces \(spec\.template\.spec\.hostNetwork: true\)/ },
    { rule: 'pss-restricted', name: 'a privileged init container', build: (c) => deployment(c, 'web', podSpec({ spec: { initContainers: [{ name: 'init', image: `busybox:1.36@${DIGEST}`, securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] } })), message: /init container "init" is privileged/ },
    { rule: 'pss-restricted', name: 'capabilities not dropped', build: (c) => deployment(c, 'web', podSpec({ securityContext: { capabilities: { add: ['NET_ADMIN'] } } })), message: /container "web" does not drop all capabilities/ },
    { rule: 'pss-restricted', name: 'no runAsNonRoot', build: (c) => deployment(c, 'web', podSpec({ spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } } })), message: /container "web" may run as root/ },
    { rule: 'pss-restricted', name: 'an unconfined seccomp profile', build: (c) => deployment(c, 'web', podSpec({ securityContext: { seccompProfile: { type: 'Unconfined' } } })), message: /container "web" has seccomp profile Unconfined/ },
    { rule: 'pss-restricted', name: 'a host port', build: (c) => deployment(c, 'web', podSpec({ container: { ports: [{ containerPort: 8080, hostPort: 8080 }] } })), message: /container "web" binds host port 8080/ },
    { rule: 'no-secret-data', name: 'a Secret with stringData', build: (c) => new k8s.KubeSecret(c, 's', { metadata: { name: 'creds' }, stringData: { password: 'correct horse battery staple' } }), message: /the Secret carries its values in stringData/ },
    { rule: 'no-secret-strings', name: 'a postgres URL with a password in env', build: (c) => deployment(c, 'web', podSpec({ container: { env: [{ name: 'DATABASE_URL', value: 'postgresql://app:hunter2@db-rw:5432/app' }] } })), message: /spec\.template\.spec\.containers\[0\]\.env\[0\]\.value holds what looks like a URL with a password in it \(user:password@\) \(value not shown\)/ },
    { rule: 'no-secret-strings', name: 'a GitHub token in a ConfigMap', build: (c) => new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'cfg' }, data: { TOKEN: `ghp_${'A1b2'.repeat(9)}` } }), message: /data\.TOKEN holds what looks like a GitHub token/ },
    { rule: 'no-secret-strings', name: 'an AWS key in an annotation', build: (c) => new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'cfg', annotations: { note: 'key AKIAIOSFODNN7EXAMPLE' } } }), message: /metadata\.annotations\.note holds what looks like an AWS access key id/ },
    { rule: 'no-secret-strings', name: 'a private key in args', build: (c) => job(c, 'migrate', podSpec({ container: { args: ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----'] } })), message: /containers\[0\]\.args\[0\] holds what looks like a private key/ },
    { rule: 'no-secret-strings', name: 'a Slack token in a SealedSecret template (only encryptedData is exempt)', build: (c) => new SealedSecret(c, 'ss', { metadata: { name: 'ss' }, spec: { encryptedData: { A: CIPHERTEXT }, template: { metadata: { name: 'ss', annotations: { hook: 'xoxb-1234567890-abcdefghij' } } } } }), message: /spec\.template\.metadata\.annotations\.hook holds what looks like a Slack token/ },
    { rule: 'image-pinned', name: 'an untagged image', build: (c) => deployment(c, 'web', podSpec({ container: { image: 'nginx' } })), message: /container "web" has untagged image "nginx", which means "latest"/ },
    { rule: 'image-pinned', name: 'the latest tag on a CronJob', build: (c) => cronJob(c, 'report', podSpec({ container: { image: 'ghcr.io/example/report:latest' } })), message: /container "web" uses image "ghcr.io\/example\/report:latest" with the "latest" tag/ },
    { rule: 'image-pinned', name: 'a Cluster image without a tag', build: (c) => { cluster(c, 'db', { imageName: 'ghcr.io/cloudnative-pg/postgresql' }); networkPolicy(c, 'np', { matchLabels: { 'cnpg.io/cluster': 'db' } }); }, message: /spec\.imageName has untagged image/ },
    { rule: 'image-digest-in-production', name: 'a tag without digest in production', production: true, build: (c) => deployment(c, 'web', podSpec({ container: { image: 'ghcr.io/example/web:1.2.3' } })), message: /container "web" has image "ghcr.io\/example\/web:1.2.3" without a digest in a production environment/ },
    { rule: 'probes-and-requests', name: 'a StatefulSet container without liveness probe and cpu request', build: (c) => deployment(c, 'db-proxy', podSpec({ container: { livenessProbe: undefined, resources: { requests: { memory: k8s.Quantity.fromString('1Gi') } } } }), 'StatefulSet'), message: /container "web" lacks a livenessProbe, a cpu request/ },
    { rule: 'probes-and-requests', name: 'a DaemonSet container without readiness probe', build: (c) => deployment(c, 'agent', podSpec({ container: { readinessProbe: undefined } }), 'DaemonSet'), message: /container "web" lacks a readinessProbe$/ },
    { rule: 'no-token-automount', name: 'a Job mounting the token', build: (c) => job(c, 'migrate', podSpec({ spec: { automountServiceAccountToken: undefined } })), message: /the pod template mounts a service account token \(spec\.template\.spec\.automountServiceAccountToken is not false\)/ },
    { rule: 'no-token-automount', name: 'a ServiceAccount that mounts by default', build: (c) => new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'web' } }), message: /the ServiceAccount lets pods mount its token by default/ },
    { rule: 'stateful-protected', name: 'a PVC with Prune=false only', build: (c) => pvc(c, 'data', 'Prune=false'), message: /a PersistentVolumeClaim holds data, but its argocd\.argoproj\.io\/sync-options annotation lacks Delete=false \(found "Prune=false"\)/ },
    { rule: 'stateful-protected', name: 'a Namespace holding a claim, without the annotation', build: (c) => { pvc(c, 'data'); new k8s.KubeNamespace(c, 'ns', { metadata: { name: 'demo' } }); }, message: /a Namespace holds claims or databases, but its argocd\.argoproj\.io\/sync-options annotation lacks Prune=false and Delete=false/ },
    { rule: 'stateful-protected', name: 'a StatefulSet deleting its claims with it', build: (c) => new k8s.KubeStatefulSet(c, 'db', { metadata: { name: 'db' }, spec: { serviceName: 'db', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' }, selector: { matchLabels: selector }, template: { metadata: { labels: selector }, spec: podSpec({}) } } }), message: /a StatefulSet holds data, but its argocd\.argoproj\.io\/sync-options annotation lacks Prune=false and Delete=false/ },
    { rule: 'stateful-protected', name: 'a PVC with Replace=true', build: (c) => pvc(c, 'data', 'Prune=false,Delete=false,Replace=true'), message: /annotation has Replace=true, with which a sync may delete and recreate it/ },
    { rule: 'stateful-protected', name: 'a PVC with Force=true (spaces trimmed, as ArgoCD does)', build: (c) => pvc(c, 'data', 'Prune=false, Delete=false, Force=true'), message: /annotation has Force=true, with which a sync may delete and recreate it/ },
    { rule: 'stateful-protected', name: 'a Namespace holding a claim, with Replace=true and Force=true', build: (c) => { pvc(c, 'data'); new k8s.KubeNamespace(c, 'ns', { metadata: { name: 'demo', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,Force=true,Replace=true' } } }); }, message: /a Namespace holds claims or databases, but its argocd\.argoproj\.io\/sync-options annotation has Force=true and Replace=true/ },
    { rule: 'stateful-protected', name: 'a ScheduledBackup without the annotation', build: (c) => new ApiObject(c, 'sb', { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'db-backup' }, spec: { schedule: '0 0 3 * * *', cluster: { name: 'db' } } }), message: /lacks Prune=false and Delete=false \(found none\)/ },
    { rule: 'database-namespace-guarded', name: 'a Cluster without a NetworkPolicy', build: (c) => cluster(c, 'db'), message: /no ingress NetworkPolicy in namespace demo selects the Cluster's pods \(cnpg\.io\/cluster=db\)/ },
    { rule: 'database-namespace-guarded', name: 'a Cluster whose NetworkPolicy is in another namespace', build: (c) => { cluster(c, 'db'); networkPolicy(c, 'np', { matchLabels: { 'cnpg.io/cluster': 'db' } }, { namespace: 'other' }); }, message: /no ingress NetworkPolicy in namespace demo selects/ },
    { rule: 'database-namespace-guarded', name: 'a NetworkPolicy selecting only the primary', build: (c) => { cluster(c, 'db'); networkPolicy(c, 'np', { matchLabels: { 'cnpg.io/cluster': 'db', 'cnpg.io/instanceRole': 'primary' } }); }, message: /no ingress NetworkPolicy/ },
    { rule: 'database-namespace-guarded', name: 'an egress-only NetworkPolicy', build: (c) => { cluster(c, 'db'); networkPolicy(c, 'np', {}, { policyTypes: ['Egress'] }); }, message: /no ingress NetworkPolicy/ },
    { rule: 'database-namespace-guarded', name: 'a NetworkPolicy that admits everyone', build: (c) => { cluster(c, 'db'); networkPolicy(c, 'np', { matchExpressions: [{ key: 'cnpg.io/cluster', operator: 'In', values: ['db'] }] }, { from: false }); }, message: /NetworkPolicy np selects the Cluster's pods but admits every source/ },
  ];

  test.each(cases)('$rule: $name', ({ rule, build, message, production }) => {
    const chart = chartWith(build, { production });
    expect(rulesFired(chart)).toEqual([rule]);
    const found = problems(chart);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) {
      expect(p.where).toMatch(/^demo\/\S+ \(\w+ demo\/[a-z0-9-]+\)$/);
      expect(p.message).toMatch(new RegExp(`^\\[rule ${rule}\\] `));
      expect(p.hint).toMatch(new RegExp(`add \\{ rule: ${rule}, kind: \\w+, name: [a-z0-9-]+, namespace: demo, reason: <why> \\} to policyExceptions in ${OVERLAY}$`));
    }
    expect(found.map((p) => p.message).join('\n')).toMatch(message);
  });

  test('secret values are never echoed in a message', () => {
    const secret = `ghp_${'Zq9x'.repeat(9)}`;
    const chart = chartWith((c) => new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'cfg' }, data: { [secret]: secret } }));
    const text = JSON.stringify(problems(chart));
    expect(text).toMatch(/a key of data holds what looks like a GitHub token/);
    expect(text).toMatch(/data\.<key not shown> holds what looks like a GitHub token/);
    expect(text).not.toContain(secret);
  });

  test('a PostgreSQL URL whose password is a $(VAR) reference, or that has none, is not a secret', () => {
    const chart = chartWith((c) => new k8s.KubeConfigMap(c, 'cm', { metadata: { name: 'cfg' }, data: { A: 'postgres://app:$(PGPASSWORD)@db/app', B: 'postgresql://app@db/app', C: 'postgres://app:${PGPASSWORD}@db/app' } }));
    expect(rulesFired(chart)).toEqual([]);
  });

  test('outside production a tag without digest is enough', () => {
    expect(rulesFired(chartWith((c) => deployment(c, 'web', podSpec({ container: { image: 'ghcr.io/example/web:1.2.3' } }))))).toEqual([]);
  });

  describe('exceptions', () => {
    const privileged = (c: AppChart) => {
      deployment(c, 'web', podSpec({ securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: [] } } }));
      pvc(c, 'data');
    };
    const reason = 'the vendor image needs setuid for its entrypoint; tracked in OPS-123';

    test('an exception excepts the object from the rule and echoes the reason into an annotation', () => {
      const chart = chartWith(privileged);
      const before = objectsOf(chart);
      const after = enforcePolicy(chart, before, { exceptions: [{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'demo', reason }] });
      const web = after.find((o) => o.kind === 'Deployment') as KubeObject & { metadata: { annotations: Record<string, string> } };
      expect(web.metadata.annotations).toEqual({ 'policy.platform.internal/pss-restricted': reason });
      expect(Object.keys(web.metadata)[0]).toBe('annotations');
      expect({ ...web, metadata: { ...web.metadata, annotations: undefined } }).toEqual({ ...before[0], metadata: { annotations: undefined, ...before[0].metadata } });
      // Everything else is untouched.
      expect(after.filter((o) => o.kind !== 'Deployment')).toEqual(before.filter((o) => o.kind !== 'Deployment'));
    });

    test('an exception covers only its rule and object', () => {
      const chart = chartWith((c) => {
        privileged(c);
        deployment(c, 'api', podSpec({ securityContext: { allowPrivilegeEscalation: true } }));
        new k8s.KubeServiceAccount(c, 'sa', { metadata: { name: 'web' } });
      });
      const found = problems(chart, [{ rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'demo', reason }]);
      expect(found.map((p) => `${p.where} ${p.message}`)).toEqual([
        'demo/api (Deployment demo/api) [rule pss-restricted] container "web" allows privilege escalation',
        'demo/sa (ServiceAccount demo/web) [rule no-token-automount] the ServiceAccount lets pods mount its token by default (automountServiceAccountToken is not false)',
      ]);
    });

    test('an exception that matches no object, or an object without that violation, is an error', () => {
      const chart = chartWith(privileged);
      const found = problems(chart, [
        { rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'demo', reason },
        { rule: 'pss-restricted', kind: 'StatefulSet', name: 'web', namespace: 'demo', reason },
        { rule: 'stateful-protected', kind: 'PersistentVolumeClaim', name: 'data', namespace: 'demo', reason },
        { rule: 'pss-restricted', kind: 'Deployment', name: 'web', namespace: 'demo', reason },
      ]);
      expect(found).toEqual([
        { where: `${OVERLAY} policyExceptions.1`, message: 'excepts StatefulSet demo/web from rule pss-restricted, but the app renders no such object', hint: 'remove the stale entry, or correct its kind or namespace (this app renders Deployment demo/web)' },
        { where: `${OVERLAY} policyExceptions.2`, message: 'excepts PersistentVolumeClaim demo/data from rule stateful-protected, but it does not break that rule', hint: 'remove the stale entry: the exception is no longer needed' },
        { where: `${OVERLAY} policyExceptions.3`, message: 'repeats policyExceptions.0 (rule pss-restricted, Deployment demo/web)', hint: 'keep one entry per rule and object' },
      ]);
    });

    test('the overlay schema takes policyExceptions on every app: known rules, a real reason, nothing else', () => {
      const schema = overlaySchema(defineApp({ name: 'demo', description: 'test', values: Type.Object({}), build: () => undefined }));
      const parse = (text: string) => parseOverlay(text, OVERLAY, schema);
      expect(parse(`namespace: demo\npolicyExceptions:\n  - { rule: no-secret-data, kind: Secret, name: legacy, reason: ${reason} }\n`)).toEqual({
        namespace: 'demo',
        policyExceptions: [{ rule: 'no-secret-data', kind: 'Secret', name: 'legacy', reason }],
      });
      const messages = (text: string) => {
        try {
          parse(text);
        } catch (error) {
          if (error instanceof UserError) return error.problems.map((p) => `${p.where}: ${p.message}`);
          throw error;
        }
        throw new Error('expected a UserError');
      };
      expect(messages('namespace: demo\npolicyExceptions:\n  - { rule: pss-restrictd, kind: Deployment, name: web, reason: a long enough reason }\n'))
        .toEqual([`${OVERLAY}:3:13 policyExceptions.0.rule: "pss-restrictd" must be equal to one of the allowed values`]);
      expect(messages('namespace: demo\npolicyExceptions:\n  - { rule: pss-restricted, kind: Deployment, name: web, reason: because }\n'))
        .toEqual([`${OVERLAY}:3:66 policyExceptions.0.reason: "because" must NOT have fewer than 10 characters`]);
      expect(messages('namespace: demo\npolicyExceptions:\n  - { rule: pss-restricted, kind: Deployment, name: web, reason: a long enough reason, until: 2027 }\n'))
        .toEqual([`${OVERLAY}:3:88 policyExceptions.0.until: unknown key "until"`]);
    });
  });
});
