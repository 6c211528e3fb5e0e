// Zoom and pan arithmetic for the graph: a transform {k, x, y} maps graph units to screen
// pixels as screen = graph * k + (x, y). Pure: no DOM.

export const MIN_ZOOM = 0.08;
export const MAX_ZOOM = 2.5;

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/** The transform that shows the whole graph centred, never enlarged past `maxK`. */
export function fitTransform(contentW, contentH, viewW, viewH, { pad = 16, maxK = 1.1, minK = MIN_ZOOM } = {}) {
  if (!contentW || !contentH || !viewW || !viewH) return { k: 1, x: 0, y: 0 };
  const k = clamp(Math.min((viewW - 2 * pad) / contentW, (viewH - 2 * pad) / contentH), minK, maxK);
  // too wide to fit at a readable size (a phone): start at the left, where the inputs are
  const x = contentW * k <= viewW ? (viewW - contentW * k) / 2 : pad;
  const y = contentH * k <= viewH ? (viewH - contentH * k) / 2 : pad;
  return { k, x, y };
}

/** The smallest zoom that keeps node text readable (the Fit button may go smaller). */
export function readableZoom(viewW) {
  return viewW < 560 ? 0.62 : 0.45;
}

/** Zoom by `factor` keeping the screen point (px, py) fixed. */
export function zoomAt(t, factor, px, py) {
  const k = clamp(t.k * factor, MIN_ZOOM, MAX_ZOOM);
  const r = k / t.k;
  return { k, x: px - (px - t.x) * r, y: py - (py - t.y) * r };
}

export function panBy(t, dx, dy) {
  return { k: t.k, x: t.x + dx, y: t.y + dy };
}

/** A transform that brings the box {x, y, width, height} (centre x, y) into view, or null. */
export function ensureVisible(t, box, viewW, viewH, margin = 24) {
  const left = (box.x - box.width / 2) * t.k + t.x;
  const right = (box.x + box.width / 2) * t.k + t.x;
  const top = (box.y - box.height / 2) * t.k + t.y;
  const bottom = (box.y + box.height / 2) * t.k + t.y;
  if (left >= margin && right <= viewW - margin && top >= margin && bottom <= viewH - margin) return null;
  return { k: t.k, x: viewW / 2 - box.x * t.k, y: viewH / 2 - box.y * t.k };
}
