import { ApiObject } from 'cdk8s';
import { k8s } from '../../../lib/core/k8s';
import { validateObject } from '../../../lib/pipeline/checks/schema-validation';
import { problemsOf, render, testChart } from '../../helpers';

describe('validating objects against the pinned upstream schemas', () => {
  test('a valid object passes', () => {
    expect(validateObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'y' }, data: { a: 'b' } }, 'test')).toEqual([]);
  });

  test('a misspelt field fails instead of vanishing in the cluster', () => {
    const problems = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80, targetPrt: 8080 }] } }, 'demo/svc');
    expect(problems).toEqual([{ where: 'demo/svc (Service x) spec.ports[0].targetPrt', message: expect.stringMatching(/not a field of this kind.*drop or reject/) }]);
  });

  test('a misspelt field inside a CRD object fails too', () => {
    const problems = validateObject({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' },
      spec: { parentRefs: [{ name: 'gw', sectionNam: 'https' }] },
    }, 'demo/route');
    expect(problems.map((p) => p.where)).toEqual(['demo/route (HTTPRoute r) spec.parentRefs[0].sectionNam']);
  });

  test('metadata of CRD objects is checked as ObjectMeta', () => {
    const problems = validateObject({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', labells: {} }, spec: { encryptedData: {} } }, 'x');
    expect(problems.map((p) => p.where)).toEqual(['x (SealedSecret s) metadata.labells']);
  });

  test('status is refused: the API server ignores it on create', () => {
    const problems = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, status: {} }, 'x');
    expect(problems.map((p) => p.where)).toEqual(['x (Service x) status']);
  });

  test('a wrong type is reported at its field with what is allowed', () => {
    const problems = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'eighty' }] } }, 'x');
    expect(problems).toEqual([{ where: 'x (Service x) spec.ports[0].port', message: 'must be integer (upstream schema)' }]);
  });

  test('an enum the API server declares is checked (Kubernetes 1.34 OpenAPI lists Service types)', () => {
    const problems = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'Public' } }, 'x');
    expect(problems).toEqual([{ where: 'x (Service x) spec.type', message: 'must be one of "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' }]);
    expect(validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { type: 'NodePort' } }, 'x')).toEqual([]);
  });

  test('int32 fields refuse values outside int32', () => {
    const problems = validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 2 ** 40 }] } }, 'x');
    expect(problems).toHaveLength(1);
  });

  test('synth refuses a chart with an invalid object, naming the construct', () => {
    const chart = testChart();
    new ApiObject(chart, 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, dta: { a: 'b' } } as never);
    expect(problemsOf(() => render(chart))).toEqual([expect.stringMatching(/^demo\/raw \(ConfigMap demo\/x\) dta: is not a field/)]);
  });

  test('synth passes a chart of valid L1 objects', () => {
    const chart = testChart();
    new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'x' }, data: { a: 'b' } });
    expect(render(chart)).toHaveLength(1);
  });
});
