import * as kplus from 'cdk8s-plus-28';
import { findViolations } from '../../../lib/pipeline/checks/policy';
import { render, testChart } from '../../helpers';

const findings = (objects: ReturnType<typeof render>) => findViolations(objects, { production: false }).filter((v) => v.rule === 'stable-selectors').map((v) => `${v.object.kind}: ${v.message}`);

describe('stable selectors, for cdk8s-plus-28 workloads too', () => {
  test('a cdk8s-plus Deployment and its Service selecting by the construct path are refused', () => {
    const chart = testChart();
    const deployment = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, containers: [{ image: 'example/web:1.0', portNumber: 8080 }] });
    deployment.exposeViaService({ name: 'web' });
    expect(findings(render(chart))).toEqual([
      expect.stringMatching(/^Deployment: its selector uses cdk8s.io\/metadata.addr, derived from the construct path: .*cannot change after creation$/),
      expect.stringMatching(/^Service: its selector uses cdk8s.io\/metadata.addr, .* the Service loses its pods$/),
    ]);
  });

  test('with select: false and the chart\'s stable labels, it passes', () => {
    const chart = testChart();
    const labels = chart.selectorFor('web');
    const deployment = new kplus.Deployment(chart, 'web', { metadata: { name: 'web' }, select: false, containers: [{ image: 'example/web:1.0', portNumber: 8080 }] });
    for (const [key, value] of Object.entries(labels)) deployment.podMetadata.addLabel(key, value);
    deployment.select(kplus.LabelSelector.of({ labels }));
    const objects = render(chart);
    expect(objects.find((o) => o.kind === 'Deployment')!.spec).toMatchObject({ selector: { matchLabels: labels } });
    expect(findings(objects)).toEqual([]);
  });
});
