// Runs the wasm benchmark in headless Chromium and echoes what it prints.
//
//   node tests/e2e/bench-runner.mjs DIR
//
// DIR holds index.html, bench.js and bench_bg.wasm (scripts/bench.sh makes it). The bench's
// main prints every result with console.log and ends with `BENCH DONE`; this exits 0 then,
// and 1 on an uncaught error, a console error or ten minutes without it.

import { resolve } from 'node:path';
import { launchChromium, serveDirectory } from './harness.mjs';

const TIMEOUT_MS = 10 * 60_000;
const dir = resolve(process.argv[2] ?? 'target/bench-web');

const server = await serveDirectory(dir);
const browser = await launchChromium();
let status = 1;
try {
  const page = await browser.newPage();
  const finished = new Promise((done, fail) => {
    page.on('console', (message) => {
      const text = message.text();
      if (message.type() === 'error') {
        console.error(text);
        fail(new Error('the benchmark logged an error'));
        return;
      }
      console.log(text);
      if (text.trim() === 'BENCH DONE') done();
    });
    page.on('pageerror', (error) => fail(error));
    setTimeout(() => fail(new Error(`no BENCH DONE after ${TIMEOUT_MS / 60_000} minutes`)), TIMEOUT_MS);
  });
  // Not waiting for load: the bench may hold the main thread for minutes.
  await page.goto(server.url, { waitUntil: 'commit' });
  await finished;
  status = 0;
} catch (error) {
  console.error(`bench-runner: ${error.message}`);
} finally {
  await browser.close();
  await server.close();
}
process.exit(status);
