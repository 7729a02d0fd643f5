// Every kind the cluster serves, and every vendored CRD, validates; an API the environment's
// Kubernetes minor does not serve, and a kind no vendored source serves, is refused (issue 27).
// Time budget: about 10 s (every validator module is loaded once, 27 MB of generated code).
import { ApiObject } from 'cdk8s';
import { UserError } from '../../../lib/core/errors';
import { k8s } from '../../../lib/core/k8s';
import { validateObject, type KubeObject } from '../../../lib/pipeline/checks/schema-validation';
import { problemsOf, render, testChart, testEnvironment } from '../../helpers';
import { minimalBuiltInObjects, minimalCrdObjects, type MinimalObject } from './minimal-objects';

/** Renders one chart holding `objects` as raw ApiObjects (no L1 class), through synth's schema check. */
function renderRaw(objects: readonly Record<string, unknown>[], kubernetes = '1.34'): () => KubeObject[] {
  return () => {
    const chart = testChart({ environment: testEnvironment({ kubernetes }) });
    // One name per object: two kinds of one API (Event in v1 and in events.k8s.io) share a name space.
    objects.forEach((object, i) => new ApiObject(chart, `o${i}`, { ...object, metadata: { name: `s${i}` } } as never));
    return render(chart);
  };
}

/** `object` with a field its kind does not have, and the path synth must name. */
function withUnknownField({ object, hasSpec }: MinimalObject): { object: Record<string, unknown>; path: string } {
  return hasSpec
    ? { object: { ...object, spec: { ...(object.spec as object), notAField: true } }, path: 'spec.notAField' }
    : { object: { ...object, notAField: true }, path: 'notAField' };
}

describe.each([
  ['built-in kind of Kubernetes 1.34', minimalBuiltInObjects()],
  ['served version of a vendored CRD', minimalCrdObjects()],
])('every %s', (_, samples) => {
  test('synthesizes from a raw ApiObject', () => {
    expect(samples.length).toBeGreaterThan(40);
    expect(renderRaw(samples.map((s) => s.object))().map((o) => `${o.apiVersion}/${o.kind}`)).toEqual(samples.map((s) => s.key));
  });

  test('is refused with the field path when it carries an unknown field', () => {
    const broken = samples.map(withUnknownField);
    const problems = problemsOf(renderRaw(broken.map((b) => b.object)));
    expect(problems).toEqual(broken.map((b, i) => expect.stringMatching(new RegExp(`^demo/o${i} \\(${samples[i].object.kind as string} demo/s${i}\\) ${b.path.replace('.', '\\.')}: is not a field of this kind`))));
  });
});

describe('kinds a platform team adds next, written as they would be', () => {
  const labels = { 'app.kubernetes.io/name': 'worker' };
  const pod = { metadata: { labels }, spec: { containers: [{ name: 'worker', image: 'ghcr.io/example/worker:1.0.0' }] } };
  const samples: Record<string, { object: Record<string, unknown>; misspelt: string; path: string }> = {
    CronJob: {
      object: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '0 3 * * *', timeZone: 'Etc/UTC', jobTemplate: { spec: { template: { ...pod, spec: { ...pod.spec, restartPolicy: 'OnFailure' } } } } } },
      misspelt: 'spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy', path: 'spec.jobTemplate.spec.template.spec.containers[0].resorces',
    },
    StatefulSet: {
      object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { serviceName: 'db', selector: { matchLabels: labels }, template: pod, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } },
      misspelt: '', path: 'spec.volumeClaimTemplates[0].spec.storageClass',
    },
    DaemonSet: { object: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: labels }, template: pod } }, misspelt: '', path: 'spec.updateStrategy.rollingUpdate.maxSurges' },
    HorizontalPodAutoscaler: {
      object: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] } },
      misspelt: '', path: 'spec.metrics[0].resource.target.averageUtilisation',
    },
    LimitRange: { object: { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }] } }, misspelt: '', path: 'spec.limits[0].defaults' },
    PodDisruptionBudget: { object: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } }, misspelt: '', path: 'spec.minAvailible' },
    Certificate: {
      object: { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web' }, spec: { secretName: 'web-tls', dnsNames: ['web.example.org'], issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' } } },
      misspelt: '', path: 'spec.issuerRef.kindd',
    },
    ServiceMonitor: { object: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web' }, spec: { selector: { matchLabels: labels }, endpoints: [{ port: 'http', interval: '30s' }] } }, misspelt: '', path: 'spec.endpoints[0].intervall' },
    Kustomization: {
      object: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'apps' }, spec: { interval: '10m', path: './apps', prune: true, sourceRef: { kind: 'GitRepository', name: 'platform' } } },
      misspelt: '', path: 'spec.sourceRef.namespacee',
    },
  };

  test.each(Object.keys(samples))('%s synthesizes from a raw ApiObject', (kind) => {
    expect(renderRaw([samples[kind].object])().map((o) => o.kind)).toEqual([kind]);
  });

  test('the built-in ones synthesize from their typed L1 classes too (cdk8s-plus-28\'s k8s)', () => {
    const chart = testChart();
    const spec = (kind: string) => samples[kind].object.spec as never;
    new k8s.KubeCronJob(chart, 'cron', { metadata: { name: 'nightly' }, spec: spec('CronJob') });
    const claim = { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } };
    new k8s.KubeStatefulSet(chart, 'sts', { metadata: { name: 'db' }, spec: { ...(spec('StatefulSet') as object), volumeClaimTemplates: [claim] } as never });
    new k8s.KubeDaemonSet(chart, 'ds', { metadata: { name: 'agent' }, spec: spec('DaemonSet') });
    new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', { metadata: { name: 'web' }, spec: spec('HorizontalPodAutoscaler') });
    const q = (v: string) => k8s.Quantity.fromString(v);
    new k8s.KubeLimitRange(chart, 'limits', { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { memory: q('256Mi') }, defaultRequest: { cpu: q('100m'), memory: q('128Mi') } }] } });
    new k8s.KubePodDisruptionBudget(chart, 'pdb', { metadata: { name: 'web' }, spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels } } });
    expect(render(chart).map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
      'batch/v1/CronJob', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'autoscaling/v2/HorizontalPodAutoscaler', 'v1/LimitRange', 'policy/v1/PodDisruptionBudget',
    ]);
  });

  test.each(Object.keys(samples))('%s with a misspelt field is refused at its path', (kind) => {
    const { object, path } = samples[kind];
    const segments = path.split(/\.|(?=\[)/);
    const broken = structuredClone(object);
    let node: Record<string, unknown> = broken;
    for (const segment of segments.slice(0, -1)) {
      const key = segment.startsWith('[') ? Number(segment.slice(1, -1)) : segment;
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[segments[segments.length - 1]] = 'x';
    expect(problemsOf(renderRaw([broken]))).toEqual([expect.stringMatching(new RegExp(`\\) ${path.replace(/[.[\]]/g, '\\$&')}: is not a field of this kind`))]);
  });
});

describe('an API Kubernetes removed is refused, naming the release and the replacement', () => {
  const removed: Array<[string, string, RegExp, string]> = [
    ['policy/v1beta1', 'PodSecurityPolicy', /Kubernetes 1\.25 removed it/, 'Pod Security Admission'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', /Kubernetes 1\.26 removed it/, 'autoscaling/v2 (served since 1.23)'],
    ['extensions/v1beta1', 'Ingress', /Kubernetes 1\.22 removed it/, 'networking.k8s.io/v1 (served since 1.19)'],
    ['batch/v1beta1', 'CronJob', /Kubernetes 1\.25 removed it/, 'batch/v1 (served since 1.21)'],
    ['flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', /Kubernetes 1\.32 removed it/, 'flowcontrol.apiserver.k8s.io/v1'],
  ];

  test.each(removed)('%s %s', (apiVersion, kind, release, replacement) => {
    const [problem] = validateObject({ apiVersion, kind, metadata: { name: 'x' } }, 'demo/x', { kubernetes: '1.34', file: 'overlays/e/environment.yaml' });
    expect(problem.message).toMatch(new RegExp(`^${apiVersion.replace(/[./]/g, '\\$&')} ${kind} is no longer served: ${release.source}`));
    expect(problem.allowed).toContain(replacement);
  });

  test('its replacement passes', () => {
    const samples = minimalBuiltInObjects().filter((s) => ['autoscaling/v2/HorizontalPodAutoscaler', 'networking.k8s.io/v1/Ingress', 'batch/v1/CronJob', 'flowcontrol.apiserver.k8s.io/v1/FlowSchema'].includes(s.key));
    expect(samples).toHaveLength(4);
    for (const { object } of samples) expect(validateObject(object as unknown as KubeObject, 'demo/x', { kubernetes: '1.34', file: 'f' })).toEqual([]);
  });

  test('a minor that still served it is told so, and still refused: no schema of it is vendored', () => {
    const [problem] = validateObject({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3', kind: 'FlowSchema', metadata: { name: 'x' } }, 'x', { kubernetes: '1.31', file: 'f' });
    expect(problem.message).toMatch(/is removed in Kubernetes 1\.32 .*1\.31 still serves it, but this library validates against the APIs of 1\.34/);
  });
});

describe('an environment is held to the APIs its Kubernetes minor serves', () => {
  const policy = minimalBuiltInObjects().find((s) => s.key === 'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy');

  test('a kind its minor does not serve yet is refused, naming the minor that does and the environment file', () => {
    expect(problemsOf(renderRaw([policy?.object ?? {}], '1.29'))).toEqual([
      'demo/o0 (ValidatingAdmissionPolicy demo/s0): admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy is served from Kubernetes 1.30 on; the cluster runs 1.29 (overlays/test-sandbox/environment.yaml: kubernetes)',
    ]);
  });

  test('the same kind passes where the minor serves it', () => {
    expect(renderRaw([policy?.object ?? {}], '1.30')()).toHaveLength(1);
  });

  test('the environments of this repository say which minor they run', () => {
    // openova's clusters run k3s v1.31.4+k3s1 (openova-io/openova infra/hetzner/variables.tf); the others are TO CONFIRM.
    expect(testEnvironment().kubernetes).toBe('1.34');
  });
});

describe('a kind that neither Kubernetes nor a vendored CRD serves', () => {
  test('is refused with the command that vendors its CRD', () => {
    let error: unknown;
    try {
      renderRaw([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} }])();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message.split('\n')).toEqual([
      'demo/o0 (Widget demo/s0): example.com/v1 Widget is neither built into Kubernetes 1.34 nor served by a vendored CRD, so it cannot be validated',
      '  fix: vendor the CustomResourceDefinition of example.com Widget from its operator\'s release and regenerate imports/: npm run import -- <the operator\'s CRD manifest>.yaml --source "<owner>/<repo> <release tag>"',
    ]);
  });

  test('a version a vendored CRD does not serve names the ones it does', () => {
    const [problem] = validateObject({ apiVersion: 'cert-manager.io/v1alpha2', kind: 'Certificate', metadata: { name: 'c' } }, 'x');
    expect(problem.message).toBe('the vendored CRDs of cert-manager.io (imports/crds/cert-manager-v1.21.1/) serve no Certificate in cert-manager.io/v1alpha2');
    expect(problem.hint).toMatch(/^did you mean cert-manager\.io\/v1 Certificate\?; for a kind or version of another release of these CRDs: npm run import -- /);
  });

  test('a misspelt built-in kind is refused with the closest one', () => {
    const [problem] = validateObject({ apiVersion: 'apps/v1', kind: 'StatefullSet', metadata: { name: 's' } }, 'x');
    expect(problem.message).toBe('Kubernetes 1.34 serves no StatefullSet in apps/v1');
    expect(problem.hint).toBe('did you mean apps/v1 StatefulSet?');
  });
});
