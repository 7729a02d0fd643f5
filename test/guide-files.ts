import { readFileSync } from 'node:fs';

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
