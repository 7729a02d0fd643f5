import { k8s } from '../../lib/core/k8s';
import { testChart, testEnvironment } from '../helpers';

describe('AppChart', () => {
  test('refuses objects without an explicit name: no construct-path hashes in names', () => {
    const chart = testChart();
    expect(() => new k8s.KubeConfigMap(chart, 'unnamed', {})).toThrow(/demo\/unnamed: ConfigMap has no metadata.name; every object needs an explicit name/);
  });

  test('puts objects in the app namespace', () => {
    const chart = testChart({ namespace: 'apps' });
    const cm = new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'x' } });
    expect(cm.toJson().metadata.namespace).toBe('apps');
  });

  test('selectors come from app, environment stage and component, never from construct paths', () => {
    const sandbox = testChart({ app: 'shop' });
    expect(sandbox.selectorFor('api')).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop-sandbox', 'app.kubernetes.io/component': 'api' });
    // Another stage is another instance; the construct paths ("shop/...") appear nowhere.
    const prod = testChart({ app: 'shop', environment: testEnvironment({ name: 'test-prod', stage: 'prod', production: true }) });
    expect(prod.selectorFor('worker')).toEqual({ 'app.kubernetes.io/name': 'shop', 'app.kubernetes.io/instance': 'shop-prod', 'app.kubernetes.io/component': 'worker' });
    expect(Object.values(prod.selectorFor('worker')).some((value) => value.includes('/'))).toBe(false);
  });

  test('labels carry all recommended keys', () => {
    expect(Object.keys(testChart().labelsFor('api')).sort()).toEqual([
      'app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/name', 'app.kubernetes.io/part-of',
    ]);
  });
});
