// The service's spans -> offsets into the editor's text. Pure: no DOM.
//
// A span is [line, col, end_line, end_col]: lines from 1, columns from 0, end exclusive, counted
// in Unicode code points (docs/api.md). A JS string is indexed in UTF-16 units, where a character
// beyond the BMP (𝑥, 🙂) takes two, so columns are converted here and nowhere else: every place
// that applies a span (the error underline, a suggestion's replacement, the current node's
// highlight, "line 1, column 9") goes through spanToOffsets.

/** The UTF-16 index of code-point column `col` in `line` (clamped to the line's end). */
function codePointColToIndex(line, col) {
  let i = 0;
  for (let k = 0; k < col && i < line.length; k += 1) i += line.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

/**
 * {start, end} string offsets for a span. A zero-width span widens to the one character after
 * it; at the end of a line there is none, so start === end (the editor marks the place).
 * spanToOffsets('θ * x + foo(y)', [1, 8, 1, 11]) -> {start: 8, end: 11}
 */
export function spanToOffsets(text, span) {
  if (!Array.isArray(span) || span.length < 2) return null;
  const lines = text.split('\n');
  const [line, col, endLine = line, endCol = col] = span;
  const lineStart = (k) => {
    let offset = 0;
    for (let j = 0; j < k; j += 1) offset += lines[j].length + 1;
    return offset;
  };
  const at = (ln, c) => {
    const k = Math.min(Math.max(ln, 1), lines.length) - 1;
    return { k, offset: lineStart(k) + codePointColToIndex(lines[k], Math.max(c, 0)) };
  };
  const { k, offset: start } = at(line, col);
  let { offset: end } = at(endLine, endCol);
  if (end <= start) {
    const lineEnd = lineStart(k) + lines[k].length;
    end = start < lineEnd ? start + (text.codePointAt(start) > 0xffff ? 2 : 1) : start;
  }
  return { start, end };
}

/** "line 2, columns 4–7" for messages (columns shown from 1 and in characters, as editors count). */
export function describeSpan(text, span) {
  const o = spanToOffsets(text, span);
  if (!o) return '';
  const before = text.slice(0, o.start).split('\n');
  const line = before.length;
  const col = [...before[before.length - 1]].length + 1;
  const width = Math.max([...text.slice(o.start, o.end)].length, 1);
  return width > 1 ? `line ${line}, columns ${col}\u2013${col + width - 1}` : `line ${line}, column ${col}`;
}
