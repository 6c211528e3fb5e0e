// The lesson bar (lesson title, slide navigation, the class text with its math), the lesson
// picker and the mode buttons in the top bar, the body classes of the projector view and the
// quiz, and the blank screen.
import katex from '../../vendor/katex/dist/katex.mjs';
import { clear, h } from './dom.js';

export function mountLessonBar(bar, tools, lessons, { onNotes }) {
  tools.querySelector('[data-lesson-picker]').addEventListener('change', (ev) => {
    if (ev.target.value) lessons.open(ev.target.value, 1);
    else lessons.close();
  });
  bar.querySelector('[data-slide-list]').addEventListener('change', (ev) => lessons.goSlide(Number(ev.target.value)));
  document.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-lesson-action]');
    if (!btn || btn.getAttribute('aria-disabled') === 'true') return;
    const act = btn.dataset.lessonAction;
    if (act === 'present') lessons.setPresent(!lessons.state.present);
    else if (act === 'quiz') lessons.setQuiz(lessons.state.quiz ? null : 'both');
    else if (act === 'notes') onNotes();
    else if (act === 'prev-slide') lessons.prevSlide();
    else if (act === 'next-slide') lessons.nextSlide();
    else if (act === 'close') lessons.close();
  });
}

export function renderLessonPicker(tools, state) {
  const picker = tools.querySelector('[data-lesson-picker]');
  clear(picker).append(h('option', { value: '' }, state.lessons.length ? 'Lessons…' : 'No lessons'));
  for (const x of state.lessons) picker.append(h('option', { value: x.id }, x.title));
  picker.value = state.lesson?.id ?? '';
}

export function renderLessonBar(bar, tools, state) {
  const { lesson, slide } = state;
  bar.hidden = !lesson;
  document.body.classList.toggle('in-lesson', !!lesson);
  tools.querySelector('[data-lesson-picker]').value = lesson?.id ?? '';
  if (!lesson) return;
  const sl = lesson.slides[slide];
  bar.querySelector('[data-lesson-title]').textContent = `${lesson.title} · slide ${slide + 1} of ${lesson.slides.length}`;
  const list = clear(bar.querySelector('[data-slide-list]'));
  lesson.slides.forEach((x, i) => list.append(h('option', { value: String(i) }, `${i + 1}. ${x.title}`)));
  list.value = String(slide);
  bar.querySelector('[data-slide-title]').textContent = sl.title;
  const text = bar.querySelector('[data-slide-text]');
  renderMathText(text, sl.text);
  text.hidden = !sl.text;
  bar.querySelector('[data-lesson-action="prev-slide"]').setAttribute('aria-disabled', slide <= 0 ? 'true' : 'false');
  bar.querySelector('[data-lesson-action="next-slide"]').setAttribute('aria-disabled', slide >= lesson.slides.length - 1 ? 'true' : 'false');
}

/** Text with inline math in $...$: the text as text nodes, the math through katex.render. */
export function renderMathText(el, text) {
  clear(el);
  for (const part of String(text ?? '').split(/(\$[^$]+\$)/)) {
    if (part.length > 2 && part.startsWith('$') && part.endsWith('$')) {
      const span = h('span', { class: 'math' });
      katex.render(part.slice(1, -1), span, { throwOnError: false });
      el.append(span);
    } else if (part) {
      el.append(part);
    }
  }
}

/** The body classes and the buttons' pressed state of the projector view and the quiz. */
export function renderModes(tools, state) {
  const body = document.body;
  body.classList.toggle('present', state.present);
  body.classList.toggle('quiz', !!state.quiz);
  // numbers not reached yet stay hidden (the chain-rule panel shows them all otherwise)
  body.classList.toggle('hide-ahead', state.present || !!state.quiz);
  tools.querySelector('[data-lesson-action="present"]').setAttribute('aria-pressed', String(state.present));
  tools.querySelector('[data-lesson-action="quiz"]').setAttribute('aria-pressed', String(!!state.quiz));
}

export function renderBlank(el, state) {
  el.hidden = !state.blank;
  document.body.classList.toggle('blanked', state.blank);
}
