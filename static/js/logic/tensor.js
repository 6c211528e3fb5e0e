// Tensors as the service sends them (a number or nested lists): shape, flat values, summary,
// and a diverging colour scale for small matrices. Pure: no DOM.
import { toNumber } from './format.js';

/** The value with the non-finite strings turned into numbers. */
export function decode(v) {
  return Array.isArray(v) ? v.map(decode) : toNumber(v);
}

export function shapeOf(v) {
  const shape = [];
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

export function flatten(v, out = []) {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(toNumber(v));
  return out;
}

/** Small enough to draw every element: at most 2-D and at most 8 x 8. */
export function isSmall(shape, { maxRows = 8, maxCols = 8 } = {}) {
  if (shape.length > 2) return false;
  const rows = shape.length === 2 ? shape[0] : 1;
  const cols = shape.length === 0 ? 1 : shape[shape.length - 1];
  return rows <= maxRows && cols <= maxCols;
}

/** min, max, mean, count of non-finite, over all elements. */
export function summarize(v) {
  const xs = flatten(v);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  for (const x of xs) {
    if (!Number.isFinite(x)) continue;
    finite += 1;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return {
    shape: shapeOf(v),
    size: xs.length,
    min: finite ? min : NaN,
    max: finite ? max : NaN,
    mean: finite ? sum / finite : NaN,
    nonfinite: xs.length - finite,
  };
}

/** Largest |x| over the finite elements (0 when none): the colour scale's end. */
export function maxAbs(v) {
  let m = 0;
  for (const x of flatten(v)) if (Number.isFinite(x) && Math.abs(x) > m) m = Math.abs(x);
  return m;
}

/**
 * Background colour for x on a diverging scale: blue for positive, orange for negative,
 * near-white at 0. Light tints only, so dark text on top keeps a 7:1 contrast.
 */
export function cellColour(x, scale) {
  if (!Number.isFinite(x)) return 'hsl(0 0% 88%)';
  if (!scale || x === 0) return 'hsl(0 0% 99%)';
  const t = Math.min(1, Math.abs(x) / scale);
  const light = 99 - 24 * Math.sqrt(t);
  const hue = x > 0 ? 214 : 28;
  const sat = 20 + 60 * t;
  return `hsl(${hue} ${sat.toFixed(0)}% ${light.toFixed(1)}%)`;
}

/** Rows of a value for a matrix display: scalar -> [[x]], vector -> [xs], matrix -> rows. */
export function asRows(v) {
  const d = decode(v);
  if (!Array.isArray(d)) return [[d]];
  if (!Array.isArray(d[0])) return [d];
  return d;
}
