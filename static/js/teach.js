// Teaching: lessons, the projector view with a clicker, the speaker-notes window and the quiz,
// wired to the store and the page in one place. main.js calls mountTeaching once, after its own
// wiring (so these views render after the step panel at each event), and start() at start-up.
import { EVENTS } from './events.js';
import { Lessons, LESSON_EVENTS } from './lessons.js';
import { keyCommand, NOTES_CHANNEL, notesMessage } from './logic/presenter.js';
import { decodeLesson } from './logic/urlstate.js';
import { fitGraph } from './views/graph.js';
import { mountLessonBar, renderBlank, renderLessonBar, renderLessonPicker, renderModes } from './views/lesson.js';
import { mountQuiz, renderQuiz } from './views/quiz.js';

// In the projector view node text is drawn at this zoom or larger: the smallest text of a node
// (its gradient, 11.5 graph units) comes out at 24 CSS px; the graph pans to follow the step.
export const PRESENT_ZOOM = 2.1; // 11.5 x 2.1 = 24.15

export function mountTeaching(store, graph) {
  const lessons = new Lessons(store);
  const $ = (sel) => document.querySelector(sel);
  const bar = $('[data-panel="lesson"]');
  const tools = $('[data-lesson-tools]');
  const quizBox = $('[data-quiz]');
  const blank = $('[data-blank]');

  mountLessonBar(bar, tools, lessons, { onNotes: openNotes });
  mountQuiz(quizBox, lessons, store);

  const onL = (type, fn) => lessons.addEventListener(type, (ev) => fn(lessons.state, ev.detail ?? {}));
  const onS = (type, fn) => store.addEventListener(type, (ev) => fn(store.state, ev.detail ?? {}));
  const quiz = (opts) => renderQuiz(quizBox, lessons, store.state, opts);

  onL(LESSON_EVENTS.lessons, (s) => renderLessonPicker(tools, s));
  onL(LESSON_EVENTS.slide, (s) => { renderLessonBar(bar, tools, s); sendNotes(); });
  onL(LESSON_EVENTS.mode, (s) => {
    renderModes(tools, s);
    graph.minZoom = s.present ? PRESENT_ZOOM : undefined;
    // the layout changes size first; fit once it has
    requestAnimationFrame(() => fitGraph(graph));
    quiz();
  });
  onL(LESSON_EVENTS.quiz, (s, d) => quiz({ focus: d.judged === undefined }));
  onL(LESSON_EVENTS.blank, (s) => { renderBlank(blank, s); sendNotes(); });
  onS(EVENTS.position, () => { quiz({ focus: true }); sendNotes(); });
  onS(EVENTS.check, () => quiz());
  onS(EVENTS.trace, () => sendNotes());

  // -- the clicker: PageDown / PageUp step and change slides at the ends, B blanks, F full screen
  document.addEventListener('keydown', (ev) => {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const t = ev.target instanceof Element ? ev.target : document.body;
    if (t.closest('input, textarea, select, [contenteditable="true"]')) return;
    if (!command(keyCommand(ev.key))) return;
    ev.preventDefault();
  });

  function command(name) {
    switch (name) {
      case 'forward': lessons.forward(); break;
      case 'backward': lessons.backward(); break;
      case 'next-slide': lessons.nextSlide(); break;
      case 'prev-slide': lessons.prevSlide(); break;
      case 'blank': lessons.toggleBlank(); break;
      case 'unblank': if (!lessons.state.blank) return false; lessons.toggleBlank(false); break;
      case 'fullscreen': toggleFullscreen(); break;
      default: return false;
    }
    return true;
  }

  // -- the speaker notes: a second window of the same browser, kept in step over a channel
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel(NOTES_CHANNEL) : null;
  let notesQueued = false;
  function sendNotes() {
    if (!channel || notesQueued) return;
    notesQueued = true;
    queueMicrotask(() => {
      notesQueued = false;
      const s = store.state;
      channel.postMessage(notesMessage({ lesson: lessons.state.lesson, slide: lessons.state.slide, trace: s.trace, timeline: s.timeline, position: s.position, ops: s.ops, blank: lessons.state.blank }));
    });
  }
  if (channel) {
    channel.onmessage = (ev) => {
      const m = ev.data ?? {};
      if (m.type === 'hello') sendNotes();
      else if (m.type === 'command') command(m.command);
    };
  }
  function openNotes() {
    window.open('notes.html', 'backprop-explorer-notes', 'popup,width=760,height=720');
  }

  /** Open what the URL's lesson keys ask for; false when it names no lesson. */
  async function start(search, restored) {
    await lessons.load();
    const want = decodeLesson(search);
    if (want.present) lessons.setPresent(true);
    if (want.quiz) lessons.setQuiz(want.quiz);
    if (!want.lesson) return false;
    // the permalink's own source when it has one (an edited slide), else the slide's at the
    // permalink's step
    const step = Number.parseInt(new URLSearchParams(search).get('step') ?? '', 10);
    return lessons.open(want.lesson, want.slide, { restored, position: Number.isFinite(step) ? step : null });
  }

  return { lessons, start };
}

function toggleFullscreen() {
  const done = document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen?.();
  done?.catch?.(() => {}); // refused (not allowed here): the page stays as it is
}
