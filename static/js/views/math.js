// Rendered math: KaTeX from npm (served at /vendor/), output cached by LaTeX source so a step
// re-renders in well under a frame. The LaTeX comes from the op registry, never from the user.
import katex from '/vendor/katex/dist/katex.mjs';

const cache = new Map();

export function mathHTML(tex, { display = false } = {}) {
  const key = `${display ? 'D' : 'I'}${tex}`;
  let html = cache.get(key);
  if (html === undefined) {
    html = katex.renderToString(tex, { displayMode: display, throwOnError: false, output: 'htmlAndMathml' });
    cache.set(key, html);
  }
  return html;
}

/** A <span class="math"> holding the rendered formula (KaTeX escapes its own text). */
export function mathEl(tex, opts = {}) {
  const el = document.createElement('span');
  el.className = 'math';
  el.innerHTML = mathHTML(tex, opts);
  return el;
}
