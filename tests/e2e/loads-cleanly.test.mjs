// The page loads, starts its worker and draws a first frame without one console error or
// warning, from the page or from the worker.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('the page loads with zero console errors or warnings', async () => {
  const labPage = await lab.newPage();
  await labPage.open();

  // A frame or two after ready, so late warnings (a second render, the worker's first
  // steps) are caught too.
  await labPage.step();
  await labPage.page.waitForTimeout(1000);

  assert.deepEqual(labPage.consoleProblems(), []);
});
