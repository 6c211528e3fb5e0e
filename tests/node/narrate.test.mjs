// One sentence per position, with the learner's names exactly as typed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { narrate } from '../../static/js/logic/narrate.js';
import { buildTimeline } from '../../static/js/logic/timeline.js';
import { named, trace } from './traces.mjs';

const at = (t, p) => narrate(t, buildTimeline(t), p);

test('start and forward: the inputs and what each op takes and gives', () => {
  const t = trace('sigmoid');
  assert.match(at(t, 0), /^Start: the inputs are z = 0\. The forward pass computes 4 nodes, then backprop visits 4\.$/);
  assert.match(at(t, 2), /^Forward step 2 of 4: exp takes 0 from neg(ate)? and gives 1\.$/);
});

test('a backprop step: upstream × local gradient = downstream, ASCII minus signs', () => {
  const t = trace('sigmoid');
  assert.match(at(t, 8), /upstream -0\.25 × local gradient -1 = downstream 0\.25/);
});

test('names stay as typed at the start of a sentence: x, never X', () => {
  const t = trace('fanout');
  const tl = buildTimeline(t);
  const x = named(t, 'x').id;
  const done = narrate(t, tl, tl.gradAt.get(x));
  assert.match(done, /Fan-out: x is used 2 times, so its 2 contributions are summed: 3 \+ 2 = 5\./);
  const first = tl.edgeGradAt.get(tl.incoming.get(x)[0]);
  assert.match(narrate(t, tl, first), /Fan-out: x is used 2 times; 1 of 2 contributions have arrived\./);
  for (let p = 0; p <= tl.last; p += 1) assert.doesNotMatch(narrate(t, tl, p), /\b(X|W1|W2)\b/);
});

test('a constant input gets no gradient, said without capitalising it', () => {
  const t = trace('constant');
  const tl = buildTimeline(t);
  const p = tl.positions.findIndex((q) => q.kind === 'backward' && q.step.op === 'mul');
  assert.match(narrate(t, tl, p), /No gradient is sent to constant 2: it needs none\./);
});

test('tensors are named by shape, broadcasting by its axes', () => {
  const t = trace('broadcast');
  const tl = buildTimeline(t);
  const p = tl.positions.findIndex((q) => q.kind === 'backward' && q.step.op === 'add');
  const s = narrate(t, tl, p);
  assert.match(s, /a tensor of shape 2x3/);
  assert.match(s, /summed over axis 0 from shape 2x3 to 3/);
  assert.match(narrate(t, tl, tl.last), /^Done: backprop has reached every input\. dL\/dX = a tensor of shape 2x2/);
});
