// Shared machinery for the end-to-end specs: a static server for dist/, Debian's Chromium
// driven by playwright-core, and `LabPage`, the page object that knows CONTRACT.md.
//
// Each spec file starts its own server on a free port and its own browser, so files are
// independent of each other and of anything else listening on this machine.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(E2E_DIR, '..', '..');
export const DIST = process.env.DIST_DIR ?? join(ROOT, 'dist');
export const ARTIFACTS = join(E2E_DIR, 'artifacts');

// Waits for the first frame: wasm compile, worker start and data preparation included.
export const READY_TIMEOUT_MS = 60_000;

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv',
  '.gz': 'application/gzip',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

// Serves `root` on 127.0.0.1 at a port the OS picks. Resolves to `{ url, close }`.
export async function serveDirectory(root = DIST) {
  await stat(join(root, 'index.html')).catch(() => {
    throw new Error(`${root}/index.html is missing: run \`trunk build --release --offline\` first`);
  });

  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }

    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    response.writeHead(200, {
      'content-type': MIME_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });

  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((done) => server.close(done)),
  };
}

// Chromium as root on a machine with a closed network: no sandbox, no GPU, no phoning home.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// Launches headless Chromium with a fresh profile (playwright-core makes a temporary one),
// with `extraArgs` after the usual ones.
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

// Makes `page`'s viewport as tall as the page, so that every canvas is in sight (the page
// draws only those).
export async function fitViewportToPage(page) {
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width, height });
}

// Serves the benchmark page in `dir` (scripts/bench.sh builds it) to headless Chromium,
// launched with `extraArgs`, and passes each line the bench prints to `onLine` until it prints
// `BENCH DONE`. Rejects on an uncaught error, a console error or ten minutes without it.
export async function runBenchPage(dir, { extraArgs = [], onLine = () => {} } = {}) {
  const timeoutMs = 10 * 60_000;
  const server = await serveDirectory(dir);
  const browser = await launchChromium(extraArgs);
  let timer;
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
        onLine(text);
        if (text.trim() === 'BENCH DONE') done();
      });
      page.on('pageerror', (error) => fail(error));
      timer = setTimeout(
        () => fail(new Error(`no BENCH DONE after ${timeoutMs / 60_000} minutes`)),
        timeoutMs,
      );
    });
    // Not waiting for load: the bench may hold the main thread for minutes.
    await page.goto(server.url, { waitUntil: 'commit' });
    await finished;
  } finally {
    clearTimeout(timer);
    await browser.close();
    await server.close();
  }
}

// Starts the server and the browser for one spec file; `stop()` ends both.
export async function startLab() {
  const server = await serveDirectory();
  const browser = await launchChromium();
  return {
    server,
    browser,
    // A fresh page (own context, so no state leaks between tests).
    async newPage(viewport = { width: 1400, height: 1000 }) {
      const context = await browser.newContext({ viewport });
      return new LabPage(await context.newPage(), server.url);
    },
    async stop() {
      await browser.close();
      await server.close();
    },
  };
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The page, seen only through CONTRACT.md.
export class LabPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.problems = [];

    // Every console error or warning counts, the worker's included (Playwright reports a
    // dedicated worker's console on its page). Nothing is filtered here: a spec that expects
    // one says so itself.
    page.on('console', (message) => {
      const type = message.type();
      if (type === 'error' || type === 'warning') {
        const where = message.location()?.url ?? '';
        this.problems.push(`console.${type}: ${message.text()}${where ? ` (${where})` : ''}`);
      }
    });
    page.on('pageerror', (error) => this.problems.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) =>
      this.problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) {
        this.problems.push(`HTTP ${response.status()}: ${response.url()}`);
      }
    });
  }

  // Opens the page with `query` (a string without `?`, or an object) and waits until ready.
  async open(query = '') {
    const search = typeof query === 'string' ? query : new URLSearchParams(query).toString();
    await this.page.goto(search ? `${this.baseUrl}?${search}` : this.baseUrl);
    await this.waitReady();
  }

  // Waits for `[data-testid=ready]`: the worker has started and the first frame is drawn.
  async waitReady() {
    await this.page
      .locator('[data-testid=ready]')
      .waitFor({ state: 'attached', timeout: READY_TIMEOUT_MS });
  }

  // The step counter as a number.
  async stepCount() {
    const text = (await this.page.getByTestId('step').textContent()) ?? '';
    const digits = text.replace(/\D/g, '');
    if (!digits) throw new Error(`the step counter holds no digits: ${JSON.stringify(text)}`);
    return Number(digits);
  }

  // Clicks Step and waits until the counter has moved past its old value.
  async step() {
    const before = await this.stepCount();
    await this.button('Step').click();
    await this.waitFor(async () => (await this.stepCount()) > before, 'the step counter to move');
  }

  // A button by its accessible name, exactly (so "Step" does not match "Steps/s").
  button(name) {
    return this.page.getByRole('button', { name, exact: true });
  }

  // The control whose label contains `label` as whole words ("Head" does not match "heading").
  control(label) {
    return this.page.getByLabel(new RegExp(`(^|\\W)${escapeRegExp(label)}(\\W|$)`, 'i'));
  }

  // The value a control shows: the option value of a select, `true`/`false` for a checkbox,
  // the raw `value` of an input.
  async controlValue(label) {
    const control = this.control(label);
    const type = await control.evaluate((el) => (el.type ?? '').toLowerCase());
    return type === 'checkbox' ? control.isChecked() : control.inputValue();
  }

  // Moves a range input to `value` the way a drag ends: sets it, then fires input and change.
  async setRange(label, value) {
    await this.control(label).evaluate((input, v) => {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      setter.call(input, String(v));
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }

  // The canvas of `panel` (clusters|curves|norms|sharpen|calibration|training) for `model`.
  canvas(panel, model) {
    return this.page.locator(`canvas[data-panel="${panel}"][data-model="${model}"]`);
  }

  // A hash of the canvas's pixels, to tell whether it was redrawn differently.
  async canvasHash(panel, model) {
    const { hash } = await this.pixels(this.canvas(panel, model));
    return hash;
  }

  // Whether the canvas shows more than one distinct colour.
  async canvasNonBlank(panel, model) {
    const { colours } = await this.pixels(this.canvas(panel, model));
    return colours > 1;
  }

  // Waits for `count` animation frames (by default enough for every stale canvas in sight to
  // be drawn: the page draws at least one still canvas a frame).
  async frames(count = 15) {
    await this.page.evaluate(
      (count) =>
        new Promise((done) => {
          let seen = 0;
          const tick = () => (++seen >= count ? done() : requestAnimationFrame(tick));
          requestAnimationFrame(tick);
        }),
      count,
    );
  }

  // Scrolls `locator` into view and waits a few frames: the page draws only the canvases in
  // sight, and one that comes into sight is drawn with the current state in its next frame.
  async bringIntoView(locator) {
    await locator.scrollIntoViewIfNeeded();
    await this.frames();
  }

  // Reads the canvas `locator` points at through getImageData of a 2D copy, which works
  // whatever context the canvas itself uses. Returns an FNV-1a hash of the RGBA bytes and
  // the number of distinct colours, counted up to 2. The canvas is brought into view first,
  // unless `inPlace`, which reads whatever it shows where it is.
  async pixels(locator, { inPlace = false } = {}) {
    if (!inPlace) await this.bringIntoView(locator);
    return locator.evaluate((canvas) => {
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext('2d', { willReadFrequently: true });
      context.drawImage(canvas, 0, 0);
      const bytes = context.getImageData(0, 0, copy.width, copy.height).data;

      let hash = 0x811c9dc5;
      const colours = new Set();
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      for (let i = 0; i < bytes.length; i++) {
        hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
      }
      for (let i = 0; i < words.length && colours.size < 2; i++) colours.add(words[i]);
      return { hash: hash.toString(16), colours: colours.size, size: [copy.width, copy.height] };
    });
  }

  // Every console error or warning, failed request and uncaught exception since the page opened.
  consoleProblems() {
    return [...this.problems];
  }

  // The query string, parsed.
  async searchParams() {
    return new URLSearchParams(await this.page.evaluate(() => location.search));
  }

  // Polls `condition` until it holds, or fails after `timeout` ms naming `what`.
  async waitFor(condition, what, timeout = 20_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      if (await condition()) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await this.page.waitForTimeout(100);
    }
  }

  // Saves a full-page screenshot under tests/e2e/artifacts/ and returns its path. The
  // viewport grows to the whole page first, so that every canvas is in sight and drawn.
  async screenshot(name) {
    await mkdir(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, name);
    const viewport = this.page.viewportSize();
    await fitViewportToPage(this.page);
    await this.frames();
    await this.page.screenshot({ path, fullPage: true });
    await this.page.setViewportSize(viewport);
    return path;
  }
}
