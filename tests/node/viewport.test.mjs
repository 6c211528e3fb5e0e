import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ensureVisible, fitTransform, zoomAt } from '../../static/js/logic/viewport.js';

test('zooming keeps the point under the cursor', () => {
  assert.deepEqual(zoomAt({ k: 1, x: 0, y: 0 }, 2, 100, 50), { k: 2, x: -100, y: -50 });
  assert.deepEqual(zoomAt({ k: 1, x: 10, y: 10 }, 0.5, 0, 0), { k: 0.5, x: 5, y: 5 });
});

test('fit centres a small graph and never enlarges it past 1.1', () => {
  const t = fitTransform(100, 50, 800, 600);
  assert.equal(t.k, 1.1);
  assert.equal(t.x, (800 - 110) / 2);
});

test('a box already on screen needs no move', () => {
  const t = { k: 1, x: 0, y: 0 };
  assert.equal(ensureVisible(t, { x: 100, y: 100, width: 50, height: 50 }, 800, 600), null);
  assert.notEqual(ensureVisible(t, { x: 2000, y: 100, width: 50, height: 50 }, 800, 600), null);
});
