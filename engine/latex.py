r"""LaTeX of the learner's names, and the registry's formulas written with them.

A node's display name becomes KaTeX-safe LaTeX as a student writes it by hand (and as sympy
prints a symbol): a name's trailing digits or its part after "_" become a subscript, a name of
several letters is upright, Greek stays Greek, anything else is text with LaTeX's special
characters escaped:
    x -> x            w1 -> w_{1}        x_2 -> x_{2}       w_out -> w_{\mathrm{out}}
    θ -> θ            theta1 -> \theta_{1}                   loss -> \mathrm{loss}
    变量 -> \text{变量}                   a+b -> \text{a+b}   x^2 -> \text{x\textasciicircum{}2}
An op's title is upright (\mathrm{add}); a constant is a number (-0.5, 10^{-5},
1.5 \times 10^{20}, \infty, \mathrm{NaN}); a tensor constant is its shape ([2 \times 3]).

`substitute` writes a registry formula (in the words x, y for an op's first and second input)
with the LaTeX of the op's actual inputs, in parentheses where the formula needs them.
"""

from __future__ import annotations

import re
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
#: Spelled-out Greek letters that LaTeX (and KaTeX) has as commands: `eta` renders as η.
GREEK_NAMES = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)
#: Greek letters KaTeX takes in math mode (it refuses the accented ones, and all in \text{}).
GREEK = "".join(
    [chr(c) for c in range(0x391, 0x3AA) if c != 0x3A2]
    + [chr(c) for c in range(0x3B1, 0x3CA)]
    + list("ϑϕϵϱϖ")
)
_MATH_WORD = re.compile(rf"[A-Za-z0-9_{GREEK}]+")  # what \mathrm{} takes (with "_" escaped)
_GREEK_RUNS = re.compile(rf"[{GREEK}]+|[^{GREEK}]+")
#: Inside \text{} (and in any plain text of a LaTeX document): its special characters, as text.
TEXT_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "#": r"\#",
        "%": r"\%",
        "&": r"\&",
        "$": r"\$",
        "_": r"\_",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
    }
)
_LETTER = re.compile(rf"[A-Za-z{GREEK}]")
_TRAILING_DIGITS = re.compile(r"(.*?[^\W\d_])([0-9]+)")
_SUBSCRIPT = re.compile(r"[^\W_](?:\w*[^\W_])?")  # word characters, no "_" at either end


def _word(s: str) -> str:
    r"""Upright: \mathrm{} where KaTeX takes the characters in math mode, else \text{}."""
    if _MATH_WORD.fullmatch(s):
        return r"\mathrm{" + s.replace("_", r"\_") + "}"
    if not any(c in GREEK for c in s):
        return r"\text{" + s.translate(TEXT_ESCAPES) + "}"
    return "".join(map(_word, _GREEK_RUNS.findall(s)))


def _part(s: str) -> str:
    """A base or a subscript: a letter (italic), a Greek letter, digits, else upright."""
    if _LETTER.fullmatch(s) or (s.isascii() and s.isdigit()):
        return s
    if s in GREEK_NAMES:
        return "\\" + s
    return _word(s)


@lru_cache(maxsize=4096)
def name_tex(name: str) -> str:
    r"""A user's name: `w1` -> `w_{1}`, `x_2` -> `x_{2}`, `loss` -> `\mathrm{loss}`."""
    base, _, sub = name.partition("_")
    if base.isidentifier() and _SUBSCRIPT.fullmatch(sub):
        return f"{_part(base)}_{{{_part(sub)}}}"
    m = _TRAILING_DIGITS.fullmatch(name)
    if m and m.group(1).isidentifier():
        return f"{_part(m.group(1))}_{{{m.group(2)}}}"
    return _part(name)


def title_tex(title: str) -> str:
    r"""An op's title: `add` -> `\mathrm{add}`."""
    return _word(title)


_NUMBER = re.compile(r"(-?)([0-9]+(?:\.[0-9]*)?)(?:e([+-])0*([0-9]+))?")
_SPECIAL_NUMBERS = {"nan": r"\mathrm{NaN}", "inf": r"\infty", "-inf": r"-\infty"}


@lru_cache(maxsize=4096)
def number_tex(text: str) -> str:
    r"""A constant's label (Python's `g` format): `-0.5` as it is, `1e-05` -> `10^{-5}`."""
    if text in _SPECIAL_NUMBERS:
        return _SPECIAL_NUMBERS[text]
    m = _NUMBER.fullmatch(text)
    if m is None:
        return _word(text)
    sign, mantissa, exp_sign, exp = m.groups()
    if exp is None:
        return text
    power = "10^{" + ("-" if exp_sign == "-" else "") + exp + "}"
    return sign + (power if mantissa == "1" else rf"{mantissa} \times {power}")


def shape_tex(label: str) -> str:
    r"""A tensor constant's label: `[2×3]` -> `[2 \times 3]`."""
    return label.replace("×", r" \times ")


# ---------------------------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------------------------
PLACEHOLDERS = ("x", "y")
#: Commands whose argument is text or a letter of a font, never a placeholder.
_TEXT_COMMANDS = "text|textrm|mathrm|operatorname|mathbb|mathcal|mathfrak|mbox"
_TOKEN = re.compile(
    rf"\\(?:{_TEXT_COMMANDS})\{{[^{{}}]*\}}"  # \text{...}, skipped whole
    r"|\\[A-Za-z]+"  # a command: \max, \exp, \top
    r"|\\."  # a control symbol: \, \# \{
    r"|[A-Za-z]+"  # letters: only an x or a y standing alone is a placeholder
    r"|\s+|.",
    re.S,
)
#: Between these an operand may stand as it is, whatever it is (a sum, a negative number).
_OPEN_BEFORE = frozenset("{([=<>")
_OPEN_AFTER = frozenset("})]=<>+-")
#: One symbol: safe next to anything but a subscript of its own (x_i) ...
_ONE = (
    rf"(?:[0-9.]+|[A-Za-z{GREEK}]|\\[A-Za-z]+|\\mathrm\{{(?:[^{{}}\\\s]|\\_)*\}}"
    r"|\\text\{\w+\}|\[[^\[\]]*\])"
)
_SYMBOL = re.compile(_ONE)
#: ... or one symbol with a subscript: safe next to anything but a further subscript.
_ATOM = re.compile(_ONE + r"(?:_\{(?:[^{}]|\{[^{}]*\})*\})?")


@lru_cache(maxsize=256)
def _template(formula: str) -> tuple:
    """The formula as text and placeholders: (input position, character before, after)."""
    tokens = _TOKEN.findall(formula)
    parts: list = []
    for k, tok in enumerate(tokens):
        if tok in PLACEHOLDERS:
            before = next((t for t in reversed(tokens[:k]) if not t.isspace()), "")
            after = next((t for t in tokens[k + 1 :] if not t.isspace()), "")
            parts.append((PLACEHOLDERS.index(tok), before[-1:], after[:1]))
        elif parts and type(parts[-1]) is str:
            parts[-1] += tok
        else:
            parts.append(tok)
    return tuple(parts)


def uses_inputs(formula: str) -> bool:
    """Whether the formula names an input (x or y)."""
    return any(type(part) is tuple for part in _template(formula))


def lone_input(formula: str) -> int | None:
    """The position of the input the formula is alone (mul's `y`: 1), else None. Such a formula
    written with names is that input's LaTeX, whatever it is."""
    parts = _template(formula)
    return parts[0][0] if len(parts) == 1 and type(parts[0]) is tuple else None


def operand(tex: str, before: str = "", after: str = "") -> str:
    """`tex` standing between the characters `before` and `after` of a formula: parenthesized
    when it is more than one symbol and its neighbours bind more tightly (x^{2}, \\ln x, -x)."""
    if after == "_":
        fits = _SYMBOL.fullmatch(tex)
    elif (not before or before in _OPEN_BEFORE) and (not after or after in _OPEN_AFTER):
        return tex
    else:
        fits = _ATOM.fullmatch(tex)
    return tex if fits else f"({tex})"


def substitute(formula: str, *inputs: str | None) -> str:
    r"""The formula with x and y replaced by the LaTeX of the op's first and second input.

    >>> substitute(r"y\,x^{y-1}", "w_{1}", "-0.5")
    '(-0.5)\\,w_{1}^{-0.5-1}'
    """
    out = []
    for part in _template(formula):
        if type(part) is str:
            out.append(part)
            continue
        k, before, after = part
        tex = inputs[k] if k < len(inputs) else None
        out.append(PLACEHOLDERS[k] if tex is None else operand(tex, before, after))
    return "".join(out)
