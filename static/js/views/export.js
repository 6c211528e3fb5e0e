// The Export menu: the graph as drawn (SVG with its CSS and fonts inside, PNG at 2x through a
// canvas) and the service's formats (LaTeX, DOT, PyTorch, JSON) from POST /api/export, each
// saved as a download. Everything is made from the graph shown, at the current step.
import { apiUrl } from '../api.js';
import { parseInputText } from '../logic/inputs.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PNG_SCALE = 2;
const MAX_PNG_PIXELS = 8000; // a bigger canvas fails in some browsers: scale down to fit
const PAD = 16;
// KaTeX's sans-serif (served with the page) is embedded in the SVG, so the file looks the same
// in any viewer; the page's own system font may not exist there.
const FONTS = [
  { weight: 400, url: '/vendor/katex/dist/fonts/KaTeX_SansSerif-Regular.woff2' },
  { weight: 700, url: '/vendor/katex/dist/fonts/KaTeX_SansSerif-Bold.woff2' },
];
const FONT_FAMILY = 'BPE Sans';
const SERVER_FORMATS = new Set(['latex', 'dot', 'torch', 'json']);
const STATUS_MS = 4000;

export function mountExport(root, store, graphView) {
  const status = root.querySelector('[data-export-status]');
  const menu = root.querySelector('details');
  let timer = 0;
  for (const button of root.querySelectorAll('[data-export-format]')) {
    button.addEventListener('click', async () => {
      const format = button.dataset.exportFormat;
      menu.open = false;
      status.textContent = `Exporting ${format}…`;
      try {
        const { blob, name } = SERVER_FORMATS.has(format)
          ? await fromServer(store.state, format)
          : await fromDrawing(store.state, graphView, format);
        download(blob, name);
        status.textContent = `Saved ${name}`;
      } catch (err) {
        status.textContent = `Export failed: ${err.message}`;
      }
      clearTimeout(timer);
      timer = setTimeout(() => { status.textContent = ''; }, STATUS_MS);
    });
  }
}

/** Enable the menu once a graph is shown. */
export function renderExport(root, state) {
  root.querySelector('summary').setAttribute('aria-disabled', state.trace ? 'false' : 'true');
  root.classList.toggle('is-disabled', !state.trace);
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function stem(state) {
  const out = state.trace?.nodes.find((n) => n.id === state.trace.output);
  return `backprop-${(out?.label ?? 'graph').replace(/[^\w-]+/g, '_').slice(0, 40)}`;
}

/** The backprop step the page shows, as /api/export counts them (0: none sent yet). */
export function backpropStep(state) {
  const tl = state.timeline;
  if (!tl) return null;
  const p = tl.positions[state.position];
  if (p.kind === 'backward') return p.index + 1;
  if (p.kind === 'done') return state.trace.steps.length;
  return 0;
}

async function fromServer(state, format) {
  const source = state.shown;
  if (!source) throw new Error('run an expression first');
  const inputs = {};
  for (const [name, text] of Object.entries(source.inputs)) inputs[name] = parseInputText(text).value;
  const body = { expression: source.expression, inputs, ...source.options, format, step: backpropStep(state) };
  if (state.chain && state.trace.nodes.some((n) => n.name === state.chain)) body.chain = state.chain;
  const res = await fetch(apiUrl('/api/export'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    throw new Error(data?.error?.message ?? `the server answered ${res.status}`);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `${stem(state)}.${format}`;
  return { blob: await res.blob(), name };
}

async function fromDrawing(state, view, format) {
  if (!view.svg || !view.layout) throw new Error('no graph is drawn');
  const svg = await standaloneSvg(view);
  const text = new XMLSerializer().serializeToString(svg);
  if (format === 'svg') return { blob: new Blob([text], { type: 'image/svg+xml' }), name: `${stem(state)}.svg` };
  return { blob: await toPng(text, svg), name: `${stem(state)}.png` };
}

/** The live drawing as a file of its own: the whole graph, its CSS and fonts inside. */
export async function standaloneSvg(view) {
  const width = Math.ceil(view.layout.width + 2 * PAD);
  const height = Math.ceil(view.layout.height + 2 * PAD);
  const svg = view.svg.cloneNode(true);
  svg.setAttribute('xmlns', SVG_NS);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.querySelector('.viewport').setAttribute('transform', `translate(${PAD},${PAD})`);
  const background = document.createElementNS(SVG_NS, 'rect');
  for (const [k, v] of Object.entries({ width, height, fill: '#ffffff' })) background.setAttribute(k, String(v));
  svg.querySelector('defs').after(background);
  const style = document.createElementNS(SVG_NS, 'style');
  style.textContent = [await fontFaces(), variables(), ...rulesFor(svg),
    `.graph-svg text { font-family: "${FONT_FAMILY}", "DejaVu Sans", sans-serif; }`].join('\n');
  svg.prepend(style);
  return svg;
}

/** The page's custom properties, resolved, for the rules that use var(--...). */
function variables() {
  const css = getComputedStyle(document.documentElement);
  const names = ['--forward', '--forward-soft', '--forward-mid', '--backward', '--backward-line',
    '--backward-soft', '--backward-mid', '--surface', '--border', '--border-strong', '--text', '--muted'];
  return `svg { ${names.map((n) => `${n}: ${css.getPropertyValue(n).trim()};`).join(' ')} }`;
}

/** The stylesheet rules that apply to something in the drawing (and the keyframes they use). */
function rulesFor(svg) {
  const out = [];
  for (const sheet of document.styleSheets) {
    let rules;
    try {
      rules = sheet.cssRules;
    } catch {
      continue; // a sheet of another origin (none today)
    }
    for (const rule of rules) {
      if (rule instanceof CSSKeyframesRule) out.push(rule.cssText);
      else if (rule instanceof CSSStyleRule && !rule.selectorText.includes(':hover') && matches(svg, rule.selectorText)) out.push(rule.cssText);
    }
  }
  return out;
}

function matches(svg, selector) {
  try {
    return svg.matches(selector) || svg.querySelector(selector) !== null;
  } catch {
    return false;
  }
}

let fontCss = null;
async function fontFaces() {
  fontCss ??= Promise.all(FONTS.map(async ({ weight, url }) => {
    const res = await fetch(apiUrl(url));
    if (!res.ok) return '';
    const data = await blobToDataUrl(await res.blob(), 'font/woff2');
    return `@font-face { font-family: "${FONT_FAMILY}"; font-weight: ${weight}; src: url(${data}) format("woff2"); }`;
  })).then((faces) => faces.join('\n'));
  return fontCss;
}

function blobToDataUrl(blob, type) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^;,]*/, `data:${type}`));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** The SVG drawn on a canvas at twice its size, at most MAX_PNG_PIXELS a side (from a data: URL:
 * the page's CSP allows img data:). */
async function toPng(text, svg) {
  const width = Number(svg.getAttribute('width'));
  const height = Number(svg.getAttribute('height'));
  const img = new Image();
  const loaded = new Promise((resolve, reject) => {
    img.onload = resolve;
    img.onerror = () => reject(new Error('the browser could not draw the SVG'));
  });
  img.src = await blobToDataUrl(new Blob([text], { type: 'image/svg+xml' }), 'image/svg+xml');
  await loaded;
  const scale = Math.min(PNG_SCALE, MAX_PNG_PIXELS / Math.max(width, height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('no PNG'))), 'image/png'));
}
