// What the speaker-notes window shows: the slide's notes, the current step with its numbers,
// and what comes next. Pure: no DOM; the message is plain data sent over a BroadcastChannel.
import { formatNumber, formatShape } from './format.js';
import { narrate } from './narrate.js';
import { nodeName } from './names.js';
import { shapeOf } from './tensor.js';
import { phaseOf } from './timeline.js';

export const NOTES_CHANNEL = 'backprop-explorer-notes';

const num = (v) => (Array.isArray(v) ? `[${formatShape(shapeOf(v))}]` : formatNumber(v));

/** The numbers of position p, one line each: "toward add: −0.25 × 1 = −0.25". */
export function stepNumbers(timeline, p, ops = {}) {
  const pos = timeline.positions[p];
  if (!pos) return [];
  const name = (n) => nodeName(n, ops);
  if (pos.kind === 'forward') {
    const node = timeline.nodes.get(pos.node);
    const ins = node.inputs.map((id) => num(timeline.nodes.get(id).value));
    return [`${name(node)}(${ins.join(', ')}) = ${num(node.value)}`];
  }
  if (pos.kind === 'backward') {
    const lines = [`upstream ${num(pos.step.upstream)}`];
    for (const id of pos.step.edges) {
      const e = timeline.edges.get(id);
      const src = name(timeline.nodes.get(e.source));
      if (e.downstream === null) lines.push(`toward ${src}: no gradient (a constant)`);
      else if (e.local !== null) lines.push(`toward ${src}: ${num(e.upstream)} × ${num(e.local)} = ${num(e.downstream)}`);
      else lines.push(`toward ${src}: downstream ${num(e.downstream)}`);
    }
    return lines;
  }
  if (pos.kind === 'done') {
    return [...timeline.nodes.values()]
      .filter((n) => !n.inputs.length && n.grad !== null)
      .map((n) => `∂L/∂${n.label} = ${num(n.grad)}`);
  }
  return [...timeline.nodes.values()].filter((n) => n.op === 'input').map((n) => `${n.label} = ${num(n.value)}`);
}

/**
 * The notes window's message. lesson: the open lesson or null; slide: its index; the rest is
 * the store's state (trace, timeline, position, ops).
 */
export function notesMessage({ lesson = null, slide = 0, trace = null, timeline = null, position = 0, ops = {}, blank = false }) {
  const sl = lesson?.slides[slide] ?? null;
  const msg = {
    type: 'state',
    lesson: lesson ? { id: lesson.id, title: lesson.title } : null,
    slide: sl ? { n: slide + 1, count: lesson.slides.length, title: sl.title, notes: sl.notes, text: sl.text } : null,
    step: null,
    next: null,
    blank,
  };
  if (!trace || !timeline) return msg;
  const { text } = phaseOf(timeline, position);
  msg.step = { position, last: timeline.last, phase: text, sentence: narrate(trace, timeline, position, ops), numbers: stepNumbers(timeline, position, ops) };
  if (position < timeline.last) {
    msg.next = { phase: phaseOf(timeline, position + 1).text, sentence: narrate(trace, timeline, position + 1, ops) };
  } else if (lesson && slide + 1 < lesson.slides.length) {
    msg.next = { phase: `Slide ${slide + 2}`, sentence: lesson.slides[slide + 1].title };
  } else {
    msg.next = { phase: 'End', sentence: lesson ? 'The last slide of the lesson.' : 'The end of the graph.' };
  }
  return msg;
}

/** The keys of a presentation clicker (and of a keyboard) as commands. */
export function keyCommand(key) {
  return {
    PageDown: 'forward',
    PageUp: 'backward',
    b: 'blank',
    B: 'blank',
    '.': 'blank', // many clickers send "." for their blank-screen button
    Escape: 'unblank',
    f: 'fullscreen',
    F: 'fullscreen',
  }[key] ?? null;
}
