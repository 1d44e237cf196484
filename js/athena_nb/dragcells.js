// @ts-check
// dragcells.js: a cell dragged by its gutter (the [n] at its left) to another place, as in
// JupyterLab. While it is dragged, a line shows where it would land, above or below the cell
// under the pointer; the drop asks the server to move it beside that cell
// (athena_nb/web/cellfragment.py, moveBeside), named by its id, so that the moves of others
// meanwhile do not send it elsewhere. For those who edit (the gutter is draggable for them
// only); the keyboard's way is Ctrl+Shift+↑/↓ in command mode, or the ⋯ menu's Move up and
// Move down. Tested by tests/browser/test_cell_clipboard.py.

/** What a dragged cell needs (cell.js's Cell). @typedef {{node: Element, cellId: number,
 *   callRemote: (method: string, ...args: unknown[]) => Promise<unknown>}} DraggedCell */

export class DragCells {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.area where a drag goes on (the worksheet: below its last cell is
   *   below that cell)
   * @param {() => DraggedCell[]} o.cells the cells, in order
   * @param {(element: Element|null) => DraggedCell|null} o.cellOf the cell an element is in
   * @param {(call: Promise<unknown>) => Promise<unknown>} o.ask sends a call, showing a refusal
   */
  constructor({area, cells, cellOf, ask}) {
    this.cells = cells;
    this.cellOf = cellOf;
    this.ask = ask;
    /** @type {DraggedCell|null} the cell dragged from this page, if any */
    this.dragged = null;
    /** @type {HTMLElement|null} the cell that shows where the drop would land */
    this.mark = null;
    area.addEventListener('dragstart', (event) => this.#start(event));
    area.addEventListener('dragover', (event) => this.#over(event));
    area.addEventListener('drop', (event) => this.#drop(event));
    area.addEventListener('dragend', () => this.#end());
  }

  /** @param {DragEvent} event */
  #start(event) {
    const gutter = /** @type {Element} */ (event.target).closest?.('.nb-cell-gutter[draggable="true"]');
    const cell = gutter ? this.cellOf(gutter) : null;
    if (!cell || !event.dataTransfer) return; // a text selection's drag: the editor's own
    this.dragged = cell;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', ''); // a drag needs data in some browsers
    event.dataTransfer.setDragImage(cell.node, 16, 16);
    /** @type {HTMLElement} */ (cell.node).dataset.dragging = 'true';
  }

  /** @param {DragEvent} event */
  #over(event) {
    if (!this.dragged) return;
    let target = this.cellOf(/** @type {Element} */ (event.target));
    const last = this.cells().at(-1);
    // Under the last cell (the keys' line, the page's foot): below it, at the end.
    if (!target && last && event.clientY > last.node.getBoundingClientRect().bottom) target = last;
    if (!target) return;
    event.preventDefault(); // this place takes the drop
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'move';
    const box = target.node.getBoundingClientRect();
    const node = /** @type {HTMLElement} */ (target.node);
    if (this.mark !== node) this.#unmark();
    this.mark = node;
    node.dataset.drop = event.clientY > box.top + box.height / 2 ? 'below' : 'above';
  }

  /** @param {DragEvent} event */
  #drop(event) {
    const dragged = this.dragged;
    const target = this.mark && this.cellOf(this.mark);
    const where = this.mark?.dataset.drop;
    this.#end();
    if (!dragged || !target || !where) return;
    event.preventDefault();
    if (target !== dragged) this.ask(dragged.callRemote('moveBeside', target.cellId, where));
  }

  #unmark() {
    if (this.mark) delete this.mark.dataset.drop;
    this.mark = null;
  }

  #end() {
    this.#unmark();
    if (this.dragged) delete /** @type {HTMLElement} */ (this.dragged.node).dataset.dragging;
    this.dragged = null;
  }
}
