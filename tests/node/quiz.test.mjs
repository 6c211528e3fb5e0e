import assert from 'node:assert/strict';
import { test } from 'node:test';

import { elementFor, judge, judgeStep, parseAnswer, questionsAt, score, tolerance, verdict } from '../../static/js/logic/quiz.js';
import { buildTimeline } from '../../static/js/logic/timeline.js';
import { decodeLesson, encodeLesson } from '../../static/js/logic/urlstate.js';
import { trace } from './traces.mjs';

test('answers are read as a learner types them', () => {
  const cases = [
    ['0.25', 0.25], ['-0.25', -0.25], ['\u22120.25', -0.25], ['.25', 0.25], [' 1/4 ', 0.25],
    ['-1/4', -0.25], ['2.5e-1', 0.25], ['5', 5], ['+1', 1],
    ['', null], ['abc', null], ['1/0', null], ['0.2.5', null], ['1//4', null],
  ];
  for (const [text, want] of cases) assert.equal(parseAnswer(text), want, text);
});

test('the tolerance is half a unit of the last shown digit', () => {
  const cases = [[0.25, 4, 5e-5], [5, 4, 5e-4], [-0.19661193, 4, 5e-5], [1234.5, 4, 0.5], [0.731, 3, 5e-4]];
  for (const [truth, digits, want] of cases) assert.ok(Math.abs(tolerance(truth, digits) - want) < want * 1e-6, `${truth}`);
});

test('right and wrong, to the shown precision', () => {
  const cases = [
    // [typed, truth, right?]
    ['0.25', 0.25, true], ['1/4', 0.25, true], ['0.2500', 0.25, true], ['0.2501', 0.25, false],
    ['0.3', 0.25, false], ['-0.25', 0.25, false], ['0.1966', 0.19661193, true],
    ['0.197', 0.19661193, false], ['-1', -1, true], ['5', 5, true], ['0', 0, true],
    ['0.001', 0, false], ['', 0.25, false], ['Infinity', 'Infinity', false],
  ];
  for (const [typed, truth, ok] of cases) assert.equal(judge(typed, truth).ok, ok, `${typed} vs ${truth}`);
});

test('the negate step of the sigmoid asks for local -1 and downstream 0.25', () => {
  const tl = buildTimeline(trace('sigmoid'));
  const negate = tl.last - 1;
  const qs = questionsAt(tl, negate);
  assert.deepEqual(qs.map((q) => [q.kind, q.truth, q.index]), [['local', -1, null], ['downstream', 0.25, null]]);
  assert.deepEqual(questionsAt(tl, negate, 'downstream').map((q) => q.kind), ['downstream']);
  assert.deepEqual(questionsAt(tl, negate, 'local').map((q) => q.kind), ['local']);
  assert.deepEqual(questionsAt(tl, 2), []); // a forward step
  const right = judgeStep(qs, { [qs[0].id]: '-1', [qs[1].id]: '0.25' });
  assert.equal(right.ok, true);
  const wrong = judgeStep(qs, { [qs[0].id]: '-1', [qs[1].id]: '-0.25' });
  assert.deepEqual(wrong.results.map((r) => r.ok), [true, false]);
  assert.match(verdict(wrong), /^Not quite: local gradient .* is right; downstream: -0.25 is wrong, it is 0.25\.$/);
});

test('the score counts every question of the run, answered or not', () => {
  const tl = buildTimeline(trace('sigmoid'));
  const answers = new Map();
  const answerAll = (p, fn) => {
    const qs = questionsAt(tl, p);
    answers.set(p, judgeStep(qs, Object.fromEntries(qs.map((q) => [q.id, fn(q)]))));
  };
  for (let p = tl.backwardStart; p < tl.last - 1; p += 1) answerAll(p, (q) => String(q.truth));
  assert.deepEqual(score(tl, answers), { right: 6, total: 8, answered: 3, missed: [tl.last - 1] });
  answerAll(tl.last - 1, (q) => (q.kind === 'local' ? '-1' : '0.3'));
  assert.deepEqual(score(tl, answers), { right: 7, total: 8, answered: 4, missed: [tl.last - 1] });
});

test('a tensor asks for one element, the same every time', () => {
  const tl = buildTimeline(trace('broadcast'));
  const qs = tl.positions.flatMap((_, p) => questionsAt(tl, p));
  const tensors = qs.filter((q) => q.index !== null);
  assert.ok(tensors.length > 0);
  for (const q of tensors) assert.equal(typeof q.truth, 'number');
  assert.deepEqual(elementFor('e3', [2, 3]), elementFor('e3', [2, 3]));
  for (const [i, n] of elementFor('e7', [2, 3]).map((i, k) => [i, [2, 3][k]])) assert.ok(i >= 0 && i < n);
});

test('the lesson keys: ?lesson=<id>&slide=<n>, present=1, quiz=1', () => {
  assert.deepEqual(decodeLesson('lesson=post&slide=3&present=1'), { lesson: 'post', slide: 3, present: true, quiz: null });
  assert.deepEqual(decodeLesson('quiz=1&expr=x'), { lesson: null, slide: 1, present: false, quiz: 'both' });
  assert.deepEqual(decodeLesson('lesson=post&slide=0&quiz=downstream'), { lesson: 'post', slide: 1, present: false, quiz: 'downstream' });
  const q = 'expr=1%2F%281%2Bexp%28-z%29%29&in.z=0&step=8&opt.sigmoid=expanded';
  assert.equal(encodeLesson(q, { lesson: 'post', slide: 2, onSlide: true }), 'lesson=post&slide=2&step=8');
  assert.equal(encodeLesson(q, { lesson: 'post', slide: 2, present: true, quiz: 'both' }), `lesson=post&slide=2&present=1&quiz=1&${q}`);
  assert.equal(encodeLesson(q, {}), q);
});
