import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeState, encodeState } from '../../static/js/logic/urlstate.js';

test('the URL round-trips expression, inputs, step, check, chain input and options', () => {
  const state = {
    expression: 'h = w*x\nh + exp(x)',
    inputs: { w: '1.5', x: '[0.5, -2]' },
    position: 6,
    check: true,
    chain: 'x',
    options: { sigmoid: 'expanded' },
  };
  const query = encodeState(state);
  assert.match(query, /step=6/);
  assert.match(query, /in\.x=/);
  assert.deepEqual(decodeState(query), state);
});

test('a URL without an expression restores nothing', () => {
  assert.equal(decodeState('step=3'), null);
  assert.equal(decodeState('expr=%20'), null);
});

test('names outside ASCII survive the URL', () => {
  const state = { expression: 'θ * 变量', inputs: { θ: '1', 变量: '2' }, position: 0, check: false, chain: null, options: {} };
  assert.deepEqual(decodeState(encodeState(state)), state);
});
