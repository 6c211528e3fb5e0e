"""Numbers, values and names as LaTeX that pdflatex compiles (and KaTeX renders)."""

from __future__ import annotations

import re

from engine.latex import GREEK, TEXT_ESCAPES

from .annotate import number, shape_of

#: A tensor is written out as a matrix up to this many rows and columns, else as its shape.
MAX_MATRIX_SIDE = 6

# Greek letters as pdflatex's commands (KaTeX takes the characters; pdflatex does not)
_GREEK_NAMES = (
    "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho "
    "_ Sigma Tau Upsilon Phi Chi Psi Omega "
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "varsigma sigma tau upsilon phi chi psi omega"
).split()
_UPPER_AS_LATIN = dict(
    zip("Alpha Beta Epsilon Zeta Eta Iota Kappa Mu Nu Omicron Rho Tau Chi".split(), "ABEZHIKMNORTX")
)
_GREEK_TEX = {}
for _c, _n in zip([chr(c) for c in range(0x391, 0x3AA)] + [chr(c) for c in range(0x3B1, 0x3CA)],
                  _GREEK_NAMES[:25] + _GREEK_NAMES[25:]):  # fmt: skip
    if _n != "_":
        _GREEK_TEX[_c] = _UPPER_AS_LATIN.get(_n) or ("o" if _n == "omicron" else "\\" + _n + " ")
_GREEK_TEX.update(
    {"ϑ": r"\vartheta ", "ϕ": r"\phi ", "ϵ": r"\epsilon ", "ϱ": r"\varrho ", "ϖ": r"\varpi "}
)
_GREEK_TEX.update({"φ": r"\varphi ", "ε": r"\varepsilon "})
assert set(GREEK) <= set(_GREEK_TEX), set(GREEK) - set(_GREEK_TEX)
#: What KaTeX writes that pdflatex (with amsmath and amssymb) writes otherwise.
_KATEX_ONLY = {r"\mathbb{1}": r"\mathbf{1}"}


def _pdf_char(c: str, math: bool) -> str:
    """A character pdflatex (utf8 inputenc, no CJK fonts) takes: Greek as its command, Latin-1
    letters as they are, anything else as its code point, [U+53D8]."""
    if c.isascii() or "\u00c0" <= c <= "\u00ff":
        return c
    if c in _GREEK_TEX:
        return _GREEK_TEX[c] if math else r"\ensuremath{" + _GREEK_TEX[c].strip() + "}"
    return f"[U+{ord(c):04X}]"


def pdf_tex(tex: str) -> str:
    """KaTeX's LaTeX made pdflatex's: Greek characters as commands, \\mathbb{1} as \\mathbf{1},
    other characters outside Latin-1 as their code points (in a name's \\text{})."""
    for katex, latex in _KATEX_ONLY.items():
        tex = tex.replace(katex, latex)
    if not tex.isascii():
        tex = "".join(_pdf_char(c, math=True) for c in tex)
    return tex


def text(s: str) -> str:
    """Plain text with LaTeX's special characters escaped (and pdf_tex's characters)."""
    s = s.translate(TEXT_ESCAPES)
    return s if s.isascii() else "".join(_pdf_char(c, math=False) for c in s)


def num(v) -> str:
    """A scalar: 0.25, -1, 1.5 \\times 10^{-7}, \\mathrm{NaN}, \\infty."""
    if isinstance(v, str):
        return {"NaN": r"\mathrm{NaN}", "Infinity": r"\infty", "-Infinity": r"-\infty"}[v]
    s = number(v)
    m = re.fullmatch(r"(-?[0-9.]+)e([+-])0*([0-9]+)", s)
    if m:
        mant, sign, exp = m.groups()
        power = "10^{" + ("-" if sign == "-" else "") + exp + "}"
        return power if mant == "1" else rf"{mant} \times {power}"
    return s


def factor(v) -> str:
    """A number as a factor of a product: negatives in parentheses."""
    s = value(v)
    return f"({s})" if s.startswith("-") else s


def value(v) -> str:
    """A value: a scalar, a small tensor as a matrix, a big one as its shape."""
    if v is None:
        return r"\text{--}"
    if not isinstance(v, list):
        return num(v)
    shape = shape_of(v)
    if len(shape) == 1 and shape[0] <= MAX_MATRIX_SIDE:
        return r"\begin{bmatrix}" + " & ".join(num(x) for x in v) + r"\end{bmatrix}"
    if len(shape) == 2 and max(shape) <= MAX_MATRIX_SIDE:
        rows = [" & ".join(num(x) for x in row) for row in v]
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    return r"[" + r" \times ".join(map(str, shape)) + r"]\text{ tensor}"
