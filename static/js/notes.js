// The speaker-notes window (notes.html): follows the explorer window of the same browser over a
// BroadcastChannel (no server round trip). Shows the slide's notes, the current step with its
// numbers and the next step; its buttons and the clicker's keys drive the main window.
import { keyCommand, NOTES_CHANNEL } from './logic/presenter.js';

const $ = (sel) => document.querySelector(sel);
const channel = new BroadcastChannel(NOTES_CHANNEL);

function render(m) {
  $('[data-notes-lesson]').textContent = m.lesson
    ? `${m.lesson.title} · slide ${m.slide.n} of ${m.slide.count}`
    : 'No lesson open: the explorer window shows its own graph.';
  $('[data-notes-slide]').textContent = m.slide?.title ?? '';
  $('[data-notes-body]').textContent = m.slide?.notes?.trim() || '(no notes for this slide)';
  $('[data-notes-phase]').textContent = m.step ? `${m.step.phase} · step ${m.step.position} of ${m.step.last}` : '';
  $('[data-notes-sentence]').textContent = m.step?.sentence ?? '';
  const list = $('[data-notes-numbers]');
  list.replaceChildren(...(m.step?.numbers ?? []).map((line) => {
    const li = document.createElement('li');
    li.textContent = line;
    return li;
  }));
  $('[data-notes-next-phase]').textContent = m.next?.phase ?? '';
  $('[data-notes-next]').textContent = m.next?.sentence ?? '';
  $('[data-notes-blank]').setAttribute('aria-pressed', String(!!m.blank));
  document.body.dataset.position = m.step ? String(m.step.position) : '';
  document.body.dataset.slide = m.slide ? String(m.slide.n) : '';
}

channel.onmessage = (ev) => {
  if (ev.data?.type === 'state') render(ev.data);
};
document.addEventListener('click', (ev) => {
  const btn = ev.target.closest('[data-notes-command]');
  if (btn) channel.postMessage({ type: 'command', command: btn.dataset.notesCommand });
});
document.addEventListener('keydown', (ev) => {
  if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const extra = { ArrowRight: 'forward', ArrowLeft: 'backward' };
  const command = keyCommand(ev.key) ?? extra[ev.key];
  if (!command || command === 'fullscreen') return; // full screen is the main window's
  channel.postMessage({ type: 'command', command });
  ev.preventDefault();
});
channel.postMessage({ type: 'hello' });
document.body.dataset.ready = '1';
