import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Store } from '../../static/js/store.js';
import { trace } from './traces.mjs';

// store.show: a trace handed in (a notebook's) is shown like an answer of the service, with no
// request at all.
test('store.show: the views hear what a run would tell them, and nothing is fetched', async () => {
  const fetched = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (url) => { fetched.push(url); throw new Error('no request may be made'); };
  try {
    const store = new Store();
    const heard = [];
    for (const type of ['status', 'trace', 'position', 'chain', 'url']) {
      store.addEventListener(type, (ev) => heard.push([type, ev.detail?.fresh ?? null]));
    }
    const ops = [{ name: 'exp', title: 'exponential', formulas: ['e^{x}'] }];
    store.show(trace('sigmoid'), { ops });
    const s = store.state;
    assert.deepEqual(heard, [['status', null], ['trace', null], ['position', true], ['chain', null], ['url', null]]);
    assert.equal(s.status, 'ready');
    assert.equal(s.position, 0);
    assert.equal(s.chain, 'z');
    assert.equal(s.ops.exp.title, 'exponential');
    assert.equal(s.timeline.last, 9);
    store.end();
    assert.equal(s.position, 9);
    store.prev();
    assert.equal(s.position, 8);
    assert.deepEqual(fetched, []);
  } finally {
    globalThis.fetch = realFetch;
  }
});
