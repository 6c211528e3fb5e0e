// The URL holds the view: expression, inputs, step, numerical check, chain input, options.
// ?expr=1%2F(1%2Bexp(-z))&in.z=0&step=5   Pure: works on strings, touches no DOM.

const INPUT_PREFIX = 'in.';

/** State -> query string (without the "?"). */
export function encodeState({ expression, inputs = {}, position = 0, check = false, chain = null,
  options = {} }) {
  const q = new URLSearchParams();
  q.set('expr', expression);
  for (const [name, text] of Object.entries(inputs)) q.set(INPUT_PREFIX + name, text);
  if (position) q.set('step', String(position));
  if (check) q.set('check', '1');
  if (chain) q.set('chain', chain);
  for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== null) q.set(`opt.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  return q.toString();
}

/** Query string -> state, or null when it names no expression. */
export function decodeState(search) {
  const q = new URLSearchParams(search);
  const expression = q.get('expr');
  if (expression === null || expression.trim() === '') return null;
  const inputs = {};
  const options = {};
  for (const [k, v] of q) {
    if (k.startsWith(INPUT_PREFIX)) inputs[k.slice(INPUT_PREFIX.length)] = v;
    else if (k.startsWith('opt.')) options[k.slice(4)] = parseOption(v);
  }
  const step = Number.parseInt(q.get('step') ?? '0', 10);
  return {
    expression,
    inputs,
    position: Number.isFinite(step) && step > 0 ? step : 0,
    check: q.get('check') === '1',
    chain: q.get('chain'),
    options,
  };
}

function parseOption(v) {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
