import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatInputValue, parseInputText } from '../../static/js/logic/inputs.js';

test('parseInputText: numbers, the non-finite words, nested lists', () => {
  const cases = [
    ['0', 0],
    ['-1.5e3', -1500],
    ['nan', 'NaN'],
    ['-inf', '-Infinity'],
    ['[1, 2]', [1, 2]],
    ['[[1, NaN], [Infinity, -Infinity]]', [[1, 'NaN'], ['Infinity', '-Infinity']]],
  ];
  for (const [text, value] of cases) assert.deepEqual(parseInputText(text), { ok: true, value }, text);
});

test('parseInputText: refusals say what is wrong', () => {
  const cases = [
    ['[[1, 2], [3]]', /same length/],
    ['[]', /empty/],
    ['abc', /not a number/],
    ['', /enter a number/],
  ];
  for (const [text, message] of cases) {
    const r = parseInputText(text);
    assert.equal(r.ok, false, text);
    assert.match(r.error, message);
  }
});

test('formatInputValue is read back by parseInputText', () => {
  for (const v of [0, -2.5, [[1, 2], [3, 4]], ['NaN', 1]]) {
    assert.deepEqual(parseInputText(formatInputValue(v)).value, v);
  }
});
