// @ts-check
// notices.js: what a worksheet page says besides the kernel's state. An error stays 10 s in
// the toolbar (a click hides it); a hint ("Command mode…", "Cell input copied.") shows 4 s in
// a small box at the foot of the window, so that the kernel's state stays in view; the saved
// indicator says whether every change has reached the server, Ctrl-S says so too, and the
// browser asks before leaving a page with edits not saved. Nothing here animates: a running
// animation makes Chromium hold the page's tasks after a key (editor/caret.js).
// Tested by the browser tests (tests/browser/test_commandmode.py, test_notebook.py).

/** How long a hint and an error stay (ms). */
export const HINT_MS = 4000;
export const ERROR_MS = 10000;

/** @type {Record<string, string>} */
const SAVED_LABEL = {saved: 'Saved', saving: 'Saving…', error: 'Not saved'};

export class Notices {
  /**
   * @param {HTMLElement} node the worksheet's element (the hint's box goes at its end)
   * @param {{errorNode: HTMLElement, savedNode: HTMLElement}} nodes
   */
  constructor(node, {errorNode, savedNode}) {
    this.errorNode = errorNode;
    this.savedNode = savedNode;
    // A live region from the start, empty between hints (one made or shown together with its
    // text is often not read out).
    this.hintNode = node.ownerDocument.createElement('p');
    this.hintNode.className = 'nb-hint';
    this.hintNode.setAttribute('role', 'status');
    node.append(this.hintNode);
    /** @type {Map<unknown, string>} who is saving or failed to save, and which */
    this.saveStates = new Map();
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.errorTimer = undefined;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.hintTimer = undefined;
    errorNode.addEventListener('click', () => this.#hideError());
    const doc = node.ownerDocument;
    // Ctrl-S (⌘-S) by habit: every change is saved as it is made, which the page says,
    // instead of the browser saving the page as a file.
    doc.addEventListener('keydown', (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 's') {
        event.preventDefault();
        this.hint(`${this.saving ? 'Saving…' : 'Saved.'} Every change is saved as it is made.`);
      }
    });
    // Edits not yet saved are lost with the page: the browser asks before it goes.
    doc.defaultView?.addEventListener('beforeunload', (event) => {
      if (this.saving) event.preventDefault();
    });
  }

  /** Are some changes not yet saved (or failed to be)? */
  get saving() {
    return this.saveStates.size > 0;
  }

  /** @param {string} message */
  showError(message) {
    this.errorNode.textContent = message;
    this.errorNode.hidden = false;
    clearTimeout(this.errorTimer);
    this.errorTimer = setTimeout(() => this.#hideError(), ERROR_MS);
  }

  #hideError() {
    this.errorNode.hidden = true;
  }

  /** @param {string} message */
  hint(message) {
    this.hintNode.textContent = message;
    clearTimeout(this.hintTimer);
    this.hintTimer = setTimeout(() => this.endHint(), HINT_MS);
  }

  /** The hint goes (also when the focus moves into a cell: it was about where it came from). */
  endHint() {
    clearTimeout(this.hintTimer);
    this.hintNode.textContent = '';
  }

  /** @param {unknown} who a cell or "title" @param {string} state @param {any} [error] */
  savedState(who, state, error) {
    if (state === 'saved') this.saveStates.delete(who);
    else this.saveStates.set(who, state);
    const states = [...this.saveStates.values()];
    const overall = states.includes('error') ? 'error' : states.includes('saving') ? 'saving' : 'saved';
    this.savedNode.textContent = SAVED_LABEL[overall];
    this.savedNode.dataset.saved = String(overall === 'saved');
    this.savedNode.title = overall === 'error' && error?.message ? error.message : '';
  }
}
