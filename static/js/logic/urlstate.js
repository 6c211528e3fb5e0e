// The URL holds the view: expression, inputs, step, numerical check, chain input, options.
// ?expr=1%2F(1%2Bexp(-z))&in.z=0&step=5   Pure: works on strings, touches no DOM.

const INPUT_PREFIX = 'in.';

/** State -> query string (without the "?"). */
export function encodeState({ expression, inputs = {}, position = 0, check = false, chain = null,
  options = {} }) {
  const q = new URLSearchParams();
  q.set('expr', expression);
  for (const [name, text] of Object.entries(inputs)) q.set(INPUT_PREFIX + name, text);
  if (position) q.set('step', String(position));
  if (check) q.set('check', '1');
  if (chain) q.set('chain', chain);
  for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== null) q.set(`opt.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  return q.toString();
}

/** Query string -> state, or null when it names no expression. */
export function decodeState(search) {
  const q = new URLSearchParams(search);
  const expression = q.get('expr');
  if (expression === null || expression.trim() === '') return null;
  const inputs = {};
  const options = {};
  for (const [k, v] of q) {
    if (k.startsWith(INPUT_PREFIX)) inputs[k.slice(INPUT_PREFIX.length)] = v;
    else if (k.startsWith('opt.')) options[k.slice(4)] = parseOption(v);
  }
  const step = Number.parseInt(q.get('step') ?? '0', 10);
  return {
    expression,
    inputs,
    position: Number.isFinite(step) && step > 0 ? step : 0,
    check: q.get('check') === '1',
    chain: q.get('chain'),
    options,
  };
}

function parseOption(v) {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

// -- lessons: ?lesson=<id>&slide=<n> (1-based), present=1 (projector), quiz=1 (or local,
// downstream: what the quiz asks). Links in course pages rely on these keys: keep them.
const LESSON_KEYS = ['lesson', 'slide', 'present', 'quiz'];

/** The lesson keys of a query string: {lesson, slide (1-based), present, quiz}. */
export function decodeLesson(search) {
  const q = new URLSearchParams(search);
  const slide = Number.parseInt(q.get('slide') ?? '1', 10);
  const quiz = q.get('quiz');
  return {
    lesson: q.get('lesson') || null,
    slide: Number.isFinite(slide) && slide >= 1 ? slide : 1,
    present: q.get('present') === '1',
    quiz: quiz === '1' ? 'both' : ['both', 'local', 'downstream'].includes(quiz) ? quiz : null,
  };
}

/**
 * A permalink with the lesson keys: `query` is encodeState's; when the view is the slide's own
 * source (`onSlide`), the source keys go (the slide holds them) and step, check, chain stay.
 */
export function encodeLesson(query, { lesson = null, slide = 1, present = false, quiz = null, onSlide = false } = {}) {
  const q = new URLSearchParams(query);
  for (const k of LESSON_KEYS) q.delete(k);
  if (lesson && onSlide) {
    for (const k of [...q.keys()]) if (k === 'expr' || k.startsWith(INPUT_PREFIX) || k.startsWith('opt.')) q.delete(k);
  }
  const head = new URLSearchParams();
  if (lesson) {
    head.set('lesson', lesson);
    head.set('slide', String(slide));
  }
  if (present) head.set('present', '1');
  if (quiz) head.set('quiz', quiz === 'both' ? '1' : quiz);
  const a = head.toString();
  const b = q.toString();
  return a && b ? `${a}&${b}` : a || b;
}
