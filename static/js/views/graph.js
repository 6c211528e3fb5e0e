// The computational graph: an SVG drawn once per trace, then updated in place as the timeline
// moves (only the nodes and edges that change are touched). Zoom with the wheel, pinch or the
// buttons; pan by dragging.
import * as dagre from '../../vendor/@dagrejs/dagre/dist/dagre.esm.js';
import { formatNumber, formatShape } from '../logic/format.js';
import { layoutTrace, valueText } from '../logic/layout.js';
import { shapeOf } from '../logic/tensor.js';
import { changedBetween, focusAt, gradientAt } from '../logic/timeline.js';
import { ensureVisible, fitTransform, panBy, readableZoom, zoomAt } from '../logic/viewport.js';
import { clear, s } from './dom.js';

/** Bind the stage's zoom and pan; returns the view object the render functions take. */
export function mountGraph(stage, { onNodeClick } = {}) {
  const view = {
    stage,
    svg: null,
    viewport: null,
    layout: null,
    nodeEls: new Map(),
    edgeEls: new Map(),
    focus: { nodes: [], edges: [], current: null },
    t: { k: 1, x: 0, y: 0 },
    userMoved: false,
    trace: null,
    size: null, // the stage's size, kept by a ResizeObserver so stepping never forces a reflow
  };
  const apply = () => {
    if (view.viewport) view.viewport.setAttribute('transform', `translate(${view.t.x},${view.t.y}) scale(${view.t.k})`);
  };
  view.apply = apply;
  view.setTransform = (t, byUser = false) => {
    view.t = t;
    if (byUser) view.userMoved = true;
    apply();
  };

  stage.addEventListener('wheel', (ev) => {
    if (!view.layout) return;
    ev.preventDefault();
    const r = stage.getBoundingClientRect();
    const factor = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.0015));
    view.setTransform(zoomAt(view.t, factor, ev.clientX - r.left, ev.clientY - r.top), true);
  }, { passive: false });

  const pointers = new Map();
  let pinch = null;
  let moved = false;
  stage.addEventListener('pointerdown', (ev) => {
    if (!view.layout || ev.button > 0) return;
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    moved = false;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { d: Math.hypot(a.x - b.x, a.y - b.y) };
    }
  });
  stage.addEventListener('pointermove', (ev) => {
    const p = pointers.get(ev.pointerId);
    if (!p) return;
    const dx = ev.clientX - p.x;
    const dy = ev.clientY - p.y;
    if (!moved && Math.hypot(dx, dy) < 3) return;
    if (!moved) stage.setPointerCapture(ev.pointerId);
    moved = true;
    stage.classList.add('is-panning');
    if (pointers.size === 2 && pinch) {
      pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      const r = stage.getBoundingClientRect();
      view.setTransform(zoomAt(view.t, d / pinch.d, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top), true);
      pinch.d = d;
      return;
    }
    pointers.set(ev.pointerId, { x: ev.clientX, y: ev.clientY });
    view.setTransform(panBy(view.t, dx, dy), true);
  });
  const up = (ev) => {
    pointers.delete(ev.pointerId);
    if (pointers.size < 2) pinch = null;
    if (!pointers.size) stage.classList.remove('is-panning');
  };
  stage.addEventListener('pointerup', (ev) => {
    const wasMove = moved;
    up(ev);
    if (wasMove) return;
    const g = ev.target.closest?.('[data-node]');
    if (g && onNodeClick) onNodeClick(g.dataset.node);
  });
  stage.addEventListener('pointercancel', up);
  stage.addEventListener('keydown', (ev) => {
    if (ev.key === '+' || ev.key === '=') zoomBy(view, 1.25);
    else if (ev.key === '-' || ev.key === '_') zoomBy(view, 0.8);
    else if (ev.key === '0') fitGraph(view, { whole: true });
    else return;
    ev.preventDefault();
  });
  new ResizeObserver(([entry]) => {
    view.size = { width: entry.contentRect.width, height: entry.contentRect.height };
    sizeSvg(view);
    if (view.layout && !view.userMoved) fitGraph(view);
  }).observe(stage);
  return view;
}

// The SVG gets a fixed pixel size and absolute position: a layout boundary, so text changing
// elsewhere on the page (the caption, the step panel) never re-lays out the whole drawing
// (15 ms for 300 nodes when the SVG was sized in percent).
function sizeSvg(view) {
  if (!view.svg || !view.size) return;
  view.svg.setAttribute('width', String(Math.round(view.size.width)));
  view.svg.setAttribute('height', String(Math.round(view.size.height)));
}

function stageSize(view) {
  if (!view.size) {
    const r = view.stage.getBoundingClientRect();
    view.size = { width: r.width, height: r.height };
  }
  return view.size;
}

export function zoomBy(view, factor) {
  const r = stageSize(view);
  view.setTransform(zoomAt(view.t, factor, r.width / 2, r.height / 2), true);
}

/** Fit the graph to the stage; on a phone, only down to a readable zoom unless `whole`. */
export function fitGraph(view, { whole = false } = {}) {
  if (!view.layout) return;
  const r = stageSize(view);
  view.userMoved = whole;
  // the projector view sets view.minZoom: text stays large, and the view follows the current node
  const minK = whole ? undefined : Math.max(readableZoom(r.width), view.minZoom ?? 0);
  const maxK = Math.max(1.1, minK ?? 0);
  view.setTransform(fitTransform(view.layout.width, view.layout.height, r.width, r.height, { minK, maxK }));
  // larger than the stage at that zoom: keep the current step's node in view
  const current = !whole && view.focus.current && view.nodeEls.get(view.focus.current);
  const t = current && ensureVisible(view.t, current.box, r.width, r.height);
  if (t) view.setTransform(t);
}

/** Lay out and draw a new trace. Returns the layout (with its timing) for the benchmark. */
export function renderGraph(view, state) {
  const { trace } = state;
  const layout = layoutTrace(trace, { dagre, ops: state.ops });
  view.layout = layout;
  view.trace = trace;
  view.nodeEls.clear();
  view.edgeEls.clear();
  view.focus = { nodes: [], edges: [], current: null };

  const edgeLayer = s('g', { class: 'edges' });
  const labelLayer = s('g', { class: 'edge-labels' });
  const nodeLayer = s('g', { class: 'nodes' });
  for (const e of trace.edges) {
    const L = layout.edges.get(e.id);
    const path = s('path', { class: 'edge-line', d: L.path, 'marker-end': 'url(#arrow)' });
    const g = s('g', { class: 'edge', data: { edge: e.id, source: e.source, target: e.target } }, path);
    edgeLayer.append(g);
    const el = { g, label: null, L, e };
    if (e.downstream !== null) {
      const text = Array.isArray(e.downstream) ? `[${formatShape(shapeOf(e.downstream))}]` : formatNumber(e.downstream);
      const w = Math.max(30, text.length * 6.6 + 12);
      el.label = s('g', { class: 'edge-grad', transform: `translate(${L.label.x},${L.label.y})`, data: { edgeGrad: e.id } },
        s('rect', { x: -w / 2, y: -9, width: w, height: 18, rx: 9 }),
        s('text', { 'text-anchor': 'middle', y: 4 }, text));
      labelLayer.append(el.label);
    }
    view.edgeEls.set(e.id, el);
  }
  for (const n of trace.nodes) {
    const box = layout.nodes.get(n.id);
    const kind = n.inputs.length ? 'op' : n.requires_grad ? 'input' : 'const';
    const label = kind === 'const' ? 'const' : box.text.label;
    const value = s('text', { class: 'node-value', x: box.width / 2, y: 35, 'text-anchor': 'middle' }, '');
    const grad = s('text', { class: 'node-grad', x: box.width / 2, y: 51, 'text-anchor': 'middle' }, '');
    const title = s('title', {}, `${n.label}${n.name && n.inputs.length ? '' : ''} (${n.id}), shape ${formatShape(n.shape, { ascii: true })}`);
    const g = s('g', {
      class: ['node', `node-${kind}`, n.id === trace.output && 'node-output'],
      transform: `translate(${box.x - box.width / 2},${box.y - box.height / 2})`,
      data: { node: n.id, op: n.op },
    },
    title,
    s('rect', { width: box.width, height: box.height, rx: 9 }),
    s('text', { class: 'node-label', x: box.width / 2, y: 19, 'text-anchor': 'middle' }, label),
    value, grad);
    nodeLayer.append(g);
    view.nodeEls.set(n.id, { g, value, grad, n, box, valueText: `= ${valueText(n.value, n.shape)}` });
  }
  view.viewport = s('g', { class: 'viewport' }, edgeLayer, labelLayer, nodeLayer);
  const defs = s('defs', {},
    s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
      s('path', { d: 'M0,1.5L9,5L0,8.5z', class: 'arrow-head' })));
  view.svg = s('svg', {
    class: 'graph-svg',
    role: 'img',
    'aria-label': `Computational graph with ${trace.nodes.length} nodes and ${trace.edges.length} edges, inputs on the left, output on the right.`,
    data: { graph: '' },
  }, defs, view.viewport);
  clear(view.stage).append(view.svg);
  stageSize(view);
  sizeSvg(view);
  fitGraph(view);
  return layout;
}

/** Move the drawing to position `to`: values, gradients and highlights. */
export function updateGraph(view, state, { from = 0, to = state.position, fresh = false } = {}) {
  const tl = state.timeline;
  if (!view.layout || !tl) return;
  let values;
  let edges;
  let grads;
  if (fresh) {
    values = [...view.nodeEls.keys()];
    edges = [...view.edgeEls.keys()];
    grads = values;
  } else {
    ({ values, edges, grads } = changedBetween(tl, from, to));
  }
  for (const id of values) {
    const el = view.nodeEls.get(id);
    const on = tl.valueAt.get(id) <= to;
    el.g.classList.toggle('has-value', on);
    el.value.textContent = on ? el.valueText : '…';
  }
  for (const id of edges) {
    const el = view.edgeEls.get(id);
    const on = tl.edgeGradAt.has(id) && tl.edgeGradAt.get(id) <= to;
    el.g.classList.toggle('carries-grad', on);
    el.label?.classList.toggle('is-shown', on);
  }
  for (const id of grads) {
    const el = view.nodeEls.get(id);
    const g = gradientAt(tl, id, to);
    el.g.classList.toggle('has-grad', g.state === 'complete');
    el.g.classList.toggle('has-partial-grad', g.state === 'partial');
    el.grad.textContent = gradText(g);
  }
  // highlights: undo the old focus, apply the new
  const old = view.focus;
  const next = focusAt(tl, to);
  const phase = tl.positions[to].kind;
  for (const id of old.nodes) view.nodeEls.get(id)?.g.classList.remove('is-involved');
  for (const id of old.edges) view.edgeEls.get(id)?.g.classList.remove('is-current', 'is-current-forward', 'is-current-backward');
  for (const id of old.edges) view.edgeEls.get(id)?.label?.classList.remove('is-current');
  if (old.current) view.nodeEls.get(old.current)?.g.classList.remove('is-current', 'is-current-forward', 'is-current-backward');
  for (const id of next.nodes) view.nodeEls.get(id)?.g.classList.add('is-involved');
  for (const id of next.edges) {
    view.edgeEls.get(id)?.g.classList.add('is-current', `is-current-${phase}`);
    view.edgeEls.get(id)?.label?.classList.add('is-current');
  }
  if (next.current) {
    const el = view.nodeEls.get(next.current);
    el.g.classList.add('is-current', `is-current-${phase}`);
    // bring the current node into view when zoomed in on a big graph
    const r = stageSize(view);
    const t = ensureVisible(view.t, el.box, r.width, r.height);
    if (t) view.setTransform(t, view.userMoved);
  }
  view.focus = next;
  view.svg.dataset.phase = phase;
}

function gradText(g) {
  if (g.state === 'none') return '';
  const v = g.value;
  const text = v === null ? '' : Array.isArray(v) ? `[${formatShape(shapeOf(v))}]` : formatNumber(v);
  if (g.state === 'partial') return `grad ${text || '…'} (${g.received}/${g.expected})`;
  return `grad ${text}`;
}
