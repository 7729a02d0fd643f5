import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AppDefinition } from '../lib/core/app';
import { runCli } from '../lib/pipeline/engine/cli';

/**
 * The files a guide under docs/ shows: fenced blocks whose info string names a path
 * (```ts main.ts), by path, in the guide's order. The guide tests write them into a project and
 * synthesize it, so each guide is tested file for file.
 */
export function guideFiles(guide: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const match of readFileSync(guide, 'utf8').matchAll(/^```\w+ (\S+)\n([\s\S]*?)^```$/gm)) files.set(match[1], match[2]);
  return files;
}

/**
 * The ```ts <path> block of a guide (a path relative to the repository root), with the package's
 * imports (`@platform/cdk8s-constructs/<entry>`) pointing at lib/<entry> under `root`, for unit
 * tests that load a guide's app without packing the library.
 */
export function guideSource(root: string, guide: string, path: string): string {
  const text = guideFiles(join(root, guide)).get(path);
  if (text === undefined) throw new Error(`${guide} has no \`\`\`ts ${path} block`);
  return text.replace(/'@platform\/cdk8s-constructs\/([a-z]+)'/g, (_, entry: string) => `'${join(root, 'lib', entry)}'`);
}

/**
 * A scratch project (a new directory under the system's temporary one, named after `prefix`)
 * holding a guide's files (guideFiles, its `output:` blocks left out), with `edit` applied to them.
 */
export function guideProject(files: ReadonlyMap<string, string>, prefix: string, edit: (path: string, content: string) => string = (_, content) => content): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  for (const [path, content] of files) {
    if (path.startsWith('output:')) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), edit(path, content));
  }
  return dir;
}

/**
 * `npm run synth` in a guide's scratch project, in-process: the exit code and what it printed.
 * The project's apps are loaded at run time (jest compiles them like any test source, with the
 * test file's module mocks of the package's entries).
 */
export function synthGuideProject(root: string): { code: number; stdout: string; stderr: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { apps } = require(join(root, 'apps', 'index.ts')) as { apps: readonly AppDefinition[] };
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runCli(['--quiet'], { root, apps, stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), env: {}, color: false });
  return { code, stdout: stdout.join('\n'), stderr: `${stderr.join('\n')}\n` };
}
