import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
