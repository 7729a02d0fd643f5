import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTree } from '../../lib/pipeline/engine/output';
import { ROOT } from '../helpers';

// The API reference (docs/api/, `npm run docs:api`, configured in scripts/package/typedoc.json): it must
// be complete (every exported symbol and property documented, every optional property with a
// @default) and committed as generated.

const TYPEDOC = join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');

function typedoc(options: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TYPEDOC, '--options', options, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: output.replace(/\u001b\[[0-9;]*m/g, '') }));
  });
}

describe('the API reference (slow: runs TypeDoc)', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-docs-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('documents every export, and docs/api/ is what `npm run docs:api` generates', async () => {
    const result = await typedoc(join(ROOT, 'scripts', 'package', 'typedoc.json'), '--out', out);
    // A warning names the symbol: "<entry>.<Symbol>.<prop> ... does not have any documentation"
    // or "... is optional but has no @default".
    expect(result.output.split('\n').filter((line) => /\[(warning|error)\]/.test(line))).toEqual([]);
    expect(result.code).toBe(0);
    const generated = readTree(out);
    const committed = readTree(join(ROOT, 'docs', 'api'));
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    const stale = [...generated].filter(([path, content]) => committed.get(path) !== content).map(([path]) => path);
    // Run `npm run docs:api` and commit docs/api/.
    expect(stale).toEqual([]);
  }, 120_000);

  test('refuses an export without a comment, and an optional property without a @default', async () => {
    const fixture = join(ROOT, 'test', 'package', 'fixtures', 'undocumented');
    const result = await typedoc(join(fixture, 'typedoc.json'), '--out', join(out, 'fixture'));
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/WidgetProps\.colour \(Property\), defined in .*, does not have any documentation/);
    expect(result.output).toMatch(/WIDGET_KIND \(Variable\), defined in .*, does not have any documentation/);
    expect(result.output).toMatch(/WidgetProps\.label is optional but has no @default/);
    expect(result.output).not.toMatch(/WidgetProps\.size/);
  }, 60_000);
});
