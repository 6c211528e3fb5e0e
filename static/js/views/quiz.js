// The quiz box under the step panel: at a backprop step, one field per question (the local
// gradient and / or the downstream gradient toward each input) until the learner checks; then
// right or wrong per answer, and the step panel reveals upstream × local = downstream. At the
// end, the score and the missed steps with a link back to each. Keyboard only works: the first
// field takes the focus, Enter checks, Enter again continues.
import { ASK, score, verdict } from '../logic/quiz.js';
import { nodeName } from '../logic/names.js';
import { phaseOf } from '../logic/timeline.js';
import { clear, h } from './dom.js';

const ASK_LABELS = { both: 'local and downstream', local: 'local gradients', downstream: 'downstream gradients' };

export function mountQuiz(box, lessons, store) {
  box.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const texts = {};
    for (const field of box.querySelectorAll('[data-answer]')) texts[field.dataset.answer] = field.value;
    lessons.answer(texts);
    box.querySelector('[data-quiz-next]')?.focus();
  });
  box.addEventListener('click', (ev) => {
    const btn = ev.target.closest('[data-quiz-action]');
    if (!btn) return;
    if (btn.dataset.quizAction === 'next') {
      store.pause();
      store.next();
    } else if (btn.dataset.quizAction === 'restart') lessons.restartQuiz();
  });
  box.addEventListener('change', (ev) => {
    if (ev.target.matches('[data-quiz-ask]')) lessons.setQuiz(ev.target.value);
  });
}

/** Render the quiz for the current position; `focus` moves the focus to its first field. */
export function renderQuiz(box, lessons, state, { focus = false } = {}) {
  const { quiz, answers } = lessons.state;
  const tl = state.timeline;
  const on = !!quiz && !!tl;
  box.hidden = !on;
  const pending = on && lessons.pending();
  document.body.classList.toggle('quiz-pending', pending);
  clear(box);
  if (!on) return;
  const p = state.position;
  const pos = tl.positions[p];
  const narration = document.querySelector('[data-narration]');
  const name = (id) => nodeName(tl.nodes.get(id), state.ops);
  box.dataset.phase = pos.kind;

  if (pos.kind === 'backward') {
    const qs = lessons.questions();
    const result = answers.get(p);
    markElements(qs);
    if (!qs.length) {
      box.append(h('p', { class: 'muted' }, 'Nothing to predict here: no input of this node needs a gradient.'));
      return;
    }
    if (!result) {
      const form = h('form', { class: 'quiz-form', data: { quizForm: '' } });
      form.append(h('p', { class: 'quiz-lead' }, 'Predict, then check: ', h('strong', {}, `${ASK_LABELS[quiz]}`), ' for each input (fractions like 1/4 are fine).'));
      const grid = h('div', { class: 'quiz-grid' });
      for (const q of qs) {
        const id = `quiz-${q.id.replace(/[^\w-]/g, '_')}`;
        const what = q.kind === 'local' ? `local gradient ∂(${name(tl.positions[p].node)})/∂(${name(q.source)})` : `downstream ∂L/∂(${name(q.source)})`;
        const element = q.index ? ` element [${q.index.join(', ')}]` : '';
        grid.append(
          h('label', { for: id, class: 'quiz-label' }, `toward ${name(q.source)}: ${what}${element}`),
          h('input', { id, class: 'input-field quiz-field', type: 'text', inputmode: 'decimal', autocomplete: 'off', spellcheck: 'false', data: { answer: q.id } }),
        );
      }
      form.append(grid, h('button', { type: 'submit', class: 'btn btn-primary', data: { quizCheck: '' } }, 'Check'));
      box.append(form);
      if (narration) narration.textContent = `Quiz, ${phaseOf(tl, p).text}: predict the ${ASK_LABELS[quiz]} gradient${qs.length > 1 ? 's' : ''}, then press Check.`;
      if (focus) form.querySelector('input')?.focus(); // scrolls the field into view
      return;
    }
    const list = h('ul', { class: 'quiz-results' });
    result.results.forEach((r, i) => {
      const q = qs[i];
      const label = `${q.kind === 'local' ? 'local' : 'downstream'} toward ${name(q.source)}${q.index ? ` [${q.index.join(', ')}]` : ''}`;
      list.append(h('li', { class: r.ok ? 'quiz-right' : 'quiz-wrong', data: { quizResult: r.ok ? 'right' : 'wrong', question: q.id } },
        h('span', { class: 'quiz-mark', 'aria-hidden': 'true' }, r.ok ? '✓' : '✗'),
        ` ${label}: `,
        r.ok ? h('strong', {}, `${r.shown} is right`) : [r.value === null ? 'no number given' : `you said ${r.value}`, ', it is ', h('strong', {}, r.shown)]));
    });
    box.append(h('p', { class: ['quiz-verdict', result.ok ? 'quiz-right' : 'quiz-wrong'], data: { quizVerdict: result.ok ? 'right' : 'wrong' } }, result.ok ? 'Right!' : 'Not quite.'), list,
      h('button', { type: 'button', class: 'btn btn-primary', data: { quizAction: 'next', quizNext: '' } }, 'Continue →'));
    const names = Object.fromEntries(qs.map((q) => [q.edge, name(q.source)]));
    if (narration) narration.textContent = verdict(result, names);
    return;
  }

  if (pos.kind === 'done') {
    const s = score(tl, answers, quiz);
    const box2 = h('div', { class: 'quiz-score', data: { quizScore: `${s.right}/${s.total}` } },
      h('p', { class: 'quiz-score-line' }, 'Score: ', h('strong', {}, `${s.right} of ${s.total}`), ` answers right (${s.answered} of ${tl.backwardCount} steps answered).`));
    if (s.missed.length) {
      const list = h('ul', { class: 'quiz-missed' });
      for (const m of s.missed) {
        const step = tl.positions[m];
        list.append(h('li', {}, h('button', { type: 'button', class: 'link', data: { goto: String(m), missed: String(m) } },
          `${phaseOf(tl, m).text}: ${name(step.node)}`), answers.has(m) ? '' : ' (not answered)'));
      }
      box2.append(h('p', { class: 'quiz-lead' }, 'Steps to look at again:'), list);
    } else {
      box2.append(h('p', {}, 'Every step right.'));
    }
    box2.append(h('button', { type: 'button', class: 'btn', data: { quizAction: 'restart' } }, 'Start the quiz again'));
    box.append(box2);
    if (narration) narration.textContent = `Quiz done: ${s.right} of ${s.total} answers right.${s.missed.length ? ` ${s.missed.length} step${s.missed.length > 1 ? 's' : ''} to look at again.` : ''}`;
    return;
  }

  const select = h('select', { class: 'select', id: 'quiz-ask', data: { quizAsk: '' } });
  for (const a of ASK) select.append(h('option', { value: a }, ASK_LABELS[a]));
  select.value = quiz;
  box.append(h('p', { class: 'quiz-lead' },
    'Quiz: at each backprop step you predict the gradients before the panel shows them. ',
    h('label', { for: 'quiz-ask' }, 'Ask for '), select, '.'));
}

/** Outline the element a tensor question is about, in the step panel's matrices. */
function markElements(questions) {
  const panel = document.querySelector('[data-panel="step"]');
  for (const q of questions) {
    if (!q.index) continue;
    const card = panel.querySelector(`[data-edge-card="${q.edge}"]`);
    const tables = q.kind === 'local'
      ? [panel.querySelector('[data-upstream] table'), card?.querySelector('.term-upstream table'), card?.querySelector('.term-local table')]
      : [card?.querySelector(`[data-downstream="${q.edge}"] table`)];
    for (const table of tables) cellAt(table, q.index)?.classList.add('quiz-cell');
  }
}

function cellAt(table, index) {
  if (!table || index.length > 2) return null;
  const rows = table.querySelectorAll('tr');
  const [i, j] = index.length === 2 ? index : [0, index[0]];
  return rows[i]?.cells[j] ?? null;
}
