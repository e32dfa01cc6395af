// A URL parameter the page cannot use is named in the notice, one line per key, and the
// page falls back to the default instead of refusing to start.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('invalid parameters are each named in the notice', async () => {
  const labPage = await lab.newPage();
  await labPage.open('alpha=banana&seed=-5&lr=1e9');

  const notice = labPage.page.getByTestId('notice');
  assert.equal(await notice.getAttribute('role'), 'alert');
  const lines = (await notice.innerText()).split('\n').filter((line) => line.trim());
  for (const key of ['alpha', 'seed', 'lr']) {
    const naming = lines.filter((line) => new RegExp(`\\b${key}\\b`).test(line));
    assert.equal(naming.length, 1, `one notice line should name ${key}; lines: ${lines.join(' | ')}`);
  }

  // "alpha: "banana" is not a number; using 0.1": the control shows the default it used.
  assert.equal(Number(await labPage.controlValue('Label smoothing α')), 0.1);
});
