import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatNumber, formatShape } from '../../static/js/logic/format.js';

const MINUS = '\u2212';

test('formatNumber: short, exact-looking, a real minus sign', () => {
  const cases = [
    [0.25, '0.25'],
    [-0.25, `${MINUS}0.25`],
    [-0, '0'],
    [1, '1'],
    [5.0, '5'],
    [0.7310585786300049, '0.7311'],
    [0.25000000000000006, '0.25'],
    [123456.7, '1.235e5'],
    [1e-7, `1e${MINUS}7`],
    ['NaN', 'NaN'],
    ['Infinity', '\u221e'],
    ['-Infinity', `${MINUS}\u221e`],
  ];
  for (const [value, text] of cases) assert.equal(formatNumber(value), text, String(value));
});

test('formatNumber ascii: pastes anywhere', () => {
  assert.equal(formatNumber(-0.25, { ascii: true }), '-0.25');
  assert.equal(formatNumber('-Infinity', { ascii: true }), '-Infinity');
});

test('formatShape', () => {
  assert.equal(formatShape([]), 'scalar');
  assert.equal(formatShape([2, 3]), '2\u00d73');
  assert.equal(formatShape([2, 3], { ascii: true }), '2x3');
});
