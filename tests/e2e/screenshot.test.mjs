// A full-page screenshot of the page mid-training, saved to tests/e2e/artifacts/page.png for
// a person to look at (CI keeps it as an artifact when it can).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('a full-page screenshot is saved', async () => {
  const labPage = await lab.newPage();
  await labPage.open('autoplay=1');
  await labPage.waitFor(async () => (await labPage.stepCount()) >= 200, '200 steps', 30_000);
  await labPage.button('Pause').click();
  await labPage.page.waitForTimeout(500);

  const path = await labPage.screenshot('page.png');
  const { size } = await stat(path);
  assert.ok(size > 20_000, `${path} is only ${size} bytes`);
  console.log(`screenshot: ${path}`);
});
