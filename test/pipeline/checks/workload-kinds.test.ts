import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { parseDocument } from 'yaml';
import { defineApp, type AppChart, type AppDefinition } from '../../../lib/core/app';
import { protectFromPrune } from '../../../lib/core/delivery';
import { UserError } from '../../../lib/core/errors';
import { ImageContract } from '../../../lib/core/image-contract';
import { k8s } from '../../../lib/core/k8s';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { ROOT } from '../../helpers';

/*
 * The policy holds for every kind that runs pods, not only Deployments: each rule fires on a
 * StatefulSet, DaemonSet, Job, CronJob and bare Pod built through the public API (an app, its
 * overlay, synthesize()), and the corrected twin synthesizes. Each case is one synth of one app in
 * one environment; the file runs in a few seconds on an idle core.
 */

const KINDS = ['StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'] as const;
type Kind = (typeof KINDS)[number];
const FAULTS = ['none', 'escalation', 'no-requests', 'no-probes', 'latest', 'two-writers', 'path-selector', 'contract-user'] as const;
type Fault = (typeof FAULTS)[number];

const IMAGE = 'ghcr.io/example/worker';
const CONTRACT = new ImageContract({
  repository: IMAGE,
  source: 'example/worker@0000000 Dockerfile (USER 1000)',
  user: 1000,
  ports: [8080],
  ready: { path: '/ready' },
  alive: { path: '/alive' },
});
const LABELS = { 'app.kubernetes.io/name': 'worker' };
const CONSTRUCT_PATH = { 'cdk8s.io/metadata.addr': 'raw-worker-c8d1f2a3' };
const long = (kind: Kind) => kind === 'StatefulSet' || kind === 'DaemonSet' || kind === 'Pod';

/** A pod spec that meets every rule, with `fault` applied. */
function podSpec(kind: Kind, fault: Fault, claim: boolean): k8s.PodSpec {
  const probe = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromNumber(8080) } });
  return {
    automountServiceAccountToken: false,
    ...(kind === 'Job' || kind === 'CronJob' ? { restartPolicy: 'Never' } : {}),
    securityContext: { runAsNonRoot: true, runAsUser: fault === 'contract-user' ? 2000 : 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: 'main',
      image: fault === 'latest' ? `${IMAGE}:latest` : `${IMAGE}:1.4.2`,
      securityContext: { allowPrivilegeEscalation: fault === 'escalation', readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      ...(long(kind) && fault !== 'no-probes' ? { readinessProbe: probe('/ready'), livenessProbe: probe('/alive') } : {}),
      ...(fault === 'no-requests' ? {} : { resources: { requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') } } }),
      ...(claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}),
    }],
    ...(claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'worker-data' } }] } : {}),
  };
}

/**
 * One workload of `kind`. `two-writers` makes it write a ReadWriteOnce claim from more than one
 * pod at a time, as each kind can: two StatefulSet replicas, a DaemonSet, a Job's parallelism, a
 * CronJob's default concurrency (Allow), a second Pod; `path-selector` selects its pods by the
 * construct path (a Pod has no selector: a Service selects it).
 */
function workload(chart: AppChart, kind: Kind, fault: Fault): void {
  const claim = fault === 'two-writers' || (fault === 'none' && kind !== 'DaemonSet');
  if (claim) {
    protectFromPrune(new k8s.KubePersistentVolumeClaim(chart, 'claim', {
      metadata: { name: 'worker-data' },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'linode-block-storage-retain', resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    }));
  }
  const spec = podSpec(kind, fault, claim);
  const labels = fault === 'path-selector' ? { ...LABELS, ...CONSTRUCT_PATH } : LABELS;
  const template = { metadata: { labels }, spec };
  const metadata = { name: 'worker' };
  const two = fault === 'two-writers';
  switch (kind) {
    case 'StatefulSet':
      new k8s.KubeStatefulSet(chart, 'worker', { metadata, spec: { serviceName: 'worker', replicas: two ? 2 : 1, selector: { matchLabels: labels }, template } });
      break;
    case 'DaemonSet':
      new k8s.KubeDaemonSet(chart, 'worker', { metadata, spec: { selector: { matchLabels: labels }, template } });
      break;
    case 'Job':
      new k8s.KubeJob(chart, 'worker', {
        metadata,
        spec: { parallelism: two ? 2 : 1, ...(fault === 'path-selector' ? { manualSelector: true, selector: { matchLabels: labels } } : {}), template },
      });
      break;
    case 'CronJob':
      new k8s.KubeCronJob(chart, 'worker', {
        metadata,
        spec: { schedule: '30 4 * * *', timeZone: 'Etc/UTC', ...(two ? {} : { concurrencyPolicy: 'Forbid' }), jobTemplate: { spec: { template } } },
      });
      break;
    case 'Pod':
      new k8s.KubePod(chart, 'worker', { metadata: { ...metadata, labels }, spec });
      if (two) new k8s.KubePod(chart, 'worker-2', { metadata: { name: 'worker-2', labels }, spec });
      if (fault === 'path-selector') {
        new k8s.KubeService(chart, 'service', { metadata, spec: { selector: CONSTRUCT_PATH, ports: [{ port: 8080, targetPort: k8s.IntOrString.fromNumber(8080) }] } });
      }
      break;
  }
}

const app = defineApp({
  name: 'raw',
  description: 'test app emitting one workload of a kind, with one fault',
  values: Type.Object({
    kind: Type.Union(KINDS.map((k) => Type.Literal(k))),
    fault: Type.Union(FAULTS.map((f) => Type.Literal(f))),
  }, { additionalProperties: false }),
  build(chart, values) {
    chart.declareImage(CONTRACT);
    workload(chart, values.kind, values.fault);
  },
});

const PAIR = ' (app raw, environment cfp-sandbox, values from overlays/cfp-sandbox/raw.yaml)';

describe('the policy holds for every kind that runs pods, through synthesize()', () => {
  let overlays: string;
  beforeAll(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'workload-kinds-')), 'overlays');
    mkdirSync(join(overlays, 'cfp-sandbox'), { recursive: true });
    const environment = parseDocument(readFileSync(join(ROOT, 'overlays/cfp-sandbox/environment.yaml'), 'utf8'));
    environment.setIn(['existing', 'namespaces'], ['raw']);
    writeFileSync(join(overlays, 'cfp-sandbox/environment.yaml'), environment.toString({ flowCollectionPadding: false }));
  });
  afterAll(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  /** Synthesizes the app with `kind` and `fault`: the problems, or the written files when there are none. */
  const run = (kind: Kind, fault: Fault): { problems: string[]; files: string[] } => {
    writeFileSync(join(overlays, 'cfp-sandbox/raw.yaml'), `namespace: raw\nkind: ${kind}\nfault: ${fault}\n`);
    try {
      const result = synthesize({ apps: [app] as readonly AppDefinition[], overlaysDir: overlays });
      return { problems: [], files: [...result.files.keys()].filter((f) => f.startsWith('cfp-sandbox/raw/')).sort() };
    } catch (error) {
      // Synth adds which app, environment and overlay to every message; the cases are about the rest.
      if (error instanceof UserError) return { problems: error.problems.map((p) => `${p.where}: ${p.message}`.replace(PAIR, '')), files: [] };
      throw error;
    }
  };

  test.each(KINDS)('a compliant %s synthesizes, and is written', (kind) => {
    const { problems, files } = run(kind, 'none');
    expect(problems).toEqual([]);
    expect(files).toContain(`cfp-sandbox/raw/${kind.toLowerCase()}-worker.yaml`);
  });

  const where = (kind: Kind) => `raw/worker (${kind} raw/worker)`;
  const cases: Array<{ kind: Kind; fault: Fault; problems: string[] }> = [
    ...KINDS.map((kind) => ({ kind, fault: 'escalation' as const, problems: [`${where(kind)}: [rule pss-restricted] container "main" allows privilege escalation`] })),
    ...KINDS.map((kind) => ({ kind, fault: 'no-requests' as const, problems: [`${where(kind)}: [rule probes-and-requests] container "main" lacks a cpu request, a memory request`] })),
    ...KINDS.filter(long).map((kind) => ({ kind, fault: 'no-probes' as const, problems: [`${where(kind)}: [rule probes-and-requests] container "main" lacks a readinessProbe, a livenessProbe`] })),
    // The tag came from the overlay ("fault: latest"), so synth points at that line first.
    ...KINDS.map((kind) => ({ kind, fault: 'latest' as const, problems: [`overlays/cfp-sandbox/raw.yaml:3:8 fault: [rule image-pinned] container "main" uses image "${IMAGE}:latest" with the "latest" tag (refused by ${where(kind)})`] })),
    ...KINDS.map((kind) => ({
      kind,
      fault: 'contract-user' as const,
      problems: [`${where(kind)}: [rule image-contract] container "main" runs ${IMAGE}, whose contract (example/worker@0000000 Dockerfile (USER 1000)) says it runs as uid 1000, but the pod runs it as uid 2000: the files and HOME the image ships belong to 1000`],
    })),
    { kind: 'StatefulSet', fault: 'two-writers', problems: [`${where('StatefulSet')}: [rule single-writer] volume "data" mounts ReadWriteOnce claim worker-data (one node at a time) with 2 replicas: the others wait forever for the volume on another node, or write it at the same time on the same node`] },
    { kind: 'DaemonSet', fault: 'two-writers', problems: [`${where('DaemonSet')}: [rule single-writer] volume "data" mounts ReadWriteOnce claim worker-data (one node at a time) from a pod on every node: all but one wait forever for the volume (Multi-Attach error)`] },
    { kind: 'Job', fault: 'two-writers', problems: [`${where('Job')}: [rule single-writer] volume "data" mounts ReadWriteOnce claim worker-data (one node at a time) with parallelism 2: the others wait forever for the volume on another node, or write it at the same time on the same node`] },
    { kind: 'CronJob', fault: 'two-writers', problems: [`${where('CronJob')}: [rule single-writer] volume "data" mounts ReadWriteOnce claim worker-data (one node at a time) with concurrencyPolicy Allow (the default), which runs a Job while the previous one may still run: two writers, or a pod stuck waiting for the volume on another node`] },
    {
      kind: 'Pod',
      fault: 'two-writers',
      problems: [
        `${where('Pod')}: [rule single-writer] mounts ReadWriteOnce claim worker-data, which Pod worker-2 mounts too: a pod on another node waits forever for the volume (Multi-Attach error), and pods on one node write it at the same time`,
        'raw/worker-2 (Pod raw/worker-2): [rule single-writer] mounts ReadWriteOnce claim worker-data, which Pod worker mounts too: a pod on another node waits forever for the volume (Multi-Attach error), and pods on one node write it at the same time',
      ],
    },
    ...(['StatefulSet', 'DaemonSet', 'Job'] as const).map((kind) => ({
      kind,
      fault: 'path-selector' as const,
      problems: [`${where(kind)}: [rule stable-selectors] its selector uses cdk8s.io/metadata.addr, derived from the construct path: renaming or moving the construct changes it, and a ${kind}'s selector cannot change after creation`],
    })),
    { kind: 'Pod', fault: 'path-selector', problems: ['raw/service (Service raw/worker): [rule stable-selectors] its selector uses cdk8s.io/metadata.addr, derived from the construct path: renaming or moving the construct changes it and the Service loses its pods'] },
  ];

  test.each(cases)('$kind with fault $fault: refused by the rule, with what is wrong', ({ kind, fault, problems }) => {
    expect(run(kind, fault).problems).toEqual(problems);
  });

  test('a CronJob has no selector to get wrong: the API server generates each Job\'s', () => {
    // The corrected twin of every case above is the compliant workload of the same kind.
    expect(run('CronJob', 'path-selector').problems).toEqual([]);
  });
});
