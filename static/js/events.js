// Every cross-panel event, declared in one place. The store dispatches them; main.js wires
// each to the views that render it. `detail` carries what changed, never the whole state.

export const EVENTS = Object.freeze({
  examples: 'examples', // GET /api/examples answered (the preset menu)
  ops: 'ops', // GET /api/ops answered (op titles and descriptions)
  source: 'source', // expression, input texts or options changed (by a preset or the URL)
  parsed: 'parsed', // /api/parse answered while typing: detected inputs, or a syntax error
  status: 'status', // idle | loading | ready | error, with the error if any
  trace: 'trace', // a new graph and its timeline arrived
  position: 'position', // the timeline moved: detail {from, to}
  playing: 'playing', // play / pause
  check: 'check', // the numerical check was switched on or off
  chain: 'chain', // the input whose chain rule is written out
  url: 'url', // the permalink changed
});
