// Every cross-panel event, declared in one place. The store dispatches them; main.js wires
// each to the views that render it. `detail` carries what changed, never the whole state.

export const EVENTS = Object.freeze({
  examples: 'examples', // GET /api/examples and /api/ops answered (the preset menu, op titles)
  source: 'source', // a whole source was loaded (a preset or the URL)
  edited: 'edited', // the expression, an input text or an option was changed by hand
  parsed: 'parsed', // the live check answered for the typed text: its inputs, or an error
  status: 'status', // a run started, failed or finished: idle | loading | ready | error
  trace: 'trace', // a new graph and its timeline arrived: detail {receivedAt} (for the timings)
  position: 'position', // the timeline moved: detail {from, to}
  playing: 'playing', // play / pause
  check: 'check', // the numerical check was switched on or off
  chain: 'chain', // the input whose chain rule is written out
  url: 'url', // the permalink changed
  // gradient descent and forward mode (static/js/learn.js)
  train: 'train', // the training panel's settings, its Update rows or its run changed
  forward: 'forward', // reverse/forward toggle, the forward-mode trace or its position
});
