// Wiring: which store event re-renders which view, the global keys, and the permalink.
import { EVENTS } from './events.js';
import { decodeState } from './logic/urlstate.js';
import { Store } from './store.js';
import { mountChain, renderChain, renderChainPosition } from './views/chain.js';
import {
  mountEditor, renderEdited, renderError, renderInputs, renderPresets, renderRunStatus, renderSource,
  renderSourceFocus, renderStale, renderWarnings,
} from './views/editor.js';
import { fitGraph, mountGraph, renderGraph, updateGraph, zoomBy } from './views/graph.js';
import { mountStep, renderCheckToggle, renderStep } from './views/step.js';
import { mountTimeline, renderPlaying, renderTimeline, renderTimelinePosition } from './views/timeline.js';
import { joinFromUrl, Live } from './live.js';
import { mountLive, renderLive } from './views/live.js';

const URL_DELAY_MS = 120; // browsers throttle rapid history updates; stepping can be faster
const $ = (sel) => document.querySelector(sel);

const store = new Store();
const panels = {
  source: $('[data-panel="source"]'),
  graph: $('[data-panel="graph"]'),
  timeline: $('[data-panel="timeline"]'),
  step: $('[data-panel="step"]'),
  chain: $('[data-panel="chain"]'),
};
// figures for the page benchmark (bench/bench_page.py): one record per graph drawn
const timings = { draws: [] };

mountEditor(panels.source, store);
mountTimeline(panels.timeline, store);
mountStep(panels.step, store);
mountChain(panels.chain, store);
const graph = mountGraph(panels.graph.querySelector('[data-graph-stage]'), { onNodeClick });
panels.graph.querySelector('[data-zoom="in"]').addEventListener('click', () => zoomBy(graph, 1.25));
panels.graph.querySelector('[data-zoom="out"]').addEventListener('click', () => zoomBy(graph, 0.8));
panels.graph.querySelector('[data-zoom="fit"]').addEventListener('click', () => fitGraph(graph, { whole: true }));

// -- events -> views ------------------------------------------------------------------------
const on = (type, fn) => store.addEventListener(type, (ev) => fn(store.state, ev.detail ?? {}));

on(EVENTS.examples, (s) => renderPresets(panels.source, s));
on(EVENTS.source, (s) => renderSource(panels.source, s));
on(EVENTS.edited, (s) => renderEdited(panels.source, s));
on(EVENTS.parsed, (s, d) => {
  if (!d.error) {
    renderInputs(panels.source, s);
    renderStale(panels.source, s);
    renderWarnings(panels.source, s);
  }
  renderError(panels.source, s);
});
on(EVENTS.status, (s) => {
  renderRunStatus(panels.source, s);
  renderError(panels.source, s);
  renderCheckToggle(panels.step, s);
  document.body.dataset.status = s.status;
});
on(EVENTS.trace, (s, d) => {
  const t0 = d.receivedAt;
  const layout = renderGraph(graph, s);
  renderInputs(panels.source, s);
  renderWarnings(panels.source, s);
  renderStale(panels.source, s);
  renderTimeline(panels.timeline, s);
  renderChain(panels.chain, s);
  renderCheckToggle(panels.step, s);
  const record = { nodes: s.trace.nodes.length, layoutMs: layout.ms, drawnMs: 0, paintedMs: 0 };
  timings.draws.push(record);
  queueMicrotask(() => { record.drawnMs = performance.now() - t0; });
  requestAnimationFrame(() => setTimeout(() => { record.paintedMs = performance.now() - t0; }, 0));
});
on(EVENTS.position, (s, d) => {
  updateGraph(graph, s, d);
  renderTimelinePosition(panels.timeline, s);
  renderStep(panels.step, s);
  renderChainPosition(panels.chain, s);
  renderSourceFocus(panels.source, s);
});
on(EVENTS.playing, (s) => renderPlaying(panels.timeline, s));
on(EVENTS.check, (s) => { renderCheckToggle(panels.step, s); renderStep(panels.step, s); });
on(EVENTS.chain, (s) => { renderChain(panels.chain, s); renderChainPosition(panels.chain, s); });

let urlTimer = 0;
on(EVENTS.url, () => {
  if (live.active) return; // the address holds the join link (and the presenter's token)
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const q = store.permalink();
    if (q && `?${q}` !== window.location.search) window.history.replaceState(null, '', `?${q}`);
  }, URL_DELAY_MS);
});

function onNodeClick(id) {
  const { timeline: tl, position } = store.state;
  if (!tl) return;
  store.pause();
  const node = tl.nodes.get(id);
  if (!node.inputs.length && node.grad !== null) store.setChain(node.name ?? node.id);
  if (position >= tl.backwardStart && tl.backwardPos.has(id)) store.goTo(tl.backwardPos.get(id));
  else if (tl.forwardPos.has(id)) store.goTo(tl.forwardPos.get(id));
}

// -- keys: Right / Left step, Space plays, Home / End jump ------------------------------------
document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const t = ev.target instanceof Element ? ev.target : document.body;
  if (t.closest('input, textarea, select, [contenteditable="true"]')) return; // their own keys
  switch (ev.key) {
    case 'ArrowRight': store.pause(); store.next(); break;
    case 'ArrowLeft': store.pause(); store.prev(); break;
    case 'Home': store.reset(); break;
    case 'End': store.end(); break;
    case ' ':
      if (t.closest('button, a[href], summary')) return; // Space presses a focused button
      store.togglePlay();
      break;
    default: return;
  }
  ev.preventDefault();
});

// -- share ----------------------------------------------------------------------------------
$('[data-action="copy-link"]').addEventListener('click', async () => {
  const status = $('[data-copy-status]');
  const q = store.permalink();
  const url = `${window.location.origin}${window.location.pathname}${q ? `?${q}` : ''}`;
  window.history.replaceState(null, '', q ? `?${q}` : window.location.pathname);
  try {
    await navigator.clipboard.writeText(url);
    status.textContent = 'Link copied';
  } catch {
    status.textContent = 'Copy the address bar: it holds this view';
  }
  setTimeout(() => { status.textContent = ''; }, 2500);
});

// -- start: a permalink, else the first example (the post's sigmoid) -------------------------
async function start() {
  await store.loadReference();
  const joining = joinFromUrl();
  if (joining && await live.join(joining.id, joining.token)) {
    document.body.dataset.ready = '1';
    return;
  }
  const restored = decodeState(window.location.search);
  if (restored) {
    await store.restore(restored);
  } else if (store.state.examples.length) {
    await store.applyExample(store.state.examples[0].id);
  } else {
    store.setSource({ expression: '1/(1+exp(-z))', inputs: { z: '0' } });
    await store.runTyped();
  }
  document.body.dataset.ready = '1';
}

// -- live class sessions (static/js/live.js, views/live.js) ---------------------------------
const live = new Live(store);
const livePanel = $('[data-live]');
const liveStart = $('[data-action="live-start"]');
mountLive(livePanel, live);
const renderLiveBar = () => {
  renderLive(livePanel, live, store);
  liveStart.hidden = live.active;
};
live.addEventListener('live', renderLiveBar);
store.addEventListener(EVENTS.position, () => { renderLiveBar(); live.presenterChanged(); });
store.addEventListener(EVENTS.trace, () => live.presenterChanged());
liveStart.addEventListener('click', () => live.start());

// The one debugging hook (docs/page.md): the store and the drawing timings, for the browser
// tests, bench/bench_page.py and the devtools console. Nothing in the page reads it.
window.backprop = { store, timings, live };
start();
