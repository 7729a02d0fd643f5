import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { podPeerFromKplus, serviceRefFromKplus } from '../../lib/core/cdk8s-plus';
import type { AppDefinition } from '../../lib/core/app';
import { Gateway } from '../../lib/gateway/gateway';
import { HttpRoute } from '../../lib/gateway/http-route';
import { synthesize } from '../../lib/pipeline/engine/synth';
import { TailscaleFunnel } from '../../lib/tailscale/tailscale-funnel';
import { guideSource } from '../guide-files';
import { only, problemsOf, render, ROOT, testChart } from '../helpers';

/** A cdk8s-plus Deployment on stable labels, exposed by a Service with an "http" port. */
function stableWorker(chart = testChart()) {
  const labels = chart.selectorFor('worker');
  const deployment = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, select: false, podMetadata: { labels }, containers: [{ image: 'example/worker:1.0', portNumber: 8080 }] });
  deployment.select(kplus.LabelSelector.of({ labels }));
  const service = new kplus.Service(chart, 'service', { metadata: { name: 'worker' }, selector: kplus.Pods.select(chart, 'worker-pods', { labels }), ports: [{ name: 'http', port: 80, targetPort: 8080 }] });
  return { chart, labels, deployment, service };
}

describe('cdk8s-plus-28 interop', () => {
  test('a kplus Service is a backend: a funnel and a route point at it, and its ports are checked', () => {
    const { chart, service } = stableWorker();
    new TailscaleFunnel(chart, 'funnel', { backend: serviceRefFromKplus(service), port: 'http', hostname: 'worker' });
    const gateway = new Gateway(chart, 'gw', { name: 'web', hostnames: ['worker.example.org'] });
    new HttpRoute(chart, 'route', { name: 'worker', gateway, hostnames: ['worker.example.org'], rules: [{ backends: [{ service: serviceRefFromKplus(service), port: 80 }] }] });
    const objects = render(chart);
    expect(only(objects, 'Ingress').spec.defaultBackend).toEqual({ service: { name: 'worker', port: { name: 'http' } } });
    expect(only(objects, 'HTTPRoute', 'worker').spec.rules[0].backendRefs).toEqual([{ kind: 'Service', name: 'worker', port: 80 }]);

    const wrong = stableWorker();
    new TailscaleFunnel(wrong.chart, 'funnel', { backend: serviceRefFromKplus(wrong.service), port: 'grpc', hostname: 'worker' });
    expect(problemsOf(() => render(wrong.chart))).toEqual([expect.stringContaining('Service demo/worker has no port named "grpc"; its ports are http (80)')]);
  });

  test('a kplus workload on stable labels is a NetworkPolicy peer by those labels', () => {
    const { labels, deployment } = stableWorker();
    expect(podPeerFromKplus(deployment)).toEqual({ namespace: 'demo', podLabels: labels });
  });

  test('a kplus workload selecting by the construct path is refused as a peer, with the fix', () => {
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'worker', { metadata: { name: 'worker' }, containers: [{ image: 'example/worker:1.0' }] });
    expect(problemsOf(() => podPeerFromKplus(deployment))).toEqual([
      'demo/worker: selects its pods by cdk8s.io/metadata.addr, derived from the construct path, so a NetworkPolicy admitting them breaks when the construct is renamed',
    ]);
  });
});

describe('docs/cdk8s-plus.md', () => {
  test('a kplus Service or workload outside any namespace is refused, with where to create it', () => {
    const app = new App();
    const chart = new Chart(app, 'plain');
    const deployment = new kplus.Deployment(chart, 'worker', { select: false, podMetadata: { labels: { app: 'worker' } }, containers: [{ image: 'example/worker:1.0' }] });
    deployment.select(kplus.LabelSelector.of({ labels: { app: 'worker' } }));
    const service = new kplus.Service(chart, 'service', { ports: [{ port: 80 }] });
    expect(problemsOf(() => podPeerFromKplus(deployment))).toEqual(['plain/worker: is a cdk8s-plus workload without a namespace, and its chart has none']);
    expect(problemsOf(() => serviceRefFromKplus(service))).toEqual(['plain/service: is a cdk8s-plus Service without a namespace, and its chart has none']);
  });

  test('its app synthesizes through the whole pipeline: schema, policy, references', () => {
    // .build/ exists after a type-check; jest run alone in a fresh clone has none yet.
    mkdirSync(join(ROOT, '.build'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, '.build', 'guide-'));
    try {
      writeFileSync(join(dir, 'worker.ts'), guideSource(ROOT, 'docs/cdk8s-plus.md', 'apps/worker.ts'));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { worker } = require(join(dir, 'worker.ts')) as { worker: AppDefinition };
      const overlays = join(dir, 'overlays');
      mkdirSync(join(overlays, 'lab'), { recursive: true });
      writeFileSync(join(overlays, 'lab', 'environment.yaml'), [
        'cluster: lab', 'stage: sandbox', 'production: false', 'kubernetes: "1.34"',
        'argocd: { server: https://kubernetes.default.svc, repoURL: https://git.example.org/deployments.git }',
        'storageClass: block',
        'tailscale: { tailnetDomain: tail0000.ts.net }',
        'existing: { namespaces: [worker], operators: { tailscale: "1.102.3" } }', '',
      ].join('\n'));
      writeFileSync(join(overlays, 'lab', 'worker.yaml'), 'namespace: worker\nimage: ghcr.io/example/worker:1.4.0\napiImage: ghcr.io/example/api:2.0.1\n');
      const result = synthesize({ apps: [worker], overlaysDir: overlays });
      const objects = result.apps[0].objects;
      const labels = { 'app.kubernetes.io/name': 'worker', 'app.kubernetes.io/instance': expect.any(String), 'app.kubernetes.io/component': 'worker' };
      expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'worker')).toMatchObject({ spec: { selector: { matchLabels: labels } } });
      expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'worker')).toMatchObject({ spec: { selector: labels } });
      const policy = objects.find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { ingress: Array<{ from: unknown[] }> } };
      expect(policy.spec.ingress.flatMap((r) => r.from)).toContainEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'worker' } }, podSelector: { matchLabels: labels } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
