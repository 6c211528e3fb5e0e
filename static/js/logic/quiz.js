// Predict, then reveal: the questions of a backprop step, judging a typed answer against the
// trace, and the score of a run. Pure: no DOM.
//
// At each backprop step the learner is asked, for every input that receives a gradient, the
// local gradient (elementwise ops only) and the downstream gradient, or one of the two (`ask`).
// A tensor asks for one element, the same one every time for the same edge. An answer is right
// when it agrees with the trace to the precision the page shows (4 significant digits for a
// number, 3 for a tensor's element): within half a unit of the last shown digit.
import { formatNumber, toNumber } from './format.js';
import { shapeOf } from './tensor.js';

export const ASK = Object.freeze(['both', 'local', 'downstream']);
const DIGITS = { scalar: 4, element: 3 };

/** The typed text as a number: "0.25", "-0.25", "−0.25", ".25", "1/4", "-1/4", "2.5e-1". */
export function parseAnswer(text) {
  const t = String(text ?? '').trim().replace(/\u2212/g, '-').replace(/\s+/g, '');
  if (!t) return null;
  const number = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
  if (number.test(t)) return Number(t);
  const frac = t.match(/^([+-]?)(\d+\.?\d*|\.\d+)\/(\d+\.?\d*|\.\d+)$/);
  if (frac && Number(frac[3]) !== 0) return (frac[1] === '-' ? -1 : 1) * (Number(frac[2]) / Number(frac[3]));
  return null;
}

/** Half a unit of the last of `digits` significant digits of `truth`: 0.25 -> 5e-5. */
export function tolerance(truth, digits = DIGITS.scalar) {
  const x = Math.abs(toNumber(truth));
  if (!Number.isFinite(x)) return 0;
  if (x === 0) return 5e-5; // "0": as for 0.25, a learner's 0.0001 is not 0
  const e = Math.floor(Math.log10(x));
  return 0.5 * 10 ** (e - digits + 1) * (1 + 1e-9);
}

/** Is the typed text the truth, to the shown precision? {ok, value, truth, shown} */
export function judge(text, truth, digits = DIGITS.scalar) {
  const value = parseAnswer(text);
  const t = toNumber(truth);
  const shown = formatNumber(t, { digits });
  if (value === null) return { ok: false, value: null, truth: t, shown };
  if (!Number.isFinite(t)) return { ok: Object.is(value, t), value, truth: t, shown };
  return { ok: Math.abs(value - t) <= tolerance(t, digits), value, truth: t, shown };
}

/** A stable element of a tensor of this shape for an edge: the same index every time. */
export function elementFor(id, shape) {
  let hash = 7;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) % 100_003;
  return shape.map((n, k) => (hash * (k + 3)) % n);
}

function at(value, index) {
  let v = value;
  for (const i of index) v = v[i];
  return v;
}

/** The element the question is about (or the number itself) and its precision. */
function target(id, value) {
  if (!Array.isArray(value)) return { index: null, truth: toNumber(value), digits: DIGITS.scalar };
  const index = elementFor(id, shapeOf(value));
  return { index, truth: toNumber(at(value, index)), digits: DIGITS.element };
}

/**
 * The questions at position p: [] outside backprop. Each is {id, edge, source, kind ('local' |
 * 'downstream'), index (null, or the element's indices), truth, digits}.
 */
export function questionsAt(timeline, p, ask = 'both') {
  const pos = timeline.positions[p];
  if (!pos || pos.kind !== 'backward') return [];
  const out = [];
  for (const id of pos.step.edges) {
    const e = timeline.edges.get(id);
    if (e.downstream === null) continue; // a constant: no gradient is sent
    if (ask !== 'downstream' && e.local !== null) {
      out.push({ id: `${id}:local`, edge: id, source: e.source, kind: 'local', ...target(`${id}:local`, e.local) });
    }
    if (ask !== 'local' || e.local === null) {
      out.push({ id: `${id}:downstream`, edge: id, source: e.source, kind: 'downstream', ...target(id, e.downstream) });
    }
  }
  return out;
}

/** Judge every question of a step: {results: [{id, kind, ok, value, truth, shown}], ok}. */
export function judgeStep(questions, texts) {
  const results = questions.map((q) => ({ id: q.id, edge: q.edge, kind: q.kind, index: q.index, ...judge(texts[q.id], q.truth, q.digits) }));
  return { results, ok: results.every((r) => r.ok) };
}

/**
 * The score of a run: every backprop step with questions counts, answered or not.
 * answers: Map(position -> judgeStep's result). -> {right, total, answered, missed: [positions]}
 */
export function score(timeline, answers, ask = 'both') {
  let right = 0;
  let total = 0;
  let answered = 0;
  const missed = [];
  for (let p = timeline.backwardStart; p < timeline.last; p += 1) {
    const qs = questionsAt(timeline, p, ask);
    if (!qs.length) continue;
    total += qs.length;
    const a = answers.get(p);
    if (a) {
      answered += 1;
      right += a.results.filter((r) => r.ok).length;
    }
    if (!a || !a.ok) missed.push(p);
  }
  return { right, total, answered, missed };
}

/** One sentence for the narration region: "Right: ..." or "Not quite: ...". */
export function verdict(result, names = {}) {
  const parts = result.results.map((r) => {
    const what = `${r.kind === 'local' ? 'local gradient' : 'downstream'}${names[r.edge] ? ` toward ${names[r.edge]}` : ''}`;
    if (r.ok) return `${what} ${r.shown} is right`;
    return r.value === null ? `${what}: no number given, it is ${r.shown}` : `${what}: ${formatNumber(r.value, { ascii: true })} is wrong, it is ${r.shown}`;
  });
  return `${result.ok ? 'Right' : 'Not quite'}: ${parts.join('; ')}.`;
}
