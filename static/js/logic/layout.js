// Layout adaptation: the trace -> a left-to-right layered layout (dagre) -> boxes and edge
// curves in SVG user units. Pure: dagre computes coordinates and touches no DOM; text widths
// are estimated from character counts so laying out never forces a browser reflow. dagre is
// passed in (the page imports it from /vendor/, the Node tests from node_modules/), so this
// module imports nothing by URL.
import { formatNumber, formatShape } from './format.js';
import { opTitle } from './names.js';

export const NODE_HEIGHT = 58;
const CHAR = { label: 7.6, value: 6.9 };
const PAD_X = 14;
const MIN_WIDTH = 64;
const EDGE_LABEL = { width: 46, height: 16 };

/** The text a node shows: its op title or name, and its forward value. */
export function nodeText(node, ops = {}, fansOut = false) {
  let label = node.label;
  if (node.name && node.inputs.length) label = `${node.name} = ${opTitle(node.op, ops)}`;
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

// Edges that span many layers are what make a layered layout slow: each becomes a chain of
// dummy nodes that every ordering sweep moves (a shared weight used by 100 layers of a
// recurrence is ~10,000 dummies and dagre needs seconds). So: layers are fixed up front
// ("as late as possible": each node just left of its nearest consumer, which is what an
// expression tree wants), the longest edges are left out of dagre until the dummies fit a
// budget, and those are drawn afterwards as plain curves. Small graphs keep every edge.
const DUMMY_BUDGET = 400;
const ALWAYS_KEPT_SPAN = 2;

/** Layer of each node, as late as possible: the output rightmost, each node one left of its nearest consumer. */
export function layers(trace) {
  const consumers = new Map();
  for (const e of trace.edges) {
    if (!consumers.has(e.source)) consumers.set(e.source, []);
    consumers.get(e.source).push(e.target);
  }
  const rank = new Map();
  let min = 0;
  for (let i = trace.forward.length - 1; i >= 0; i -= 1) {
    const id = trace.forward[i];
    const cs = consumers.get(id);
    let r = 0;
    if (cs) {
      r = Infinity;
      for (const c of cs) r = Math.min(r, rank.get(c) - 1);
    }
    rank.set(id, r);
    if (r < min) min = r;
  }
  for (const [id, r] of rank) rank.set(id, r - min);
  return rank;
}

/** The edges dagre lays out: all of them unless their dummy nodes would pass the budget. */
export function keptEdges(trace, rank, budget = DUMMY_BUDGET) {
  const spans = trace.edges.map((e) => ({ e, span: rank.get(e.target) - rank.get(e.source) }));
  let dummies = spans.reduce((acc, x) => acc + x.span - 1, 0);
  const kept = new Set(trace.edges.map((e) => e.id));
  if (dummies <= budget) return kept;
  spans.sort((a, b) => b.span - a.span);
  for (const { e, span } of spans) {
    if (dummies <= budget || span <= ALWAYS_KEPT_SPAN) break;
    kept.delete(e.id);
    dummies -= span - 1;
  }
  return kept;
}

/**
 * Lay the graph out left to right: inputs on the left, the output on the right.
 * @param {object} options.dagre the @dagrejs/dagre module ({graphlib, layout})
 * @param {object} options.ops GET /api/ops by name, for the op titles
 * @returns {{nodes: Map, edges: Map, width: number, height: number, ms: number, dropped: number}}
 */
export function layoutTrace(trace, { dagre, ops = {} }) {
  const t0 = performance.now();
  const g = new dagre.graphlib.Graph({ multigraph: true });
  const big = trace.nodes.length > 150;
  const rank = layers(trace);
  const kept = keptEdges(trace, rank);
  g.setGraph({
    rankdir: 'LR',
    nodesep: big ? 14 : 22,
    ranksep: big ? 30 : 40,
    edgesep: 10,
    marginx: 16,
    marginy: 16,
    // our layers; dagre doubles every edge's length to make room for edge labels
    ranker: (lg) => {
      for (const v of lg.nodes()) lg.node(v).rank = rank.has(v) ? 2 * rank.get(v) : -1;
    },
  });
  const texts = new Map();
  const fans = new Set((trace.fanout ?? []).map((f) => f.node));
  for (const n of trace.nodes) {
    const text = nodeText(n, ops, fans.has(n.id));
    texts.set(n.id, text);
    g.setNode(n.id, nodeSize(text));
  }
  for (const e of trace.edges) {
    if (!kept.has(e.id)) continue;
    // room for the gradient label only on edges that will carry one
    const label = e.downstream === null ? { width: 0, height: 0 } : { ...EDGE_LABEL };
    g.setEdge(e.source, e.target, { ...label, labelpos: 'c' }, e.id);
  }
  dagre.layout(g);

  const nodes = new Map();
  for (const n of trace.nodes) {
    const d = g.node(n.id);
    nodes.set(n.id, { x: d.x, y: d.y, width: d.width, height: d.height, text: texts.get(n.id) });
  }
  const edges = new Map();
  for (const e of trace.edges) {
    if (kept.has(e.id)) {
      const d = g.edge(e.source, e.target, e.id);
      const mid = d.points[Math.floor(d.points.length / 2)];
      edges.set(e.id, { points: d.points, path: curvePath(d.points), label: { x: d.x ?? mid.x, y: d.y ?? mid.y }, long: false });
    } else {
      edges.set(e.id, longEdge(nodes.get(e.source), nodes.get(e.target)));
    }
  }
  const { width, height } = g.graph();
  return { nodes, edges, width, height, ms: performance.now() - t0, dropped: trace.edges.length - kept.size };
}

/** A long edge left out of dagre: a smooth curve from the source's right side to the target's left. */
function longEdge(a, b) {
  const x1 = a.x + a.width / 2;
  const y1 = a.y;
  const x2 = b.x - b.width / 2;
  const y2 = b.y;
  const dx = Math.max(40, (x2 - x1) / 3);
  const f = (v) => Math.round(v * 10) / 10;
  const points = [{ x: x1, y: y1 }, { x: x2, y: y2 }];
  return {
    points,
    path: `M${f(x1)},${f(y1)}C${f(x1 + dx)},${f(y1)},${f(x2 - dx)},${f(y2)},${f(x2)},${f(y2)}`,
    // the label sits near the target, where the curve is its own
    label: { x: x2 - Math.min(60, (x2 - x1) / 4), y: y2 + (y1 - y2) * 0.06 },
    long: true,
  };
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
