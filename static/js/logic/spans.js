// Service spans -> character offsets in the editor's text. Pure: no DOM.
// A span is [line, col, end_line, end_col]: 1-based lines, 0-based columns counted, as in
// Python's ast, in UTF-8 bytes (so a non-ASCII character before the error shifts them).

function byteColToIndex(line, byteCol) {
  let bytes = 0;
  let i = 0;
  for (const ch of line) {
    if (bytes >= byteCol) break;
    const cp = ch.codePointAt(0);
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += ch.length;
  }
  return i;
}

/** {start, end} offsets into text for a span; a zero-width span widens to one character. */
export function spanToOffsets(text, span) {
  if (!Array.isArray(span) || span.length < 2) return null;
  const lines = text.split('\n');
  const [line, col, endLine = line, endCol = col] = span;
  const at = (ln, c) => {
    const k = Math.min(Math.max(ln, 1), lines.length) - 1;
    let offset = 0;
    for (let j = 0; j < k; j += 1) offset += lines[j].length + 1;
    return offset + Math.min(byteColToIndex(lines[k], Math.max(c, 0)), lines[k].length);
  };
  const start = at(line, col);
  let end = at(endLine ?? line, endCol ?? col);
  if (end <= start) end = Math.min(start + 1, text.length);
  return { start, end: Math.max(end, start) };
}

/** "line 2, columns 4–7" for messages (columns shown 1-based, as editors count). */
export function describeSpan(text, span) {
  const o = spanToOffsets(text, span);
  if (!o) return '';
  const before = text.slice(0, o.start).split('\n');
  const line = before.length;
  const col = before[before.length - 1].length + 1;
  const width = o.end - o.start;
  return width > 1 ? `line ${line}, columns ${col}\u2013${col + width - 1}` : `line ${line}, column ${col}`;
}
