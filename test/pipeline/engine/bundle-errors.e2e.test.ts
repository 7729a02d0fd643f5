import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, scratchProject } from '../../helpers';

/*
 * What `npm run synth` runs is a bundle (.build/main.bundle.js, scripts/build.mjs): an app's
 * exception must still name the line of apps/<app>.ts, mapped through the bundle's source map.
 * And --target terraform in a project without cdktf (an optional peer) names the install
 * command. One scratch project, built once, whose node_modules has everything but cdktf.
 *
 * Budget: one esbuild build and three runs of the bundle; timeout 120 s on a busy machine.
 */

const BROKEN_APP = `import { Type } from '@sinclair/typebox';
import { defineApp } from '../lib/core/app';

/** An app whose build() reads a value its schema does not have. */
export const broken = defineApp({
  name: 'broken',
  description: 'an app with a bug in build()',
  values: Type.Object({}),
  build(chart, values) {
    const settings = (values as unknown as { settings: { port: number } }).settings;
    chart.node.addMetadata('port', settings.port); // THROWS HERE
  },
});
`;

const REFUSED_APP = `import { Type } from '@sinclair/typebox';
import { Construct } from 'constructs';
import { defineApp } from '../lib/core/app';

/** An app one of whose constructs refuses its props when the chart is validated. */
export const refused = defineApp({
  name: 'refused',
  description: 'an app with a construct that refuses its props',
  values: Type.Object({}),
  build(chart) {
    const checked = new Construct(chart, 'Checked'); // CREATED HERE
    checked.node.addValidation({ validate: () => ['Checked refuses its props'] });
  },
});
`;

describe('errors of the bundled CLI', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
    // node_modules: every package of the repository's but cdktf and its provider.
    rmSync(join(root, 'node_modules'));
    mkdirSync(join(root, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry === 'cdktf' || entry === '@cdktf') continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
    }
    writeFileSync(join(root, 'apps', 'broken.ts'), BROKEN_APP);
    writeFileSync(join(root, 'apps', 'refused.ts'), REFUSED_APP);
    const index = readFileSync(join(root, 'apps', 'index.ts'), 'utf8');
    writeFileSync(join(root, 'apps', 'index.ts'), index.replace("import { stateHub } from './state-hub';", "import { stateHub } from './state-hub';\nimport { broken } from './broken';\nimport { refused } from './refused';").replace('stateHub] as readonly', 'stateHub, broken, refused] as readonly'));
    writeFileSync(join(root, 'overlays', 'cfp-sandbox', 'broken.yaml'), 'namespace: broken\n');
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const synth = (...argv: string[]) => spawnSync(process.execPath, ['.build/main.js', ...argv], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  test('a TypeError in build(): exit 2 naming the app, the environment and the line of apps/broken.ts, not of the bundle', () => {
    const line = BROKEN_APP.split('\n').findIndex((l) => l.includes('THROWS HERE')) + 1;
    const result = synth('--env', 'cfp-sandbox');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^apps/broken\\.ts:${line}:\\d+: app broken threw TypeError: Cannot read properties of undefined \\(reading 'port'\\) \\(app broken, environment cfp-sandbox, values from overlays/cfp-sandbox/broken\\.yaml\\)$`, 'm'));
    expect(result.stderr).not.toMatch(/bundle\.js/);
    expect(result.stderr).not.toMatch(/internal error/);
  });

  test('a construct that refuses its props at validation names the line of apps/refused.ts that created it, once for both environments', () => {
    rmSync(join(root, 'overlays', 'cfp-sandbox', 'broken.yaml'));
    for (const env of ['cfp-sandbox', 'cfp-staging']) writeFileSync(join(root, 'overlays', env, 'refused.yaml'), 'namespace: refused\n');
    try {
      const line = REFUSED_APP.split('\n').findIndex((l) => l.includes('CREATED HERE')) + 1;
      const result = synth('--env', 'cfp-sandbox,cfp-staging');
      expect(result.status).toBe(2);
      const lines = result.stderr.split('\n').filter((l) => l.includes('Checked refuses its props'));
      expect(lines).toEqual([
        `apps/refused.ts:${line}:21 refused/Checked: Checked refuses its props (app refused, environments cfp-sandbox, cfp-staging, values from overlays/cfp-sandbox/refused.yaml, overlays/cfp-staging/refused.yaml)`,
      ]);
    } finally {
      for (const env of ['cfp-sandbox', 'cfp-staging']) rmSync(join(root, 'overlays', env, 'refused.yaml'));
    }
  });

  test('--target terraform without cdktf: exit 2 with the install command', () => {
    const result = synth('--target', 'terraform', '--env', 'pal-e-prod');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^--target terraform: needs the package cdktf, which is not installed in this project$/m);
    expect(result.stderr).toMatch(/fix: npm install --save-dev --save-exact cdktf@0\.21\.0 @cdktf\/provider-kubernetes@12\.1\.1/);
  });
});
