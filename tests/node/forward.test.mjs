// Forward mode's timeline on the post's sigmoid at z = 0 with tangent 1 (a service trace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildForwardTimeline, comparisonLine, forwardEquation, knownAt } from '../../static/js/logic/forward.js';
import { trace as load } from './traces.mjs';

const trace = load('sigmoid_forward');

test('the sigmoid: start, four op nodes, the comparison', () => {
  const tl = buildForwardTimeline(trace);
  assert.deepEqual(tl.positions.map((p) => p.kind), ['start', 'tangent', 'tangent', 'tangent', 'tangent', 'compare']);
  assert.deepEqual(tl.positions.slice(1, 5).map((p) => p.node.op), ['neg', 'exp', 'add', 'reciprocal']);
  assert.deepEqual(tl.positions.slice(1, 5).map((p) => p.tangent), [-1, -1, -1, 0.25]);
  assert.equal(tl.positions[5].tangent, 0.25);
});

test('each step is local x tangent_in, summed', () => {
  const tl = buildForwardTimeline(trace);
  const eqs = tl.positions.map(forwardEquation);
  assert.equal(eqs[1], 'tangent_out = (\u22121) \u00d7 1 = \u22121');
  assert.equal(eqs[2], 'tangent_out = 1 \u00d7 (\u22121) = \u22121'); // exp(0) = 1
  assert.equal(eqs[3], 'tangent_out = 0 + 1 \u00d7 (\u22121) = \u22121'); // the constant 1 sends 0
  assert.equal(eqs[4], 'tangent_out = (\u22120.25) \u00d7 (\u22121) = 0.25');
});

test('tangents become known node by node', () => {
  const tl = buildForwardTimeline(trace);
  assert.equal(knownAt(tl, 0).size, 2); // the input and the constant
  assert.equal(knownAt(tl, tl.last).size, trace.nodes.length);
});

test('the comparison line names the passes', () => {
  const line = comparisonLine(trace, 'z');
  assert.match(line, /^Forward mode gave d\(output\)\/dz = 0\.25 in one pass/);
  assert.match(line, /reverse mode gave all 1 input gradient in one pass/);
  assert.match(line, /1 forward pass .* versus 1 backward pass/);
});
