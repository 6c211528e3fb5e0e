// Rendered math: KaTeX from npm (served at vendor/). katex.render builds the formula as DOM
// nodes (its sizes set through element.style), which the Content-Security-Policy allows; HTML
// text with style="..." attributes (renderToString) it would refuse. Each formula is rendered
// once and cloned after that, so a step re-renders in well under a frame. The LaTeX comes from
// the op registry, never from the user.
import katex from '../../vendor/katex/dist/katex.mjs';

const cache = new Map();

/** A <span class="math"> holding the rendered formula. */
export function mathEl(tex, { display = false } = {}) {
  const key = `${display ? 'D' : 'I'}${tex}`;
  let rendered = cache.get(key);
  if (rendered === undefined) {
    rendered = document.createElement('span');
    rendered.className = 'math';
    katex.render(tex, rendered, { displayMode: display, throwOnError: false, output: 'htmlAndMathml' });
    cache.set(key, rendered);
  }
  return rendered.cloneNode(true);
}
