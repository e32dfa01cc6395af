// Moving α is a change to the smoothed model's targets alone: its probability curves redraw,
// while the cross-entropy model's curves and clusters stay pixel for pixel the same.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('moving α changes the LS curves and leaves the CE canvases alone', async () => {
  const labPage = await lab.newPage();
  // Separate scales, so that nothing the LS model draws can rescale a CE axis.
  await labPage.open('shared=0');
  for (let i = 0; i < 3; i++) await labPage.step();
  // Let the frame of the last step finish drawing.
  await labPage.page.waitForTimeout(500);

  const lsCurves = await labPage.canvasHash('curves', 'ls');
  const ceCurves = await labPage.canvasHash('curves', 'ce');
  const ceClusters = await labPage.canvasHash('clusters', 'ce');

  await labPage.setRange('Label smoothing α', 0.5);
  await labPage.waitFor(
    async () => (await labPage.canvasHash('curves', 'ls')) !== lsCurves,
    'the LS curves canvas to redraw',
    10_000,
  );
  await labPage.page.waitForTimeout(1000);

  assert.equal(await labPage.controlValue('Label smoothing α'), '0.5');
  assert.equal(await labPage.canvasHash('curves', 'ce'), ceCurves, 'CE curves changed');
  assert.equal(await labPage.canvasHash('clusters', 'ce'), ceClusters, 'CE clusters changed');
});
