import assert from 'node:assert/strict';
import { test } from 'node:test';

import { namedFormula, nodeName, nodeTex, opTitle, orderedLeaves } from '../../static/js/logic/names.js';
import { named, trace } from './traces.mjs';

const OPS = { mul: { title: 'multiply' } };

test('nodeName: "h (multiply)", an input by its name, a constant by its value', () => {
  const t = trace('constant');
  const mul = t.nodes.find((n) => n.op === 'mul');
  assert.equal(nodeName({ ...mul, name: 'h' }, OPS), 'h (multiply)');
  assert.equal(nodeName(named(t, 'x')), 'x');
  assert.equal(nodeName(t.nodes.find((n) => n.op === 'const' && n.label === '2')), 'constant 2');
  assert.equal(opTitle('mul'), 'mul');
});

test('leaves in the order the inputs were given', () => {
  assert.deepEqual(orderedLeaves(trace('fanout')).map((n) => n.name), ['w1', 'x', 'w2']);
});

test('formulas: the service\'s named TeX when it sends it, else the placeholders', () => {
  const t = trace('fanout');
  for (const e of t.edges) {
    assert.equal(namedFormula(e), e.local_formula_named ?? e.local_formula);
    const src = t.nodes.find((n) => n.id === e.source);
    assert.equal(nodeTex(src), src.tex ?? `\\text{${src.label}}`);
  }
  assert.equal(nodeTex({ label: 'w_1' }), '\\text{w\\_1}');
  assert.equal(nodeTex({ label: 'w_1', tex: 'w_{1}' }), 'w_{1}');
});
