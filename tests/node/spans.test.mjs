// The page's side of the span contract: the same cases as the service's side
// (tests/server/test_spans.py), read from tests/cases/spans.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { describeSpan, spanToOffsets } from '../../static/js/logic/spans.js';

const CASES = JSON.parse(readFileSync(new URL('../cases/spans.json', import.meta.url), 'utf-8'));

/** Offset of the end of the span's line (where an empty `text` points). */
function lineEnd(expression, line) {
  return expression.split('\n').slice(0, line).join('\n').length;
}

for (const c of [...CASES.errors, ...CASES.nodes]) {
  test(`span ${JSON.stringify(c.span)} of ${JSON.stringify(c.expression)} covers ${JSON.stringify(c.text)}`, () => {
    const o = spanToOffsets(c.expression, c.span);
    assert.equal(c.expression.slice(o.start, o.end), c.text);
    // an empty text is the end of the line: nothing to cover, the editor widens it to a space
    if (c.text === '') assert.equal(o.start, lineEnd(c.expression, c.span[0]));
    if ('suggestion' in c) {
      const replaced = c.expression.slice(0, o.start) + c.suggestion + c.expression.slice(o.end);
      assert.equal(replaced, c.replaced);
    }
  });
}

test('a zero-width span widens to the one character after it, a whole code point', () => {
  assert.deepEqual(spanToOffsets('a + b', [1, 2, 1, 2]), { start: 2, end: 3 });
  assert.deepEqual(spanToOffsets('𝑥 + 𝑦', [1, 4, 1, 4]), { start: 5, end: 7 });
  assert.deepEqual(spanToOffsets('x +', [1, 3, 1, 3]), { start: 3, end: 3 });
});

test('columns past the end of a line stay on that line', () => {
  assert.deepEqual(spanToOffsets('ab\ncd', [1, 1, 1, 40]), { start: 1, end: 2 });
  assert.equal(spanToOffsets('ab', null), null);
});

test('describeSpan counts characters from 1, as editors do', () => {
  assert.equal(describeSpan('θ * x + foo(y)', [1, 8, 1, 11]), 'line 1, columns 9\u201311');
  assert.equal(describeSpan('𝑥 * 2 + yy', [1, 8, 1, 10]), 'line 1, columns 9\u201310');
  assert.equal(describeSpan('a = 1 # 🙂\nθ * a + zz', [2, 8, 2, 10]), 'line 2, columns 9\u201310');
  assert.equal(describeSpan('θθ * x +', [1, 8, 1, 9]), 'line 1, column 9');
});
