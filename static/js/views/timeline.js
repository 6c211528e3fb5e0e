// The timeline: Reset, Previous, Play/Pause, Next, End, a slider, and where we are.
import { phaseOf } from '../logic/timeline.js';

export function mountTimeline(root, store) {
  root.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-action]');
    if (!btn) return;
    const act = btn.dataset.action;
    if (act === 'reset') store.reset();
    else if (act === 'prev') { store.pause(); store.prev(); }
    else if (act === 'play') store.togglePlay();
    else if (act === 'next') { store.pause(); store.next(); }
    else if (act === 'end') store.end();
  });
  const slider = root.querySelector('[data-timeline-slider]');
  slider.addEventListener('input', () => {
    store.pause();
    store.goTo(Number(slider.value));
  });
}

/** Slider range, its forward/backprop colouring, and the buttons' enabled state. */
export function renderTimeline(root, state) {
  const tl = state.timeline;
  const slider = root.querySelector('[data-timeline-slider]');
  root.toggleAttribute('data-empty', !tl);
  if (!tl) return;
  slider.max = String(tl.last);
  // forward part blue, backprop part amber, on the slider's track
  const pct = (p) => `${((p / Math.max(tl.last, 1)) * 100).toFixed(2)}%`;
  slider.style.setProperty('--fwd-end', pct(tl.backwardStart - 0.5));
  slider.style.setProperty('--bwd-end', pct(tl.last - 0.5));
  renderTimelinePosition(root, state);
}

export function renderTimelinePosition(root, state) {
  const tl = state.timeline;
  if (!tl) return;
  const p = state.position;
  const slider = root.querySelector('[data-timeline-slider]');
  slider.value = String(p);
  const { phase, text } = phaseOf(tl, p);
  const pos = tl.positions[p];
  const node = pos.node ? tl.nodes.get(pos.node) : null;
  const caption = root.querySelector('[data-step-caption]');
  caption.dataset.phase = phase;
  caption.querySelector('[data-caption-phase]').textContent = text;
  caption.querySelector('[data-caption-node]').textContent = node ? node.label : '';
  caption.querySelector('[data-caption-count]').textContent = `${p} / ${tl.last}`;
  slider.setAttribute('aria-valuetext', `${text}${node ? `: ${node.label}` : ''}`);
  // aria-disabled, not disabled: a focused button that became useless keeps the focus
  const off = (act, yes) => root.querySelector(`[data-action="${act}"]`).setAttribute('aria-disabled', yes ? 'true' : 'false');
  off('prev', p <= 0);
  off('reset', p <= 0);
  off('next', p >= tl.last);
  off('end', p >= tl.last);
}

export function renderPlaying(root, state) {
  const btn = root.querySelector('[data-action="play"]');
  btn.setAttribute('aria-pressed', state.playing ? 'true' : 'false');
  btn.querySelector('[data-play-label]').textContent = state.playing ? 'Pause' : 'Play';
  btn.dataset.playing = state.playing ? '1' : '0';
}
