import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

/**
 * Positions of the nodes of an overlay file, for problems that point at an entry (a stale policy
 * exception, a Terraform adoption): one parse per file, however many problems are reported.
 */
/** Every node of a YAML file by its key path (joined with NUL), as ":line:col"; empty when unreadable. */
export function yamlPositions(file: string): Map<string, string> {
  const positions = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return positions;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const walk = (node: unknown, path: string[]) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) {
      const pos = lineCounter.linePos(range[0]);
      positions.set(path.join('\u0000'), `:${pos.line}:${pos.col}`);
    }
    if (isMap(node)) for (const pair of node.items) { if (isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]); }
    else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, String(i)]));
  };
  walk(doc.contents, []);
  return positions;
}

