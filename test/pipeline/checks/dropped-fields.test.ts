import { ApiObject, JsonPatch, Lazy } from 'cdk8s';
import { Cluster } from '../../../imports/postgresql.cnpg.io';
import { WebService } from '../../../lib/apps/web-service';
import { k8s } from '../../../lib/core/k8s';
import { droppedFields, rawJson, renderingOnce, renderWithRaw } from '../../../lib/pipeline/checks/dropped-fields';
import { problemsOf, render, testChart } from '../../helpers';

describe('fields an imported class would drop fail synth, instead of vanishing', () => {
  test('a misspelt field added with a JSON patch on a construct\'s L1 object', () => {
    const chart = testChart();
    const web = new WebService(chart, 'web', { name: 'web', image: 'example/web:1.0', port: 8080, healthPath: '/healthz' });
    ApiObject.of(web.node.findChild('Deployment')).addJsonPatch(JsonPatch.add('/spec/template/spec/terminationGracePeriodSecond', 60));
    expect(problemsOf(() => render(chart))).toEqual([
      'demo/web/Deployment (Deployment web): spec.template.spec.terminationGracePeriodSecond is not a field the apps/v1 Deployment class knows: it would be dropped without a word',
    ]);
  });

  test('a field written under its wire name where the class takes its own', () => {
    const chart = testChart();
    new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 1, storage: { size: '1Gi' }, plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWALArchiver: true }] } as never });
    expect(problemsOf(() => render(chart))).toEqual([expect.stringContaining('spec.plugins[0].isWALArchiver is not a field the postgresql.cnpg.io/v1 Cluster class knows')]);
  });

  test('correct objects, with quantities, int-or-strings and wire names the class writes, have nothing dropped', () => {
    const chart = testChart();
    const claim = new k8s.KubePersistentVolumeClaim(chart, 'claim', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });
    const cluster = new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 1, storage: { size: '1Gi' }, plugins: [{ name: 'barman-cloud.cloudnative-pg.io', isWalArchiver: true }] } as never });
    const raw = new ApiObject(chart, 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { a: 'b' } });
    for (const object of [claim, cluster, raw]) expect(droppedFields(rawJson(object), object.toJson())).toEqual([]);
    expect(render(chart).find((o) => o.kind === 'Cluster')!.spec).toMatchObject({ plugins: [{ isWALArchiver: true }] });
  });
});

describe('a JSON patch that writes a plain value where the class takes a wrapper (Quantity)', () => {
  test('is the user\'s error, naming the construct and the field, not a fault of the library', () => {
    const chart = testChart();
    const claim = new k8s.KubePersistentVolumeClaim(chart, 'claim', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });
    claim.addJsonPatch(JsonPatch.replace('/spec/resources/requests/storage', '0'));
    const problems = problemsOf(() => render(chart));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toMatch(/^demo\/claim .*spec\.resources\.requests\.storage/);
  });
});

describe('renderWithRaw: one rendering for both, where the class\'s serializer is a generated one', () => {
  test('gives what toJson() and rawJson() give, for generated classes (k8s, imported CRDs) and ApiObject itself', () => {
    const chart = testChart();
    const claim = new k8s.KubePersistentVolumeClaim(chart, 'claim', { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1Gi') } } } });
    claim.addJsonPatch(JsonPatch.add('/spec/volumeMode', 'Filesystem'));
    const cluster = new Cluster(chart, 'db', { metadata: { name: 'db' }, spec: { instances: 1, storage: { size: '1Gi' } } as never });
    const raw = new ApiObject(chart, 'raw', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { a: 'b' } });
    for (const object of [claim, cluster, raw]) expect(renderWithRaw(object)).toEqual({ json: object.toJson(), raw: rawJson(object) });
  });

  test('resolves a generated class\'s object once, not twice', () => {
    const chart = testChart();
    let resolved = 0;
    const map = new k8s.KubeConfigMap(chart, 'map', { metadata: { name: 'map' }, data: { a: Lazy.any({ produce: () => String(++resolved) }) } });
    expect(renderWithRaw(map)).toEqual({ json: expect.objectContaining({ data: { a: '1' } }), raw: expect.objectContaining({ data: { a: '1' } }) });
    expect(resolved).toBe(1);
  });

  test('a hand-written toJson that changes what super.toJson() returned still has its dropped fields found', () => {
    class Trimmed extends ApiObject {
      public toJson(): unknown {
        const json = super.toJson() as { data?: Record<string, string> };
        delete json.data;
        return json;
      }
    }
    const chart = testChart();
    const object = new Trimmed(chart, 'trimmed', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'trimmed' }, data: { a: 'b' } });
    const { json, raw } = renderWithRaw(object);
    expect(droppedFields(raw, json)).toEqual(['data']);
  });
});

describe('renderingOnce: a chart\'s construct validations and its rendering share each object\'s rendering', () => {
  test('a generated class\'s object, rendered by its construct\'s validation, is resolved once for the whole chart', () => {
    const chart = testChart();
    let resolved = 0;
    const map = new k8s.KubeConfigMap(chart, 'map', { metadata: { name: 'map' }, data: { a: Lazy.any({ produce: () => String(++resolved) }) } });
    let validated: unknown;
    map.node.addValidation({ validate: () => ((validated = map.toJson()), []) });
    const objects = render(chart);
    expect(validated).toEqual(expect.objectContaining({ data: { a: '1' } }));
    expect(objects.find((o) => o.metadata.name === 'map')).toEqual(expect.objectContaining({ data: { a: '1' } }));
    expect(resolved).toBe(1);
    // Outside a chart's rendering nothing is remembered: the next rendering resolves anew.
    expect(map.toJson()).toEqual(expect.objectContaining({ data: { a: '2' } }));
  });

  test('a hand-written toJson, which may change what super.toJson() returned, is rendered afresh each time', () => {
    let resolved = 0;
    class Counted extends ApiObject {
      public toJson(): unknown {
        return { ...(super.toJson() as object), extra: 'x' };
      }
    }
    const chart = testChart();
    const object = new Counted(chart, 'counted', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted' }, data: { a: Lazy.any({ produce: () => String(++resolved) }) } });
    object.node.addValidation({ validate: () => (object.toJson(), []) });
    renderingOnce(() => {
      object.node.validate();
      renderWithRaw(object);
    });
    // The validation's rendering, then renderWithRaw's toJson and its raw rendering: three.
    expect(resolved).toBe(3);
  });
});
