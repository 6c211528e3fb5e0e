// The lesson player: which lesson and slide is open, the projector view, the quiz and its
// answers, the blank screen. Its own state and events (LESSON_EVENTS), beside the store's: a
// slide is loaded through the store like a permalink (store.restore), so everything the page
// does works inside a lesson. Views call these methods and never change the state themselves.
import { api } from './api.js';
import { EVENTS } from './events.js';
import { formatInputValue } from './logic/inputs.js';
import { judgeStep, questionsAt } from './logic/quiz.js';
import { sameSource } from './logic/source.js';
import { encodeLesson } from './logic/urlstate.js';

export const LESSON_EVENTS = Object.freeze({
  lessons: 'lessons:list', // GET /api/lessons answered
  slide: 'lessons:slide', // a lesson or slide was opened, or the lesson closed
  mode: 'lessons:mode', // the projector view or the quiz was switched on or off
  quiz: 'lessons:quiz', // an answer was judged, or the answers were reset
  blank: 'lessons:blank', // the screen was blanked or shown again
});

const END = 1e9; // a position past any timeline: clamped to the last

export class Lessons extends EventTarget {
  constructor(store) {
    super();
    this.store = store;
    this.state = {
      lessons: [],
      lesson: null, // the open lesson {id, title, description, slides}
      slide: 0, // its index (the URL's slide=n is 1-based)
      present: false,
      quiz: null, // null (off) | 'both' | 'local' | 'downstream': what the quiz asks
      answers: new Map(), // position -> judgeStep's result, for the graph shown
      answersFor: null, // the source the answers are about
      blank: false,
    };
    this._loading = null; // the slide being loaded, while it is
    store.permalinkHook = (query) => encodeLesson(query, {
      lesson: this.state.lesson?.id,
      slide: this.state.slide + 1,
      present: this.state.present,
      quiz: this.state.quiz,
      onSlide: this.onSlide(),
    });
    // a new graph (another slide, an edited expression) starts a new quiz run; the check
    // re-running the same source does not
    store.addEventListener(EVENTS.trace, () => {
      const key = JSON.stringify(store.state.shown);
      if (key !== this.state.answersFor) {
        this.state.answersFor = key;
        this.state.answers = new Map();
        this.emit(LESSON_EVENTS.quiz);
      }
    });
  }

  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  async load() {
    this.state.lessons = (await api.lessons().catch(() => [])) ?? [];
    this.emit(LESSON_EVENTS.lessons);
  }

  get slideData() {
    return this.state.lesson?.slides[this.state.slide] ?? null;
  }

  /** Is the graph shown the open slide's own source (not an edit of it)? */
  onSlide() {
    const sl = this.slideData;
    const shown = this.store.state.shown;
    if (!sl || !shown) return false;
    return sameSource(shown, slideSource(sl));
  }

  /** Open lesson `id` at slide `n` (1-based): at `position`, or as `restored` (a permalink). */
  async open(id, n = 1, { position = null, restored = null } = {}) {
    const lesson = this.state.lessons.find((x) => x.id === id);
    if (!lesson) return false;
    this.state.lesson = lesson;
    this.state.slide = Math.min(Math.max(n - 1, 0), lesson.slides.length - 1);
    this.emit(LESSON_EVENTS.slide);
    if (restored) await this.store.restore(restored);
    else await this.loadSlide(position);
    return true;
  }

  /** Load the open slide's expression, inputs, options, check and chain input, at its step. */
  loadSlide(position = null) {
    const sl = this.slideData;
    if (!sl) return Promise.resolve();
    return this.store.restore({ ...slideSource(sl), position: position ?? sl.step, check: sl.check, chain: sl.chain });
  }

  goSlide(index, { atEnd = false } = {}) {
    const { lesson } = this.state;
    if (!lesson || index < 0 || index >= lesson.slides.length) return Promise.resolve();
    this.state.slide = index;
    this.emit(LESSON_EVENTS.slide);
    // a clicker pressed twice while the slide loads must not skip the next one
    const loading = this.loadSlide(atEnd ? END : null).finally(() => {
      if (this._loading === loading) this._loading = null;
    });
    this._loading = loading;
    return loading;
  }

  nextSlide() {
    return this.goSlide(this.state.slide + 1);
  }

  prevSlide({ atEnd = false } = {}) {
    return this.goSlide(this.state.slide - 1, { atEnd });
  }

  /** Show lesson `id` at slide `n` (1-based) without loading its graph: a live session's
   * student, whose graph comes from the presenter (static/js/live.js). null: no lesson. */
  follow(id, n) {
    const lesson = id === null ? null : this.state.lessons.find((x) => x.id === id) ?? null;
    const slide = lesson ? Math.min(Math.max(n - 1, 0), lesson.slides.length - 1) : 0;
    if (lesson === this.state.lesson && slide === this.state.slide) return;
    this.state.lesson = lesson;
    this.state.slide = slide;
    this.emit(LESSON_EVENTS.slide);
  }

  close() {
    this.state.lesson = null;
    this.state.slide = 0;
    this.emit(LESSON_EVENTS.slide);
    this.store.emit(EVENTS.url);
  }

  /** The clicker's forward button: the next step, or the next slide at the end of this one. */
  forward() {
    if (this._loading) return;
    const { timeline, position } = this.store.state;
    this.store.pause();
    if (timeline && position < timeline.last) this.store.next();
    else if (this.state.lesson) this.nextSlide();
  }

  /** The clicker's back button: the previous step, or the end of the previous slide. */
  backward() {
    if (this._loading) return;
    const { timeline, position } = this.store.state;
    this.store.pause();
    if (timeline && position > 0) this.store.prev();
    else if (this.state.lesson) this.prevSlide({ atEnd: true });
  }

  // -- modes ------------------------------------------------------------------------------
  setPresent(on) {
    this.state.present = !!on;
    this.emit(LESSON_EVENTS.mode);
    this.store.emit(EVENTS.url);
  }

  setQuiz(ask) {
    this.state.quiz = ask || null;
    this.emit(LESSON_EVENTS.mode);
    this.emit(LESSON_EVENTS.quiz);
    this.store.emit(EVENTS.url);
  }

  toggleBlank(on = !this.state.blank) {
    this.state.blank = on;
    this.emit(LESSON_EVENTS.blank);
  }

  // -- the quiz ---------------------------------------------------------------------------
  /** The questions of the current position (none outside backprop or with the quiz off). */
  questions() {
    const { timeline, position } = this.store.state;
    if (!this.state.quiz || !timeline) return [];
    return questionsAt(timeline, position, this.state.quiz);
  }

  /** Waiting for the learner's answer at this position: its numbers stay hidden. */
  pending() {
    return this.questions().length > 0 && !this.state.answers.has(this.store.state.position);
  }

  /** Judge the typed texts ({question id: text}) at the current position. */
  answer(texts) {
    const qs = this.questions();
    if (!qs.length) return null;
    const result = judgeStep(qs, texts);
    this.state.answers.set(this.store.state.position, result);
    this.emit(LESSON_EVENTS.quiz, { judged: this.store.state.position });
    return result;
  }

  /** Start the quiz run again: every answer forgotten, back to the first backprop step. */
  restartQuiz() {
    this.state.answers = new Map();
    this.emit(LESSON_EVENTS.quiz);
    const tl = this.store.state.timeline;
    if (tl) this.store.goTo(tl.backwardStart);
  }
}

/** A slide as a source of the store: field texts, and the sigmoid option when expanded. */
export function slideSource(slide) {
  const inputs = Object.fromEntries(Object.entries(slide.inputs).map(([k, v]) => [k, formatInputValue(v)]));
  return { expression: slide.expression, inputs, options: slide.sigmoid === 'expanded' ? { sigmoid: 'expanded' } : {} };
}
