// @ts-check
// manycells.js: what command mode's keys do to several selected cells (cellselection.js), as
// in Jupyter: C copies them all and X cuts them (one paste brings them all), D D deletes them
// (one Z brings them all back), M and Y make them text or code, Shift-M joins them into the
// first, O hides or shows their outputs, Ctrl-Shift-↑/↓ move them together, Ctrl-Enter runs them all and Shift-Enter runs
// them and goes on to the cell after the last. Every change is the server's, one cell at a
// time, in the worksheet's order, so that the others see each as it is made.
// Tested by the browser tests (tests/browser/test_commandmode.py).

import {copyCell} from './cellclipboard.js';

/** @typedef {import('./cell.js').Cell} Cell */
/** @typedef {import('./worksheet.js').Worksheet} Worksheet */

/** The actions that act on every selected cell; any other key ends the selection first. */
export const MANY = new Set(['copyCell', 'cutCell', 'delete', 'toText', 'toCode', 'join',
  'toggleOutput', 'moveUp', 'moveDown', 'run', 'runAndAdvance']);

/**
 * Does `action` (one of MANY) to `cells`, which are in the worksheet's order.
 * @param {Worksheet} ws @param {Cell[]} cells @param {string} action
 */
export async function actOnCells(ws, cells, action) {
  const several = `${cells.length} cells`;
  switch (action) {
    case 'copyCell':
      copyCell(cells, `${several} copied`);
      return;
    case 'cutCell':
      if (copyCell(cells, `${several} cut`)) await ws.deleteCells(cells, `${several} cut`);
      return;
    case 'delete':
      await ws.deleteCells(cells, `${several} deleted`);
      return;
    case 'toText':
    case 'toCode':
      for (const cell of cells) await cell.setKind(action === 'toText' ? 'text' : 'code');
      return;
    case 'toggleOutput':
      for (const cell of cells) await cell.act('toggleOutput');
      return;
    case 'join': {
      const [first, ...rest] = cells;
      await first.editor.whenSynced();
      // Each join takes the cell below into the first: as many as were selected below it.
      const joined = [];
      for (const cell of rest) {
        await cell.editor.whenSynced();
        cell.removedHere = true; // by this person: no "someone else removed it" (cell.js)
        const id = await ws.ask(first.callRemote('joinNext'));
        if (typeof id !== 'number') {
          cell.removedHere = false;
          break; // refused: said
        }
        joined.push(id);
      }
      ws.deletedCells?.joined(joined, first.cellId, `${several} joined`); // one Z undoes it
      first.focus();
      return;
    }
    case 'moveUp':
    case 'moveDown': {
      // Up: the top one first, each past the cell above the block; down: the bottom one first.
      const step = action === 'moveUp' ? -1 : 1;
      const all = ws.cells;
      if (cells.includes(/** @type {Cell} */ (step < 0 ? all[0] : all.at(-1)))) {
        ws.hint(`The cells are at the ${step < 0 ? 'top' : 'bottom'} already.`);
        return;
      }
      for (const cell of step < 0 ? cells : [...cells].reverse()) {
        if (await ws.ask(cell.callRemote('move', step)) === undefined) break;
      }
      return;
    }
    case 'run':
    case 'runAndAdvance': {
      // Sent one after the other now (the channel keeps their order), answered together.
      const runs = cells.map((cell) => cell.run(true));
      if (action === 'runAndAdvance') ws.focusAfter(/** @type {Cell} */ (cells.at(-1)));
      await Promise.all(runs);
    }
  }
}
