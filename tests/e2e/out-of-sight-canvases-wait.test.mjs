// A canvas scrolled out of sight is not redrawn while the models train, and is drawn with
// the current state as soon as it comes back into sight.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('an out-of-sight canvas waits, and catches up when scrolled back', async () => {
  const viewport = { width: 1400, height: 700 };
  const labPage = await lab.newPage(viewport);
  await labPage.open();
  for (let i = 0; i < 3; i++) await labPage.step();
  await labPage.page.evaluate(() => window.scrollTo(0, 0));
  await labPage.frames();

  // The canvas lowest on the page, which must be well below the fold for this test to mean
  // anything (the page counts 200 px past the viewport as in sight).
  const lowest = await labPage.page.evaluate(() => {
    const canvases = [...document.querySelectorAll('canvas[data-panel]')];
    const top = (c) => c.getBoundingClientRect().top;
    const canvas = canvases.reduce((a, b) => (top(b) > top(a) ? b : a));
    return { panel: canvas.dataset.panel, model: canvas.dataset.model, top: top(canvas) };
  });
  assert.ok(
    lowest.top > viewport.height + 400,
    `the lowest canvas (${lowest.panel}/${lowest.model}) starts at ${lowest.top} px, too near`,
  );
  const far = labPage.canvas(lowest.panel, lowest.model);
  const near = labPage.canvas('clusters', 'ce');

  const before = {
    far: (await labPage.pixels(far, { inPlace: true })).hash,
    near: (await labPage.pixels(near, { inPlace: true })).hash,
  };
  for (let i = 0; i < 5; i++) await labPage.step();
  await labPage.frames(20);
  const after = {
    far: (await labPage.pixels(far, { inPlace: true })).hash,
    near: (await labPage.pixels(near, { inPlace: true })).hash,
  };
  assert.notEqual(after.near, before.near, 'the canvas in sight was not redrawn after 5 steps');
  assert.equal(after.far, before.far, `${lowest.panel}/${lowest.model} was redrawn out of sight`);

  const caughtUp = (await labPage.pixels(far)).hash;
  assert.notEqual(caughtUp, before.far, `${lowest.panel}/${lowest.model} did not catch up in sight`);
  assert.deepEqual(labPage.consoleProblems(), []);
});
