// Summarises a V8 .cpuprofile (from `node --cpu-prof`): total sampled time, the functions with
// the most self time, and self time by file. Used by `npm run bench -- --profile`; also runnable
// on its own: `node scripts/bench/cpu-profile.mjs <file.cpuprofile> [top]`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Shortens a script URL to something readable: package-relative or project-relative. */
function shortFile(url, root) {
  if (!url) return '(native)';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (root && path.startsWith(`${root}/`)) path = path.slice(root.length + 1);
  return path;
}

/**
 * Self time per function and per file, in ms. Functions are keyed by name, file and line, so the
 * bundled .build/main.js still tells modules apart (its line numbers map to the source map).
 */
export function summarise(profilePath, { top = 20, root } = {}) {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    selfTime.set(profile.samples[i], (selfTime.get(profile.samples[i]) ?? 0) + dt);
    total += dt;
  }
  const byFunction = new Map();
  const byFile = new Map();
  for (const [id, us] of selfTime) {
    const frame = nodes.get(id).callFrame;
    const file = shortFile(frame.url, root);
    const key = `${frame.functionName || '(anonymous)'}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const rank = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: us / 1000 }));
  return { totalMs: total / 1000, functions: rank(byFunction, top), files: rank(byFile, Math.min(top, 12)) };
}

export function formatSummary(summary) {
  const line = ({ name, ms }) => `  ${ms.toFixed(1).padStart(8)} ms  ${name}`;
  return [
    `  sampled ${summary.totalMs.toFixed(0)} ms; top self time by function:`,
    ...summary.functions.map(line),
    '  self time by file:',
    ...summary.files.map(line),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/bench/cpu-profile.mjs <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(formatSummary(summarise(file, { top: Number(top) || 25, root: process.cwd() })));
}
