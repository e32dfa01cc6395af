// While the page drops frames, it asks the worker to leave part of its time idle, and says
// so in the status line; once frames are smooth again it takes the request back. The drops
// are made here by a second animation-frame callback that busy-waits 30 ms a frame.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

test('dropped frames ask the worker for idle time, and smooth frames give it back', async () => {
  const labPage = await lab.newPage();
  await labPage.page.addInitScript(() => {
    window.__jank = false;
    const spin = () => {
      if (window.__jank) {
        const until = performance.now() + 30;
        while (performance.now() < until) {}
      }
      requestAnimationFrame(spin);
    };
    requestAnimationFrame(spin);
  });
  await labPage.open('autoplay=1');
  const idle = labPage.page.getByTestId('headroom');
  const asked = async () => {
    const match = ((await idle.textContent()) ?? '').match(/(\d+) % idle for drawing/);
    return match ? Number(match[1]) : 0;
  };

  // Smooth frames ask nothing.
  await labPage.page.waitForTimeout(2500);
  assert.equal(await asked(), 0, 'a smooth page asked for idle time');

  await labPage.page.evaluate(() => {
    window.__jank = true;
  });
  await labPage.waitFor(async () => (await asked()) >= 20, 'the request to grow past 20 %', 15_000);
  assert.ok((await asked()) <= 50, 'the request passed its cap');
  // Training goes on, slower.
  const during = await labPage.stepCount();
  await labPage.waitFor(async () => (await labPage.stepCount()) > during, 'training to go on');

  await labPage.page.evaluate(() => {
    window.__jank = false;
  });
  // 5 % back per three calm seconds: from 20–50 % that is 12–30 s on a quiet machine.
  await labPage.waitFor(async () => (await asked()) === 0, 'the request to be taken back', 90_000);
  assert.deepEqual(labPage.consoleProblems(), []);
});
