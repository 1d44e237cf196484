// @ts-check
// cellselection.js: several cells selected together in command mode, as in Jupyter. The
// selection runs from the cell it was started in (its anchor) to the cell command mode went
// to with Shift-↑/↓ or a Shift-click (its head), or holds every cell (Ctrl-A). It is a range
// of the worksheet as it is now: cells that others move, add or delete meanwhile are in it as
// they fall. The cells in it are marked (`data-selected`, worksheet.css). Which keys select
// and act is commandmode.js's; what acting on several cells does, manycells.js's.
// Tested by tests/js/athena_nb/cellselection.test.mjs and tests/browser/test_commandmode.py.

/** @typedef {{node: Element}} SelectableCell */

/** @template {SelectableCell} C */
export class CellSelection {
  /** @param {() => C[]} cells the worksheet's cells, in order */
  constructor(cells) {
    this.cells = cells;
    /** @type {C|null} where the selection started (null: no more than one cell) */
    this.anchor = null;
    /** @type {C|null} its other end */
    this.head = null;
    /** @type {Element[]} the nodes marked selected */
    this.marked = [];
  }

  /**
   * The selected cells, in the worksheet's order: `active` alone when there is no selection
   * of several, or when one of its ends has left the worksheet.
   * @param {C} active the cell command mode is in @returns {C[]}
   */
  of(active) {
    if (!this.anchor || !this.head) return [active]; // no look at the cells: every key asks
    const cells = this.cells();
    const from = cells.indexOf(this.anchor);
    const to = cells.indexOf(this.head);
    if (from < 0 || to < 0) return [active];
    return cells.slice(Math.min(from, to), Math.max(from, to) + 1);
  }

  /** How many cells are selected. @param {C} active */
  count(active) {
    return this.of(active).length;
  }

  /** The selection runs from `anchor` (unless it has one already) to `head`.
   * @param {C} anchor @param {C} head */
  extend(anchor, head) {
    this.anchor = this.anchor && this.cells().includes(this.anchor) ? this.anchor : anchor;
    this.head = head;
    this.#mark(head);
  }

  /** Every cell. @param {C} active */
  all(active) {
    const cells = this.cells();
    this.anchor = cells[0] ?? null;
    this.head = cells.at(-1) ?? null;
    this.#mark(active);
  }

  /** No more than one cell. */
  clear() {
    this.anchor = this.head = null;
    this.#mark(null);
  }

  /** The cells moved, came or went (others' doing too): the marks follow the range as it now
   * is. @param {C} active */
  refresh(active) {
    this.#mark(active);
  }

  /** @param {C|null} active */
  #mark(active) {
    for (const node of this.marked) delete /** @type {HTMLElement} */ (node).dataset.selected;
    const selected = active ? this.of(active) : [];
    this.marked = selected.length > 1 ? selected.map((cell) => cell.node) : [];
    for (const node of this.marked) /** @type {HTMLElement} */ (node).dataset.selected = 'true';
  }
}
