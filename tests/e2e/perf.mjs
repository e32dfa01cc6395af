// Measures what drawing costs: the p95 frame time and the training pace with drawing on,
// then the same with `draw=0`. Not part of the test run; needs a release build in dist/.
//
//   node tests/e2e/perf.mjs [seconds]     (default 10 s per run, after a 3 s warm-up)
//
// `window.__frameTimes()` is the page's own record of its most recent animation-frame
// intervals, in milliseconds, oldest first. The newest intervals that add up to the
// measuring window are the ones counted.

import { launchChromium, serveDirectory, READY_TIMEOUT_MS } from './harness.mjs';

const SECONDS = Number(process.argv[2] ?? 10);
const WARM_UP_MS = 3000;

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (values) => percentile(values, 50);

async function measure(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await page.locator('[data-testid=ready]').waitFor({ state: 'attached', timeout: READY_TIMEOUT_MS });
  await page.waitForTimeout(WARM_UP_MS);

  const paces = [];
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) {
    await page.waitForTimeout(500);
    const text = (await page.getByTestId('pace').textContent()) ?? '';
    const match = text.match(/([\d.,]+)\s*(k?)\s*steps\/s/);
    if (match) paces.push(Number(match[1].replace(/,/g, '')) * (match[2] ? 1000 : 1));
  }
  const record = await page.evaluate(() => (window.__frameTimes ? [...window.__frameTimes()] : []));
  await page.close();

  const frames = [];
  for (let i = record.length - 1, total = 0; i >= 0 && total < SECONDS * 1000; i--) {
    frames.push(record[i]);
    total += record[i];
  }
  return { frames: frames.length, p95: percentile(frames, 95), stepsPerSecond: median(paces) };
}

const server = await serveDirectory();
const browser = await launchChromium();
try {
  const drawing = await measure(browser, `${server.url}?autoplay=1`);
  const notDrawing = await measure(browser, `${server.url}?autoplay=1&draw=0`);

  const row = (name, r) =>
    `${name.padEnd(10)} frame p95 ${Number.isNaN(r.p95) ? '   n/a' : r.p95.toFixed(1).padStart(6)} ms` +
    ` over ${String(r.frames).padStart(4)} frames   ${r.stepsPerSecond.toFixed(0).padStart(6)} steps/s`;
  console.log(`${SECONDS} s per run, ${WARM_UP_MS / 1000} s warm-up, medians of the pace readout`);
  console.log(row('draw=1', drawing));
  console.log(row('draw=0', notDrawing));
  console.log(
    `drawing keeps ${((100 * drawing.stepsPerSecond) / notDrawing.stepsPerSecond).toFixed(0)} % of the` +
      ` training pace (draw=0 / draw=1 = ${(notDrawing.stepsPerSecond / drawing.stepsPerSecond).toFixed(2)})`,
  );
} finally {
  await browser.close();
  await server.close();
}
