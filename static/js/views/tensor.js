// A value or gradient on screen: a number, a small matrix with a colour scale, or, when large,
// its shape and a summary.
import { formatNumber, formatShape } from '../logic/format.js';
import { asRows, cellColour, isSmall, maxAbs, shapeOf, summarize } from '../logic/tensor.js';
import { h } from './dom.js';

export function renderValue(value, { kind = 'value', label = null } = {}) {
  if (!Array.isArray(value)) {
    return h('span', { class: ['num', kind === 'grad' && 'num-grad'] }, formatNumber(value));
  }
  const shape = shapeOf(value);
  if (isSmall(shape)) return renderMatrix(value, shape, kind, label);
  const sum = summarize(value);
  return h('span', { class: 'tensor-summary', data: { shape: shape.join('x') } },
    h('span', { class: 'shape' }, formatShape(shape)),
    ` min ${formatNumber(sum.min)} · mean ${formatNumber(sum.mean)} · max ${formatNumber(sum.max)}`,
    sum.nonfinite ? ` · ${sum.nonfinite} non-finite` : '');
}

function renderMatrix(value, shape, kind, label) {
  const rows = asRows(value);
  const scale = maxAbs(value);
  const table = h('table', {
    class: ['matrix', kind === 'grad' && 'matrix-grad'],
    data: { shape: shape.join('x') },
    'aria-label': `${label ? `${label}: ` : ''}${formatShape(shape)} ${kind === 'grad' ? 'gradient' : 'tensor'}`,
  });
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr');
    for (const x of row) {
      const td = h('td', {}, formatNumber(x, { digits: 3 }));
      td.style.background = cellColour(x, scale);
      tr.append(td);
    }
    body.append(tr);
  }
  table.append(body);
  return h('span', { class: 'tensor' }, table, h('span', { class: 'shape-tag' }, formatShape(shape)));
}
