// @ts-check
// findbar.js: Find in worksheet, as JupyterLab's notebook search: a bar under the toolbar
// that finds a text in every cell's input (code and text cells, those far from the screen
// too), says "3 of 12", and goes from one match to the next (Enter, ↓) or back (Shift+Enter,
// ↑), selecting it in its cell and scrolling it into view; those who edit can replace the
// match or every match, each replacement their own edit, co-edited as typing is. Ctrl+Shift+F
// opens it anywhere in the worksheet, Ctrl+F where no cell has the caret (in a cell, Ctrl+F
// searches that cell, CodeMirror's own); Escape closes it and leaves the caret at the match.
// Tested by tests/js/athena_nb/findbar.test.mjs and tests/browser/test_findbar.py.

/** What the bar needs of a cell (cell.js's Cell). @typedef {{editor: {text: string,
 *   view: import('@codemirror/view').EditorView|null, replace: (from: number, to: number,
 *   text: string) => void}, focus: () => void}} FoundCell */

/** @typedef {{cell: number, from: number, to: number}} Match */

/**
 * Where `query` is in `texts` (each cell's text), in order: cell index and UTF-16 range.
 * @param {string[]} texts @param {string} query @param {boolean} matchCase
 * @returns {Match[]}
 */
export function findAll(texts, query, matchCase) {
  /** @type {Match[]} */
  const found = [];
  if (!query) return found;
  const needle = matchCase ? query : query.toLowerCase();
  texts.forEach((text, cell) => {
    let hay = matchCase ? text : text.toLowerCase();
    // Lower-casing keeps UTF-16 lengths but for a few letters (İ): such a cell is searched as
    // it is, so that the offsets stay true.
    const same = hay.length === text.length;
    if (!same) hay = text;
    const sought = same ? needle : query;
    for (let at = hay.indexOf(sought); at >= 0; at = hay.indexOf(sought, at + sought.length)) {
      found.push({cell, from: at, to: at + sought.length});
    }
  });
  return found;
}

export class FindBar {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.place where the bar goes (under the toolbar)
   * @param {() => FoundCell[]} o.cells the cells, in order
   * @param {(cell: FoundCell) => void} o.wake makes a cell's editor (nearscreen.js)
   * @param {boolean} o.canEdit replacing is for those who edit
   */
  constructor({place, cells, wake, canEdit}) {
    this.cells = cells;
    this.wake = wake;
    const doc = place.ownerDocument;
    const make = (/** @type {string} */ tag, /** @type {Record<string, string>} */ attrs = {}, text = '') => {
      const node = doc.createElement(tag);
      for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
      node.textContent = text;
      return node;
    };
    this.node = make('div', {class: 'nb-find', role: 'search', 'aria-label': 'Find in worksheet', hidden: ''});
    this.input = /** @type {HTMLInputElement} */ (make('input', {type: 'search', 'aria-label': 'Find', placeholder: 'Find in worksheet'}));
    this.caseButton = make('button', {type: 'button', class: 'nb-button', 'aria-pressed': 'false', 'aria-label': 'Match case', title: 'Match case'}, 'Aa');
    this.count = make('span', {class: 'nb-find-count', role: 'status'});
    const prev = make('button', {type: 'button', class: 'nb-button', 'aria-label': 'Previous match'}, '↑');
    const next = make('button', {type: 'button', class: 'nb-button', 'aria-label': 'Next match'}, '↓');
    const close = make('button', {type: 'button', class: 'nb-button', 'aria-label': 'Close find'}, '×');
    this.node.append(this.input, this.caseButton, this.count, prev, next);
    this.replacement = null;
    if (canEdit) {
      this.replacement = /** @type {HTMLInputElement} */ (make('input', {type: 'text', 'aria-label': 'Replace with', placeholder: 'Replace with'}));
      const one = make('button', {type: 'button', class: 'nb-button'}, 'Replace');
      const all = make('button', {type: 'button', class: 'nb-button'}, 'Replace all');
      one.addEventListener('click', () => this.replaceOne());
      all.addEventListener('click', () => this.replaceAll());
      this.node.append(this.replacement, one, all);
    }
    this.node.append(close);
    place.append(this.node);
    /** @type {Match[]} */
    this.matches = [];
    /** the match shown, an index into `matches` (-1: none yet) */
    this.current = -1;
    this.input.addEventListener('input', () => this.search(0));
    this.caseButton.addEventListener('click', () => {
      this.caseButton.setAttribute('aria-pressed', String(this.caseButton.getAttribute('aria-pressed') !== 'true'));
      this.search(0);
    });
    prev.addEventListener('click', () => this.go(-1));
    next.addEventListener('click', () => this.go(1));
    close.addEventListener('click', () => this.close());
    this.node.addEventListener('keydown', (event) => this.#key(event));
  }

  get isOpen() {
    return !this.node.hidden;
  }

  /** Opens the bar with the focus in it, and `text` to find if given: the selection the
   * person had (`select`: selected, to type over), or what they typed as it opened.
   * @param {string} [text] @param {boolean} [select] */
  open(text = '', select = true) {
    this.node.hidden = false;
    if (text && !text.includes('\n')) this.input.value = text;
    this.input.focus();
    if (select) this.input.select();
    if (this.input.value) this.search(0);
  }

  /** Closes the bar; the caret goes to the match shown, if any. */
  close() {
    this.node.hidden = true;
    const match = this.matches[this.current];
    const cell = match && this.cells()[match.cell];
    if (!cell) return;
    cell.focus();
    this.#select(cell, match);
  }

  /** Finds the text again (the cells may have changed) and shows the match `step` from the
   * one shown (0: the first at or after it). @param {number} step */
  search(step) {
    const shown = this.matches[this.current];
    this.matches = this.#find();
    if (!this.matches.length) {
      this.current = -1;
      this.count.textContent = this.input.value ? 'No matches' : '';
      return;
    }
    // From where the last match was: the same place or the next one after it.
    let at = shown ? this.matches.findIndex((m) => m.cell > shown.cell
      || (m.cell === shown.cell && m.from >= shown.from)) : 0;
    if (at < 0) at = 0;
    this.current = (at + (step > 0 && shown && this.#same(this.matches[at], shown) ? 1 : step < 0 ? -1 : 0)
      + this.matches.length) % this.matches.length;
    this.#show();
  }

  /** The next (1) or previous (-1) match, round the worksheet. @param {number} step */
  go(step) {
    this.search(this.current < 0 ? 0 : step); // none shown yet: the first
  }

  /** Replaces the match shown, then shows the next. */
  replaceOne() {
    this.search(0); // the text may have changed since it was found
    const match = this.matches[this.current];
    if (!match || this.replacement === null) return;
    this.cells()[match.cell].editor.replace(match.from, match.to, this.replacement.value);
    this.matches = [];
    this.current = -1;
    this.#after(match, this.replacement.value.length);
  }

  /** Replaces every match, each cell's from its end (earlier offsets stay true). */
  replaceAll() {
    this.search(0);
    if (this.replacement === null || !this.matches.length) return;
    const cells = this.cells();
    const count = this.matches.length;
    for (const match of [...this.matches].reverse()) {
      cells[match.cell].editor.replace(match.from, match.to, this.replacement.value);
    }
    this.matches = [];
    this.current = -1;
    this.search(0);
    this.count.textContent = `Replaced ${count}`;
  }

  /** After a replacement at `match`: the next match past the new text. */
  #after(/** @type {Match} */ match, /** @type {number} */ length) {
    this.matches = this.#find();
    const next = this.matches.findIndex((m) => m.cell > match.cell
      || (m.cell === match.cell && m.from >= match.from + length));
    this.current = this.matches.length ? (next < 0 ? 0 : next) : -1;
    if (this.current < 0) this.count.textContent = 'No matches';
    else this.#show();
  }

  /** Where the text is in the cells now. @returns {Match[]} */
  #find() {
    const texts = this.cells().map((c) => c.editor.text);
    return findAll(texts, this.input.value, this.caseButton.getAttribute('aria-pressed') === 'true');
  }

  #show() {
    const match = this.matches[this.current];
    this.count.textContent = `${this.current + 1} of ${this.matches.length}`;
    const cell = this.cells()[match.cell];
    this.wake(cell);
    this.#select(cell, match);
  }

  /** @param {FoundCell} cell @param {Match} match */
  #select(cell, match) {
    cell.editor.view?.dispatch({selection: {anchor: match.from, head: match.to}, scrollIntoView: true});
  }

  /** @param {Match} a @param {Match} b */
  #same(a, b) {
    return a.cell === b.cell && a.from === b.from;
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
    } else if (event.key === 'Enter' && event.target === this.input) {
      event.preventDefault();
      this.go(event.shiftKey ? -1 : 1);
    } else if (event.key === 'Enter' && event.target === this.replacement) {
      event.preventDefault();
      this.replaceOne();
    }
  }
}
