import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { defineApp, type AppDefinition } from '../../../lib/core/app';
import { synthesize } from '../../../lib/pipeline/engine/synth';
import { problemsOf, restrictedDeployment, ROOT } from '../../helpers';

/**
 * A test app whose overlay picks what goes wrong: a construct validation, an object the upstream
 * schema rejects that also breaks the policy (only the schema problem is reported), the policy
 * alone, or a bug (an error that is not a UserError) in the rendering or in build().
 */
const faulty = (name: string): AppDefinition => defineApp({
  name,
  description: 'test app whose overlay chooses its fault',
  values: Type.Object({ fault: Type.Union(['none', 'construct', 'schema', 'policy', 'bug-in-render', 'bug-in-build', 'late-validation'].map((f) => Type.Literal(f))) }, { additionalProperties: false }),
  build(chart, values) {
    restrictedDeployment(chart, name, { escalate: values.fault === 'schema' || values.fault === 'policy' });
    if (values.fault === 'schema') new ApiObject(chart, 'odd', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-odd` }, spec: { replicas: 1 } });
    if (values.fault === 'construct') chart.node.addValidation({ validate: () => [`${name} refuses to build`] });
    // Two objects one file would hold: a bug renderAppFiles finds.
    if (values.fault === 'bug-in-render') for (const id of ['one', 'two']) new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-twice` } });
    if (values.fault === 'bug-in-build') throw new Error(`${name}: a bug in build()`);
    if (values.fault === 'late-validation') {
      const checked = new Construct(chart, 'checked');
      checked.node.addValidation({ validate: () => ['checked refuses its props'] });
    }
  },
});

describe('synthesize', () => {
  const apps = ['a', 'b', 'c', 'd'].map(faulty);
  let overlays: string;
  beforeAll(() => {
    overlays = join(mkdtempSync(join(tmpdir(), 'synth-')), 'overlays');
    for (const env of ['cfp-sandbox', 'cfp-staging']) {
      mkdirSync(join(overlays, env), { recursive: true });
      writeFileSync(join(overlays, env, 'environment.yaml'), readFileSync(join(ROOT, 'overlays', env, 'environment.yaml')));
    }
  });
  afterAll(() => rmSync(join(overlays, '..'), { recursive: true, force: true }));

  const write = (env: string, faults: Record<string, string>) => {
    for (const [app, fault] of Object.entries(faults)) writeFileSync(join(overlays, env, `${app}.yaml`), `namespace: ${app}\nfault: ${fault}\n`);
  };

  test('reports every problem of the run, in the order of environments and overlay files; schema problems before the policy\'s', () => {
    write('cfp-sandbox', { a: 'policy', b: 'schema', c: 'construct', d: 'none' });
    write('cfp-staging', { a: 'schema', b: 'none', c: 'policy', d: 'construct' });
    writeFileSync(join(overlays, 'cfp-sandbox', 'nope.yaml'), 'namespace: nope\n');
    try {
      const problems = problemsOf(() => synthesize({ apps, overlaysDir: overlays }));
      expect(problems.map((p) => p.replace(/: .*/s, ''))).toEqual([
        'a/web (Deployment a/a)', // cfp-sandbox/a.yaml: the policy
        'b/odd (ConfigMap b/b-odd) spec', // cfp-sandbox/b.yaml: the schema, not also the policy
        'c', // cfp-sandbox/c.yaml: a construct validation
        'overlays/cfp-sandbox/nope.yaml', // no such app
        'a/odd (ConfigMap a/a-odd) spec', // cfp-staging
        'c/web (Deployment c/c)',
        'd',
      ]);
      expect(problems[0]).toBe('a/web (Deployment a/a): [rule pss-restricted] container "web" allows privilege escalation (app a, environment cfp-sandbox, values from overlays/cfp-sandbox/a.yaml)');
      expect(problems[1]).toBe('b/odd (ConfigMap b/b-odd) spec: is not a field of this kind in the pinned upstream schema; the API server would drop or reject it (app b, environment cfp-sandbox, values from overlays/cfp-sandbox/b.yaml)');
    } finally {
      rmSync(join(overlays, 'cfp-sandbox', 'nope.yaml'));
    }
  });

  test('faults in app code are the user\'s to fix: two objects with one name and a throw in build() are both reported, in order', () => {
    write('cfp-sandbox', { a: 'bug-in-render', b: 'bug-in-build', c: 'none', d: 'none' });
    write('cfp-staging', { a: 'none', b: 'none', c: 'none', d: 'none' });
    const problems = problemsOf(() => synthesize({ apps, overlaysDir: overlays }));
    expect(problems).toEqual([
      // Where the second object was created in the app's code, then its construct path.
      expect.stringMatching(/^test\/pipeline\/engine\/synth\.test\.ts:\d+:\d+ a\/two: ConfigMap "a-twice" in namespace a is also rendered by a\/one: two objects with one name/),
      expect.stringMatching(/^test\/pipeline\/engine\/synth\.test\.ts:\d+:\d+: app b threw Error: b: a bug in build\(\) \(app b, environment cfp-sandbox, values from overlays\/cfp-sandbox\/b\.yaml\)$/),
    ]);
  });

  test('one mistake in several environments is reported once, naming them all; a construct error names the line that created the construct', () => {
    write('cfp-sandbox', { a: 'none', b: 'none', c: 'none', d: 'late-validation' });
    write('cfp-staging', { a: 'none', b: 'none', c: 'none', d: 'late-validation' });
    const problems = problemsOf(() => synthesize({ apps, overlaysDir: overlays }));
    expect(problems).toEqual([
      expect.stringMatching(/^test\/pipeline\/engine\/synth\.test\.ts:\d+:\d+ d\/checked: checked refuses its props \(app d, environments cfp-sandbox, cfp-staging, values from overlays\/cfp-sandbox\/d\.yaml, overlays\/cfp-staging\/d\.yaml\)$/),
    ]);
    // (The exact line, through the CLI's bundle and its source map: bundle-errors.e2e.test.ts.)
  });
});
