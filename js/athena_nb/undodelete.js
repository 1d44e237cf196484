// @ts-check
// undodelete.js: bringing back the cells this person deleted, as Jupyter does: a "Cell
// deleted — Undo" notice for a few seconds after each deletion, Escape then Z (in a cell,
// command mode's: commandmode.js; here, elsewhere on the page), and Ctrl-Z (⌘-Z) wherever no
// text field takes it (so it no longer undoes typing in the worksheet's
// title when the title is not focused). The server puts the cell back whole, for every viewer
// (athena_nb/deletions.py).
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
   * @param {(cellId: number) => void} o.focus puts the caret in a cell
   * @param {(message: string) => void} o.hint
   */
  constructor({node, restore, focus, hint}) {
    this.restore = restore;
    this.focus = focus;
    this.hint = hint;
    /** @type {number[][]} the ids of the cells this page deleted, the last deletion last; the
     * cells deleted together (a selection of several) are one deletion, brought back at once */
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
    this.button.setAttribute('aria-label', 'Undo: bring the deleted cell back');
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
      if (ids.length) {
        this.said.textContent = `${what} — `;
        this.#deleted(ids);
      }
    } finally {
      this.deleting.delete(deleting);
    }
  }

  /** The server keeps the deleted cells as `cellIds`, to bring them back.
   * @param {number[]} cellIds */
  #deleted(cellIds) {
    this.stack.push(cellIds);
    if (this.stack.length > KEPT) this.stack.shift();
    this.notice.hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#hideNotice(), NOTICE_MS);
  }

  /** Brings back the cells this page deleted last, and puts the caret in the first. */
  async undo() {
    await Promise.allSettled([...this.deleting]);
    this.#hideNotice();
    const cellIds = this.stack.pop();
    if (cellIds === undefined) {
      this.hint('There is no deleted cell to bring back.');
      return;
    }
    // The last deleted first: each goes back below the cell that was above it when it went
    // (athena_nb/deletions.py), so that cells deleted top down come back in their order.
    let first;
    for (const cellId of [...cellIds].reverse()) {
      const id = await this.restore(cellId);
      if (typeof id === 'number') first = id;
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
