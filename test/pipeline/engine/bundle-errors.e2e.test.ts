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
    const index = readFileSync(join(root, 'apps', 'index.ts'), 'utf8');
    writeFileSync(join(root, 'apps', 'index.ts'), index.replace("import { stateHub } from '../cli/state-hub';", "import { stateHub } from '../cli/state-hub';\nimport { broken } from '../cli/broken';").replace('stateHub] as readonly', 'stateHub, broken] as readonly'));
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
    expect(result.stderr).toMatch(new RegExp(`^apps/broken\\.ts:${line}:\\d+: app broken threw TypeError: Cannot read properties of undefined \\(reading 'port'\\) while building for environment cfp-sandbox \\(values from overlays/cfp-sandbox/broken\\.yaml\\)$`, 'm'));
    expect(result.stderr).not.toMatch(/bundle\.js/);
    expect(result.stderr).not.toMatch(/internal error/);
  });

  test('--target terraform without cdktf: exit 2 with the install command', () => {
    rmSync(join(root, 'overlays', 'cfp-sandbox', 'broken.yaml'));
    const result = synth('--target', 'terraform', '--env', 'pal-e-prod');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^--target terraform: needs the package cdktf, which is not installed in this project$/m);
    expect(result.stderr).toMatch(/fix: npm install --save-dev --save-exact cdktf@0\.21\.0 @cdktf\/provider-kubernetes@12\.1\.1/);
  });
});
