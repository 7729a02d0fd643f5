// Plain cdk8s, for reference (`npm run bench -- --only cdk8s`): N charts of 10 ConfigMaps each in
// ONE App, rendered with App.synthYaml(), against the same charts rendered the way this repo does
// (lib/core/synth.ts: one App per chart, ApiObject.toJson() per object). Prints one JSON line per
// size. The first grows with the square of N: Chart.toJson() calls App._synthChart(), which
// resolves the dependencies of, and validates, every construct of the whole App again for each
// chart (node_modules/cdk8s/lib/app.js).
import { App, ApiObject, Chart } from 'cdk8s';
import { KubeConfigMap } from 'cdk8s-plus-28/lib/imports/k8s.js';

const sizes = (process.argv[2] ?? '100,200,400,800').split(',').map(Number);

function chart(scope, i) {
  const c = new Chart(scope, `c${i}`, { namespace: `ns${i}` });
  for (let j = 0; j < 10; j++) new KubeConfigMap(c, `cm${j}`, { metadata: { name: `cm${j}` }, data: { key: `value ${j}` } });
  return c;
}

for (const n of sizes) {
  let started = performance.now();
  const app = new App({ outdir: 'unused' });
  for (let i = 0; i < n; i++) chart(app, i);
  app.synthYaml();
  const oneApp = performance.now() - started;

  started = performance.now();
  for (let i = 0; i < n; i++) {
    const c = chart(new App({ outdir: 'unused' }), i);
    for (const construct of c.node.findAll()) {
      for (const message of construct.node.validate()) throw new Error(message);
    }
    for (const construct of c.node.findAll()) if (ApiObject.isApiObject(construct)) construct.toJson();
  }
  const appPerChart = performance.now() - started;
  console.log(JSON.stringify({ charts: n, oneAppMs: oneApp, appPerChartMs: appPerChart }));
}
