// Bundles the page's notebook entry (static/js/embed.js, with KaTeX and dagre from node_modules/)
// into one module, and its CSS (KaTeX's with its fonts inlined, the page's, the notebook's) into
// one stylesheet, so a notebook output carries everything and loads nothing.
// Run by setup.py when a wheel is built and by backprop_notebook/assets.py in a source checkout:
//   node backprop_notebook/bundle.mjs OUT_DIR
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2];
if (!out) {
  console.error('usage: node backprop_notebook/bundle.mjs OUT_DIR');
  process.exit(2);
}

// The page imports its npm modules from vendor/ beside static/js/ (relative imports such as
// '../../vendor/katex/...', served from node_modules/, see setup.py): taken from node_modules/.
const vendor = {
  name: 'vendor',
  setup(build) {
    build.onResolve({ filter: /(^|\/)vendor\// }, (args) => ({
      path: join(ROOT, 'node_modules', args.path.slice(args.path.indexOf('vendor/') + 7)),
    }));
  },
};

await esbuild.build({
  entryPoints: [join(ROOT, 'static/js/embed.js')],
  outfile: join(out, 'embed.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  legalComments: 'eof', // KaTeX's and dagre's licence notices stay with their code
  plugins: [vendor],
  logLevel: 'warning',
});

const css = await esbuild.build({
  stdin: {
    contents: ['node_modules/katex/dist/katex.min.css', 'static/css/app.css', 'static/css/embed.css']
      .map((f) => `@import "./${f}";`).join('\n'),
    resolveDir: ROOT,
    loader: 'css',
  },
  outfile: join(out, 'embed.css'),
  bundle: true,
  minify: true,
  // every browser that runs the page reads woff2: the older formats KaTeX lists are left out
  loader: { '.woff2': 'dataurl', '.woff': 'empty', '.ttf': 'empty' },
  logLevel: 'warning',
  write: false,
});
// ...and so are the empty url() they become
const text = css.outputFiles[0].text.replaceAll(/,url\(\) format\("[a-z]+"\)/g, '');
await writeFile(join(out, 'embed.css'), text);
