import { JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { WebService } from '../../../lib/apps/web-service';
import { protectFromPrune } from '../../../lib/core/delivery';
import { k8s } from '../../../lib/core/k8s';
import { enforcePolicy, findViolations } from '../../../lib/pipeline/checks/policy';
import { problemsOf, render, restrictedDeployment, testChart } from '../../helpers';

const findings = (objects: ReturnType<typeof render>) => findViolations(objects, { production: false }).filter((v) => v.rule === 'single-writer').map((v) => `${v.object.kind}/${v.object.metadata.name}: ${v.message}; ${v.fix}`);

/** A raw PVC and a raw Deployment mounting it, built without the library's constructs. */
function rawClaimAndDeployment(accessMode: string, spec: { replicas?: number; strategy?: string }) {
  return render(rawChart(accessMode, spec));
}

function rawChart(accessMode: string, spec: { replicas?: number; strategy?: string }) {
  const chart = testChart();
  const pvc = new k8s.KubePersistentVolumeClaim(chart, 'pvc', {
    metadata: { name: 'gitea-data' },
    spec: { accessModes: [accessMode], storageClassName: 'standard', resources: { requests: { storage: k8s.Quantity.fromString('10Gi') } } },
  });
  protectFromPrune(pvc);
  const deployment = restrictedDeployment(chart, 'gitea');
  if (spec.replicas !== undefined) deployment.addJsonPatch(JsonPatch.add('/spec/replicas', spec.replicas));
  if (spec.strategy !== undefined) deployment.addJsonPatch(JsonPatch.add('/spec/strategy', { type: spec.strategy }));
  deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes', [{ name: 'data', persistentVolumeClaim: { claimName: 'gitea-data' } }]));
  return chart;
}

describe('single writer: a ReadWriteOnce claim is written by one pod at a time, however the objects were built', () => {
  test('a raw Deployment with two replicas mounting a raw ReadWriteOnce PVC is refused', () => {
    expect(findings(rawClaimAndDeployment('ReadWriteOnce', { replicas: 2, strategy: 'Recreate' }))).toEqual([
      'Deployment/gitea: volume "data" mounts ReadWriteOnce claim gitea-data (one node at a time) with 2 replicas: the others wait forever for the volume on another node, or write it at the same time on the same node; run one replica with strategy Recreate, or give the claim a ReadWriteMany StorageClass that the environment lists',
    ]);
  });

  test('a raw Deployment without a strategy rolls (RollingUpdate, the API default): refused, also for ReadWriteOncePod', () => {
    expect(findings(rawClaimAndDeployment('ReadWriteOnce', {}))).toEqual([expect.stringMatching(/mounts ReadWriteOnce claim gitea-data \(one node at a time\) with the RollingUpdate strategy \(the default\), which starts the new pod before the old one stops/)]);
    expect(findings(rawClaimAndDeployment('ReadWriteOncePod', {}))).toEqual([expect.stringMatching(/mounts ReadWriteOncePod claim gitea-data \(one pod at a time\)/)]);
  });

  test('a raw DaemonSet mounting a ReadWriteOnce claim is refused: it runs a pod on every node', () => {
    // The rule reads rendered objects; this repository vendors no DaemonSet schema, so the
    // objects are rendered here without the schema check.
    const chart = testChart();
    const pvc = new k8s.KubePersistentVolumeClaim(chart, 'pvc', {
      metadata: { name: 'agent-state' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } },
    });
    const daemonSet = new k8s.KubeDaemonSet(chart, 'agent', {
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'agent', image: 'example/agent:1.0' }], volumes: [{ name: 'state', persistentVolumeClaim: { claimName: 'agent-state' } }] },
        },
      },
    });
    expect(findings([pvc.toJson(), daemonSet.toJson()])).toEqual([
      'DaemonSet/agent: volume "state" mounts ReadWriteOnce claim agent-state (one node at a time) from a pod on every node: all but one wait forever for the volume (Multi-Attach error); run one replica with strategy Recreate, or give the claim a ReadWriteMany StorageClass that the environment lists',
    ]);
  });

  test('synth stops on it, naming the rule and the construct path', () => {
    const chart = rawChart('ReadWriteOnce', { replicas: 2, strategy: 'Recreate' });
    expect(problemsOf(() => enforcePolicy(chart, render(chart)))).toEqual([
      expect.stringMatching(/^demo\/web \(Deployment demo\/gitea\): \[rule single-writer\] volume "data" mounts ReadWriteOnce claim gitea-data/),
    ]);
  });

  test('a cdk8s-plus-28 Deployment mounting a cdk8s-plus claim is held to it too', () => {
    const chart = testChart();
    const claim = new kplus.PersistentVolumeClaim(chart, 'pvc', { metadata: { name: 'uploads' }, accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE], storage: Size.gibibytes(5) });
    new kplus.Deployment(chart, 'web', {
      metadata: { name: 'web' },
      replicas: 2,
      containers: [{ image: 'example/web:1.0', portNumber: 8080, volumeMounts: [{ path: '/uploads', volume: kplus.Volume.fromPersistentVolumeClaim(chart, 'uploads', claim) }] }],
    });
    expect(findings(render(chart))).toEqual([expect.stringMatching(/^Deployment\/web: volume "[^"]+" mounts ReadWriteOnce claim uploads \(one node at a time\) with 2 replicas/)]);
  });

  test('one replica with Recreate, or a ReadWriteMany claim, passes', () => {
    expect(findings(rawClaimAndDeployment('ReadWriteOnce', { replicas: 1, strategy: 'Recreate' }))).toEqual([]);
    expect(findings(rawClaimAndDeployment('ReadWriteMany', { replicas: 3 }))).toEqual([]);
  });

  test('the construct refuses the same thing with the same words, before rendering', () => {
    const chart = testChart();
    new WebService(chart, 'web', { name: 'gitea', image: 'example/gitea:1.0', port: 3000, healthPath: '/api/healthz', replicas: 2, strategy: 'Recreate', volumes: [{ name: 'data', mountPath: '/data', source: { claim: { size: '10Gi' } } }] });
    const [policy] = findings(rawClaimAndDeployment('ReadWriteOnce', { replicas: 2, strategy: 'Recreate' }));
    expect(problemsOf(() => render(chart))).toEqual([`demo/web: ${policy.replace(/^Deployment\/gitea: /, '')}`]);
  });
});

describe('single writer, for an autoscaled workload', () => {
  const autoscaledWriter = (maxReplicas: number) => {
    const chart = rawChart('ReadWriteOnce', { strategy: 'Recreate' });
    new k8s.KubeHorizontalPodAutoscalerV2(chart, 'hpa', {
      metadata: { name: 'gitea' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gitea' }, minReplicas: 1, maxReplicas },
    });
    return render(chart);
  };

  test('a Deployment its autoscaler may scale beyond one pod is held to the autoscaler\'s maximum, not its manifest', () => {
    expect(findings(autoscaledWriter(4))).toEqual([expect.stringMatching(/^Deployment\/gitea: volume "data" mounts ReadWriteOnce claim gitea-data \(one node at a time\) with 4 replicas/)]);
  });

  test('an autoscaler capped at one pod passes', () => {
    expect(findings(autoscaledWriter(1))).toEqual([]);
  });
});
