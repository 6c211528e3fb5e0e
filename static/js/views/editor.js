// The source panel: presets, the multi-line expression editor with the error underline, one
// field per detected input, options, and Run.
import { describeSpan, spanToOffsets } from '../logic/spans.js';
import { parseInputText } from '../logic/inputs.js';
import { sameSource, typedSource } from '../logic/source.js';
import { clear, h } from './dom.js';

export function mountEditor(root, store) {
  const text = root.querySelector('[data-expression]');
  const backdrop = root.querySelector('[data-backdrop]');
  root.querySelector('[data-preset]').addEventListener('change', (ev) => {
    if (ev.target.value) store.applyExample(ev.target.value);
  });
  text.addEventListener('input', () => {
    store.setExpression(text.value);
    autoGrow(text);
  });
  text.addEventListener('scroll', () => {
    backdrop.scrollTop = text.scrollTop;
    backdrop.scrollLeft = text.scrollLeft;
  });
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      store.runTyped();
    }
  });
  root.querySelector('[data-inputs]').addEventListener('input', (ev) => {
    const field = ev.target.closest('[data-input]');
    if (field) store.setInputText(field.dataset.input, field.value);
  });
  root.querySelector('[data-inputs]').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target.closest('[data-input]')) {
      ev.preventDefault();
      store.runTyped();
    }
  });
  root.querySelector('[data-sigmoid]').addEventListener('change', (ev) => {
    store.setOption('sigmoid', ev.target.value === 'node' ? null : ev.target.value);
  });
  root.querySelector('[data-run]').addEventListener('click', () => store.runTyped());
  root.querySelector('[data-error]').addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-suggestion]');
    if (!btn) return;
    // replace the underlined span with the suggestion, then run again
    const o = spanToOffsets(text.value, JSON.parse(btn.dataset.span));
    if (!o) return;
    store.setExpression(text.value.slice(0, o.start) + btn.dataset.suggestion + text.value.slice(o.end));
    store.runTyped();
  });
}

/** Say so when the text or the fields differ from what the graph shows. */
export function renderStale(root, state) {
  const stale = !!state.shown && !sameSource(state.shown, typedSource(state));
  root.querySelector('[data-stale]').hidden = !stale;
}

/** After an edit by hand: everything shown about the text must describe the text as it is now. */
export function renderEdited(root, state) {
  const text = root.querySelector('[data-expression]');
  if (text.value !== state.expression) {
    text.value = state.expression;
    autoGrow(text);
  }
  root.querySelector('[data-preset]').value = state.exampleId ?? '';
  syncOptions(root, state);
  renderInputErrors(root, state);
  renderStale(root, state);
  renderWarnings(root, state);
  renderError(root, state);
}

export function renderPresets(root, state) {
  const select = root.querySelector('[data-preset]');
  clear(select);
  select.append(h('option', { value: '' }, state.examples.length ? 'Choose an example…' : 'No examples'));
  for (const ex of state.examples) select.append(h('option', { value: ex.id, title: ex.description ?? '' }, ex.title));
  select.value = state.exampleId ?? '';
}

/** The whole source: expression text, input fields, options. */
export function renderSource(root, state) {
  const text = root.querySelector('[data-expression]');
  if (text.value !== state.expression) text.value = state.expression;
  autoGrow(text);
  root.querySelector('[data-preset]').value = state.exampleId ?? '';
  renderStale(root, state);
  renderInputs(root, state);
  syncOptions(root, state);
  renderWarnings(root, state);
  renderError(root, state);
}

function syncOptions(root, state) {
  const usesSigmoid = /\bsigmoid\s*\(/.test(state.expression);
  const row = root.querySelector('[data-sigmoid-row]');
  row.hidden = !usesSigmoid && !state.options.sigmoid;
  root.querySelector('[data-sigmoid]').value = state.options.sigmoid ?? 'node';
}

/** One field per input the expression uses; fields for unchanged names keep their DOM. */
export function renderInputs(root, state) {
  const box = root.querySelector('[data-inputs]');
  const list = box.querySelector('[data-input-list]');
  const have = [...list.querySelectorAll('[data-input]')].map((el) => el.dataset.input);
  const want = state.inputOrder;
  box.hidden = false;
  if (have.join('\u0000') === want.join('\u0000')) {
    for (const el of list.querySelectorAll('[data-input]')) {
      const t = state.inputTexts[el.dataset.input] ?? '';
      if (el.value !== t && document.activeElement !== el) el.value = t;
    }
    renderInputErrors(root, state);
    return;
  }
  clear(list);
  if (!want.length) {
    list.append(h('p', { class: 'muted small' }, 'No inputs: the expression is constant.'));
    return;
  }
  for (const name of want) {
    const id = `input-${name}`;
    const field = h('input', {
      id, type: 'text', class: 'input-field', inputmode: 'text', spellcheck: 'false', autocomplete: 'off',
      data: { input: name }, 'aria-describedby': `${id}-err`,
    });
    field.value = state.inputTexts[name] ?? '';
    list.append(h('div', { class: 'input-row' },
      h('label', { for: id, class: 'input-name' }, name),
      field,
      h('span', { id: `${id}-err`, class: 'field-error', data: { inputError: name } })));
  }
  renderInputErrors(root, state);
}

function showFieldError(field, message) {
  const err = field.parentElement.querySelector('[data-input-error]');
  err.textContent = message;
  field.toggleAttribute('aria-invalid', !!message);
}

/** Each field's problem, read from its text as it is now (never left over from an earlier run). */
function renderInputErrors(root, state) {
  for (const field of root.querySelectorAll('[data-input]')) {
    const r = parseInputText(state.inputTexts[field.dataset.input]);
    showFieldError(field, r.ok ? '' : r.error);
  }
}

/** The error about the text as it is now: a run's, else the live check's; none for older text. */
function currentError(state) {
  if (state.runError?.source.expression === state.expression) return state.runError.error;
  if (state.parseError?.expression === state.expression) return state.parseError.error;
  return null;
}

/** The error under the editor and its underline in the text. */
export function renderError(root, state) {
  const box = root.querySelector('[data-error]');
  const err = currentError(state);
  clear(box);
  box.hidden = !err;
  clearUnderline(root);
  if (!err) {
    renderSourceFocus(root, state);
    return;
  }
  const text = root.querySelector('[data-expression]').value;
  // the service's messages usually say where already; add it only when they do not
  const where = err.span && !/\bline \d/.test(err.message) ? describeSpan(text, err.span) : '';
  box.append(h('span', { class: 'error-msg' }, err.message), where ? h('span', { class: 'error-where' }, ` (${where})`) : '');
  if (err.suggestions?.length && err.span) {
    box.append(h('span', { class: 'suggestions' }, 'Replace with ', err.suggestions.slice(0, 3).map((sug, i) => [i ? ' or ' : '',
      h('button', { type: 'button', class: 'suggestion', data: { suggestion: sug, span: JSON.stringify(err.span) } }, sug)])));
  }
  if (err.span) underline(root, text, err.span);
}

/** The service's warnings about the shown graph (e.g. NaN from finite inputs), while the text
 * and the fields are what it was computed for (they name lines and columns of that text). */
export function renderWarnings(root, state) {
  const list = root.querySelector('[data-warnings]');
  clear(list);
  const current = sameSource(state.shown, typedSource(state));
  const warnings = current ? state.trace?.warnings ?? [] : [];
  list.hidden = !warnings.length;
  for (const w of warnings) list.append(h('li', {}, w));
}

/** Mark the current node's source span in the editor, while the text is what was run. */
export function renderSourceFocus(root, state) {
  const box = root.querySelector('[data-error]');
  if (!box.hidden) return; // an error's underline has the backdrop
  const backdrop = root.querySelector('[data-backdrop]');
  const text = root.querySelector('[data-expression]').value;
  const tl = state.timeline;
  const pos = tl?.positions[state.position];
  const node = pos?.node ? tl.nodes.get(pos.node) : null;
  if (!node?.span || state.shown?.expression !== text) {
    clear(backdrop);
    return;
  }
  const o = spanToOffsets(text, node.span);
  if (!o) return;
  const mark = h('mark', { class: ['source-focus', `source-focus-${pos.kind}`], data: { sourceFocus: `${o.start}-${o.end}` } }, text.slice(o.start, o.end));
  clear(backdrop).append(text.slice(0, o.start), mark, `${text.slice(o.end)} `);
}

function underline(root, text, span) {
  const o = spanToOffsets(text, span);
  if (!o) return;
  const backdrop = root.querySelector('[data-backdrop]');
  const mark = h('mark', { class: 'error-span', data: { errorSpan: `${o.start}-${o.end}` } }, text.slice(o.start, o.end) || ' ');
  clear(backdrop).append(text.slice(0, o.start), mark, `${text.slice(o.end)} `);
  root.querySelector('[data-expression]').setAttribute('aria-invalid', 'true');
}

function clearUnderline(root) {
  clear(root.querySelector('[data-backdrop]'));
  root.querySelector('[data-expression]').removeAttribute('aria-invalid');
}

export function renderRunStatus(root, state) {
  const btn = root.querySelector('[data-run]');
  btn.toggleAttribute('aria-busy', state.status === 'loading');
  btn.querySelector('[data-run-label]').textContent = state.status === 'loading' ? 'Running…' : 'Run';
}

function autoGrow(text) {
  // fit the text, wrapped lines included, up to about 12 lines; then it scrolls
  text.style.height = 'auto';
  text.style.height = `${Math.min(text.scrollHeight + 2, 280)}px`;
}
