// @ts-check
// cellclipboard.js: the cells a person copied (C, or "Copy cell") or cut (X), to paste with V
// below or Shift+V above (athena_nb/paste.py makes them), as in Jupyter. They are kept in this
// browser's storage, so that cells copied in one worksheet paste into another (a teacher's
// example into one's own work), in any tab; only their kind and text, as Jupyter pastes them.
// Tested by tests/js/athena_nb/cellclipboard.test.mjs and tests/browser/test_cell_clipboard.py.

/** @typedef {{kind: 'code'|'text', text: string}} CopiedCell */
/** @typedef {import('./cell.js').Cell} Cell */
/** @typedef {import('./worksheet.js').Worksheet} Worksheet */

const KEY = 'athena-nb.copied-cells';

/** @returns {Storage|null} the browser's storage, unless the browser forbids it */
function storage() {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage turned off for this site
  }
}

/**
 * Keeps `cells` as the ones to paste next. False when the browser keeps nothing (its storage
 * is off or full).
 * @param {CopiedCell[]} cells @returns {boolean}
 */
export function copyCells(cells) {
  const kept = storage();
  if (!kept) return false;
  try {
    kept.setItem(KEY, JSON.stringify(cells.map(({kind, text}) => ({kind, text}))));
    return true;
  } catch {
    return false; // full
  }
}

/** The cells copied last, in their order; none if nothing was, or what is kept is not cells.
 * @returns {CopiedCell[]} */
export function copiedCells() {
  let kept;
  try {
    kept = JSON.parse(storage()?.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(kept)) return [];
  return kept.filter((c) => c && (c.kind === 'code' || c.kind === 'text')
    && typeof c.text === 'string');
}

/**
 * Keeps `cell` (its kind and text), or several cells in their order, for a paste, at once (a
 * V right after finds them), and says so; false, with why, if the browser keeps nothing.
 * @param {Cell|Cell[]} cells @param {string} done what was done ("Cell copied", "3 cells cut")
 */
export function copyCell(cells, done) {
  const all = Array.isArray(cells) ? cells : [cells];
  const [cell] = all;
  const kept = copyCells(all.map((c) => ({kind: c.textCell.isText ? 'text' : 'code',
    text: c.editor.text})));
  const them = all.length > 1 ? 'them' : 'it';
  if (!kept) {
    cell.worksheet?.showError('This browser keeps no copied cells here (its storage for this site is off or full).');
  } else {
    cell.worksheet?.hint(`${done}: ${cell.canEdit ? `Esc then V pastes ${them} below, Shift-V above`
      : `paste ${them} into a worksheet you may edit (Esc, then V)`}.`);
  }
  return kept;
}

/**
 * Pastes the cells copied last next to `cell`; the caret goes to the last one pasted.
 * @param {Cell} cell @param {Worksheet} ws @param {'above'|'below'} where
 */
export async function pasteNextTo(cell, ws, where) {
  const cells = copiedCells();
  if (!cells.length) return ws.hint('No cells to paste: copy some first (Esc, then C or X).');
  const ids = await ws.ask(cell.callRemote('paste', where, cells));
  if (Array.isArray(ids) && ids.length) ws.focusCell(ids[ids.length - 1]);
  return undefined;
}

/**
 * `cell` went while its person was typing in it (another deleted it, or joined it to the cell
 * above): its text, as they had it, is kept for a paste, and they are told.
 * @param {Cell} cell
 */
export function keepRemovedText(cell) {
  const text = cell.editor.text;
  if (!text.trim() || !copyCells([{kind: cell.textCell.isText ? 'text' : 'code', text}])) {
    cell.worksheet?.hint('Someone else removed the cell you were in.');
    return;
  }
  cell.worksheet?.hint('Someone else removed the cell you were in; its text as you had it is '
    + 'kept: in a cell, Esc then V pastes it.');
}
