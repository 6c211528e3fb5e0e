// The step-through without the service: the page's own store and views (graph, timeline, step,
// chain rule) mounted on a trace handed in with the markup, as a notebook shows it
// (backprop_notebook bundles this module with KaTeX and dagre into one output, see its README
// section). Nothing here fetches: the data is a <script type="application/json"
// data-backprop-embed> holding {trace, ops}, the output of engine.trace and engine.describe_ops.
import { selectNode, stepKeys } from './controls.js';
import { EVENTS } from './events.js';
import { Store } from './store.js';
import { mountChain, renderChain, renderChainPosition } from './views/chain.js';
import { h, s } from './views/dom.js';
import { fitGraph, mountGraph, renderGraph, updateGraph, zoomBy } from './views/graph.js';
import { mountStep, renderCheckToggle, renderStep } from './views/step.js';
import { mountTimeline, renderPlaying, renderTimeline, renderTimelinePosition } from './views/timeline.js';

let mounted = 0;

/** Build the panels in `root`, show `trace` at its start; returns the store. */
export function mountEmbed(root, { trace, ops = [] }) {
  const id = (name) => `bpe${mounted}-${name}`;
  mounted += 1;
  const panels = {
    graph: graphPanel(id),
    timeline: timelinePanel(id),
    step: stepPanel(id),
    chain: chainPanel(id),
  };
  root.classList.add('embed');
  root.append(panels.graph, panels.timeline, h('div', { class: 'embed-row' }, panels.step, panels.chain));

  const store = new Store();
  mountTimeline(panels.timeline, store);
  mountStep(panels.step, store);
  mountChain(panels.chain, store);
  const graph = mountGraph(panels.graph.querySelector('[data-graph-stage]'), { onNodeClick: (n) => selectNode(store, n) });
  panels.graph.querySelector('[data-zoom="in"]').addEventListener('click', () => zoomBy(graph, 1.25));
  panels.graph.querySelector('[data-zoom="out"]').addEventListener('click', () => zoomBy(graph, 0.8));
  panels.graph.querySelector('[data-zoom="fit"]').addEventListener('click', () => fitGraph(graph, { whole: true }));
  // the numerical check is shown when the notebook computed it (nothing can be asked for here)
  panels.step.querySelector('.toggle').hidden = !trace.check;

  const on = (type, fn) => store.addEventListener(type, (ev) => fn(store.state, ev.detail ?? {}));
  on(EVENTS.trace, (st) => {
    renderGraph(graph, st);
    renderTimeline(panels.timeline, st);
    renderChain(panels.chain, st);
    renderCheckToggle(panels.step, st);
  });
  on(EVENTS.position, (st, d) => {
    updateGraph(graph, st, d);
    renderTimelinePosition(panels.timeline, st);
    renderStep(panels.step, st);
    renderChainPosition(panels.chain, st);
  });
  on(EVENTS.playing, (st) => renderPlaying(panels.timeline, st));
  on(EVENTS.check, (st) => { renderCheckToggle(panels.step, st); renderStep(panels.step, st); });
  on(EVENTS.chain, (st) => { renderChain(panels.chain, st); renderChainPosition(panels.chain, st); });

  store.show(trace, { ops });
  root.dataset.ready = '1';
  return store;
}

// -- the markup: the page's panels (static/index.html) with the same data-* hooks --------------
function graphPanel(id) {
  const zoom = (dir, label, text) => h('button', { type: 'button', class: 'btn btn-icon', data: { zoom: dir }, title: label }, text);
  return h('section', { class: 'pane pane-graph', data: { panel: 'graph' }, 'aria-label': 'Computational graph' },
    h('div', { class: 'graph-toolbar' },
      h('ul', { class: 'legend', 'aria-label': 'Legend' },
        h('li', {}, h('span', { class: 'swatch swatch-forward' }), 'forward value'),
        h('li', {}, h('span', { class: 'swatch swatch-backward' }), 'gradient'),
        h('li', {}, h('span', { class: 'swatch swatch-current' }), 'current step')),
      h('div', { class: 'zoom', role: 'group', 'aria-label': 'Zoom' },
        zoom('out', 'Zoom out (−)', '−'), zoom('fit', 'Show the whole graph (0)', 'Fit'), zoom('in', 'Zoom in (+)', '+'))),
    h('div', {
      id: id('stage'),
      class: 'graph-stage',
      tabindex: '0',
      role: 'group',
      'aria-label': 'Graph: drag to pan, wheel or + and − to zoom, 0 to fit; arrow keys step',
      data: { graphStage: '' },
    }));
}

const ICONS = {
  reset: 'M3 3h2v10H3zM13 3v10L6 8z',
  prev: 'M12 3v10L5 8z',
  next: 'M4 3v10l7-5z',
  end: 'M11 3h2v10h-2zM3 3v10l7-5z',
  play: 'M4 2.5v11l9-5.5z',
  pause: 'M3.5 3h3v10h-3zM9.5 3h3v10h-3z',
};

function icon(name, extra = '') {
  return s('svg', { class: `icon ${extra}`.trim(), viewBox: '0 0 16 16', 'aria-hidden': 'true', focusable: 'false' },
    s('path', { d: ICONS[name] }));
}

function timelinePanel(id) {
  const button = (act, label, title) => h('button', { type: 'button', class: 'btn btn-icon', data: { action: act }, 'aria-label': label, title }, icon(act));
  return h('section', { class: 'pane pane-timeline', data: { panel: 'timeline' }, 'aria-label': 'Timeline' },
    h('div', { class: 'controls', role: 'group', 'aria-label': 'Step controls' },
      button('reset', 'Reset to the start (Home)', 'Reset (Home)'),
      button('prev', 'Previous step (Left arrow)', 'Previous (←)'),
      h('button', { type: 'button', class: 'btn btn-play', data: { action: 'play' }, 'aria-pressed': 'false', title: 'Play / Pause (Space)' },
        icon('play', 'icon-play'), icon('pause', 'icon-pause'), h('span', { data: { playLabel: '' } }, 'Play')),
      button('next', 'Next step (Right arrow)', 'Next (→)'),
      button('end', 'Jump to the end (End)', 'End (End)')),
    h('label', { class: 'visually-hidden', for: id('slider') }, 'Step'),
    h('input', { id: id('slider'), class: 'slider', type: 'range', min: '0', max: '0', value: '0', step: '1', data: { timelineSlider: '' } }),
    h('p', { class: 'caption', data: { stepCaption: '' }, 'aria-hidden': 'true' },
      h('span', { class: 'caption-phase', data: { captionPhase: '' } }),
      h('span', { class: 'caption-node', data: { captionNode: '' } }),
      h('span', { class: 'caption-count', data: { captionCount: '' } })));
}

function stepPanel(id) {
  return h('section', { class: 'pane pane-step', data: { panel: 'step' }, 'aria-labelledby': id('step-h') },
    h('div', { class: 'pane-head step-head' },
      h('h2', { id: id('step-h'), class: 'step-title', data: { stepTitle: '' } }, 'Step'),
      h('label', { class: 'toggle' },
        h('input', { type: 'checkbox', data: { check: '' } }),
        h('span', {}, 'Numerical check'),
        h('span', { class: 'muted small', data: { checkStatus: '' } }))),
    h('div', { class: 'step-body', data: { stepBody: '' } }),
    h('p', { class: 'narration', data: { narration: '' }, 'aria-live': 'polite' }));
}

function chainPanel(id) {
  return h('section', { class: 'pane pane-chain', data: { panel: 'chain' }, 'aria-labelledby': id('chain-h') },
    h('div', { class: 'pane-head' },
      h('h2', { id: id('chain-h') }, 'Chain rule'),
      h('label', { class: 'inline-label', for: id('chain-input') }, 'for'),
      h('select', { id: id('chain-input'), class: 'select', data: { chainInput: '' } })),
    h('div', { data: { chainBody: '' } }));
}

// -- in a notebook's output frame -----------------------------------------------------------
/** The frame grows with its content, and the "needs JavaScript" note beside it goes away. */
function fitFrame(frame) {
  const note = frame.parentElement?.querySelector('[data-backprop-fallback]');
  if (note) note.hidden = true;
  // the body's own height: the document's scrollHeight is never less than the frame's height
  const fit = () => { frame.style.height = `${Math.ceil(document.body.getBoundingClientRect().height)}px`; };
  new ResizeObserver(fit).observe(document.body);
  fit();
}

const found = [...document.querySelectorAll('script[data-backprop-embed]')];
for (const data of found) {
  const root = h('div', { data: { backprop: '' } });
  data.after(root);
  const store = mountEmbed(root, JSON.parse(data.textContent));
  // the keys: the whole document's when it holds one step-through (a notebook output's frame)
  (found.length === 1 ? document : root).addEventListener('keydown', stepKeys(store));
}
if (found.length && window.frameElement) fitFrame(window.frameElement);
