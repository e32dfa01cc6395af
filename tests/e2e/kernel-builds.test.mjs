// Both builds of the training worker start and train: the relaxed-SIMD one, which `auto`
// picks in this Chromium, and the baseline simd128 one, which `kernels=simd128` forces. From
// the same seed they train the same models up to the last bits of the products, so after the
// same steps their accuracies agree closely.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

const STEPS = 30;

// Opens the page with `query` and waits until the worker has named its kernels, which must
// read `kernels`. Returns the page.
async function openOn(query, kernels, { withoutRelaxedSimd = false } = {}) {
  const labPage = await lab.newPage();
  if (withoutRelaxedSimd) {
    // A browser without relaxed SIMD, as the page sees it: WebAssembly.validate refuses any
    // module containing f32x4.relaxed_madd's opcode (0xfd 0x85 0x02).
    await labPage.page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes, ...rest) => {
        const b = new Uint8Array(bytes.buffer ?? bytes);
        for (let i = 0; i + 2 < b.length; i++) {
          if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return false;
        }
        return validate(bytes, ...rest);
      };
    });
  }
  await labPage.open(query);
  const named = labPage.page.getByTestId('kernels');
  await labPage.waitFor(
    async () => (await named.textContent()) !== '',
    'the worker to name its kernels',
  );
  assert.equal(await named.textContent(), `kernels: ${kernels}`, `with ${query}`);
  return labPage;
}

// Opens the page as `openOn` does, takes STEPS steps and returns both models' validation
// accuracies in percent.
async function trainOn(query, kernels) {
  const labPage = await openOn(query, kernels);

  // The page waits paused (no autoplay), so each Step is one step.
  for (let i = 0; i < STEPS; i++) await labPage.step();
  assert.equal(await labPage.stepCount(), STEPS, `with ${query}`);
  const accuracy = async (id) => {
    const text = (await labPage.page.getByTestId(id).textContent()) ?? '';
    const match = text.match(/validation accuracy ([\d.]+)%/);
    assert.ok(match, `no accuracy in ${JSON.stringify(text)}`);
    return Number(match[1]);
  };
  const accuracies = [await accuracy('metrics-ce'), await accuracy('metrics-ls')];
  assert.deepEqual(labPage.consoleProblems(), [], `console problems with ${query}`);
  await labPage.page.context().close();
  return accuracies;
}

test('auto starts the relaxed-SIMD worker here, kernels=simd128 the baseline one, and both train alike', async () => {
  const relaxed = await trainOn('kernels=auto', 'simd128 + relaxed madd');
  const baseline = await trainOn('kernels=simd128', 'simd128');
  console.log(`accuracies after ${STEPS} steps: relaxed ${relaxed}, simd128 ${baseline}`);
  for (const [model, a, b] of [
    ['CE', relaxed[0], baseline[0]],
    ['LS', relaxed[1], baseline[1]],
  ]) {
    assert.ok(a > 30, `${model} learned nothing in ${STEPS} steps on relaxed SIMD: ${a}%`);
    // Rounding differences grow over steps; 30 steps from one seed should keep them within
    // a couple of validation examples.
    assert.ok(Math.abs(a - b) <= 1.5, `${model}: ${a}% on relaxed SIMD, ${b}% on simd128`);
  }
});

test('without relaxed SIMD, auto and relaxed start the simd128 worker, and relaxed says so', async () => {
  const quiet = await openOn('kernels=auto', 'simd128', { withoutRelaxedSimd: true });
  assert.equal((await quiet.page.getByTestId('notice').textContent()).trim(), '');
  await quiet.step();
  await quiet.page.context().close();

  const told = await openOn('kernels=relaxed', 'simd128', { withoutRelaxedSimd: true });
  const notice = await told.page.getByTestId('notice').textContent();
  assert.match(notice, /^kernels: this browser has no relaxed SIMD/);
  await told.step();
  // The choice stays in the URL as written, so the link still asks for relaxed SIMD.
  assert.equal((await told.searchParams()).get('kernels'), 'relaxed');
  assert.deepEqual(told.consoleProblems(), []);
  await told.page.context().close();
});

test('the Kernels control replaces the worker live, and training starts again from step 0', async () => {
  const labPage = await openOn('', 'simd128 + relaxed madd');
  const named = labPage.page.getByTestId('kernels');
  await labPage.button('Play').click();
  await labPage.waitFor(async () => (await labPage.stepCount()) > 50, 'training to pass step 50');
  await labPage.button('Pause').click();

  // Paused: the new worker starts a new run and waits at step 0.
  await labPage.control('Kernels').selectOption('simd128');
  await labPage.waitFor(
    async () => (await named.textContent()) === 'kernels: simd128',
    'the simd128 worker to say it is ready',
  );
  await labPage.waitFor(async () => (await labPage.stepCount()) === 0, 'the counter to restart at 0');
  await labPage.waitFor(
    async () => (await labPage.searchParams()).get('kernels') === 'simd128',
    'the URL to say kernels=simd128',
  );
  await labPage.button('Play').click();
  await labPage.waitFor(async () => (await labPage.stepCount()) > 20, 'the new worker to train');

  // Playing: the next worker keeps playing.
  await labPage.control('Kernels').selectOption('auto');
  await labPage.waitFor(
    async () => (await named.textContent()) === 'kernels: simd128 + relaxed madd',
    'the relaxed worker to say it is ready',
  );
  const first = await labPage.stepCount();
  await labPage.waitFor(
    async () => (await labPage.stepCount()) > first + 20,
    'the relaxed worker to go on playing',
  );
  assert.deepEqual(labPage.consoleProblems(), []);
  await labPage.page.context().close();
});
