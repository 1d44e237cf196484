// @ts-check
// title.js: a worksheet's title field: saved 0.6 s after the last key, at Enter and when the
// field is left; an empty title is refused (the old one comes back); the server's title is
// shown unless this person is typing one, and names the browser's tab.
// Tested by the browser tests (tests/browser/test_notebook.py, test_home.py).

export class TitleField {
  /**
   * @param {Object} o
   * @param {HTMLInputElement} o.input
   * @param {string} o.title the server's title as the page loads
   * @param {boolean} o.canEdit
   * @param {(title: string) => Promise<unknown>} o.save asks the server; resolves with the
   *   title saved
   * @param {(state: string, error?: unknown) => void} o.status "saving", "saved" or "error"
   * @param {(message: string) => void} o.showError
   */
  constructor({input, title, canEdit, save, status, showError}) {
    this.input = input;
    this.serverTitle = title;
    this.canEdit = canEdit;
    this.save = save;
    this.status = status;
    this.showError = showError;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.timer = undefined;
    input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.status('saving');
      this.timer = setTimeout(() => this.#save(), 600);
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.#save();
      }
    });
    input.addEventListener('blur', () => this.#save(true));
  }

  /** @param {boolean} [leaving] the field lost the focus */
  async #save(leaving = false) {
    clearTimeout(this.timer);
    const title = this.input.value.trim();
    if (!this.canEdit) return;
    if (!title) {
      if (leaving) this.input.value = this.serverTitle;
      this.status('saved');
      if (leaving) this.showError('A worksheet needs a title; the old one was kept.');
      return;
    }
    if (title === this.serverTitle) {
      this.status('saved');
      return;
    }
    try {
      this.show(/** @type {string} */ (await this.save(title)));
      this.status('saved');
    } catch (error) {
      this.status('error', error);
      this.showError(/** @type {any} */ (error)?.message ?? String(error));
    }
  }

  /** The server's title (shown unless this person is typing one). @param {string} title */
  show(title) {
    this.serverTitle = title;
    const doc = this.input.ownerDocument;
    if (doc.activeElement !== this.input) this.input.value = title;
    doc.title = `${title} · athena-nb`;
  }
}
