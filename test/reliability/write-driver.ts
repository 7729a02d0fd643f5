import { formatProblems, UserError } from '../../lib/core/errors';
import { writeTreeAtomically } from '../../lib/pipeline/engine/output';

// A program that writes one output with the real writer, for signals.e2e.test.ts to interrupt:
//   node write-driver.js OUT_DIR STATE FILES
// writes FILES files whose content depends on STATE, prints "writing" first, exits 2 with the
// problems on a UserError (as the synth CLI does).
const [outDir, state, count] = process.argv.slice(2);
const tree = new Map<string, string>();
for (let i = 0; i < Number(count); i++) tree.set(`env-${i % 8}/app-${i % 13}/file-${i}.yaml`, `state: ${state}\nindex: ${i}\n${'#'.repeat(400)}\n`);
process.stdout.write('writing\n');
try {
  const report = writeTreeAtomically(outDir, tree);
  for (const line of [...report.notes, ...report.warnings]) process.stderr.write(`${line}\n`);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  process.stderr.write(`${formatProblems(error.problems)}\n`);
  process.exitCode = 2;
}
