import { WebService, type WebServiceProps } from '../../lib/apps/web-service';
import { enforcePolicy } from '../../lib/pipeline/checks/policy';
import { only, problemsOf, render, testChart } from '../helpers';

function service(props: Partial<WebServiceProps> = {}) {
  const chart = testChart();
  new WebService(chart, 'web', { name: 'api', image: 'registry.example/api:1.2.3', port: 8000, healthPath: '/health', ...props });
  return chart;
}
const objectsOf = (props: Partial<WebServiceProps>) => render(service(props));
const errorsOf = (props: Partial<WebServiceProps>) => problemsOf(() => render(service(props))).join('\n');
const kinds = (props: Partial<WebServiceProps>) => objectsOf(props).map((o) => o.kind).sort();

describe('WebService autoscaling', () => {
  test('an autoscaler on cpu by default (80%), from 2 pods, and a Deployment that leaves spec.replicas to it', () => {
    const chart = service({ autoscaling: { maxReplicas: 6 } });
    const objects = render(chart);
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.name).toBe('api');
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    // ArgoCD would otherwise reset the autoscaler's count on every sync.
    expect(only(objects, 'Deployment').spec).not.toHaveProperty('replicas');
    // The output rules agree: autoscaling, and single-writer at the autoscaler's maximum.
    expect(enforcePolicy(chart, objects)).toEqual(objects);
  });

  test('on cpu and memory utilization, as given', () => {
    const hpa = only(objectsOf({ autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 85 } }), 'HorizontalPodAutoscaler');
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 85 } } },
    ]);
    expect(only(objectsOf({ autoscaling: { maxReplicas: 4, memoryUtilization: 75 } }), 'HorizontalPodAutoscaler').spec.metrics)
      .toEqual([{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } }]);
  });

  test('without autoscaling the Deployment keeps its replicas and no autoscaler is emitted', () => {
    expect(only(objectsOf({ replicas: 1 }), 'Deployment').spec.replicas).toBe(1);
    expect(kinds({})).not.toContain('HorizontalPodAutoscaler');
  });

  test('refuses replicas with autoscaling, a maximum below the minimum, and a ReadWriteOnce claim it would scale past one pod', () => {
    expect(errorsOf({ replicas: 2, autoscaling: { maxReplicas: 4 } })).toMatch(/^demo\/web: replicas and autoscaling are both set: the autoscaler owns the count, and a manifest with spec.replicas resets it on every ArgoCD sync; remove replicas/);
    expect(errorsOf({ autoscaling: { maxReplicas: 1 } })).toMatch(/autoscaling.maxReplicas 1 is below minReplicas 2 \(the default\)/);
    expect(errorsOf({ autoscaling: { minReplicas: 1, maxReplicas: 3 }, strategy: 'Recreate', volumes: [{ name: 'data', mountPath: '/data', source: { claim: { size: '1Gi' } } }] }))
      .toMatch(/volume "data" mounts ReadWriteOnce claim api-data \(one node at a time\) with 3 replicas/);
    // The corrected twin: one pod at most.
    expect(() => render(service({ autoscaling: { minReplicas: 1, maxReplicas: 1 }, strategy: 'Recreate', volumes: [{ name: 'data', mountPath: '/data', source: { claim: { size: '1Gi' } } }] }))).not.toThrow();
  });
});

describe('WebService disruption budget', () => {
  test('none for one pod: a budget can only block or allow every drain', () => {
    expect(kinds({})).not.toContain('PodDisruptionBudget');
  });

  test('maxUnavailable 1 by default when it runs more than one pod, over the service\'s stable selector', () => {
    for (const props of [{ replicas: 3 }, { autoscaling: { maxReplicas: 5 } }] as Array<Partial<WebServiceProps>>) {
      const objects = objectsOf(props);
      const pdb = only(objects, 'PodDisruptionBudget');
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.metadata.name).toBe('api');
      expect(pdb.spec).toEqual({ selector: { matchLabels: only(objects, 'Deployment').spec.selector.matchLabels }, maxUnavailable: 1 });
    }
  });

  test('as given, or none with false', () => {
    expect(only(objectsOf({ replicas: 4, disruptionBudget: { minAvailable: '50%' } }), 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: '50%' });
    expect(only(objectsOf({ replicas: 4, disruptionBudget: { maxUnavailable: 2 } }), 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 2 });
    expect(kinds({ replicas: 3, disruptionBudget: false })).not.toContain('PodDisruptionBudget');
  });

  test('refuses a budget that blocks every drain, and one with both or neither field', () => {
    expect(errorsOf({ replicas: 2, disruptionBudget: { minAvailable: 2 } })).toMatch(/disruptionBudget \{"minAvailable":2\} allows no pod of 2 to be disrupted: every node drain would wait forever/);
    expect(errorsOf({ replicas: 2, disruptionBudget: { maxUnavailable: 0 } })).toMatch(/allows no pod of 2 to be disrupted/);
    expect(errorsOf({ replicas: 2, disruptionBudget: { maxUnavailable: 1, minAvailable: 1 } })).toMatch(/needs exactly one of maxUnavailable and minAvailable \(policy\/v1 allows one\), not both/);
    expect(errorsOf({ replicas: 2, disruptionBudget: {} })).toMatch(/not neither/);
    expect(errorsOf({ replicas: 2, disruptionBudget: { maxUnavailable: '150%' } })).toMatch(/disruptionBudget.maxUnavailable "150%" must be a whole number or a percentage/);
  });
});
