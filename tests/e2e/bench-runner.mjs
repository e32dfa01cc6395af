// Runs the wasm benchmark in headless Chromium and echoes what it prints.
//
//   node tests/e2e/bench-runner.mjs DIR
//
// DIR holds index.html, bench.js and bench_bg.wasm (scripts/bench.sh makes it). The bench's
// main prints every result with console.log and ends with `BENCH DONE`; this exits 0 then,
// and 1 on an uncaught error, a console error or ten minutes without it.

import { resolve } from 'node:path';
import { runBenchPage } from './harness.mjs';

const dir = resolve(process.argv[2] ?? 'target/bench-web');
try {
  await runBenchPage(dir, { onLine: (line) => console.log(line) });
  process.exit(0);
} catch (error) {
  console.error(`bench-runner: ${error.message}`);
  process.exit(1);
}
