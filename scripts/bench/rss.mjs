// Preloaded by scripts/bench.mjs (`node --import scripts/bench/rss.mjs .build/main.js ...`): on
// exit, writes the process's peak resident set size (KiB) to the file named by BENCH_RSS_FILE.
// Bench-only; it changes nothing in the run it observes.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
