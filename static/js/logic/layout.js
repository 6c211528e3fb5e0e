// Layout adaptation: the trace -> a left-to-right layered layout (dagre) -> boxes and edge
// curves in SVG user units. Pure: dagre computes coordinates and touches no DOM; text widths
// are estimated from character counts so laying out never forces a browser reflow.
import { graphlib, layout as dagreLayout } from '/vendor/@dagrejs/dagre/dist/dagre.esm.js';
import { formatNumber, formatShape } from './format.js';

export const NODE_HEIGHT = 58;
const CHAR = { label: 7.6, value: 6.9 };
const PAD_X = 14;
const MIN_WIDTH = 64;
const EDGE_LABEL = { width: 46, height: 16 };

/** The text a node shows: its op title or name, and its forward value. */
export function nodeText(node, opTitles = {}, fansOut = false) {
  let label = node.label;
  if (node.name && node.inputs.length) label = `${node.name} = ${opTitles[node.op] ?? node.op}`;
  const grad = node.grad === null ? '' : `grad ${valueText(node.grad, node.shape)}${fansOut ? ' (1/2)' : ''}`;
  return { label, value: valueText(node.value, node.shape), grad };
}

/** A value in one short line: "0.5", "[1, 2]" or "[3×4]". */
export function valueText(value, shape = []) {
  if (!Array.isArray(value)) return formatNumber(value);
  if (shape.length === 1 && shape[0] <= 3) return `[${value.map((v) => formatNumber(v, { digits: 3 })).join(', ')}]`;
  return `[${formatShape(shape)}]`;
}

export function nodeSize(text) {
  const w = Math.max(text.label.length * CHAR.label, (text.value.length + 2) * CHAR.value,
    text.grad.length * CHAR.value, 9 * CHAR.value);
  return { width: Math.max(MIN_WIDTH, Math.ceil(w + 2 * PAD_X)), height: NODE_HEIGHT };
}

/**
 * Lay the graph out left to right: inputs on the left, the output on the right.
 * @returns {{nodes: Map, edges: Map, width: number, height: number, ms: number}}
 */
export function layoutTrace(trace, { opTitles = {} } = {}) {
  const t0 = performance.now();
  const g = new graphlib.Graph({ multigraph: true });
  const big = trace.nodes.length > 150;
  g.setGraph({
    rankdir: 'LR',
    nodesep: big ? 14 : 22,
    ranksep: big ? 30 : 40,
    edgesep: 10,
    marginx: 16,
    marginy: 16,
    // network-simplex gives the shortest edges; tight-tree is close and much faster when big
    ranker: big ? 'tight-tree' : 'network-simplex',
  });
  const texts = new Map();
  const fans = new Set((trace.fanout ?? []).map((f) => f.node));
  for (const n of trace.nodes) {
    const text = nodeText(n, opTitles, fans.has(n.id));
    texts.set(n.id, text);
    g.setNode(n.id, nodeSize(text));
  }
  for (const e of trace.edges) {
    // room for the gradient label only on edges that will carry one
    const label = e.downstream === null ? { width: 0, height: 0 } : { ...EDGE_LABEL };
    g.setEdge(e.source, e.target, { ...label, labelpos: 'c' }, e.id);
  }
  dagreLayout(g);

  const nodes = new Map();
  for (const n of trace.nodes) {
    const d = g.node(n.id);
    nodes.set(n.id, { x: d.x, y: d.y, width: d.width, height: d.height, text: texts.get(n.id) });
  }
  const edges = new Map();
  for (const e of trace.edges) {
    const d = g.edge(e.source, e.target, e.id);
    const points = d.points;
    edges.set(e.id, {
      points,
      path: curvePath(points),
      label: { x: d.x ?? points[Math.floor(points.length / 2)].x, y: d.y ?? points[Math.floor(points.length / 2)].y },
    });
  }
  const { width, height } = g.graph();
  return { nodes, edges, width, height, ms: performance.now() - t0 };
}

/** A smooth cubic B-spline through dagre's points (the curve d3's curveBasis draws). */
export function curvePath(points) {
  const f = (v) => Math.round(v * 10) / 10;
  let d = '';
  let x0 = 0;
  let y0 = 0;
  let x1 = 0;
  let y1 = 0;
  const bezier = (x, y) => {
    d += `C${f((2 * x0 + x1) / 3)},${f((2 * y0 + y1) / 3)},${f((x0 + 2 * x1) / 3)},`
      + `${f((y0 + 2 * y1) / 3)},${f((x0 + 4 * x1 + x) / 6)},${f((y0 + 4 * y1 + y) / 6)}`;
  };
  points.forEach(({ x, y }, i) => {
    if (i === 0) d += `M${f(x)},${f(y)}`;
    else if (i >= 2) {
      if (i === 2) d += `L${f((5 * x0 + x1) / 6)},${f((5 * y0 + y1) / 6)}`;
      bezier(x, y);
    }
    x0 = x1; x1 = x; y0 = y1; y1 = y;
  });
  if (points.length >= 3) bezier(x1, y1);
  if (points.length >= 2) d += `L${f(x1)},${f(y1)}`;
  return d;
}
