// Hovering an example in the cluster panel shows a tooltip that names it and lists both
// models' probabilities for its class and the classes they rate highest; leaving hides it,
// and clicking selects it for the sharpen panel.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

// Sweeps the pointer over `canvas` on a grid until the tooltip appears with a caption that
// `accept` takes; returns the point.
async function hoverSomeExample(labPage, canvas, accept = () => true) {
  await labPage.bringIntoView(canvas);
  const box = await canvas.boundingBox();
  assert.ok(box, 'the cluster canvas has no box on the page');
  const tooltip = labPage.page.getByTestId('tooltip');
  const cells = 24;
  for (let row = 1; row < cells; row++) {
    for (let col = 1; col < cells; col++) {
      const x = box.x + (box.width * col) / cells;
      const y = box.y + (box.height * row) / cells;
      await labPage.page.mouse.move(x, y);
      if ((await tooltip.isVisible()) && accept(await tooltip.locator('p').textContent())) {
        return { x, y };
      }
    }
  }
  assert.fail(`no example answered the pointer anywhere on a ${cells}×${cells} grid`);
}

// The tooltip's rows: class name, and the CE and LS probabilities as numbers.
async function tooltipRows(tooltip) {
  return tooltip.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => ({
      name: row.querySelector('th').textContent.trim(),
      ce: Number(row.querySelectorAll('td')[0].textContent),
      ls: Number(row.querySelectorAll('td')[1].textContent),
    })),
  );
}

test('hovering an example names it and shows both models probabilities', async () => {
  const labPage = await lab.newPage();
  await labPage.open();
  for (let i = 0; i < 20; i++) await labPage.step();
  await labPage.page.waitForTimeout(300);

  const canvas = labPage.canvas('clusters', 'ce');
  await hoverSomeExample(labPage, canvas);
  const tooltip = labPage.page.getByTestId('tooltip');

  const caption = (await tooltip.locator('p').textContent()).trim();
  const named = caption.match(/^training example (\d+), class (\S+)$/);
  assert.ok(named, `the tooltip caption does not name the example: ${JSON.stringify(caption)}`);
  const [, , trueClass] = named;

  const rows = await tooltipRows(tooltip);
  assert.ok(rows.length >= 2 && rows.length <= 4, `expected 2 to 4 class rows, got ${rows.length}`);
  assert.equal(rows[0].name, `${trueClass} (true)`, 'the first row is not the true class');
  assert.equal(rows.filter((r) => r.name.endsWith('(true)')).length, 1, 'more than one true class');
  for (const { name, ce, ls } of rows) {
    for (const [model, p] of [['CE', ce], ['LS', ls]]) {
      assert.ok(Number.isFinite(p) && p >= 0 && p <= 1, `${model} probability of ${name} is ${p}`);
    }
  }
  // The rows after the true class are the other classes either model rates highest.
  const rest = rows.slice(1).map((r) => Math.max(r.ce, r.ls));
  assert.deepEqual(rest, [...rest].sort((a, b) => b - a), 'the other classes are not in order');
  for (const model of ['ce', 'ls']) {
    const total = rows.reduce((sum, r) => sum + r[model], 0);
    assert.ok(total <= 1.002, `${model} probabilities shown sum to ${total}, more than 1`);
  }
  // The digits' tooltip carries the 8×8 image.
  assert.equal(await tooltip.locator('.digit span').count(), 64, 'the digit image is not 8×8');

  // Leaving the canvas hides it.
  const box = await canvas.boundingBox();
  await labPage.page.mouse.move(box.x + box.width / 2, box.y - 40);
  await labPage.waitFor(async () => !(await tooltip.isVisible()), 'the tooltip to hide');
  assert.deepEqual(labPage.consoleProblems(), []);
});

test('clicking an example selects it for the sharpen panel', async () => {
  const labPage = await lab.newPage();
  await labPage.open();
  for (let i = 0; i < 20; i++) await labPage.step();
  await labPage.page.waitForTimeout(300);

  const before = await labPage.canvasHash('sharpen', 'ce');
  // Example 0 is what the sharpen panel shows before anything is selected.
  const notFirst = (caption) => !/ example 0,/.test(caption);
  const { x, y } = await hoverSomeExample(labPage, labPage.canvas('clusters', 'ce'), notFirst);
  await labPage.page.mouse.click(x, y);
  assert.ok(await labPage.page.getByTestId('tooltip').isVisible(), 'the tooltip left on click');
  await labPage.waitFor(
    async () => (await labPage.canvasHash('sharpen', 'ce')) !== before,
    'the sharpen panel to redraw for the selected example',
  );
  assert.deepEqual(labPage.consoleProblems(), []);
});
