// @ts-check
// undodelete.js: bringing back the cells this person deleted or joined into the one above
// (Shift-M), as Jupyter does: a "Cell deleted — Undo" notice for a few seconds after each,
// Escape then Z (in a cell, command mode's: commandmode.js; here, elsewhere on the page), and
// Ctrl-Z (⌘-Z) wherever no text field takes it (so it no longer undoes typing in the
// worksheet's title when the title is not focused). The server puts a deleted cell back whole,
// and separates a joined one again with the text as it now is, for every viewer
// (athena_nb/deletions.py, athena_nb/splitjoin.py).
// Tested by the browser tests (tests/browser/test_cell_undo.py).

/** How long the notice stays, in milliseconds. */
export const NOTICE_MS = 8000;

/** How many of this page's deletions can be undone (the server keeps 20 per worksheet). */
const KEPT = 20;

/**
 * A text field other than a cell's editor (the title): it keeps its keys. A cell's editor
 * takes its own Ctrl-Z, and after Escape its Z is this page's, as in Jupyter's command mode.
 * @param {EventTarget|null} target
 */
function isTextField(target) {
  const node = /** @type {HTMLElement|null} */ (target);
  if (!node || typeof node.closest !== 'function' || node.closest('.nb-cell')) return false;
  return Boolean(node.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]'));
}

export class DeletedCells {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.node the worksheet's element (the notice goes in it)
   * @param {(cellId: number) => Promise<unknown>} o.restore asks the server to bring a deleted
   *   cell back; resolves with its new id (undefined when refused, the error already shown)
   * @param {(cellId: number) => Promise<unknown>} o.unjoin asks the server to separate a
   *   joined cell again; resolves as `restore` does
   * @param {(cellId: number) => void} o.focus puts the caret in a cell
   * @param {(message: string) => void} o.hint
   */
  constructor({node, restore, unjoin, focus, hint}) {
    this.restore = restore;
    this.unjoin = unjoin;
    this.focus = focus;
    this.hint = hint;
    /** @type {{ids: number[], into?: number}[]} the ids of the cells this page deleted (or
     * joined `into` a cell above), the last last; the cells deleted or joined together (a
     * selection of several) are one entry, brought back at once */
    this.stack = [];
    /** @type {Set<Promise<unknown>>} deletions asked for and not answered yet */
    this.deleting = new Set();
    /** True after Escape: a Z next brings the last deleted cell back. */
    this.escaped = false;
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.timer = undefined;
    const doc = node.ownerDocument;
    this.notice = doc.createElement('div');
    this.notice.className = 'nb-undo';
    this.notice.setAttribute('role', 'status');
    this.notice.hidden = true;
    const text = this.said = doc.createElement('span');
    text.textContent = 'Cell deleted — ';
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.className = 'nb-button';
    this.button.textContent = 'Undo';
    this.button.setAttribute('aria-label', 'Undo: bring the cells back');
    this.button.addEventListener('click', () => this.undo());
    this.notice.append(text, this.button);
    node.append(this.notice);
    doc.addEventListener('keydown', (event) => this.#key(event));
  }

  /**
   * Deletes cells, one after the other: each of `calls` asks the server, and resolves with the
   * id it keeps its cell under (undefined when refused). One undo brings back all those it
   * deleted. An undo asked for before the answers waits for them (D D then Z at once brings
   * the cells back).
   * @param {Array<() => Promise<unknown>>} calls
   * @param {string} [what] what the notice says was done ("Cell cut")
   */
  async delete(calls, what = 'Cell deleted') {
    const deleting = (async () => {
      const ids = [];
      for (const call of calls) {
        const id = await call();
        if (typeof id === 'number') ids.push(id);
      }
      return ids;
    })();
    this.deleting.add(deleting);
    try {
      const ids = await deleting;
      if (ids.length) this.#done({ids}, what);
    } finally {
      this.deleting.delete(deleting);
    }
  }

  /** The cells `cellIds` were joined into cell `into` (the server's answers to the joins),
   * to separate again. @param {number[]} cellIds @param {number} into @param {string} what */
  joined(cellIds, into, what) {
    if (cellIds.length) this.#done({ids: cellIds, into}, what);
  }

  /** @param {{ids: number[], into?: number}} entry @param {string} what */
  #done(entry, what) {
    this.said.textContent = `${what} — `;
    this.stack.push(entry);
    if (this.stack.length > KEPT) this.stack.shift();
    this.notice.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#hideNotice(), NOTICE_MS);
  }

  /** Brings back the cells this page deleted or joined last, and puts the caret in the
   * first. */
  async undo() {
    await Promise.allSettled([...this.deleting]);
    this.#hideNotice();
    const last = this.stack.pop();
    if (last === undefined) {
      this.hint('There is no deleted or joined cell to bring back.');
      return;
    }
    // The last first: a deleted cell goes back below the cell that was above it when it went
    // (athena_nb/deletions.py), so that cells deleted top down come back in their order; a
    // joined one is split off at the end of the text it was joined to, and the caret goes
    // back to the cell it was joined to.
    let first;
    for (const cellId of [...last.ids].reverse()) {
      const id = await (last.into === undefined ? this.restore : this.unjoin)(cellId);
      if (typeof id === 'number') first = last.into ?? id;
    }
    if (first !== undefined) this.focus(first);
  }

  #hideNotice() {
    clearTimeout(this.timer);
    const hadFocus = this.notice.contains(this.notice.ownerDocument.activeElement);
    this.notice.hidden = true;
    if (hadFocus) this.button.blur();
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (event.key === 'Escape') {
      // An Escape that closed a completion list or a menu is not the first of two keys; in a
      // cell, the keys after Escape are command mode's.
      this.escaped = !event.defaultPrevented && !isTextField(event.target)
        && !/** @type {Element} */ (event.target)?.closest?.('.nb-cell');
      return;
    }
    const escaped = this.escaped;
    if (!['shift', 'control', 'alt', 'meta'].includes(key)) this.escaped = false;
    if (event.defaultPrevented || event.altKey) return;
    if (escaped && !mod && key === 'z') {
      event.preventDefault();
      this.undo();
    } else if (mod && key === 'z' && !event.shiftKey && !isTextField(event.target)) {
      // A cell's editor takes its own Ctrl-Z (its defaultPrevented); elsewhere the browser's
      // own undo would reach into a text field that is not even focused (the title).
      event.preventDefault();
      this.undo();
    }
  }
}
