// A learning rate far too high for its optimizer does not leave a page that silently trains
// a dead network: training stops, the notice says why and what to do, and the page keeps
// answering (the step counter holds still, Reset starts a fresh run).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('Adam at learning rate 1 stops with a notice that names the learning rate', async () => {
  const labPage = await lab.newPage();
  await labPage.open('opt=adam&lr=1&autoplay=1');

  const notice = labPage.page.getByTestId('notice');
  await labPage.waitFor(
    async () => /Training (stopped|diverged)/.test(await notice.innerText()),
    'a notice that training stopped',
    30_000,
  );
  const text = await notice.innerText();
  assert.match(text, /learning rate 1\b/, text);
  assert.match(text, /lower it and press Reset/, text);

  // Stopped means stopped: the counter no longer moves.
  const stopped = await labPage.stepCount();
  await labPage.page.waitForTimeout(1000);
  assert.equal(await labPage.stepCount(), stopped);

  // And the page still works: Reset starts over from step 0.
  await labPage.button('Reset').click();
  await labPage.waitFor(async () => (await labPage.stepCount()) === 0, 'the reset run');
  assert.deepEqual(labPage.consoleProblems(), []);
});
