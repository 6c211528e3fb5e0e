import assert from 'node:assert/strict';
import { test } from 'node:test';

import { sameSource, typedSource } from '../../static/js/logic/source.js';

const state = {
  expression: 'w*x',
  inputTexts: { w: ' 2 ', x: '3', old: '9' },
  inputOrder: ['w', 'x'],
  options: { sigmoid: 'expanded' },
};

test('the typed source: the inputs the expression uses, their texts trimmed', () => {
  assert.deepEqual(typedSource(state), { expression: 'w*x', inputs: { w: '2', x: '3' }, options: { sigmoid: 'expanded' } });
});

test('sources are the same when expression, input texts and options are', () => {
  const a = typedSource(state);
  assert.ok(sameSource(a, { ...a, inputs: { x: '3', w: '2' } }));
  assert.ok(!sameSource(a, { ...a, expression: 'w*x ' }));
  assert.ok(!sameSource(a, { ...a, inputs: { w: '2', x: '4' } }));
  assert.ok(!sameSource(a, { ...a, options: {} }));
  assert.ok(!sameSource(a, null));
});
