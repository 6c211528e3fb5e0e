// The page's state and every change to it. Extends EventTarget and announces each change with
// one of EVENTS; views never change state themselves, they call the store's methods.
import { api, ApiError } from './api.js';
import { EVENTS } from './events.js';
import { DEFAULT_INPUT, formatInputValue, parseInputText } from './logic/inputs.js';
import { buildTimeline, clampPosition } from './logic/timeline.js';
import { chainInputs, defaultChainInput } from './logic/chain.js';
import { encodeState } from './logic/urlstate.js';

const PLAY_INTERVAL_MS = 900;
const PARSE_DELAY_MS = 200;

export class Store extends EventTarget {
  constructor() {
    super();
    this.state = {
      examples: [],
      exampleId: null,
      ops: {}, // op name -> {title, description, formulas, convention, ...}
      expression: '',
      inputTexts: {}, // name -> the field's text (kept for names that come back)
      inputOrder: [], // the inputs the expression uses now
      options: {},
      parseError: null,
      runError: null,
      status: 'idle',
      trace: null,
      timeline: null,
      shown: null, // {expression, inputs, options} that the trace was computed for
      position: 0,
      playing: false,
      check: false,
      chain: null,
    };
    this._parseTimer = 0;
    this._parsedFor = null; // the expression text the detected inputs belong to
    this._parseAbort = null;
    this._runAbort = null;
    this._runSeq = 0;
    this._playTimer = 0;
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // -- reference data ---------------------------------------------------------------------
  async loadReference() {
    const [examples, ops] = await Promise.all([
      api.examples().catch(() => []),
      api.ops().catch(() => []),
    ]);
    this.state.examples = examples ?? [];
    this.state.ops = Object.fromEntries((ops ?? []).map((o) => [o.name, o]));
    this.emit(EVENTS.ops);
    this.emit(EVENTS.examples);
  }

  opTitle(op) {
    return this.state.ops[op]?.title ?? op;
  }

  // -- the source: expression, inputs, options --------------------------------------------
  /** Load a whole source at once (a preset or a permalink); texts are the fields' strings. */
  setSource({ expression, inputs = {}, options = {}, exampleId = null }) {
    const s = this.state;
    s.expression = expression;
    s.inputTexts = { ...s.inputTexts, ...inputs };
    s.inputOrder = Object.keys(inputs);
    s.options = { ...options };
    // a permalink to a preset shows that preset in the menu
    s.exampleId = exampleId ?? s.examples.find((e) => e.expression === expression)?.id ?? null;
    s.parseError = null;
    this.emit(EVENTS.source);
    this.parseSoon(0);
  }

  applyExample(id) {
    const ex = this.state.examples.find((e) => e.id === id);
    if (!ex) return Promise.resolve();
    const inputs = Object.fromEntries(Object.entries(ex.inputs ?? {}).map(([k, v]) => [k, formatInputValue(v)]));
    const options = { ...(ex.options ?? {}), ...pickOptions(ex) };
    this.setSource({ expression: ex.expression, inputs, options, exampleId: id });
    return this.run({ position: 0 });
  }

  setExpression(text) {
    this.state.expression = text;
    this.state.exampleId = null;
    this.parseSoon(PARSE_DELAY_MS);
  }

  setInputText(name, text) {
    this.state.inputTexts[name] = text;
  }

  setOption(key, value) {
    if (value === null || value === undefined) delete this.state.options[key];
    else this.state.options[key] = value;
  }

  /** Per-input problems with the typed text: {name: message}. */
  inputErrors() {
    const out = {};
    for (const name of this.state.inputOrder) {
      const r = parseInputText(this.state.inputTexts[name]);
      if (!r.ok) out[name] = r.error;
    }
    return out;
  }

  parseSoon(delay) {
    clearTimeout(this._parseTimer);
    this._parseTimer = setTimeout(() => this.parseNow(), delay);
  }

  async parseNow() {
    this._parseAbort?.abort();
    const ctrl = new AbortController();
    this._parseAbort = ctrl;
    const text = this.state.expression;
    try {
      const res = await api.parse(text, ctrl.signal);
      if (text !== this.state.expression) return;
      const names = res.inputs.map((i) => i.name);
      for (const n of names) if (!(n in this.state.inputTexts)) this.state.inputTexts[n] = DEFAULT_INPUT;
      this.state.inputOrder = names;
      this.state.parseError = null;
      this._parsedFor = text;
      this.emit(EVENTS.parsed, { inputs: names, assigned: res.assigned ?? [] });
    } catch (err) {
      if (err.name === 'AbortError' || text !== this.state.expression) return;
      this.state.parseError = err instanceof ApiError ? err : new ApiError({ message: String(err) });
      this.emit(EVENTS.parsed, { error: this.state.parseError });
    }
  }

  // -- running ----------------------------------------------------------------------------
  /** POST /api/graph for the current source; `position` is where the timeline starts. */
  async run({ position = 0 } = {}) {
    const s = this.state;
    this.pause();
    if (s.expression !== this._parsedFor) {
      // the input fields must match the text being run: detect its inputs first
      clearTimeout(this._parseTimer);
      await this.parseNow();
      if (s.parseError) {
        s.runError = s.parseError;
        s.status = 'error';
        this.emit(EVENTS.status);
        return;
      }
    }
    const inputErrors = this.inputErrors();
    if (Object.keys(inputErrors).length) {
      s.runError = new ApiError({ code: 'input', message: 'Some inputs are not numbers: see the fields below.' }, 0);
      s.status = 'error';
      this.emit(EVENTS.status, { inputErrors });
      return;
    }
    const inputs = {};
    const texts = {};
    for (const name of s.inputOrder) {
      inputs[name] = parseInputText(s.inputTexts[name]).value;
      texts[name] = s.inputTexts[name].trim();
    }
    const body = { expression: s.expression, inputs, ...s.options };
    const shown = { expression: s.expression, inputs: texts, options: { ...s.options } };
    if (s.check) body.check = true;
    this._runAbort?.abort();
    const ctrl = new AbortController();
    this._runAbort = ctrl;
    const seq = ++this._runSeq;
    s.status = 'loading';
    this.emit(EVENTS.status);
    try {
      const trace = await api.graph(body, ctrl.signal);
      if (seq !== this._runSeq) return;
      this.receivedAt = performance.now();
      s.trace = trace;
      s.timeline = buildTimeline(trace);
      s.shown = shown;
      s.runError = null;
      s.parseError = null;
      s.status = 'ready';
      const names = chainInputs(trace).map((n) => n.name ?? n.id);
      if (!names.includes(s.chain)) {
        const best = defaultChainInput(trace);
        s.chain = best ? best.name ?? best.id : null;
      }
      const from = s.position;
      s.position = clampPosition(s.timeline, position);
      this.emit(EVENTS.status);
      this.emit(EVENTS.trace);
      this.emit(EVENTS.position, { from, to: s.position, fresh: true });
      this.emit(EVENTS.chain);
      this.emit(EVENTS.url);
    } catch (err) {
      if (err.name === 'AbortError' || seq !== this._runSeq) return;
      s.runError = err instanceof ApiError ? err : new ApiError({ message: String(err) });
      s.status = 'error';
      this.emit(EVENTS.status);
    }
  }

  // -- the timeline -----------------------------------------------------------------------
  goTo(p) {
    const s = this.state;
    if (!s.timeline) return;
    const to = clampPosition(s.timeline, p);
    if (to === s.position) return;
    const from = s.position;
    s.position = to;
    this.emit(EVENTS.position, { from, to });
    this.emit(EVENTS.url);
  }

  next() {
    this.goTo(this.state.position + 1);
  }

  prev() {
    this.goTo(this.state.position - 1);
  }

  reset() {
    this.pause();
    this.goTo(0);
  }

  end() {
    this.pause();
    if (this.state.timeline) this.goTo(this.state.timeline.last);
  }

  play() {
    const s = this.state;
    if (!s.timeline || s.playing) return;
    if (s.position >= s.timeline.last) this.goTo(0);
    s.playing = true;
    this.emit(EVENTS.playing);
    this._playTimer = setInterval(() => {
      if (this.state.position >= this.state.timeline.last) this.pause();
      else this.next();
      if (this.state.position >= this.state.timeline.last) this.pause();
    }, PLAY_INTERVAL_MS);
  }

  pause() {
    clearInterval(this._playTimer);
    if (!this.state.playing) return;
    this.state.playing = false;
    this.emit(EVENTS.playing);
  }

  togglePlay() {
    if (this.state.playing) this.pause();
    else this.play();
  }

  // -- panels -----------------------------------------------------------------------------
  setCheck(on) {
    const s = this.state;
    s.check = !!on;
    this.emit(EVENTS.check);
    this.emit(EVENTS.url);
    // the check costs extra forward passes on the server: ask for it only when switched on
    if (s.check && s.trace && !s.trace.check && s.shown) this.rerunShown();
  }

  /** Run again what is shown (not what is being typed), keeping the position. */
  rerunShown() {
    const s = this.state;
    const typed = { expression: s.expression, texts: { ...s.inputTexts }, order: s.inputOrder, options: s.options };
    s.expression = s.shown.expression;
    s.inputTexts = { ...s.inputTexts, ...s.shown.inputs };
    s.inputOrder = Object.keys(s.shown.inputs);
    s.options = { ...s.shown.options };
    const done = this.run({ position: s.position });
    s.expression = typed.expression;
    s.inputTexts = typed.texts;
    s.inputOrder = typed.order;
    s.options = typed.options;
    return done;
  }

  setChain(name) {
    this.state.chain = name;
    this.emit(EVENTS.chain);
    this.emit(EVENTS.url);
  }

  // -- the permalink ----------------------------------------------------------------------
  permalink() {
    const s = this.state;
    if (!s.shown) return '';
    return encodeState({
      expression: s.shown.expression,
      inputs: s.shown.inputs,
      position: s.position,
      check: s.check,
      chain: s.chain,
      options: s.shown.options,
    });
  }
}

/** Request options an example may carry at its top level (the service's optional fields). */
function pickOptions(example) {
  const out = {};
  for (const k of ['sigmoid', 'seed']) if (k in example) out[k] = example[k];
  return out;
}
