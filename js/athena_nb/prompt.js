// @ts-check
// prompt.js: a cell's input() as an output: its prompt, and a field for whoever may edit the
// worksheet to answer it (everyone sees the prompt, and the answer once given). The server
// records the answer in the output (athena_nb/cells.py, answerInput): `answer` absent means
// it waits, a string is the answer (a password's is hidden), null means it was never answered.
// Tested by tests/browser/test_input.py.

/**
 * Where the focus goes once a field that took it is answered, when that is not where it was
 * taken from: the cell a Shift+Enter in the last cell made meanwhile (worksheet.js focusAfter).
 * @type {WeakMap<Element, () => void>}
 */
export const focusAfterAnswer = new WeakMap();

/**
 * @param {Document} doc
 * @param {{prompt?: string, password?: boolean, answer?: string|null}} event
 * @param {((text: string) => Promise<unknown>)|null} answer sends the answer (null: a viewer)
 * @param {boolean} [take] this page ran the cell: the field takes the focus, wherever it is
 * @returns {HTMLElement}
 */
export function renderPrompt(doc, event, answer, take = false) {
  const box = doc.createElement('div');
  box.className = 'nb-out nb-prompt';
  const label = doc.createElement('label');
  const prompt = doc.createElement('span');
  prompt.className = 'nb-prompt-text';
  prompt.textContent = event.prompt ?? '';
  label.append(prompt);
  box.append(label);
  if (typeof event.answer === 'string' || event.answer === null) {
    const given = doc.createElement('span');
    given.className = 'nb-prompt-answer';
    given.textContent = event.answer ?? '(not answered)';
    if (event.answer === null) given.dataset.unanswered = 'true';
    label.append(given);
    return box;
  }
  const field = doc.createElement('input');
  field.type = event.password ? 'password' : 'text';
  field.className = 'nb-prompt-field';
  field.autocomplete = 'off';
  field.setAttribute('aria-label', event.prompt?.trim() || 'Answer to the cell\'s input()');
  if (!answer) {
    field.disabled = true;
    field.placeholder = 'Waiting for an answer from someone who may edit';
  } else {
    field.placeholder = 'Type the answer, then Enter';
    /** @type {HTMLElement|null} where the focus was when the field took it */
    let before = null;
    field.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      e.stopPropagation();
      field.disabled = true; // until the server shows the answer (or refuses it)
      answer(field.value).then((taken) => {
        if (taken === false) {
          field.disabled = false;
        } else if (doc.activeElement === field || doc.activeElement === doc.body) {
          const back = focusAfterAnswer.get(field);
          if (back) back();
          else if (before?.isConnected) before.focus();
        }
      }, () => {
        field.disabled = false;
      });
    });
    // The prompt appears while a cell runs: the person who ran it types there at once, as in
    // Jupyter (Shift+Enter had put the caret in the next cell, where the answer would have
    // gone); anyone else only if they are typing nowhere.
    queueMicrotask(() => {
      const active = /** @type {HTMLElement|null} */ (doc.activeElement);
      if (!field.isConnected || (!take && active?.closest?.('.cm-editor, input, textarea'))) return;
      before = active;
      field.focus();
    });
  }
  label.append(field);
  return box;
}
