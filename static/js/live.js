// Live class sessions (docs/api.md, "Live sessions"): the presenter's page sends its state as it
// steps, students' pages follow it over Server-Sent Events, the class answers polls. A small
// store of its own: extends EventTarget and announces every change with 'live'; the view
// (views/live.js) renders `state`, and calls the methods below.
import { apiUrl } from './api.js';
import { formatInputValue, parseInputText } from './logic/inputs.js';

const SYNC_DELAY_MS = 60; // the presenter's changes, gathered while the slider is dragged
const COUNT_EVERY_MS = 1000; // the presenter's live count of answers while a poll is open
const RETRY_MS = [1000, 2000, 4000, 8000, 15000, 30000]; // after a refusal (503), with jitter
const CLIENT_KEY = 'bpe-live-client';

/** This browser's id for polls: answering again replaces its answer. */
function clientId() {
  let id = null;
  try {
    id = localStorage.getItem(CLIENT_KEY);
  } catch { /* storage off: one id per page load */ }
  if (!id || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    try {
      localStorage.setItem(CLIENT_KEY, id);
    } catch { /* ignore */ }
  }
  return id;
}

async function call(method, path, { body, token } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, error: { message: 'the server did not answer' } };
  }
  let data = null;
  try {
    data = await res.json();
  } catch { /* not JSON */ }
  if (!res.ok) {
    return {
      ok: false, status: res.status, error: data?.error ?? { message: `refused (${res.status})` },
      retryAfter: Number(res.headers.get('retry-after')) || 0,
    };
  }
  return { ok: true, status: res.status, data };
}

/** The session fields the store's shown source maps to, and the lesson's slide (1-based, as
 * in ?slide=) when the lesson player (static/js/lessons.js) has one open. */
export function sourceOf(store, lessons = null) {
  const shown = store.state.shown;
  if (!shown) return null;
  const inputs = {};
  for (const [name, text] of Object.entries(shown.inputs)) inputs[name] = parseInputText(text).value;
  const source = { expression: shown.expression, inputs, sigmoid: shown.options?.sigmoid ?? 'node', step: store.state.position };
  if (!lessons) return source;
  const lesson = lessons.state.lesson;
  return { ...source, lesson: lesson?.id ?? null, ...(lesson ? { slide: lessons.state.slide + 1 } : {}) };
}

export class Live extends EventTarget {
  /** `lessons`: the lesson player, whose open slide the session carries (optional). */
  constructor(store, lessons = null) {
    super();
    this.store = store;
    this.lessons = lessons;
    this.client = clientId();
    this.state = {
      role: null, // null | 'presenter' | 'student'
      id: null,
      token: null,
      joinUrl: '',
      following: true,
      connection: 'off', // off | connecting | open | lost | refused | ended
      message: '',
      remote: null, // the session's state as last received
      poll: null, // the poll shown: the remote one
      count: 0, // presenter: answers so far
      results: null, // presenter (live) or everyone (after the reveal)
      mine: null, // student: {pollId, value, right, note}
      error: '',
    };
    this._sent = null;
    this._syncTimer = 0;
    this._syncing = false;
    this._retry = 0;
    this._retryTimer = 0;
    this._countTimer = 0;
    this._es = null;
  }

  emit() {
    this.dispatchEvent(new CustomEvent('live'));
  }

  get active() {
    return this.state.role !== null;
  }

  set(changes) {
    Object.assign(this.state, changes);
    this.emit();
  }

  // -- the presenter ----------------------------------------------------------------------
  async start() {
    const body = sourceOf(this.store, this.lessons) ?? {};
    this.set({ error: '', message: 'Starting…' });
    const r = await call('POST', 'api/sessions', { body });
    if (!r.ok) {
      this.set({ error: r.error.message, message: '' });
      return false;
    }
    const { id, join_url: joinUrl, presenter_token: token } = r.data;
    this._sent = { ...body };
    history.replaceState(null, '', `?join=${id}#presenter=${token}`);
    this.set({ role: 'presenter', id, token, joinUrl, message: '', connection: 'open' });
    const state = await call('GET', `api/sessions/${id}`);
    if (state.ok) this.set({ remote: state.data });
    return true;
  }

  /** The store changed: send what differs from the last state sent, soon (one PUT at a time). */
  presenterChanged() {
    if (this.state.role !== 'presenter') return;
    clearTimeout(this._syncTimer);
    this._syncTimer = setTimeout(() => this.sync(), SYNC_DELAY_MS);
  }

  async sync() {
    if (this._syncing) {
      this._again = true;
      return;
    }
    const now = sourceOf(this.store, this.lessons);
    if (!now) return;
    const changes = {};
    for (const [k, v] of Object.entries(now)) {
      if (JSON.stringify(v) !== JSON.stringify(this._sent?.[k])) changes[k] = v;
    }
    if (!Object.keys(changes).length) return;
    this._syncing = true;
    const r = await call('PUT', `api/sessions/${this.state.id}/state`, { body: changes, token: this.state.token });
    this._syncing = false;
    if (r.ok) {
      this._sent = { ...this._sent, ...changes };
      this.set({ remote: r.data, poll: r.data.poll, error: '' });
      if (!r.data.poll) this.stopCounting();
    } else {
      this.set({ error: `The class did not get this change: ${r.error.message}` });
    }
    if (this._again) {
      this._again = false;
      this.sync();
    }
  }

  async ask(edge, quantity) {
    const r = await call('POST', `api/sessions/${this.state.id}/polls`, { body: { edge, quantity }, token: this.state.token });
    if (!r.ok) {
      this.set({ error: r.error.message });
      return;
    }
    this.set({ poll: r.data, count: 0, results: null, error: '' });
    this.startCounting();
  }

  startCounting() {
    this.stopCounting();
    const tick = async () => {
      const poll = this.state.poll;
      if (!poll || poll.revealed) return;
      const r = await call('GET', `api/sessions/${this.state.id}/polls/${poll.id}`, { token: this.state.token });
      if (r.ok && this.state.poll?.id === poll.id) this.set({ count: r.data.count, results: r.data.results });
      this._countTimer = setTimeout(tick, COUNT_EVERY_MS);
    };
    tick();
  }

  stopCounting() {
    clearTimeout(this._countTimer);
  }

  async reveal() {
    const poll = this.state.poll;
    if (!poll) return;
    this.stopCounting();
    const r = await call('POST', `api/sessions/${this.state.id}/polls/${poll.id}/reveal`, { token: this.state.token });
    if (r.ok) this.set({ poll: r.data, results: r.data.results, count: r.data.results.count });
    else this.set({ error: r.error.message });
  }

  async closePoll() {
    this.stopCounting();
    const r = await call('PUT', `api/sessions/${this.state.id}/state`, { body: { poll: null }, token: this.state.token });
    if (r.ok) this.set({ poll: null, results: null, count: 0, remote: r.data });
  }

  // -- students ---------------------------------------------------------------------------
  /** Open the join link's session: its state now, then its changes. False if there is none. */
  async join(id, token = null) {
    this.set({ role: token ? 'presenter' : 'student', id, token, connection: 'connecting' });
    const r = await call('GET', `api/sessions/${encodeURIComponent(id)}`);
    if (!r.ok) {
      this.set({
        connection: r.status === 404 ? 'ended' : 'refused',
        message: r.status === 404 ? `There is no live session ${id}: it has ended, or the code is mistyped.` : r.error.message,
      });
      return false;
    }
    this.set({ remote: r.data, poll: r.data.poll, joinUrl: `${location.origin}${location.pathname}?join=${r.data.id}` });
    if (token) {
      this._sent = { expression: r.data.expression, inputs: r.data.inputs, sigmoid: r.data.sigmoid, step: r.data.step };
      this.set({ connection: 'open' });
      if (r.data.poll && !r.data.poll.revealed) this.startCounting();
      else if (r.data.poll) this.set({ results: r.data.poll.results });
    } else {
      this.connect();
    }
    await this.apply(r.data);
    return true;
  }

  connect() {
    this._es?.close();
    const es = new EventSource(apiUrl(`api/sessions/${encodeURIComponent(this.state.id)}/events`));
    this._es = es;
    es.addEventListener('open', () => {
      const back = this.state.connection === 'lost' || this.state.connection === 'refused';
      this._retry = 0;
      this.set({ connection: 'open', message: back ? 'Connected again.' : '' });
    });
    es.addEventListener('state', (ev) => this.received(JSON.parse(ev.data)));
    es.addEventListener('end', () => {
      es.close();
      this.set({ connection: 'ended', message: 'The presenter’s session has ended.' });
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) this.refused(); // an HTTP error: 503, 404
      else this.set({ connection: 'lost', message: 'Connection lost: reconnecting…' });
    });
  }

  /** The server refused the stream (full, or gone): ask why, then retry with backoff. */
  async refused() {
    this._es?.close();
    const r = await call('GET', `api/sessions/${encodeURIComponent(this.state.id)}`);
    if (r.status === 404) {
      this.set({ connection: 'ended', message: 'The presenter’s session has ended.' });
      return;
    }
    const base = RETRY_MS[Math.min(this._retry, RETRY_MS.length - 1)];
    const wait = Math.round(base * (0.75 + Math.random() * 0.5));
    this._retry += 1;
    this.set({
      connection: 'refused',
      message: `The server is busy (too many students connected). Trying again in ${Math.ceil(wait / 1000)} s…`,
    });
    clearTimeout(this._retryTimer);
    this._retryTimer = setTimeout(() => this.connect(), wait);
  }

  received(remote) {
    const pollChanged = remote.poll?.id !== this.state.poll?.id || remote.poll?.revealed !== this.state.poll?.revealed;
    this.set({ remote, poll: remote.poll });
    if (pollChanged) this.pollChanged();
    if (this.state.following) this.apply(remote);
  }

  async pollChanged() {
    const poll = this.state.poll;
    if (!poll) {
      this.set({ mine: null, results: null });
      return;
    }
    if (this.state.mine?.pollId !== poll.id) this.set({ mine: null });
    if (poll.revealed) {
      this.set({ results: poll.results });
      const r = await call('GET', `api/sessions/${this.state.id}/polls/${poll.id}?client=${this.client}`);
      if (r.ok && r.data.mine) this.set({ mine: { pollId: poll.id, ...r.data.mine } });
    } else {
      this.set({ results: null });
    }
  }

  async answer(text) {
    const poll = this.state.poll;
    if (!poll || poll.revealed) return;
    const r = await call('POST', `api/sessions/${this.state.id}/polls/${poll.id}/answers`, {
      body: { client: this.client, value: String(text).trim() },
    });
    if (r.ok) this.set({ mine: { pollId: poll.id, value: r.data.value, right: null }, error: '' });
    else if (r.status === 429) this.set({ error: `Too many answers at once: wait ${r.retryAfter || 2} s.` });
    else this.set({ error: r.error.message });
  }

  explore() {
    this.set({ following: false });
  }

  follow() {
    this.set({ following: true });
    if (this.state.remote) this.apply(this.state.remote);
  }

  /** Show the session's state: the same graph moves to the step; another one is run first.
   * One at a time: a state arriving while a graph is being run waits, and only the newest. */
  async apply(remote) {
    if (this._applying) {
      this._next = remote;
      return;
    }
    this._applying = true;
    try {
      await this.show(remote);
    } finally {
      this._applying = false;
    }
    const next = this._next;
    this._next = null;
    if (next && this.state.following) await this.apply(next);
  }

  async show(remote) {
    const store = this.store;
    // the lesson's slide bar (its title and class text) follows the presenter's slide
    this.lessons?.follow(remote.lesson ?? null, remote.slide ?? 1);
    const shown = store.state.shown;
    const options = remote.sigmoid === 'expanded' ? { sigmoid: 'expanded' } : {};
    const same = shown && shown.expression === remote.expression
      && (shown.options?.sigmoid ?? 'node') === remote.sigmoid
      && sameInputs(shown.inputs, remote.inputs);
    store.pause();
    if (same) {
      store.goTo(remote.step);
      return;
    }
    const inputs = Object.fromEntries(Object.entries(remote.inputs).map(([k, v]) => [k, formatInputValue(v)]));
    store.setSource({ expression: remote.expression, inputs, options });
    await store.run({ source: { expression: remote.expression, inputs, options }, position: remote.step });
  }
}

/** Field texts and the session's values: the same numbers, whatever the order of the names. */
function sameInputs(texts, values) {
  const names = Object.keys(texts);
  if (names.length !== Object.keys(values).length) return false;
  return names.every((k) => k in values && JSON.stringify(parseInputText(texts[k]).value) === JSON.stringify(values[k]));
}

/** ?join=CODE (and #presenter=TOKEN for the presenter's own page), or null. */
export function joinFromUrl(loc = window.location) {
  const id = new URLSearchParams(loc.search).get('join');
  if (!id) return null;
  const token = new URLSearchParams(loc.hash.slice(1)).get('presenter');
  return { id: id.trim().toUpperCase(), token };
}
