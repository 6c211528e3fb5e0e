"""Page benchmark (run by hand, not a test): drawing and stepping big graphs in the browser.

    python bench/bench_page.py [--sizes 30,300,1000] [--runs 3]

Starts the real server, opens the page in Debian's Chromium (headless, 1280x720) and, for graphs
of about 30, 300 and 1,000 nodes, measures with performance.now() inside the page:
- layout: dagre's layout of the trace;
- drawn: from the parsed response to the graph, timeline and step panel in the DOM;
- painted: from the parsed response to the next frame after it (style, layout and paint done);
- step: one Next (JS, then a forced style and layout), mean and worst over the walk;
- jump: End then Home (every element changes).
Targets: a 300-node graph painted within 500 ms; every step under 16 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import CHROMIUM, CHROMIUM_ARGS, running_server  # noqa: E402  (shared with the tests)


def recurrence(nodes: int) -> tuple[str, dict]:
    """An unrolled tanh recurrence h = tanh(w*h + b): 3 op nodes per line, w and b fan out."""
    lines = ["h = x"]
    for _ in range(max(1, (nodes - 3) // 3)):
        lines.append("h = tanh(w*h + b)")
    lines.append("h")
    return "\n".join(lines), {"x": "0.5", "w": "0.9", "b": "0.1"}


def polynomial(nodes: int) -> tuple[str, dict]:
    """A sum of terms c_i * x**i written out: x fans out to every term."""
    terms = [f"{(i % 7) / 10 + 0.1:.1f}*x**{i % 5 + 1}" for i in range(max(1, nodes // 5))]
    return " + ".join(terms), {"x": "0.7"}


SHAPES = {"recurrence": recurrence, "polynomial": polynomial}

MEASURE_DRAW = """async ([expression, inputs]) => {
  const s = window.backprop.store;
  s.setSource({ expression, inputs });
  await s.runTyped();
  if (s.state.status !== 'ready') return { error: s.state.runError?.message };
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const d = window.backprop.timings.draws.at(-1);
  return { ...d, edges: s.state.trace.edges.length, positions: s.state.timeline.last + 1 };
}"""

MEASURE_STEPS = """(limit) => {
  const s = window.backprop.store;
  s.goTo(0);
  void document.body.offsetHeight;
  const times = [];
  const n = Math.min(s.state.timeline.last, limit);
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    s.next();
    void document.body.offsetHeight;  // style and layout of what the step changed
    times.push(performance.now() - t);
  }
  const jumps = [];
  for (let i = 0; i < 3; i += 1) {
    for (const go of [() => s.end(), () => s.reset()]) {
      const t = performance.now();
      go();
      void document.body.offsetHeight;
      jumps.push(performance.now() - t);
    }
  }
  return { times, jumps };
}"""


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="30,300,1000")
    ap.add_argument(
        "--runs", type=int, default=3, help="draws per size (the best and median are shown)"
    )
    ap.add_argument("--shapes", default="recurrence,polynomial")
    ap.add_argument("--max-steps", type=int, default=600, help="steps walked per graph")
    ap.add_argument("--url", help="an already running server (default: start one)")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        base = args.url.rstrip("/") if args.url else stack.enter_context(running_server())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(base + "/")
            page.wait_for_selector("body[data-ready]", timeout=20_000)
            print(
                f"{'shape':<11} {'nodes':>5} {'edges':>5} {'layout':>8} {'drawn':>8} {'painted':>8}"
                f" {'step mean':>9} {'step p95':>8} {'step max':>8} {'jump max':>8}   (ms)"
            )
            for shape in args.shapes.split(","):
                for size in (int(s) for s in args.sizes.split(",")):
                    expression, inputs = SHAPES[shape](size)
                    draws = []
                    for _ in range(args.runs):
                        d = page.evaluate(MEASURE_DRAW, [expression, inputs])
                        if "error" in d:
                            raise SystemExit(f"{shape} {size}: the server refused: {d['error']}")
                        draws.append(d)
                    steps = page.evaluate(MEASURE_STEPS, args.max_steps)
                    t = sorted(steps["times"])
                    p95 = t[int(0.95 * (len(t) - 1))]
                    painted = [d["paintedMs"] for d in draws]
                    print(
                        f"{shape:<11} {draws[0]['nodes']:>5} {draws[0]['edges']:>5}"
                        f" {statistics.median(d['layoutMs'] for d in draws):>8.1f}"
                        f" {statistics.median(d['drawnMs'] for d in draws):>8.1f}"
                        f" {statistics.median(painted):>8.1f}"
                        f" {statistics.fmean(t):>9.2f} {p95:>8.2f} {t[-1]:>8.2f}"
                        f" {max(steps['jumps']):>8.1f}"
                    )
            browser.close()


if __name__ == "__main__":
    main()
