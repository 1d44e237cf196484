// @ts-check
// toolbar.js: what the worksheet toolbar's buttons do (worksheet.js finds the button; its menus
// open themselves): Run all, Interrupt, Restart (asking first), Add cell, Clear all, Typeset,
// Line numbers, History, and the panels loaded when first opened: Share (share.js, the owner's)
// and Find in worksheet (findbar.js). Tested by the browser tests (tests/browser/test_notebook*.py,
// test_findbar.py, test_home.py).

import {lineNumbers, setLineNumbers} from './prefs.js';
import {TypeAhead} from './typeahead.js';

/** @typedef {import('./worksheet.js').Worksheet} Worksheet */

/** What Restart asks while `n` cells run or wait (none: the kernel is idle). @param {number} n */
export function restartQuestion(n) {
  if (!n) return 'Restart the kernel? Every variable it holds is lost.';
  const cells = n === 1 ? 'a cell that runs or waits' : `${n} cells that run or wait`;
  return `Restart the kernel? It stops ${cells} (they will not finish), and every variable ` +
    'is lost.';
}

/**
 * Does what the toolbar's `button` (one of its own or of its ⋯ menu) is for.
 * @param {Worksheet} ws @param {HTMLButtonElement} button
 */
export async function toolbarAction(ws, button) {
  switch (button.dataset.action) {
    case 'lineNumbers': {
      const on = !lineNumbers();
      setLineNumbers(on);
      button.setAttribute('aria-pressed', String(on));
      return;
    }
    case 'find':
      return openFind(ws);
    case 'share':
      return toggleShare(ws, button);
    case 'history':
      if (ws.history.open) ws.history.close();
      else await ws.history.openPanel();
      button.setAttribute('aria-expanded', String(ws.history.open));
      return;
  }
  if (!ws.canEdit) return;
  switch (button.dataset.action) {
    case 'runAll': {
      const stop = ws.node.querySelector('[data-action="stopAtErrors"]')?.getAttribute('aria-pressed') !== 'false';
      await Promise.all(ws.cells.map((c) => c.editor.whenSent()));
      return ws.ask(ws.callRemote('runAll', !stop));
    }
    case 'stopAtErrors':
      button.setAttribute('aria-pressed', String(button.getAttribute('aria-pressed') === 'false'));
      return;
    case 'interrupt':
      return ws.ask(ws.callRemote('interrupt'));
    case 'restart': {
      // A kernel's variables (and work under way) are lost without a word otherwise: ask
      // first, as Jupyter does; a kernel not started, or stopped, holds nothing.
      const waiting = ws.kernel?.queue ?? [];
      const holds = ['idle', 'busy'].includes(ws.kernel?.state ?? 'none');
      if (holds && !globalThis.confirm?.(restartQuestion(waiting.length))) return;
      return ws.ask(ws.callRemote('restart'));
    }
    case 'addCell': {
      // Below the cell the person was in (named by its id: others may move cells
      // meanwhile), as JupyterLab's +; at the end before any.
      const last = ws.lastCell === null ? null : ws.cellById(ws.lastCell);
      const id = await ws.ask(last ? last.callRemote('insert', 'below') : ws.callRemote('addCell'));
      if (typeof id === 'number') ws.focusCell(id);
      return;
    }
    case 'clearAll':
      return ws.ask(ws.callRemote('clearAll'));
    case 'typeset':
      return ws.ask(ws.callRemote('setTypeset', !ws.typeset));
    case 'typesetResults':
      return ws.ask(ws.callRemote('setTypesetResults', !ws.typesetResults));
  }
}

/** A panel's place under the toolbar (`inside`: as the toolbar's last line, which stays in
 * sight as the page scrolls), made when first asked for. @param {Worksheet} ws
 * @param {string} className @param {string} label @param {boolean} [inside] */
function placeUnderToolbar(ws, className, label, inside = false) {
  let place = /** @type {HTMLElement|null} */ (ws.node.querySelector(`.${className}`));
  if (!place) {
    place = ws.node.ownerDocument.createElement('section');
    place.className = className;
    place.setAttribute('aria-label', label);
    const toolbar = ws.node.querySelector('.nb-toolbar');
    if (inside) toolbar?.append(place);
    else toolbar?.after(place);
  }
  return place;
}

/** The owner's Share panel under the toolbar: the home page's (share.js, loaded now).
 * @param {Worksheet} ws @param {HTMLButtonElement} button */
async function toggleShare(ws, button) {
  const {toggleShare: toggle} = await import('./share.js');
  const place = placeUnderToolbar(ws, 'nb-share', 'Share');
  toggle(place, {id: ws.worksheetId, title: ws.titleInput.value}, button,
    button.dataset.note ?? '', (message, isError) => (isError ? ws.showError(message) : ws.hint(message)));
  place.hidden = button.getAttribute('aria-expanded') !== 'true';
}

/** @type {WeakMap<Worksheet, import('./findbar.js').FindBar>} each worksheet's bar, once made */
const findBars = new WeakMap();

/** Opens Find in worksheet (findbar.js, loaded now), with `text` to find if given.
 * @param {Worksheet} ws @param {string} [text] */
export async function openFind(ws, text = '') {
  const ahead = new TypeAhead(ws.node.ownerDocument); // the keys typed until the bar is there
  const {FindBar} = await import('./findbar.js');
  let bar = findBars.get(ws);
  if (!bar) {
    bar = new FindBar({place: placeUnderToolbar(ws, 'nb-find-place', 'Find', true), cells: () => ws.cells,
      wake: (cell) => ws.nearScreen.wakeNow(/** @type {any} */ (cell)), canEdit: ws.canEdit});
    findBars.set(ws, bar);
  }
  const typed = ahead.finish()[0].text.split('\n')[0]; // an Enter among the keys ends it
  bar.open(typed || text, !typed);
}
