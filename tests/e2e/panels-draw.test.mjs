// Every panel draws something: each of the six sections has canvases, and no canvas is a
// single flat colour.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

const PANELS = {
  clusters: 'Feature clusters',
  curves: 'Softmax probability curves',
  norms: 'Feature norm',
  sharpen: 'Sharpen and temperature',
  calibration: 'Calibration',
  training: 'Training curves',
};

test('every panel has a heading and non-blank canvases', async () => {
  const labPage = await lab.newPage();
  await labPage.open();
  for (let i = 0; i < 3; i++) await labPage.step();
  await labPage.page.waitForTimeout(500);

  for (const [panel, heading] of Object.entries(PANELS)) {
    const section = labPage.page.locator('section').filter({
      has: labPage.page.getByRole('heading', { name: heading }),
    });
    assert.ok((await section.count()) >= 1, `no section with the heading "${heading}"`);
    const inSection = await section.locator(`canvas[data-panel="${panel}"]`).count();
    assert.ok(inSection >= 1, `the "${heading}" section has no canvas with data-panel=${panel}`);
  }

  const canvases = labPage.page.locator('canvas[data-panel]');
  const blank = [];
  for (let i = 0; i < (await canvases.count()); i++) {
    const canvas = canvases.nth(i);
    const { colours, size } = await labPage.pixels(canvas);
    if (colours < 2) {
      const name = await canvas.evaluate((c) => `${c.dataset.panel}/${c.dataset.model}`);
      blank.push(`${name} (${size.join('×')})`);
    }
  }
  assert.deepEqual(blank, [], 'some canvases show a single colour');
});
