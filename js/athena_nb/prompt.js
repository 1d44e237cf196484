// @ts-check
// prompt.js: a cell's input() as an output: its prompt, and a field for whoever may edit the
// worksheet to answer it (everyone sees the prompt, and the answer once given). The server
// records the answer in the output (athena_nb/cells.py, answerInput): `answer` absent means
// it waits, a string is the answer (a password's is hidden), null means it was never answered.
// Tested by tests/browser/test_input.py.

/**
 * @param {Document} doc
 * @param {{prompt?: string, password?: boolean, answer?: string|null}} event
 * @param {((text: string) => Promise<unknown>)|null} answer sends the answer (null: a viewer)
 * @returns {HTMLElement}
 */
export function renderPrompt(doc, event, answer) {
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
    field.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      e.stopPropagation();
      field.disabled = true; // until the server shows the answer (or refuses it)
      answer(field.value).then((taken) => {
        if (taken === false) field.disabled = false;
      }, () => {
        field.disabled = false;
      });
    });
    // The prompt appears while a cell runs: the person who ran it types there at once.
    queueMicrotask(() => {
      if (field.isConnected && !doc.activeElement?.closest?.('.cm-editor, input, textarea')) field.focus();
    });
  }
  label.append(field);
  return box;
}
