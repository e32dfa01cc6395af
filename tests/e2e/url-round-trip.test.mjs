// The URL is the page's state: a query of non-default values sets every control, the page
// rewrites location.search to hold every key, and opening that URL again restores it all.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab } from './harness.mjs';

let lab;
before(async () => {
  lab = await startLab();
});
after(() => lab?.stop());

// Every control of CONTRACT.md with a non-default value. `log` ranges map their value onto
// the slider in a way the contract leaves open, so only the URL is checked exactly for them.
const CONTROLS = [
  { key: 'seed', label: 'Seed', value: '7', kind: 'number' },
  { key: 'hidden', label: 'Hidden widths', value: '64,32', kind: 'text' },
  { key: 'head', label: 'Head', value: 'cosine', kind: 'select' },
  { key: 'scale', label: 'Cosine scale s', value: '24', kind: 'range' },
  { key: 'opt', label: 'Optimizer', value: 'adam', kind: 'select' },
  { key: 'lr', label: 'Learning rate', value: '0.01', kind: 'log' },
  { key: 'batch', label: 'Batch size', value: '64', kind: 'select' },
  { key: 'wd', label: 'Weight decay', value: '0.001', kind: 'range' },
  { key: 'alpha', label: 'Label smoothing α', value: '0.25', kind: 'range' },
  { key: 'form', label: 'Smoothing form', value: 'offtarget', kind: 'select' },
  { key: 'speed', label: 'Speed', value: '20', kind: 'select' },
  { key: 'split', label: 'Split', value: 'validation', kind: 'select' },
  { key: 'view', label: 'Cluster view', value: 'pca', kind: 'select' },
  { key: 'shared', label: 'Shared scale', value: '0', kind: 'checkbox' },
  { key: 't', label: 'Sharpen temperature T', value: '2', kind: 'log' },
  { key: 'evalt', label: 'Evaluation temperature', value: '0.5', kind: 'log' },
];
const CLASSES = { key: 'classes', labels: ['Class a', 'Class b', 'Class c'], value: '3,5,8' };
// Digits has ten classes, so the class pickers can leave 0,1,2; the dataset is checked alone.
const DATASET = { key: 'data', label: 'Dataset', value: 'rings' };
const ALL_KEYS = [...CONTROLS.map((c) => c.key), CLASSES.key, DATASET.key];

const query = (entries) => entries.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
const FULL_QUERY = query([
  ...CONTROLS.map((c) => [c.key, c.value]),
  [CLASSES.key, CLASSES.value],
]);

// Whether a URL value says the same as the value we asked for.
function sameValue(kind, got, want) {
  if (got === null) return false;
  if (kind === 'text' || kind === 'classes') return got.replace(/\s/g, '') === want;
  if (kind === 'select' && Number.isNaN(Number(want))) return got === want;
  const [g, w] = [Number(got), Number(want)];
  // A log slider may quantise the value it writes back; 2 % is well inside one notch.
  return kind === 'log' ? Math.abs(g - w) <= 0.02 * w : g === w;
}

async function readControls(labPage) {
  const values = {};
  for (const { key, label } of CONTROLS) values[key] = await labPage.controlValue(label);
  values.classes = (
    await Promise.all(CLASSES.labels.map((label) => labPage.controlValue(label)))
  ).join(',');
  return values;
}

// The keys whose URL value is missing or different, as readable lines.
async function urlMismatches(labPage, expected) {
  const params = await labPage.searchParams();
  return expected
    .filter(({ key, value, kind }) => !sameValue(kind, params.get(key), value))
    .map(({ key, value }) => `${key}: URL has ${JSON.stringify(params.get(key))}, want ${value}`);
}

async function waitForUrl(labPage, expected) {
  await labPage
    .waitFor(async () => (await urlMismatches(labPage, expected)).length === 0, 'the URL', 3_000)
    .catch(() => {});
  assert.deepEqual(await urlMismatches(labPage, expected), [], 'location.search after load');
  const params = await labPage.searchParams();
  const missing = ALL_KEYS.filter((key) => !params.has(key));
  assert.deepEqual(missing, [], 'keys missing from location.search');
}

test('a full query sets every control and the rewritten URL restores them', async () => {
  const defaults = await lab.newPage();
  await defaults.open();
  const defaultValues = await readControls(defaults);

  const labPage = await lab.newPage();
  await labPage.open(FULL_QUERY);
  const values = await readControls(labPage);

  for (const { key, value, kind } of CONTROLS) {
    const got = values[key];
    if (kind === 'checkbox') assert.equal(got, value === '1', `${key}: checkbox state`);
    else if (kind === 'log') assert.notEqual(got, defaultValues[key], `${key}: still the default`);
    else assert.ok(sameValue(kind, got, value), `${key}: control shows ${got}, want ${value}`);
  }
  assert.equal(values.classes, CLASSES.value, 'class pickers');

  const expected = [...CONTROLS, { ...CLASSES, kind: 'classes' }];
  await waitForUrl(labPage, expected);

  // The page's own URL, opened afresh, gives back the same controls.
  const rewritten = await labPage.page.evaluate(() => location.search.slice(1));
  const again = await lab.newPage();
  await again.open(rewritten);
  assert.deepEqual(await readControls(again), values, 'controls after reopening the URL');
});

test('the dataset round-trips through the URL', async () => {
  const labPage = await lab.newPage();
  await labPage.open(query([[DATASET.key, DATASET.value]]));
  assert.equal(await labPage.controlValue(DATASET.label), DATASET.value);
  await waitForUrl(labPage, [{ ...DATASET, kind: 'select' }]);
});
