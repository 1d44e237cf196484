// @ts-check
// unsaved.js: edits that had not reached the server when a worksheet's page ended (the server
// stopped, the connection was lost for good, the person reloaded or left) are kept in this
// tab's sessionStorage and made again when the worksheet opens in it next. DOM-free.
// Tested by tests/js/athena_nb/unsaved.test.mjs and tests/browser/test_notebook_transport.py.
//
// Each cell's record is the text the server had confirmed, its version, and the person's
// operations after it, in order: those sent (any of which may have arrived before the end,
// unanswered) and then the ones not sent. At the next load the cell's text says how many
// arrived: if it is the confirmed text with the first k of them applied, the rest are made
// again, as the person's own edits. If the cell changed otherwise (someone else edited it
// too), which of the person's edits arrived cannot be told from the text, and merging could
// type them twice: their version of the cell is then put in a new cell below it, as it is
// when the cell was deleted meanwhile. Nothing typed is lost and nothing is made twice.

import {apply, compose} from './ot.js';

/** @typedef {import('./ot.js').Operation} Operation */
/**
 * @typedef {{cellId: number, version: number, confirmed: string, ops: Operation[]}} Unsaved
 *   one cell's edits not known to be saved: `ops` in order, against `confirmed` (at `version`)
 */

const PREFIX = 'athena-nb.unsaved.';

/** @typedef {() => Storage|undefined} StorageGetter reading it may throw (storage blocked) */

/**
 * Keeps `records` for the worksheet `worksheetId` (replacing what was kept; none: forgets).
 * False when the storage refused them (full or blocked).
 * @param {StorageGetter} storage @param {string} worksheetId @param {Unsaved[]} records
 */
export function keepUnsaved(storage, worksheetId, records) {
  try {
    const store = storage();
    if (records.length) store?.setItem(PREFIX + worksheetId, JSON.stringify(records));
    else store?.removeItem(PREFIX + worksheetId);
    return Boolean(store);
  } catch {
    return false;
  }
}

/**
 * The records kept for `worksheetId`, forgotten as they are read (the page that reads them
 * makes them again, or keeps them anew when it ends before they are saved).
 * @param {StorageGetter} storage @param {string} worksheetId @returns {Unsaved[]}
 */
export function takeUnsaved(storage, worksheetId) {
  try {
    const store = storage();
    const kept = store?.getItem(PREFIX + worksheetId);
    store?.removeItem(PREFIX + worksheetId);
    const records = kept ? JSON.parse(kept) : [];
    return Array.isArray(records) ? records.filter(isRecord) : [];
  } catch {
    return [];
  }
}

/** @param {any} r @returns {r is Unsaved} */
function isRecord(r) {
  return r !== null && typeof r === 'object' && Number.isSafeInteger(r.cellId)
    && Number.isSafeInteger(r.version) && typeof r.confirmed === 'string'
    && Array.isArray(r.ops) && r.ops.every(Array.isArray);
}

/** The person's text of the cell: every one of their edits made. @param {Unsaved} record */
export function theirText(record) {
  return record.ops.reduce((text, op) => apply(text, op), record.confirmed);
}

/**
 * What to do with `record` now that the cell's text is `current`: `{redo: op}` makes the
 * edits that did not arrive (an empty op when all did), `{copy: text}` means the cell changed
 * otherwise and the person's text goes into a cell of its own. Throws (OperationError) for a
 * record whose operations fit no text.
 * @param {Unsaved} record @param {string} current
 * @returns {{redo: Operation}|{copy: string}}
 */
export function replay(record, current) {
  let text = record.confirmed;
  for (let arrived = 0; arrived <= record.ops.length; arrived++) {
    if (arrived) text = apply(text, record.ops[arrived - 1]);
    if (text === current) {
      const redo = record.ops.slice(arrived).reduce((a, b) => compose(a, b), /** @type {Operation} */ ([]));
      apply(current, redo); // throws if it does not fit (a record changed by hand)
      return {redo};
    }
  }
  return {copy: theirText(record)};
}

/**
 * What UnsavedEdits needs of a cell (cell.js's Cell, its CellEditor).
 * @typedef {{cellId: number, editor: {text: string, applyOwn: (op: Operation) => void,
 *   unsaved: {version: number, confirmed: string, ops: Operation[]}|null}}} EditableCell
 */

/** One worksheet page's side of it: keeps its unsaved edits as it ends, makes them again. */
export class UnsavedEdits {
  /**
   * @param {Object} o
   * @param {string} o.worksheetId
   * @param {StorageGetter} o.storage this tab's sessionStorage
   * @param {() => EditableCell[]} o.cells the cells, in order
   * @param {(index: number) => Promise<unknown>} o.addCell adds an empty cell at `index`;
   *   resolves with its id (undefined if refused)
   * @param {(message: string) => void} o.say tells the person
   * @param {boolean} o.canEdit
   */
  constructor({worksheetId, storage, cells, addCell, say, canEdit}) {
    this.worksheetId = worksheetId;
    this.storage = storage;
    this.cells = cells;
    this.addCell = addCell;
    this.say = say;
    this.canEdit = canEdit;
    /** @type {Unsaved[]} records this page took from the storage and has not placed yet: kept
     * again with its own if it ends first (a viewer's page places none) */
    this.waiting = [];
  }

  /** The page is ending (or may): keeps every cell's edits not yet acknowledged, and the
   * records it has not placed yet. */
  keep() {
    /** @type {Unsaved[]} */
    const records = [...this.waiting];
    for (const cell of this.cells()) {
      const unsaved = cell.editor.unsaved;
      if (unsaved) records.push({cellId: cell.cellId, ...unsaved});
    }
    keepUnsaved(this.storage, this.worksheetId, records);
  }

  /** The page is live: makes again what an earlier page of this tab kept, and says so. */
  async replay() {
    this.waiting = takeUnsaved(this.storage, this.worksheetId);
    if (!this.waiting.length) return;
    if (!this.canEdit) {
      keepUnsaved(this.storage, this.worksheetId, this.waiting);
      this.say('Your unsaved edits to this worksheet are kept in this tab: you may not edit it now.');
      return;
    }
    /** @type {string[]} */
    const told = [];
    for (const record of [...this.waiting]) {
      let said = null;
      try {
        said = await this.#replayOne(record);
      } catch {
        // A record that fits no text (storage changed by hand): nothing of it can be placed.
      }
      if (said === false) continue; // not placed: kept (the new cell was refused)
      this.waiting = this.waiting.filter((r) => r !== record);
      if (said) told.push(said);
    }
    if (this.waiting.length) {
      keepUnsaved(this.storage, this.worksheetId, this.waiting);
      told.push('Some of your unsaved edits could not be placed (no new cell could be added); '
        + 'they stay kept in this tab for the next time the worksheet opens.');
    }
    if (told.length) this.say(told.join(' '));
  }

  /** @param {Unsaved} record @returns {Promise<string|null|false>} what to tell (false:
   * not placed) */
  async #replayOne(record) {
    const cells = this.cells();
    const index = cells.findIndex((c) => c.cellId === record.cellId);
    const what = index < 0 ? {copy: theirText(record)} : replay(record, cells[index].editor.text);
    if ('redo' in what) {
      if (!what.redo.length) return null; // they all arrived
      cells[index].editor.applyOwn(what.redo);
      return `Your unsaved edits to cell ${index + 1} were made again.`;
    }
    if (!what.copy) return null;
    const id = await this.addCell(index < 0 ? cells.length : index + 1);
    const copy = this.cells().find((c) => c.cellId === id);
    if (!copy) return false;
    copy.editor.applyOwn([{at: 0, insert: what.copy}]);
    const at = this.cells().indexOf(copy) + 1;
    return index < 0
      ? `A cell you were editing was deleted: your unsaved text of it is in cell ${at}.`
      : `Cell ${index + 1} changed while your edits to it were unsaved: your version is in cell ${at}.`;
  }
}
