// The text of an input field <-> the JSON value the service takes. Pure: no DOM.
// Accepted: a number, NaN / Infinity / -Infinity (or inf), or nested lists of those.

const WORDS = { nan: 'NaN', inf: 'Infinity', '+inf': 'Infinity', '-inf': '-Infinity',
  infinity: 'Infinity', '+infinity': 'Infinity', '-infinity': '-Infinity' };

/** Parse field text: {ok: true, value} or {ok: false, error}. */
export function parseInputText(text) {
  const s = String(text ?? '').trim();
  if (s === '') return { ok: false, error: 'enter a number or a list such as [1, 2]' };
  const word = WORDS[s.toLowerCase()];
  if (word) return { ok: true, value: word };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return { ok: true, value: Number(s) };
  if (s.startsWith('[')) {
    // bare NaN / Infinity tokens become the service's strings before JSON.parse
    const json = s.replace(/(-?)\b(nan|inf(?:inity)?)\b/gi, (_, sign, w) =>
      `"${w.toLowerCase() === 'nan' ? 'NaN' : `${sign}Infinity`}"`);
    let value;
    try {
      value = JSON.parse(json);
    } catch {
      return { ok: false, error: 'not a valid list: use brackets and commas, e.g. [[1, 2], [3, 4]]' };
    }
    const problem = checkNested(value);
    return problem ? { ok: false, error: problem } : { ok: true, value };
  }
  return { ok: false, error: `"${s}" is not a number` };
}

function checkNested(v) {
  if (!Array.isArray(v)) {
    return typeof v === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(v)
      ? null : 'lists may hold only numbers';
  }
  if (v.length === 0) return 'empty lists have no values';
  const shapes = new Set(v.map((x) => JSON.stringify(shape(x))));
  if (shapes.size > 1) return 'rows must all have the same length';
  for (const x of v) {
    const p = checkNested(x);
    if (p) return p;
  }
  return null;
}

function shape(v) {
  return Array.isArray(v) ? [v.length, ...shape(v[0])] : [];
}

/** A value as field text: 0 -> "0", [[1, 2], [3, 4]] -> "[[1, 2], [3, 4]]". */
export function formatInputValue(v) {
  if (Array.isArray(v)) return `[${v.map(formatInputValue).join(', ')}]`;
  if (typeof v === 'string') return v;
  return String(v);
}

/** The default text for a newly detected input. */
export const DEFAULT_INPUT = '1';
