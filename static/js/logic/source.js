// The source: what a run sends, as the fields hold it (expression, input texts, options). The
// graph shown was computed for one (`state.shown`); the editor holds another. Pure: no DOM.

/** The source typed in the editor and the fields: {expression, inputs: {name: text}, options}. */
export function typedSource(state) {
  const inputs = {};
  for (const name of state.inputOrder) inputs[name] = String(state.inputTexts[name] ?? '').trim();
  return { expression: state.expression, inputs, options: { ...state.options } };
}

/** Do two sources ask for the same graph? (input order aside) */
export function sameSource(a, b) {
  if (!a || !b || a.expression !== b.expression) return false;
  return sameEntries(a.inputs, b.inputs) && sameEntries(a.options, b.options);
}

function sameEntries(a = {}, b = {}) {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && a[k] === b[k]);
}
