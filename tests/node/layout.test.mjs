// The layout with the real dagre (from node_modules/, as the page gets it from /vendor/).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as dagre from '../../node_modules/@dagrejs/dagre/dist/dagre.esm.js';
import { curvePath, keptEdges, layers, layoutTrace, nodeText, valueText } from '../../static/js/logic/layout.js';
import { named, trace } from './traces.mjs';

test('inputs on the left, the output on the right', () => {
  const t = trace('sigmoid');
  const L = layoutTrace(t, { dagre });
  const z = L.nodes.get(named(t, 'z').id);
  const out = L.nodes.get(t.output);
  assert.ok(z.x < out.x);
  for (const box of L.nodes.values()) {
    assert.ok(box.x - box.width / 2 >= 0 && box.x + box.width / 2 <= L.width);
    assert.ok(box.y - box.height / 2 >= 0 && box.y + box.height / 2 <= L.height);
  }
  assert.equal(L.dropped, 0);
});

test('x*x: two edges from one source, drawn as two distinct curves', () => {
  const t = trace('square');
  const L = layoutTrace(t, { dagre });
  const paths = t.edges.map((e) => L.edges.get(e.id).path);
  assert.equal(new Set(t.edges.map((e) => e.source)).size, 1);
  assert.equal(new Set(paths).size, 2);
});

test('layers: each node one left of its nearest consumer', () => {
  const t = trace('fanout');
  const rank = layers(t);
  assert.equal(rank.get(t.output), Math.max(...rank.values()));
  for (const e of t.edges) assert.ok(rank.get(e.source) < rank.get(e.target));
  assert.equal(keptEdges(t, rank).size, t.edges.length); // small graphs keep every edge
});

test('node text: op titles from /api/ops, values in one short line', () => {
  const t = trace('fanout');
  const mul = t.nodes.find((n) => n.op === 'mul');
  assert.equal(nodeText({ ...mul, name: 'h' }, { mul: { title: 'multiply' } }).label, 'h = multiply');
  assert.equal(nodeText({ ...mul, name: 'h' }).label, 'h = mul');
  assert.equal(valueText([1, 2], [2]), '[1, 2]');
  assert.equal(valueText([[1, 2], [3, 4]], [2, 2]), '[2\u00d72]');
});

test('curvePath: a path through every point, ending at the last', () => {
  const d = curvePath([{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 20, y: 10 }]);
  assert.match(d, /^M0,0/);
  assert.match(d, /L20,10$/);
});
