// The live session's bar: join code, link and QR code, the connection, follow / explore, and
// the poll (the presenter asks and reveals, students answer). Render functions of `live.state`
// (static/js/live.js) and the store's timeline; user-visible text goes in through textContent.
import { formatNumber } from '../logic/format.js';
import { clear, h } from './dom.js';

const ROLE_TEXT = {
  presenter: 'You are presenting: the class follows your steps',
  following: 'Following the presenter',
  exploring: 'Exploring on my own',
};
const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  open: 'Connected',
  lost: 'Connection lost: reconnecting…',
  refused: 'Refused: retrying…',
  ended: 'Session ended',
};

/** Build the bar once; `live` gets the clicks. */
export function mountLive(root, live) {
  const dialog = h('dialog', { class: 'live-dialog', data: { liveDialog: '' }, 'aria-labelledby': 'live-dialog-h' },
    h('h2', { id: 'live-dialog-h', class: 'live-dialog-title' }, 'Join the live session'),
    h('p', { class: 'live-dialog-code', data: { liveBigCode: '' } }),
    h('img', { class: 'live-qr', data: { liveQr: '' }, alt: 'QR code of the join link' }),
    h('p', { class: 'live-dialog-link', data: { liveBigLink: '' } }),
    h('form', { method: 'dialog' }, h('button', { class: 'btn btn-primary', type: 'submit' }, 'Close')));
  root.replaceChildren(
    h('div', { class: 'live-head' },
      h('span', { class: 'live-badge', 'aria-hidden': 'true' }, 'LIVE'),
      h('span', { class: 'live-role', data: { liveRole: '' } }),
      h('span', { class: 'live-code' }, 'Code ', h('strong', { data: { liveCode: '' } })),
      h('a', { class: 'live-link', data: { liveLink: '' }, href: '#' }),
      h('button', { type: 'button', class: 'btn btn-quiet', data: { action: 'live-copy' } }, 'Copy join link'),
      h('button', { type: 'button', class: 'btn', data: { action: 'live-show-qr' } }, 'Show the QR code'),
      h('button', { type: 'button', class: 'btn', data: { action: 'live-explore' } }, 'Explore on my own'),
      h('button', { type: 'button', class: 'btn btn-primary', data: { action: 'live-follow' } }, 'Follow again'),
      h('span', { class: 'live-status', data: { liveStatus: '' }, role: 'status' })),
    h('p', { class: 'live-message', data: { liveMessage: '' }, role: 'status' }),
    h('div', { class: 'live-poll', data: { livePoll: '' } }),
    h('p', { class: 'live-error', data: { liveError: '' }, role: 'alert' }),
    dialog);
  const q = (sel) => root.querySelector(sel);
  q('[data-action="live-copy"]').addEventListener('click', async (ev) => {
    try {
      await navigator.clipboard.writeText(live.state.joinUrl);
      ev.target.textContent = 'Copied';
    } catch {
      ev.target.textContent = 'Copy it from the link';
    }
    setTimeout(() => { ev.target.textContent = 'Copy join link'; }, 2000);
  });
  q('[data-action="live-show-qr"]').addEventListener('click', () => dialog.showModal());
  q('[data-action="live-explore"]').addEventListener('click', () => live.explore());
  q('[data-action="live-follow"]').addEventListener('click', () => live.follow());
  root.addEventListener('click', (ev) => {
    const b = ev.target.closest('[data-action]');
    if (!b) return;
    if (b.dataset.action === 'live-ask') {
      const choice = root.querySelector('[data-live-ask-select]').value;
      const [edge, quantity] = choice.split(':');
      live.ask(edge, quantity);
    } else if (b.dataset.action === 'live-reveal') live.reveal();
    else if (b.dataset.action === 'live-close-poll') live.closePoll();
  });
  root.addEventListener('submit', (ev) => {
    if (!ev.target.matches('[data-live-answer-form]')) return;
    ev.preventDefault();
    live.answer(ev.target.querySelector('[data-live-answer]').value);
  });
}

/** Everything but the poll: the role, code, link, connection, buttons. */
export function renderLive(root, live, store) {
  const s = live.state;
  root.hidden = !s.role;
  document.body.dataset.liveSession = s.role ?? '';
  if (!s.role) return;
  const q = (sel) => root.querySelector(sel);
  const presenter = s.role === 'presenter';
  const role = presenter ? 'presenter' : s.following ? 'following' : 'exploring';
  root.dataset.role = role;
  q('[data-live-role]').textContent = ROLE_TEXT[role];
  q('[data-live-code]').textContent = s.id ?? '';
  const link = q('[data-live-link]');
  link.textContent = s.joinUrl.replace(/^https?:\/\//, '');
  link.href = s.joinUrl || '#';
  q('[data-action="live-show-qr"]').hidden = !presenter;
  q('[data-action="live-copy"]').hidden = !presenter;
  q('[data-action="live-explore"]').hidden = presenter || !s.following || s.connection === 'ended';
  q('[data-action="live-follow"]').hidden = presenter || s.following || s.connection === 'ended';
  const status = q('[data-live-status]');
  status.textContent = presenter ? '' : CONNECTION_TEXT[s.connection] ?? '';
  status.dataset.connection = s.connection;
  q('[data-live-message]').textContent = s.message;
  q('[data-live-error]').textContent = s.error;
  q('[data-live-big-code]').textContent = s.id ?? '';
  q('[data-live-big-link]').textContent = s.joinUrl;
  const qr = q('[data-live-qr]');
  if (presenter && s.id && qr.dataset.for !== s.id) {
    qr.src = `api/sessions/${s.id}/qr.svg`;
    qr.dataset.for = s.id;
  }
  // a student's screen hides the numbers that answer an open poll, until the reveal
  const hide = !presenter && s.poll && !s.poll.revealed && s.following;
  document.body.dataset.liveHide = hide ? 'poll' : '';
  renderPoll(q('[data-live-poll]'), live, store);
}

function renderPoll(el, live, store) {
  const s = live.state;
  if (s.role === 'presenter') renderAsking(el, s, store);
  else renderAnswering(el, s);
}

/** The presenter: choose a gradient of the current step, watch the count, reveal. */
function renderAsking(el, s, store) {
  const poll = s.poll;
  if (poll) {
    const key = `${poll.id}:${poll.revealed}`;
    if (el.dataset.key !== key) {
      el.dataset.key = key;
      clear(el).append(
        h('p', { class: 'live-question', data: { liveQuestion: '' } }, poll.question),
        poll.revealed
          ? h('div', {}, h('div', { data: { liveResults: '' } }),
            h('button', { type: 'button', class: 'btn', data: { action: 'live-close-poll' } }, 'Close the poll'))
          : h('p', { class: 'live-count-row' },
            h('span', { data: { liveCount: '' } }), ' ',
            h('button', { type: 'button', class: 'btn btn-primary', data: { action: 'live-reveal' } }, 'Reveal')),
      );
    }
    const count = el.querySelector('[data-live-count]');
    if (count) count.textContent = `${s.count} answer${s.count === 1 ? '' : 's'} so far`;
    const results = el.querySelector('[data-live-results]');
    if (results && results.dataset.for !== poll.id) {
      results.dataset.for = poll.id;
      renderResults(results, poll.results);
    }
    return;
  }
  const choices = askable(store);
  const key = `ask:${choices.map((c) => c.value).join(',')}`;
  if (el.dataset.key === key) return;
  el.dataset.key = key;
  if (!choices.length) {
    clear(el).append(h('p', { class: 'muted small' }, 'Step to a backprop step to ask the class for one of its gradients.'));
    return;
  }
  const select = h('select', { id: 'live-ask', class: 'select', data: { liveAskSelect: '' } },
    choices.map((c) => h('option', { value: c.value }, c.label)));
  clear(el).append(h('div', { class: 'live-ask' },
    h('label', { for: 'live-ask' }, 'Ask the class for'), select,
    h('button', { type: 'button', class: 'btn btn-primary', data: { action: 'live-ask' } }, 'Ask')));
}

/** The gradients of the current backward step that are one number each. */
export function askable(store) {
  const { timeline: tl, position } = store.state;
  const at = tl?.positions[position];
  if (!at || at.kind !== 'backward') return [];
  const out = [];
  for (const id of at.step.edges) {
    const e = tl.edges.get(id);
    const src = tl.nodes.get(e.source);
    const tgt = tl.nodes.get(e.target);
    const a = src.name ?? src.label;
    const b = tgt.name ?? tgt.label;
    if (typeof e.downstream === 'number') out.push({ value: `${id}:downstream`, label: `the downstream gradient to ${a} (from ${b})` });
    if (typeof e.local === 'number') out.push({ value: `${id}:local`, label: `the local gradient of ${b} with respect to ${a}` });
  }
  return out;
}

/** A student: the question, an answer field, then whether they were right. */
function renderAnswering(el, s) {
  const poll = s.poll;
  const key = poll ? `${poll.id}:${poll.revealed}:${s.mine?.right ?? ''}` : '';
  if (el.dataset.key !== key) {
    el.dataset.key = key;
    clear(el);
    if (!poll) return;
    el.append(h('p', { class: 'live-question', data: { liveQuestion: '' } }, poll.question));
    if (!poll.revealed) {
      el.append(h('form', { class: 'live-answer', data: { liveAnswerForm: '' } },
        h('label', { for: 'live-answer' }, 'Your answer'),
        h('input', {
          id: 'live-answer', class: 'input', data: { liveAnswer: '' }, inputmode: 'decimal',
          autocomplete: 'off', maxlength: '32', placeholder: 'e.g. 0.25', required: true,
        }),
        h('button', { type: 'submit', class: 'btn btn-primary', data: { action: 'live-answer' } }, 'Answer'),
        h('span', { class: 'muted small', data: { liveSent: '' }, role: 'status' })));
    } else {
      const verdict = h('p', { class: 'live-verdict', data: { liveVerdict: '' } });
      if (s.mine && s.mine.right !== null) {
        verdict.dataset.right = String(s.mine.right);
        verdict.textContent = s.mine.right
          ? `Right: ${formatNumber(s.mine.value)}`
          : `Not quite: you answered ${formatNumber(s.mine.value)}, the answer is ${formatNumber(poll.results.answer)}`;
      } else {
        verdict.textContent = `The answer is ${formatNumber(poll.results.answer)}`;
      }
      const results = h('div', { data: { liveResults: '' } });
      renderResults(results, poll.results);
      el.append(verdict, results);
    }
  }
  const sent = el.querySelector('[data-live-sent]');
  if (sent) sent.textContent = s.mine?.pollId === poll?.id ? `Sent: ${formatNumber(s.mine.value)} (you can change it until the reveal)` : '';
}

/** The histogram: one bar per answer given, the right one marked, and the share right. */
export function renderResults(el, results) {
  clear(el);
  if (!results) return;
  const share = results.count ? Math.round((100 * results.right) / results.count) : 0;
  el.append(h('p', { class: 'live-share', data: { liveShare: '' } },
    `${results.right} of ${results.count} right (${share}%): the answer is ${formatNumber(results.answer)}`));
  const most = Math.max(1, ...results.histogram.map((b) => b.count));
  const list = h('ul', { class: 'live-histogram', data: { liveHistogram: '' }, 'aria-label': 'Answers' });
  for (const bar of results.histogram) {
    const fill = h('span', { class: 'live-hbar-fill' });
    fill.style.width = `${(100 * bar.count) / most}%`;
    list.append(h('li', { class: ['live-hbar', bar.right && 'live-hbar-right'], data: { bar: String(bar.value), right: String(bar.right) } },
      h('span', { class: 'live-hbar-value' }, formatNumber(bar.value), bar.right ? ' ✓' : ''),
      h('span', { class: 'live-hbar-track' }, fill),
      h('span', { class: 'live-hbar-count' }, String(bar.count))));
  }
  if (results.other) list.append(h('li', { class: 'live-hbar' }, h('span', { class: 'live-hbar-value' }, 'other'), h('span'), h('span', { class: 'live-hbar-count' }, String(results.other))));
  el.append(list);
}
