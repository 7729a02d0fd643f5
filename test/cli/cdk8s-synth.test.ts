import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readTree } from '../../lib/core/output';
import { ROOT, scratchProject } from '../helpers';

// End to end as a user runs it: the bundled CLI (no type-checker at run time) and `npx cdk8s synth`.
describe('the synth entry points', () => {
  let root: string;
  beforeAll(() => {
    root = scratchProject();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const committed = () => readTree(join(ROOT, 'dist'));

  test('npm run synth (the esbuild bundle) reproduces the committed dist/', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    execFileSync('npm', ['run', '--silent', 'synth', '--', '--quiet'], { cwd: root, stdio: 'pipe' });
    expect(readTree(join(root, 'dist'))).toEqual(committed());
  });

  test('the bundle loads no TypeScript compiler or ts-node', () => {
    const bundle = readFileSync(join(root, '.build/main.bundle.js'), 'utf8');
    expect(bundle).not.toMatch(/require\("(typescript|ts-node)/);
  });

  test('npx cdk8s synth, through cdk8s.yaml, produces the same dist/', () => {
    rmSync(join(root, 'dist'), { recursive: true });
    execFileSync(join(root, 'node_modules/.bin/cdk8s'), ['synth', '--no-check-upgrade'], { cwd: root, stdio: 'pipe' });
    expect(readTree(join(root, 'dist'))).toEqual(committed());
  });
});
