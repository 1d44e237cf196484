// @ts-check
// commandmode.js: Jupyter's command mode in a worksheet. Escape in a cell (one that closed
// nothing: no completion list, search panel or selection) puts the cell in command mode, where
// keys act on cells instead of typing into them: Enter edits the cell again, A and B add a
// cell above or below, C and X copy or cut it and V or Shift-V paste the cells copied last
// below or above (cellclipboard.js; Ctrl with C, X, V or Z too, as in JupyterLab), D D deletes
// it, J/K or ↓/↑ go to the next or previous cell, Ctrl-Shift-↑/↓ move it, M and Y make it a
// text or a code cell, Shift-M joins the next cell to it, O hides or shows its output, Z brings back the cell deleted last, I I interrupts
// the kernel and 0 0 restarts it (asking first, as the toolbar's button does), and Tab or
// Shift-Tab leave it (the browser moves the focus). Any other key that would type or delete
// is held back, with a hint: nothing reaches the code by accident. Shift-Enter and Ctrl-Enter
// run the cell as always; a click into it, or the focus leaving it, ends command mode.
// The one place that decides what a key does after Escape in a cell.
// Tested by the browser tests (tests/browser/test_commandmode.py).

/** What command mode tells the person as it starts, and when a key is held back. */
export const COMMAND_HINT = 'Command mode (Enter edits): A B add a cell · C X V copy, cut, '
  + 'paste (Shift-V above) · D D delete, Z undelete · ↑ ↓ go, Ctrl-Shift-↑ ↓ move · M Y text, '
  + 'code · Shift-M join · O output · I I interrupt, 0 0 restart · Tab leaves';

/**
 * What command mode needs of a cell (cell.js's Cell).
 * @typedef {{node: Element, act: (action: string) => Promise<unknown>, edit: () => void,
 *   focus: () => void}} CommandCell
 */

/** The keys that act on the cell, by `event.key` lower-cased, and the cell's action. */
const ACTIONS = /** @type {Record<string, string>} */ ({
  a: 'insertAbove', b: 'insertBelow', m: 'toText', y: 'toCode', o: 'toggleOutput',
  c: 'copyCell', v: 'pasteBelow',
});
/** The keys that act otherwise with Shift held. */
const SHIFTED = /** @type {Record<string, string>} */ ({m: 'join', v: 'pasteAbove'});
/** Ctrl (⌘) with these does what the letter alone does, as in JupyterLab (Ctrl-A is held:
 * there is no selection of several cells). */
const WITH_CTRL = new Set(['c', 'x', 'v', 'z', 'a']);
/** Ctrl+Shift (⌘+Shift) with these move the cell. */
const MOVES = /** @type {Record<string, string>} */ ({ArrowUp: 'moveUp', ArrowDown: 'moveDown'});
/** The keys pressed twice that act on the worksheet (as its toolbar's buttons). */
const TWICE = /** @type {Record<string, string>} */ ({i: 'interrupt', 0: 'restart'});

export class CommandMode {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.node the worksheet's element
   * @param {() => CommandCell[]} o.cells the cells, in order
   * @param {(cell: CommandCell, way: number) => CommandCell|null} o.focusFrom puts the focus
   *   in `cell` or past it (`way` -1 up, 1 down) in the first cell that takes it; that cell
   * @param {() => Promise<unknown>} o.restoreDeleted brings back the cell deleted last
   * @param {(action: string) => void} o.worksheet does what a toolbar button does
   *   ('interrupt', 'restart')
   * @param {(message: string) => void} o.hint
   */
  constructor({node, cells, focusFrom, restoreDeleted, worksheet, hint}) {
    this.cells = cells;
    this.focusFrom = focusFrom;
    this.restoreDeleted = restoreDeleted;
    this.worksheet = worksheet;
    this.hint = hint;
    /** @type {CommandCell|null} the cell in command mode, if any */
    this.cell = null;
    /** @type {string|null} the last key, when it was the first of D D, I I or 0 0 */
    this.first = null;
    /** Counts the person's own doings (a click, a key, an end of command mode): a cell's
     * action that ends after one does not move command mode where the focus is then. */
    this.exits = 0;
    // Escape after the editor and its panels had it (bubbling); the keys of command mode
    // before the editor sees them (capturing), on the whole page: the cell may be gone (just
    // deleted), and its Z must still bring it back.
    node.addEventListener('keydown', (event) => this.#escape(event));
    node.ownerDocument.addEventListener('keydown', (event) => this.#key(event), true);
    node.addEventListener('focusout', (event) => {
      if (!node.ownerDocument.hasFocus()) return; // another window: the focus comes back here
      const to = /** @type {Node|null} */ (event.relatedTarget);
      if (this.cell && !(to && this.cell.node.contains(to))) this.leave(false);
    });
    node.addEventListener('mousedown', () => this.leave(), true);
  }

  /** The cell `element` is in, if any. @param {Element} element */
  cellOf(element) {
    return this.cells().find((cell) => cell.node.contains(element)) ?? null;
  }

  /** The cell `step` places from `cell` (-1 above, 1 below), if any.
   * @param {CommandCell} cell @param {number} step */
  neighbour(cell, step) {
    const cells = this.cells();
    const index = cells.indexOf(cell);
    return index < 0 ? null : cells[index + step] ?? null;
  }

  /** Puts `cell` in command mode (the focus is in it). @param {CommandCell} cell */
  enter(cell) {
    if (this.cell && this.cell !== cell) this.leave(false);
    this.cell = cell;
    this.first = null;
    /** @type {HTMLElement} */ (cell.node).dataset.mode = 'command';
  }

  /** Ends command mode (typing goes into the cell again).
   * @param {boolean} [byPerson] a click or a key of theirs (not the focus an action moved) */
  leave(byPerson = true) {
    if (byPerson) this.exits += 1;
    if (!this.cell) return;
    delete /** @type {HTMLElement} */ (this.cell.node).dataset.mode;
    this.cell = null;
    this.first = null;
  }

  /** @param {KeyboardEvent} event */
  #escape(event) {
    if (event.key !== 'Escape' || event.defaultPrevented || this.cell) return;
    const target = /** @type {Element} */ (event.target);
    // Not from a field in an output (an interact's control, an input() prompt).
    if (typeof target.closest !== 'function' || target.closest('.nb-output')) return;
    const cell = this.cellOf(target);
    if (!cell) return;
    this.enter(cell);
    this.hint(COMMAND_HINT);
  }

  /** @param {KeyboardEvent} event */
  #key(event) {
    const cell = this.cell;
    if (!cell || ['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    const gone = !cell.node.isConnected; // deleted meanwhile: the focus fell to the page
    if (!gone && !cell.node.contains(/** @type {Node} */ (event.target))) {
      this.leave(false);
      return;
    }
    const first = this.first;
    this.first = null;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey && key in MOVES) {
      event.preventDefault();
      event.stopPropagation();
      this.exits += 1;
      if (!gone) this.#actThenStay(cell, MOVES[key]);
      return;
    }
    const ctrlLetter = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey
      && WITH_CTRL.has(key);
    if (ctrlLetter && key === 'a') {
      event.preventDefault(); // not the cell's text: its keys are the cell's, here
      this.hint(COMMAND_HINT);
      return;
    }
    if (!ctrlLetter && (event.ctrlKey || event.metaKey || event.altKey
        || (key === 'Enter' && event.shiftKey))) {
      this.leave(); // Ctrl-Enter, Shift-Enter, Ctrl-C...: what they do in the cell
      return;
    }
    if (key === 'Tab') {
      this.leave();
      event.stopPropagation(); // not to the editor, which would indent: the focus moves on
      return;
    }
    const held = key === 'Escape' || key === 'Enter' || key.length === 1
      || key === 'Backspace' || key === 'Delete' || key === 'ArrowUp' || key === 'ArrowDown';
    if (!held) {
      this.leave(); // ← →, Home, Page Down...: they move the caret as in the cell
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    this.exits += 1; // a key of theirs: an action still under way stays where it was asked
    if (gone && key !== 'z') {
      this.leave();
    } else if (key === 'Enter') {
      this.leave();
      cell.edit();
    } else if ((event.shiftKey && SHIFTED[key]) || ACTIONS[key]) {
      this.#actThenStay(cell, (event.shiftKey && SHIFTED[key]) || ACTIONS[key]);
    } else if (key === 'x') {
      this.#delete(cell, 'cutCell');
    } else if (key === 'd') {
      if (first === 'd') this.#delete(cell, 'delete');
      else this.first = 'd';
    } else if (key in TWICE) {
      if (first === key) this.worksheet(TWICE[key]);
      else this.first = key;
    } else if (key === 'z') {
      this.#restoreThenStay(cell);
    } else if (key === 'j' || key === 'ArrowDown' || key === 'k' || key === 'ArrowUp') {
      this.#go(cell, key === 'j' || key === 'ArrowDown' ? 1 : -1);
    } else if (key !== 'Escape') {
      this.hint(COMMAND_HINT);
    }
  }

  /** Runs the cell's `action`; command mode goes on in the cell that has the focus then.
   * @param {CommandCell} cell @param {string} action */
  async #actThenStay(cell, action) {
    const exits = this.exits; // counted this action's key already
    await cell.act(action);
    const focused = cell.node.ownerDocument.activeElement;
    const now = focused ? this.cellOf(focused) : null;
    if (now && this.exits === exits) this.enter(now); // unless the person went on meanwhile
  }

  /** Z: the cell deleted last comes back with the focus, still in command mode, as in
   * Jupyter (unless the person went on meanwhile). @param {CommandCell} cell */
  async #restoreThenStay(cell) {
    const exits = this.exits;
    this.leave(false);
    await this.restoreDeleted();
    const focused = cell.node.ownerDocument.activeElement;
    const now = focused ? this.cellOf(focused) : null;
    if (now && this.exits === exits) this.enter(now);
  }

  /** D D or X: the cell goes ('delete' or 'cutCell'), command mode to the one below it.
   * @param {CommandCell} cell @param {string} action */
  async #delete(cell, action) {
    // Command mode stays in the cell until it is gone: a Z meanwhile brings it back.
    const below = this.neighbour(cell, 1);
    const above = this.neighbour(cell, -1);
    const exits = this.exits;
    await cell.act(action);
    if (this.exits !== exits) return;
    if (below?.node.isConnected && this.#goFrom(below, 1)) return;
    if (above?.node.isConnected && this.#goFrom(above, -1)) return;
    const first = this.cells()[0]; // the empty cell the server put in the last one's place
    if (first && first !== cell) this.#goFrom(first, 1);
  }

  /** @param {CommandCell} cell @param {number} step */
  #go(cell, step) {
    const next = this.neighbour(cell, step);
    if (next) this.#goFrom(next, step);
  }

  /** Command mode goes to `cell`, or past it (`way`) to the first cell that takes the focus.
   * @param {CommandCell} cell @param {number} way @returns {boolean} whether one did */
  #goFrom(cell, way) {
    const taken = this.focusFrom(cell, way);
    if (!taken) return false;
    this.enter(taken);
    /** @type {HTMLElement} */ (taken.node).scrollIntoView?.({block: 'nearest'});
    return true;
  }
}
