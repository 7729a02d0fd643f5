import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apps } from '../../apps';
import { synthesize } from '../../lib/core/synth';
import { renderTerraform } from '../../lib/terraform';
import { ROOT, scratchProject } from '../helpers';

// The bundled CLI as users run it: YAML synth must not load cdktf; --target terraform loads it
// from .build/terraform.js.
describe('the Terraform code is loaded only for --target terraform', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
    // Entry points besides main.ts that scripts/build.mjs bundles (e.g. diff.ts), if any.
    for (const file of readdirSync(ROOT).filter((f) => f.endsWith('.ts') && !existsSync(join(root, f)))) copyFileSync(join(ROOT, file), join(root, file));
    execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'pipe' });
    writeFileSync(join(root, 'record-modules.js'), "process.on('exit', () => require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify(Object.keys(require.cache))));\n");
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** Runs the bundled CLI and returns the modules it loaded. */
  function runBundle(...argv: string[]): string[] {
    const modules = join(root, 'modules.json');
    execFileSync(process.execPath, ['-r', './record-modules.js', '.build/main.js', ...argv], { cwd: root, stdio: 'pipe', env: { ...process.env, MODULES_OUT: modules } });
    return JSON.parse(readFileSync(modules, 'utf8')) as string[];
  }
  const cdktfModules = (modules: string[]) => modules.filter((m) => /node_modules[\\/](cdktf|@cdktf)[\\/]/.test(m) || m.endsWith('terraform.js'));

  test('the bundle holds no cdktf code, only a require of ./terraform.js', () => {
    const main = readFileSync(join(root, '.build/main.bundle.js'), 'utf8');
    // The install hint names the packages; their code and requires must not be there.
    expect(main).not.toMatch(/require\("(cdktf|@cdktf\/[^"]+)"\)|class TerraformStack\b/);
    expect(main).toContain('require("./terraform.js")');
  });

  test('terraform.js leaves cdktf and the provider in node_modules and carries no copy of the YAML pipeline', () => {
    const bundle = readFileSync(join(root, '.build/terraform.js'), 'utf8');
    expect(bundle).toContain('require("cdktf")');
    expect(bundle).toContain('require("@cdktf/provider-kubernetes/lib/manifest")');
    expect(bundle).not.toMatch(/class UserError|function synthesize\(/);
  });

  test('YAML synth does not load cdktf', () => {
    expect(cdktfModules(runBundle('--quiet', '--out', '.build/yaml-out'))).toEqual([]);
  });

  test('--target terraform loads it and writes the same stack as the library', () => {
    const loaded = runBundle('--quiet', '--target', 'terraform', '--env', 'pal-e-prod');
    expect(cdktfModules(loaded).length).toBeGreaterThan(0);
    const overlaysDir = join(ROOT, 'overlays');
    const expected = renderTerraform({ result: synthesize({ apps, overlaysDir, environments: ['pal-e-prod'] }), overlaysDir, explicitEnvironments: true });
    expect(readFileSync(join(root, 'dist-terraform/pal-e-prod/cdk.tf.json'), 'utf8')).toBe(expected.files.get('pal-e-prod/cdk.tf.json'));
  });
});
