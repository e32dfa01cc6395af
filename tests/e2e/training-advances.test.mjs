// Play starts training: the step counter climbs and both models' metrics text changes.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('after Play the step counter and the metrics text change', async () => {
  const labPage = await lab.newPage();
  await labPage.open();
  const metrics = () =>
    Promise.all(['metrics-ce', 'metrics-ls'].map((id) => labPage.page.getByTestId(id).textContent()));

  const stepBefore = await labPage.stepCount();
  const [ceBefore, lsBefore] = await metrics();

  await labPage.button('Play').click();
  await labPage.waitFor(async () => {
    const [ce, ls] = await metrics();
    return (await labPage.stepCount()) > stepBefore + 10 && ce !== ceBefore && ls !== lsBefore;
  }, 'the step counter to pass 10 and both metrics texts to change', 30_000);
  await labPage.button('Pause').click();

  // Paused means paused: the counter settles (one frame in flight may still land).
  await labPage.page.waitForTimeout(500);
  const settled = await labPage.stepCount();
  await labPage.page.waitForTimeout(1000);
  assert.equal(await labPage.stepCount(), settled, 'the step counter moved while paused');
});
