// The page's state and every change to it. Extends EventTarget and announces each change with
// one of EVENTS; views never change state themselves, they call the store's methods.
import { api, ApiError } from './api.js';
import { EVENTS } from './events.js';
import { chainInputs, defaultChainInput } from './logic/chain.js';
import { DEFAULT_INPUT, formatInputValue, parseInputText } from './logic/inputs.js';
import { sameSource, typedSource } from './logic/source.js';
import { buildTimeline, clampPosition } from './logic/timeline.js';
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
      // the source being typed
      expression: '',
      inputTexts: {}, // name -> the field's text (kept for names that come back)
      inputOrder: [], // the inputs the expression uses now
      options: {},
      // errors, each with the expression it is about: the editor shows only the current text's
      parseError: null, // {expression, error}: the live check's answer
      runError: null, // {source, error}: the last failed run
      status: 'idle', // idle | loading | ready | error: the last run
      // what the graph shows
      trace: null,
      timeline: null,
      shown: null, // the source {expression, inputs, options} the trace was computed for
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
    this.emit(EVENTS.examples);
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
    s.runError = null;
    this.emit(EVENTS.source);
    this.parseSoon(0);
  }

  applyExample(id) {
    const ex = this.state.examples.find((e) => e.id === id);
    if (!ex) return Promise.resolve();
    const inputs = Object.fromEntries(Object.entries(ex.inputs ?? {}).map(([k, v]) => [k, formatInputValue(v)]));
    const options = { ...(ex.options ?? {}), ...pickOptions(ex) };
    this.setSource({ expression: ex.expression, inputs, options, exampleId: id });
    return this.runTyped({ position: 0 });
  }

  /** Open a permalink's view: its source run at its position, with its check and chain input. */
  restore({ expression, inputs, options, position, check, chain }) {
    this.state.check = !!check;
    this.state.chain = chain ?? null;
    this.emit(EVENTS.check);
    this.setSource({ expression, inputs, options });
    return this.runTyped({ position });
  }

  setExpression(text) {
    const s = this.state;
    s.expression = text;
    s.exampleId = null;
    this.edited();
    this.parseSoon(PARSE_DELAY_MS);
  }

  setInputText(name, text) {
    this.state.inputTexts[name] = text;
    this.edited();
  }

  setOption(key, value) {
    if (value === null || value === undefined) delete this.state.options[key];
    else this.state.options[key] = value;
    this.edited();
  }

  /** The typed source changed: a run error about the old one no longer applies. */
  edited() {
    this.state.runError = null;
    this.emit(EVENTS.edited);
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

  /** The live check (POST /api/diagnose): the text's inputs, or its error with a span. */
  async parseNow() {
    this._parseAbort?.abort();
    const ctrl = new AbortController();
    this._parseAbort = ctrl;
    const s = this.state;
    const text = s.expression;
    let answer;
    try {
      answer = await api.diagnose({ expression: text, ...sigmoidOption(s.options) }, ctrl.signal);
    } catch (err) {
      if (err.name === 'AbortError') return;
      answer = { ok: false, error: err };
    }
    if (text !== s.expression) return;
    if (!answer.ok) {
      const error = answer.error instanceof ApiError ? answer.error : new ApiError(answer.error, 200);
      s.parseError = { expression: text, error };
      this.emit(EVENTS.parsed, { error });
      return;
    }
    const names = answer.parse.inputs.map((i) => i.name);
    for (const n of names) if (!(n in s.inputTexts)) s.inputTexts[n] = DEFAULT_INPUT;
    s.inputOrder = names;
    s.parseError = null;
    this._parsedFor = text;
    this.emit(EVENTS.parsed, { inputs: names });
  }

  // -- running ----------------------------------------------------------------------------
  /** Run what is typed (Run, Ctrl+Enter, a preset): its inputs detected first, fields checked. */
  async runTyped({ position = 0 } = {}) {
    const s = this.state;
    this.pause();
    if (s.expression !== this._parsedFor) {
      // the input fields must match the text being run: detect its inputs first
      clearTimeout(this._parseTimer);
      await this.parseNow();
      if (s.parseError?.expression === s.expression) {
        this.failed(typedSource(s), s.parseError.error);
        return;
      }
    }
    if (Object.keys(this.inputErrors()).length) {
      const error = new ApiError({ code: 'input', message: 'Some inputs are not numbers: see the fields below.' }, 0);
      this.failed(typedSource(s), error);
      return;
    }
    await this.run({ source: typedSource(s), position });
  }

  /**
   * POST /api/graph for `source` ({expression, inputs: {name: field text}, options}) and show
   * its graph at `position`. The typed source is not read here: the numerical check re-runs
   * the source shown while other text may be typed.
   */
  async run({ source, position = 0 }) {
    const s = this.state;
    this.pause();
    const inputs = {};
    for (const [name, text] of Object.entries(source.inputs)) inputs[name] = parseInputText(text).value;
    const body = { expression: source.expression, inputs, ...source.options };
    if (s.check) body.check = true;
    this._runAbort?.abort();
    const ctrl = new AbortController();
    this._runAbort = ctrl;
    const seq = ++this._runSeq;
    s.status = 'loading';
    this.emit(EVENTS.status);
    let trace;
    try {
      trace = await api.graph(body, ctrl.signal);
    } catch (err) {
      if (err.name === 'AbortError' || seq !== this._runSeq) return;
      this.failed(source, err instanceof ApiError ? err : new ApiError({ message: String(err) }));
      return;
    }
    if (seq !== this._runSeq) return;
    if (sameSource(s.runError?.source, source)) s.runError = null;
    this.display(trace, source, position, performance.now());
  }

  /**
   * Show a trace computed elsewhere, with no request (a notebook's engine.trace, embedded with
   * engine.describe_ops() as `ops`): the views render it as if the service had answered.
   */
  show(trace, { ops = null, source = null, position = 0 } = {}) {
    this.pause();
    this._runAbort?.abort();
    this._runSeq += 1; // a run in flight must not replace it
    if (ops) this.state.ops = Object.fromEntries(ops.map((o) => [o.name, o]));
    const shown = source ?? { expression: trace.expression ?? '', inputs: {}, options: {} };
    this.display(trace, shown, position, performance.now());
  }

  /** The trace becomes the graph shown, at `position`: every view hears of it. */
  display(trace, source, position, receivedAt) {
    const s = this.state;
    s.trace = trace;
    s.timeline = buildTimeline(trace);
    s.shown = { expression: source.expression, inputs: { ...source.inputs }, options: { ...source.options } };
    s.status = 'ready';
    const names = chainInputs(trace).map((n) => n.name ?? n.id);
    if (!names.includes(s.chain)) {
      const best = defaultChainInput(trace);
      s.chain = best ? best.name ?? best.id : null;
    }
    const from = s.position;
    s.position = clampPosition(s.timeline, position);
    this.emit(EVENTS.status);
    this.emit(EVENTS.trace, { receivedAt });
    this.emit(EVENTS.position, { from, to: s.position, fresh: true });
    this.emit(EVENTS.chain);
    this.emit(EVENTS.url);
  }

  failed(source, error) {
    this.state.runError = { source, error };
    this.state.status = 'error';
    this.emit(EVENTS.status);
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
    // the check costs extra forward passes on the server: ask for it only when switched on,
    // for the graph shown (not for what is being typed), at the same step
    if (s.check && s.trace && !s.trace.check && s.shown) return this.run({ source: s.shown, position: s.position });
    return Promise.resolve();
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
    const query = encodeState({
      expression: s.shown.expression,
      inputs: s.shown.inputs,
      position: s.position,
      check: s.check,
      chain: s.chain,
      options: s.shown.options,
    });
    // a lesson adds its keys (static/js/lessons.js): lesson, slide, present, quiz
    return this.permalinkHook ? this.permalinkHook(query) : query;
  }
}

/** Request options an example may carry at its top level (the service's optional fields). */
function pickOptions(example) {
  const out = {};
  for (const k of ['sigmoid', 'seed']) if (k in example) out[k] = example[k];
  return out;
}

/** The one option /api/diagnose takes: how sigmoid() is built changes the graph's size. */
function sigmoidOption(options) {
  return options.sigmoid ? { sigmoid: options.sigmoid } : {};
}
