// Number formatting for the page: short, exact-looking, and the same everywhere.
// Pure: no DOM. Non-finite values arrive from the service as "NaN", "Infinity", "-Infinity".

export const MINUS = '\u2212'; // a real minus sign for display; narration keeps ASCII '-'
export const TIMES = '\u00d7';

const NONFINITE = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A JSON number or one of the three non-finite strings, as a JS number. */
export function toNumber(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in NONFINITE) return NONFINITE[v];
  return Number(v);
}

/**
 * Format one number with about `digits` significant digits, trailing zeros dropped.
 * formatNumber(0.25) -> "0.25"; formatNumber(-0) -> "0"; formatNumber(1e-7) -> "1e−7".
 */
export function formatNumber(v, { digits = 4, ascii = false } = {}) {
  const x = toNumber(v);
  const minus = ascii ? '-' : MINUS;
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return ascii ? 'Infinity' : '\u221e';
  if (x === -Infinity) return ascii ? '-Infinity' : `${minus}\u221e`;
  if (x === 0) return '0'; // also -0: "-0" confuses more than it teaches
  const ax = Math.abs(x);
  let s;
  if (Number.isInteger(x) && ax < 1e6) s = String(ax);
  else if (ax >= 1e-3 && ax < 1e5) s = stripZeros(ax.toPrecision(digits));
  else {
    const [m, e] = ax.toExponential(digits - 1).split('e');
    const exp = Number(e);
    s = `${stripZeros(m)}e${exp < 0 ? minus : ''}${Math.abs(exp)}`;
  }
  if (s === '0') return '0';
  return x < 0 ? minus + s : s;
}

function stripZeros(s) {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A shape as text: [] -> "scalar", [2, 3] -> "2×3". */
export function formatShape(shape, { ascii = false } = {}) {
  if (!shape || shape.length === 0) return 'scalar';
  return shape.join(ascii ? 'x' : TIMES);
}

/** Relative error as a short percentage-free figure: 2.3e−11, or "0". */
export function formatError(v, opts = {}) {
  const x = toNumber(v);
  if (x === 0) return '0';
  return formatNumber(x, { digits: 2, ...opts });
}
