// @ts-check
// commandmode.js: Jupyter's command mode in a worksheet. Escape in a cell (one that closed
// nothing: no completion list, search panel or selection) puts the cell in command mode, where
// keys act on cells instead of typing into them: Enter edits the cell again, A and B add a
// cell above or below, C and X copy or cut it and V or Shift-V paste the cells copied last
// below or above (cellclipboard.js; Ctrl with C, X, V or Z too, as in JupyterLab), D D deletes
// it, J/K or ↓/↑ go to the next or previous cell, Ctrl-Shift-↑/↓ move it, M and Y make it a
// text or a code cell, Shift-M joins the next cell to it, O hides or shows its output, Z
// brings back the cells deleted last, I I interrupts the kernel and 0 0 restarts it (asking
// first, as the toolbar's button does), and Tab or Shift-Tab leave it (the browser moves the
// focus). Shift-J/K, Shift-↓/↑ and a Shift-click (from a cell being edited too) select
// several cells, Ctrl-A all of them
// (cellselection.js); then C, X, D D, M, Y, Shift-M, O, Ctrl-Shift-↑/↓, Ctrl-Enter and
// Shift-Enter act on them all (manycells.js), and the other keys end the selection first.
// Any other key that would type or delete is held back, with a hint: nothing reaches the code
// by accident. Shift-Enter and Ctrl-Enter run the cell as always; a click into it, or the
// focus leaving it, ends command mode.
// The one place that decides what a key does after Escape in a cell.
// Tested by the browser tests (tests/browser/test_commandmode.py).

import {CellSelection} from './cellselection.js';
import {MANY} from './manycells.js';

/** What command mode tells the person as it starts, and when a key is held back. */
export const COMMAND_HINT = 'Command mode (Enter edits): A B add a cell · C X V copy, cut, '
  + 'paste (Shift-V above) · D D delete, Z undelete · ↑ ↓ go, Shift-↑ ↓ select, Ctrl-Shift-↑ ↓ '
  + 'move · M Y text, code · Shift-M join · O output · I I interrupt, 0 0 restart · Tab leaves';

/** What command mode says while several cells are selected. @param {number} count */
export function selectionHint(count) {
  return `${count} cells selected: C X copy, cut · D D delete · M Y text, code · Shift-M join `
    + '· O outputs · Ctrl-Shift-↑ ↓ move · Ctrl-Enter run, Shift-Enter run and go on · Esc '
    + 'one cell';
}

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
/** Ctrl (⌘) with these does what the letter alone does, as in JupyterLab (Ctrl-A selects
 * every cell). */
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
   * @param {(element: Element|null) => CommandCell|null} o.cellOf the cell an element is in
   * @param {(cell: CommandCell, way: number) => CommandCell|null} o.focusFrom puts the focus
   *   in `cell` or past it (`way` -1 up, 1 down) in the first cell that takes it; that cell
   * @param {() => Promise<unknown>} o.restoreDeleted brings back the cells deleted last
   * @param {(cells: CommandCell[], action: string) => Promise<unknown>} o.many does `action`
   *   (one of manycells.js's MANY) to several cells
   * @param {(action: string) => void} o.worksheet does what a toolbar button does
   *   ('interrupt', 'restart')
   * @param {(message: string) => void} o.hint
   */
  constructor({node, cells, cellOf, focusFrom, restoreDeleted, many, worksheet, hint}) {
    this.cells = cells;
    this.cellOf = cellOf;
    this.many = many;
    /** @type {CellSelection<CommandCell>} several cells selected (none: just `cell`) */
    this.selection = new CellSelection(cells);
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
    node.addEventListener('mousedown', (event) => {
      const target = /** @type {Element} */ (event.target);
      // From command mode, or from a cell being edited, as in JupyterLab.
      const editing = node.ownerDocument.activeElement;
      const from = this.cell ?? (editing && editing !== node.ownerDocument.body
        ? this.cellOf(editing) : null);
      // Not a Shift-click on a control or in an output: that does what it does.
      const onCell = event.shiftKey && from && typeof target.closest === 'function'
        && !target.closest('button, a, input, select, textarea, .nb-output');
      const to = onCell ? this.cellOf(target) : null;
      if (!from || !to || to === from) {
        this.leave();
        return;
      }
      // A Shift-click on another cell selects the cells between, as in Jupyter.
      event.preventDefault();
      event.stopPropagation(); // not to the editor, which would place its caret
      this.#select(from, to, 1);
    }, true);
  }

  /** The cells moved, came or went: a selection's marks follow (cellselection.js). */
  cellsChanged() {
    if (this.cell) this.selection.refresh(this.cell);
  }

  /**
   * Someone else removes `cell`: if command mode is in it, what to do once it is gone (null
   * if not): command mode goes on in the cell that was below it, or above, as in Jupyter,
   * instead of leaving the keys to no cell. @param {CommandCell} cell
   * @returns {(() => void)|null}
   */
  leaving(cell) {
    if (this.cell !== cell) return null;
    // By the page's order: the page no longer counts a cell that is leaving among its cells.
    const next = this.cellOf(cell.node.nextElementSibling)
      ?? this.cellOf(cell.node.previousElementSibling);
    return () => {
      this.leave(false);
      if (next?.node.isConnected) this.#goFrom(next, 1);
      this.hint('Someone else removed the cell you were on.');
    };
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
    this.selection.clear();
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
    const mod = event.ctrlKey || event.metaKey;
    const several = !gone && this.selection.count(cell) > 1;
    /** Takes the key from the cell and the browser: command mode's. */
    const take = () => {
      event.preventDefault();
      event.stopPropagation();
      this.exits += 1; // a key of theirs: an action still under way stays where it was asked
    };
    if (mod && event.shiftKey && !event.altKey && key in MOVES) {
      take();
      if (several) this.#actOnSelected(cell, MOVES[key]);
      else if (!gone) this.#actThenStay(cell, MOVES[key]);
      return;
    }
    if (several && key === 'Enter' && (mod || event.shiftKey) && !event.altKey) {
      take(); // the selected cells run, not the one the caret is in
      if (mod) {
        this.#actOnSelected(cell, 'run');
      } else {
        const cells = this.selection.of(cell);
        this.leave();
        this.many(cells, 'runAndAdvance');
      }
      return;
    }
    const ctrlLetter = mod && !event.altKey && !event.shiftKey && WITH_CTRL.has(key);
    if (ctrlLetter && key === 'a') {
      event.preventDefault(); // not the cell's text: its keys are the cell's, here
      if (!gone) {
        this.selection.all(cell);
        this.#tellSelection(cell);
      }
      return;
    }
    if (!ctrlLetter && (mod || event.altKey || (key === 'Enter' && event.shiftKey))) {
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
    take();
    const down = key === 'j' || key === 'ArrowDown';
    if (gone && key !== 'z') {
      this.leave();
    } else if (event.shiftKey && (down || key === 'k' || key === 'ArrowUp')) {
      const to = this.neighbour(cell, down ? 1 : -1);
      if (to) this.#select(cell, to, down ? 1 : -1);
    } else if (several && this.#onSelected(cell, key, event.shiftKey, first)) {
      // done to every selected cell
    } else {
      if (several) this.selection.clear(); // any other key: one cell again
      this.#onCell(cell, key, event.shiftKey, first);
    }
  }

  /** A key of command mode for the one cell it is in. @param {CommandCell} cell
   * @param {string} key @param {boolean} shift @param {string|null} first the key before */
  #onCell(cell, key, shift, first) {
    if (key === 'Enter') {
      this.leave();
      cell.edit();
    } else if ((shift && SHIFTED[key]) || ACTIONS[key]) {
      this.#actThenStay(cell, (shift && SHIFTED[key]) || ACTIONS[key]);
    } else if (key === 'x') {
      this.#delete([cell], 'cutCell');
    } else if (key === 'd') {
      if (first === 'd') this.#delete([cell], 'delete');
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

  /** A key that acts on every selected cell; false if `key` is not one (Escape, Z...).
   * @param {CommandCell} cell @param {string} key @param {boolean} shift
   * @param {string|null} first the key before */
  #onSelected(cell, key, shift, first) {
    const action = shift ? SHIFTED[key] : ACTIONS[key] ?? (key === 'x' ? 'cutCell' : null);
    if (key === 'd') {
      if (first === 'd') this.#delete(this.selection.of(cell), 'delete');
      else this.first = 'd';
      return true;
    }
    if (!action || !MANY.has(action)) return false;
    if (action === 'cutCell') this.#delete(this.selection.of(cell), action);
    else this.#actOnSelected(cell, action);
    return true;
  }

  /** The selection runs from where it started (or `from`) to `to`, or past it (`way`: -1 up,
   * 1 down) to the first cell that takes the focus, where command mode goes.
   * @param {CommandCell} from @param {CommandCell} to @param {number} way */
  #select(from, to, way) {
    const anchor = this.selection.anchor ?? from;
    const taken = this.focusFrom(to, way); // the focus leaving `from` ends its command mode
    if (!taken) return; // none takes it: the focus, and command mode, stay where they were
    this.enter(taken);
    this.selection.extend(anchor, taken);
    /** @type {HTMLElement} */ (taken.node).scrollIntoView?.({block: 'nearest'});
    this.#tellSelection(taken);
  }

  /** @param {CommandCell} cell */
  #tellSelection(cell) {
    const count = this.selection.count(cell);
    this.hint(count > 1 ? selectionHint(count) : COMMAND_HINT);
  }

  /** `action` to every selected cell; command mode and the selection stay, in the cell the
   * person was in (a move or a change of kind may have taken its focus).
   * @param {CommandCell} cell @param {string} action */
  async #actOnSelected(cell, action) {
    const cells = this.selection.of(cell);
    const {anchor, head} = this.selection;
    const exits = this.exits;
    await this.many(cells, action);
    if (this.exits !== exits) return; // the person went on meanwhile
    const stays = action === 'join' ? cells[0] : cell;
    const taken = stays.node.isConnected ? this.focusFrom(stays, 1) : null;
    if (!taken) return;
    this.enter(taken);
    if (action !== 'join' && anchor && head) this.selection.extend(anchor, head);
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

  /** D D or X: the cells go ('delete' or 'cutCell'), command mode to the one below them.
   * @param {CommandCell[]} cells @param {string} action */
  async #delete(cells, action) {
    // Command mode stays where it is until they are gone: a Z meanwhile brings them back.
    const below = this.neighbour(/** @type {CommandCell} */ (cells.at(-1)), 1);
    const above = this.neighbour(cells[0], -1);
    const exits = this.exits;
    if (cells.length > 1) await this.many(cells, action);
    else await cells[0].act(action);
    if (this.exits !== exits) return;
    if (below?.node.isConnected && this.#goFrom(below, 1)) return;
    if (above?.node.isConnected && this.#goFrom(above, -1)) return;
    const first = this.cells()[0]; // the empty cell the server put in the last one's place
    if (first && !cells.includes(first)) this.#goFrom(first, 1);
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
