import assert from 'node:assert/strict';
import { test } from 'node:test';

import { keyCommand, notesMessage, stepNumbers } from '../../static/js/logic/presenter.js';
import { buildTimeline } from '../../static/js/logic/timeline.js';
import { trace } from './traces.mjs';

const M = '\u2212';

test('the numbers of each kind of position, one line each', () => {
  const t = trace('sigmoid');
  const tl = buildTimeline(t);
  const cases = [
    [0, ['z = 0']],
    [tl.last - 1, [`upstream ${M}0.25`, `toward z: ${M}0.25 × ${M}1 = 0.25`]],
    [tl.last, ['∂L/∂z = 0.25']],
  ];
  for (const [p, want] of cases) assert.deepEqual(stepNumbers(tl, p), want, `position ${p}`);
  assert.equal(stepNumbers(tl, 1).length, 1); // a forward step: op(inputs) = value
});

test('the notes message: the slide, the step, and what comes next', () => {
  const t = trace('sigmoid');
  const tl = buildTimeline(t);
  const lesson = { id: 'post', title: 'P', slides: [{ title: 'A', notes: 'n', text: '' }, { title: 'B', notes: '', text: '' }] };
  const mid = notesMessage({ lesson, slide: 0, trace: t, timeline: tl, position: 5 });
  assert.deepEqual(mid.slide, { n: 1, count: 2, title: 'A', notes: 'n', text: '' });
  assert.equal(mid.step.position, 5);
  assert.equal(mid.next.phase, 'Backprop 2/4');
  const end = notesMessage({ lesson, slide: 0, trace: t, timeline: tl, position: tl.last });
  assert.deepEqual(end.next, { phase: 'Slide 2', sentence: 'B' });
  const none = notesMessage({});
  assert.equal(none.lesson, null);
  assert.equal(none.step, null);
});

test('a clicker: PageDown / PageUp step, B and . blank, F full screen', () => {
  const cases = [['PageDown', 'forward'], ['PageUp', 'backward'], ['b', 'blank'], ['B', 'blank'], ['.', 'blank'],
    ['f', 'fullscreen'], ['Escape', 'unblank'], ['ArrowRight', null], ['x', null]];
  for (const [key, want] of cases) assert.equal(keyCommand(key), want, key);
});
