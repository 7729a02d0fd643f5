// Parses every ```mermaid block of the files given as arguments with Mermaid itself, and prints
// one JSON line per block: { file, index, ok, error }. Mermaid's parser needs a DOM (DOMPurify),
// so jsdom provides one. Run by test/pipeline/emit/environment-picture.e2e.test.ts in a child process,
// because Mermaid ships as ES modules only.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

for (const file of process.argv.slice(2)) {
  const blocks = [...readFileSync(file, 'utf8').matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [index, block] of blocks.entries()) {
    try {
      const result = await mermaid.parse(block);
      console.log(JSON.stringify({ file, index, ok: result !== false, type: result && result.diagramType }));
    } catch (error) {
      console.log(JSON.stringify({ file, index, ok: false, error: String(error.message).split('\n').slice(0, 3).join(' ') }));
    }
  }
}
