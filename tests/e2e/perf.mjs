// Measures what drawing costs, with every panel animating during training: frame intervals
// and our main-thread work per frame with drawing on, and the training pace with drawing
// on and off (`draw=0`). Not part of the test run; needs a release build in dist/.
//
// The page draws only the canvases in sight, so the `draw=1` run makes the viewport as tall
// as the page, putting every panel in sight; a third run, `top`, keeps a 1400×1000 window
// at the top of the page, as a reader would, where the lower panels wait. A fourth, `slow`,
// is `draw=1` at 20 steps/s: the page still gets a frame about ten times a second, but the
// worker leaves its core nearly idle, which shows how much of the drawing time is the
// worker's doing rather than the page's.
//
//   node tests/e2e/perf.mjs [seconds]     (default 10 s per run, after a 3 s warm-up)
//   PERF_QUERY=kernels=simd128 node tests/e2e/perf.mjs   (adds the query to every run's URL)
//
// The page records, for each of its latest animation frames, the interval since the
// previous frame (`window.__frameTimes()`) and how long its own callback took, sizing and
// drawing every panel included (`window.__frameWork()`), in ms, oldest first. The newest
// frames that add up to the measuring window are the ones counted. Headless Chromium paces
// frames at 60 Hz and rounds timestamps to 0.1 ms, so an interval's p95 cannot read below
// about 16.8 ms even on an idle page: the draw=0 row shows that floor. A dropped frame shows
// as an interval over 25 ms (one and a half vsyncs).
//
// `idle asked` is the most the page asked the worker to leave idle during the run (the
// status line's "% idle for drawing"): while frames drop, the page asks for idle time, up to
// half, and takes it back once they stop.

import { fitViewportToPage, launchChromium, serveDirectory, READY_TIMEOUT_MS } from './harness.mjs';

const SECONDS = Number(process.argv[2] ?? 10);
const WARM_UP_MS = 3000;

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const median = (values) => percentile(values, 50);

async function measure(browser, url, { everyPanelInSight = true } = {}) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await page.locator('[data-testid=ready]').waitFor({ state: 'attached', timeout: READY_TIMEOUT_MS });
  if (everyPanelInSight) await fitViewportToPage(page);
  await page.waitForTimeout(WARM_UP_MS);

  const paces = [];
  const idle = [];
  const deadline = Date.now() + SECONDS * 1000;
  while (Date.now() < deadline) {
    await page.waitForTimeout(500);
    const text = (await page.getByTestId('pace').textContent()) ?? '';
    const match = text.match(/([\d.,]+)\s*(k?)\s*steps\/s/);
    if (match) paces.push(Number(match[1].replace(/,/g, '')) * (match[2] ? 1000 : 1));
    const asked = ((await page.getByTestId('headroom').textContent()) ?? '').match(/(\d+) %/);
    idle.push(asked ? Number(asked[1]) : 0);
  }
  const record = await page.evaluate(() => ({
    intervals: window.__frameTimes ? [...window.__frameTimes()] : [],
    work: window.__frameWork ? [...window.__frameWork()] : [],
  }));
  await page.close();

  const intervals = [];
  const work = [];
  for (let i = record.intervals.length - 1, total = 0; i >= 0 && total < SECONDS * 1000; i--) {
    intervals.push(record.intervals[i]);
    work.push(record.work[i]);
    total += record.intervals[i];
  }
  return {
    frames: intervals.length,
    p50: percentile(intervals, 50),
    p95: percentile(intervals, 95),
    dropped: intervals.filter((ms) => ms > 25).length / Math.max(1, intervals.length),
    workP95: percentile(work, 95),
    workMax: Math.max(0, ...work),
    stepsPerSecond: median(paces),
    idleMax: Math.max(0, ...idle),
  };
}

const server = await serveDirectory();
const browser = await launchChromium();
const extra = process.env.PERF_QUERY ? `&${process.env.PERF_QUERY}` : '';
try {
  const open = (query) => `${server.url}?autoplay=1${query}${extra}`;
  const drawing = await measure(browser, open(''));
  const top = await measure(browser, open(''), { everyPanelInSight: false });
  const notDrawing = await measure(browser, open('&draw=0'));
  const slow = await measure(browser, open('&speed=20'));

  const ms = (value) => (Number.isNaN(value) ? '   n/a' : value.toFixed(1).padStart(6));
  const row = (name, r) =>
    `${name.padEnd(7)} ${String(r.frames).padStart(4)} frames  interval p50 ${ms(r.p50)} ms` +
    `  p95 ${ms(r.p95)} ms  dropped ${(100 * r.dropped).toFixed(1).padStart(4)} %` +
    `  our work p95 ${ms(r.workP95)} ms  max ${ms(r.workMax)} ms` +
    `  ${r.stepsPerSecond.toFixed(0).padStart(6)} steps/s  idle asked ≤ ${String(r.idleMax).padStart(2)} %`;
  console.log(
    `${SECONDS} s per run, ${WARM_UP_MS / 1000} s warm-up, pace = median of the readout` +
      (extra ? `, with ${extra.slice(1)}` : ''),
  );
  console.log(row('draw=1', drawing));
  console.log(row('top', top));
  console.log(row('draw=0', notDrawing));
  console.log(row('slow', slow));
  const share = drawing.stepsPerSecond / notDrawing.stepsPerSecond;
  console.log(`training pace while drawing: ${(100 * share).toFixed(0)} % of the pace without drawing`);
} finally {
  await browser.close();
  await server.close();
}
