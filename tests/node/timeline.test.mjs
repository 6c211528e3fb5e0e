// Step sequencing and the chain rule on the service's own traces (tests/node/traces/).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { chainInputs, chainRule, defaultChainInput } from '../../static/js/logic/chain.js';
import {
  buildTimeline, changedBetween, clampPosition, focusAt, gradientAt, phaseOf,
} from '../../static/js/logic/timeline.js';
import { named, trace } from './traces.mjs';

test('positions: start, one per op forward, one per backprop step, done', () => {
  const tl = buildTimeline(trace('fanout'));
  assert.deepEqual(tl.positions.map((p) => p.kind),
    ['start', 'forward', 'forward', 'forward', 'backward', 'backward', 'backward', 'done']);
  assert.equal(tl.last, 7);
  assert.equal(tl.backwardStart, 4);
  assert.equal(phaseOf(tl, 5).text, 'Backprop 2/3');
  assert.equal(clampPosition(tl, 99), 7);
  assert.equal(clampPosition(tl, 'x'), 0);
});

test('the post\'s sigmoid at z = 0: backprop at 5..8 (reciprocal, add, exp, negate)', () => {
  const tl = buildTimeline(trace('sigmoid'));
  assert.equal(tl.last, 9);
  assert.deepEqual(tl.positions.slice(5, 9).map((p) => p.step.label), ['reciprocal', 'add', 'exp', 'negate']);
});

test('fan-out: x is partial after one contribution, complete after both (3 + 2 = 5)', () => {
  const t = trace('fanout');
  const tl = buildTimeline(t);
  const x = named(t, 'x').id;
  const first = tl.edgeGradAt.get(tl.incoming.get(x)[0]);
  assert.deepEqual(gradientAt(tl, x, first), { state: 'partial', value: 3, received: 1, expected: 2 });
  assert.equal(gradientAt(tl, x, tl.gradAt.get(x)).state, 'complete');
  assert.equal(gradientAt(tl, x, tl.gradAt.get(x)).value, 5);
  assert.equal(gradientAt(tl, x, 0).state, 'none');
});

test('a step changes only what switches on between the two positions', () => {
  const tl = buildTimeline(trace('fanout'));
  const c = changedBetween(tl, 4, 5);
  assert.deepEqual(c.values, []);
  assert.deepEqual(c.edges.sort(), tl.positions[5].step.edges.slice().sort());
  assert.deepEqual(changedBetween(tl, 5, 4), c);
});

test('focus at a backprop step: the node and the edges that send a gradient', () => {
  const t = trace('constant');
  const tl = buildTimeline(t);
  const mul = tl.positions.find((p) => p.kind === 'backward' && p.step.op === 'mul');
  const f = focusAt(tl, tl.positions.indexOf(mul));
  assert.equal(f.current, mul.node);
  assert.deepEqual(f.nodes, [named(t, 'x').id]); // the constant 2 gets no gradient
});

test('chain rule for x in w1*x + w2*x: two paths, 2 + 3 = 5', () => {
  const t = trace('fanout');
  const x = named(t, 'x');
  const r = chainRule(t, x.id);
  assert.equal(r.count, 2);
  assert.ok(r.scalar);
  assert.deepEqual([...r.products].sort(), [2, 3]);
  assert.equal(r.total, 5);
  assert.equal(r.grad, 5);
  assert.deepEqual(r.paths[0].map((f) => f.title), ['add', 'mul']); // op keys without /api/ops
  assert.equal(chainRule(t, x.id, { ops: { mul: { title: 'multiply' } } }).paths[0][1].title, 'multiply');
  assert.equal(defaultChainInput(t).name, 'x');
  assert.deepEqual(chainInputs(t).map((n) => n.name), ['w1', 'x', 'w2']);
});

test('chain rule with a limit: the count stays exact, the sum is left to backprop', () => {
  const t = trace('fanout');
  const r = chainRule(t, named(t, 'x').id, { limit: 1 });
  assert.equal(r.count, 2);
  assert.equal(r.paths.length, 1);
  assert.ok(r.truncated);
  assert.equal(r.total, null);
});

test('chain rule through tensors: no scalar products', () => {
  const t = trace('broadcast');
  const r = chainRule(t, named(t, 'b').id);
  assert.equal(r.count, 1);
  assert.equal(r.scalar, false);
  assert.deepEqual(r.products, [null]);
});
