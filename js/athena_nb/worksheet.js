// @ts-check
// worksheet.js: the worksheet page's main widget, the browser half of
// athena_nb.web.fragments.WorksheetFragment: toolbar, title, presence, kernel state, the saved
// indicator, and the list of cells (inserted, moved and numbered here; woken near the screen
// and put to sleep far from it by its NearScreen, nearscreen.js).
// Tested by the browser tests (tests/browser/test_notebook*.py).

import {Widget} from '../livefragments/widget.js';
import {CommandMode} from './commandmode.js';
import {lostConnection, noAccessNotice} from './connection.js';
import {DragCells} from './dragcells.js';
import {FilesPanel} from './files.js';
import {HistoryPanel} from './history.js';
import {actOnCells} from './manycells.js';
import {Menu} from './menus.js';
import {NearScreen} from './nearscreen.js';
import {Notices} from './notices.js';
import {PresenceList} from './presence.js';
import {listenForFrameHeights} from './outputs.js';
import {lineNumbers, takeNewWorksheet} from './prefs.js';
import {RunQueue} from './queue.js';
import {TitleField} from './title.js';
import {openFind, toolbarAction} from './toolbar.js';
import {focusCellAfter} from './typeahead.js';
import {DeletedCells} from './undodelete.js';
import {UnsavedEdits} from './unsaved.js';

/** @typedef {import('./cell.js').Cell} Cell */
/** @typedef {import('./presence.js').Presence} Presence */
/** @typedef {{state: string, reason: string, queue?: import('./queue.js').QueueEntry[]}} KernelInfo */
/**
 * The initial arguments (WorksheetFragment.getInitialArguments).
 * @typedef {{worksheetId: string, title: string, viewerId: string, name: string, role: string,
 *   canEdit: boolean, presence: Presence[], kernel: KernelInfo, typeset: boolean,
 *   typesetResults: boolean, system: string, base: string}}
 *   WorksheetArgs
 */

/** @type {Record<string, string>} */
const KERNEL_LABEL = {
  none: 'Kernel: not started', starting: 'Kernel: starting…', idle: 'Kernel: idle',
  busy: 'Kernel: busy', dead: 'Kernel: stopped',
};
if (typeof window !== 'undefined') listenForFrameHeights(window);

export class Worksheet extends Widget {
  /**
   * @param {Element} node @param {number} id @param {unknown[]} args `[WorksheetArgs]`
   * @param {import('../livefragments/widget.js').WidgetHost} runtime
   */
  constructor(node, id, args, runtime) {
    super(node, id, args, runtime);
    const a = /** @type {WorksheetArgs} */ (args[0]);
    this.worksheetId = a.worksheetId;
    this.viewerId = a.viewerId;
    this.name = a.name;
    this.canEdit = a.canEdit;
    const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (node.querySelector(selector));
    this.cellsNode = $('.nb-cells');
    this.titleInput = /** @type {HTMLInputElement} */ ($('.nb-title'));
    this.kernelNode = $('.nb-kernel');
    this.notices = new Notices(/** @type {HTMLElement} */ (node),
      {errorNode: $('.nb-error'), savedNode: $('.nb-saved')});
    /** @type {number|undefined} */
    this.focusTimer = undefined;
    /** @type {number|null} the cell id this viewer's focus is in */
    this.focusedCell = null;
    /** @type {number|null} the cell the focus was in last (Add cell adds one below it) */
    this.lastCell = null;
    /** Wakes the cells near the screen, puts the others to sleep (the cells register). */
    this.nearScreen = new NearScreen(node.ownerDocument, () => this.cells);
    node.addEventListener('click', (event) => this.#click(event));
    node.ownerDocument.addEventListener('keydown', (event) => this.#findKey(event));
    this.title = new TitleField({input: this.titleInput, title: a.title, canEdit: a.canEdit,
      save: (title) => this.callRemote('setTitle', title),
      status: (state, error) => this.savedState('title', state, error),
      showError: (message) => this.showError(message)});
    this.cellsNode.addEventListener('focusin', (event) => this.#focusMoved(/** @type {Element|null} */ (event.target)));
    this.cellsNode.addEventListener('focusout', (event) => {
      if (!this.cellsNode.contains(/** @type {Node|null} */ (event.relatedTarget))) this.#focusMoved(null);
      setTimeout(() => this.nearScreen.focusMoved()); // once the focus has arrived
    });
    /** @type {import('./connection.js').Lost|null} what to say while the server is lost */
    this.lost = null;
    /** @type {number|null} the cell this page ran last: its input() takes the focus (prompt.js) */
    this.lastRun = null;
    runtime.addListener((state, detail) => this.#connectionChanged(state, detail));
    /** Edits that had not reached the server when a page of this tab ended (unsaved.js). */
    this.unsaved = new UnsavedEdits({worksheetId: a.worksheetId,
      storage: () => globalThis.sessionStorage, cells: () => this.cells,
      addCell: (index) => this.ask(this.callRemote('addCell', index)),
      say: (message) => this.hint(message), canEdit: a.canEdit});
    globalThis.addEventListener?.('pagehide', () => this.unsaved.keep());
    this.queue = new RunQueue(/** @type {HTMLDetailsElement} */ ($('.nb-queue')), {
      label: (cellId) => this.#cellLabel(cellId),
      cancel: (cellId) => {
        const cell = this.cellById(cellId);
        if (cell) this.ask(cell.callRemote('cancel'));
      },
      focus: (cellId) => this.focusCell(cellId),
    });
    this.kernel = a.kernel;
    this.setKernel(a.kernel);
    /** @type {Record<string, Menu>} the toolbar's menus, by their button's action */
    this.menus = {};
    for (const host of node.querySelectorAll('.nb-toolbar .nb-menu-host')) {
      const button = /** @type {HTMLButtonElement} */ (host.querySelector('button'));
      this.menus[/** @type {string} */ (button.dataset.action)] =
        new Menu(button, /** @type {HTMLElement} */ (host.querySelector('.nb-menu')));
    }
    this.typesetResults = false;
    this.setTypeset(a.typeset, a.typesetResults);
    this.system = a.system;
    this.systemChoice = /** @type {HTMLSelectElement} */ ($('select[data-action="system"]'));
    this.systemChoice.addEventListener('change', () => {
      const chosen = this.systemChoice.value;
      this.systemChoice.value = this.system; // until the server says it is everyone's
      this.ask(this.callRemote('setSystem', chosen));
    });
    this.setSystem(a.system);
    this.presence = new PresenceList({node: $('.nb-presence'), viewerId: this.viewerId,
      cells: () => this.cells, presence: a.presence});
    /** The toolbar's Files panel, and files dropped on the worksheet (files.js). */
    const dropZone = /** @type {HTMLElement} */ (node);
    this.files = new FilesPanel({host: $('.nb-files'), base: a.base, canEdit: a.canEdit, dropZone, over: $('.nb-files-over')});
    /** @type {DeletedCells|null} this person's deletions, to bring back (editors only) */
    this.deletedCells = a.canEdit ? new DeletedCells({
      node: /** @type {HTMLElement} */ (node),
      restore: (cellId) => this.ask(this.callRemote('restoreCell', cellId)),
      unjoin: (cellId) => this.ask(this.callRemote('unjoinCell', cellId)),
      focus: (cellId) => this.focusCell(cellId),
      hint: (message) => this.hint(message),
    }) : null;
    // Jupyter's command mode after Escape in a cell (commandmode.js), for those who edit.
    /** @type {CommandMode|null} (editors only) */
    this.commandMode = null;
    if (a.canEdit) {
      this.commandMode = new CommandMode({node: /** @type {HTMLElement} */ (node),
        cells: () => this.cells, cellOf: (element) => this.cellOf(element),
        focusFrom: (cell, way) => this.focusFrom(/** @type {Cell} */ (cell), way),
        restoreDeleted: async () => this.deletedCells?.undo(), hint: (message) => this.hint(message),
        many: (cells, action) => actOnCells(this, /** @type {Cell[]} */ (cells), action),
        worksheet: (action) => /** @type {HTMLButtonElement|null} */ (
          this.node.querySelector(`.nb-toolbar button[data-action="${action}"]`))?.click()});
      new DragCells({area: /** @type {HTMLElement} */ (node), cells: () => this.cells,
        cellOf: (element) => this.cellOf(element), ask: (call) => this.ask(call)});
    }
    /** The History panel (history.js), for everyone: reading the past changes nothing. */
    this.history = new HistoryPanel({
      cells: this.cellsNode,
      ask: (method, ...rest) => this.ask(this.callRemote(method, ...rest)),
      canEdit: a.canEdit,
      isOwner: a.role === 'owner',
    });
  }

  loaded() {
    // The markup comes locked and busy (fragments.py); the page is live now.
    this.titleInput.readOnly = !this.canEdit;
    for (const button of this.node.querySelectorAll('.nb-toolbar button')) {
      /** @type {HTMLButtonElement} */ (button).disabled = !this.canEdit;
    }
    this.systemChoice.disabled = !this.canEdit;
    // The menus, and a display preference of this browser, are for viewers too.
    for (const menu of Object.values(this.menus)) menu.button.disabled = false;
    this.files.loaded();
    // Reading the past, finding and line numbers change nothing: for viewers too.
    for (const action of ['history', 'find', 'lineNumbers']) {
      const button = /** @type {HTMLButtonElement|null} */ (
        this.node.querySelector(`.nb-toolbar [data-action="${action}"]`));
      if (button) button.disabled = false;
    }
    this.node.querySelector('.nb-toolbar [data-action="lineNumbers"]')
      ?.setAttribute('aria-pressed', String(lineNumbers()));
    this.node.removeAttribute('aria-busy');
    this.cellsChanged();
    // The cells on the screen get their editors in this task, not at the next frame: the page
    // is then never laid out (nor shown) with their plain text first (nearscreen.js).
    this.nearScreen.look();
    if (takeNewWorksheet(this.worksheetId) && this.canEdit) this.cells[0]?.focus();
    this.unsaved.replay();
  }

  // -- cells ---------------------------------------------------------------------------------

  /** @returns {Cell[]} the Cell widgets in order */
  get cells() {
    return /** @type {Cell[]} */ (
      [...this.cellsNode.children].map((n) => Widget.get(n)).filter((w) => w && 'cellId' in w));
  }

  /**
   * The cell `element` is in, if any: found from the element up, not by a look at every cell
   * (a drag asks at each move of the pointer). A cell leaving the page is in no cell.
   * @param {Element|null|undefined} element @returns {Cell|null}
   */
  cellOf(element) {
    const node = element?.closest?.('.nb-cell');
    const widget = node ? Widget.get(node) : null;
    return widget && widget.node === node && 'cellId' in widget ? /** @type {Cell} */ (widget) : null;
  }

  /** @param {number} cellId */
  cellById(cellId) {
    return this.cells.find((c) => c.cellId === cellId);
  }

  /**
   * The server inserted a cell at `index`.
   * @param {number} index @param {import('../livefragments/codec.js').WidgetDescription} description
   */
  insertCell(index, description) {
    const nodes = [...this.cellsNode.children];
    if (index < nodes.length) this.runtime.hydrate(description, nodes[index], 'beforebegin');
    else this.runtime.hydrate(description, this.cellsNode, 'beforeend');
    this.cellsChanged();
    return null;
  }

  /** The server moved cell `cellId` to `index`. @param {number} cellId @param {number} index */
  moveCell(cellId, index) {
    const cell = this.cellById(cellId);
    if (!cell) return null;
    const active = this.node.ownerDocument.activeElement;
    const others = [...this.cellsNode.children].filter((n) => n !== cell.node);
    this.cellsNode.insertBefore(cell.node, others[index] ?? null);
    if (active && cell.node.contains(active)) /** @type {HTMLElement} */ (active).focus();
    this.cellsChanged();
    return null;
  }

  /** Cells were added, moved or removed: number them and show who is where (and an open
   * History follows the new versions). */
  cellsChanged() {
    this.nearScreen.reorder();
    this.commandMode?.cellsChanged();
    this.cells.forEach((cell, i) => cell.setNumber(i + 1));
    this.presence.showInCells();
    this.queue.relabel();
    this.history.changed();
  }

  /** How the queue names a cell: its place and its first line. @param {number} cellId */
  #cellLabel(cellId) {
    const cells = this.cells;
    const index = cells.findIndex((c) => c.cellId === cellId);
    if (index < 0) return 'a deleted cell';
    const first = cells[index].editor.text.split('\n', 1)[0].trim();
    return `Cell ${index + 1}${first ? `: ${first.length > 40 ? `${first.slice(0, 39)}…` : first}` : ''}`;
  }

  /**
   * Focuses the cell after `cell`, adding one at the end if there is none (typeahead.js).
   * @param {Cell} cell @param {import('./typeahead.js').Typed[]} [typed] keys typed ahead
   */
  focusAfter(cell, typed = []) {
    focusCellAfter(this, cell, typed);
  }

  /**
   * ↓ past a cell's last line or ↑ past its first: the caret goes into the next cell's start
   * or the previous one's end, as in JupyterLab. False if there is none.
   * @param {Cell} cell @param {number} step
   */
  focusNext(cell, step) {
    const cells = this.cells;
    const next = cells[cells.indexOf(cell) + step];
    return Boolean(next && this.focusFrom(next, step, step > 0 ? 'start' : 'end'));
  }

  /**
   * Puts the focus in `cell`, or past it (`way` -1 up, 1 down) in the first cell that takes
   * it (a `%hide` cell's folded input does not); that cell, or null.
   * @param {Cell} cell @param {number} way @param {'start'|'end'} [at] where the caret goes
   * @returns {Cell|null}
   */
  focusFrom(cell, way, at = undefined) {
    const cells = this.cells;
    const doc = this.node.ownerDocument;
    for (let i = cells.indexOf(cell); i >= 0 && i < cells.length; i += way) {
      cells[i].focus(at);
      if (cells[i].node.contains(doc.activeElement)) return cells[i];
    }
    return null;
  }

  /**
   * Deletes `cell` (its Delete button, its menu's Cut, D D), or several (in the worksheet's
   * order: the top one first), undoably, all at once (undodelete.js). A focus one held (its
   * menu's) goes to the cell below them, or above, not to the page.
   * @param {Cell|Cell[]} cells @param {string} [what] what the Undo notice says was done
   */
  async deleteCells(cells, what = undefined) {
    const gone = Array.isArray(cells) ? cells : [cells];
    const before = this.cells;
    const around = [before[before.indexOf(/** @type {Cell} */ (gone.at(-1))) + 1],
      before[before.indexOf(gone[0]) - 1]];
    // Its edits still on their way reach each first: a cut, or Z, gives the text as typed.
    await this.deletedCells?.delete(gone.map((cell) => async () => {
      await cell.editor.whenSynced();
      cell.removedHere = true;
      const id = await this.ask(cell.callRemote('delete'));
      if (id === undefined) cell.removedHere = false; // refused: it stays
      return id;
    }), what);
    const doc = this.node.ownerDocument;
    if (gone.some((cell) => cell.node.isConnected)
      || (doc.activeElement && doc.activeElement !== doc.body)) return;
    [...around, this.cells[0]].find((c) => c?.node.isConnected)?.focus();
  }

  /** @param {number} cellId */
  focusCell(cellId) {
    this.cellById(cellId)?.focus();
  }

  // -- calls and errors --------------------------------------------------------------------

  /**
   * Waits for a call; shows its error, if any, and resolves with undefined then.
   * @param {Promise<unknown>} call
   */
  async ask(call) {
    try {
      return await call;
    } catch (error) {
      this.showError(/** @type {any} */ (error)?.message ?? String(error));
      return undefined;
    }
  }

  // -- what the page says (notices.js) --------------------------------------------------------

  /** @param {string} message */
  showError(message) {
    this.notices.showError(message);
  }

  /** @param {string} message */
  hint(message) {
    this.notices.hint(message);
  }

  /** @param {unknown} who a cell or "title" @param {string} state @param {any} [error] */
  savedState(who, state, error) {
    this.notices.savedState(who, state, error);
  }

  // -- title ---------------------------------------------------------------------------------

  /** The server: the title changed. @param {string} title */
  setTitle(title) {
    this.title.show(title);
    this.history.changed();
    return null;
  }

  // -- presence and kernel -------------------------------------------------------------------

  /** @param {Element|null} target */
  #focusMoved(target) {
    const cell = target ? Widget.get(target) : null;
    const cellId = cell && 'cellId' in cell ? /** @type {Cell} */ (cell).cellId : null;
    if (cellId === this.focusedCell) return;
    this.focusedCell = cellId;
    if (cellId !== null) this.lastCell = cellId;
    if (cellId !== null) this.notices.endHint(); // a hint is about the cell it came from
    clearTimeout(this.focusTimer);
    this.focusTimer = setTimeout(() => {
      this.callRemote('focus', this.focusedCell).catch(() => {});
    }, 150);
  }

  /**
   * The server: who came, left or moved since the last call (an entry, or `{id, gone: true}`).
   * @param {Parameters<PresenceList['update']>[0]} changes
   */
  updatePresence(changes) {
    this.presence.update(changes);
  }

  /** The server: the kernel's state. @param {KernelInfo} info */
  setKernel(info) {
    this.kernel = info;
    const lost = this.lost;
    this.queue.show(lost ? [] : info.queue ?? [], this.canEdit); // unknown without the server
    this.kernelNode.dataset.state = lost ? 'disconnected' : info.state;
    this.kernelNode.textContent = lost?.kernel ?? KERNEL_LABEL[info.state] ?? `Kernel: ${info.state}`;
    this.kernelNode.title = lost?.reason ?? info.reason ?? '';
    return null;
  }

  /**
   * The page lost its server or found it again: the kernel's state and the cells' run marks
   * say so (nothing is known of them meanwhile), and show the server's word again when live.
   * @param {string} state @param {Object} detail
   */
  #connectionChanged(state, detail) {
    const lost = lostConnection(state, detail);
    if (lost?.cell === 'no access') {
      this.#accessEnded(lost.reason);
      return;
    }
    if (state === 'closed' || state === 'expired') {
      // The page has ended: nothing typed into it now could be saved; what was not is kept.
      this.unsaved.keep();
      this.titleInput.readOnly = true;
      for (const cell of this.cells) cell.editor.setReadOnly(true);
    }
    if (!lost && !this.lost) return;
    this.lost = lost;
    this.setKernel(this.kernel);
    for (const cell of this.cells) cell.showRun(cell.run_);
  }

  /**
   * The person's access ended (a revoked link, an ended session): what the page showed of the
   * worksheet goes, as they may no longer see it, and only why stays. Their own edits that
   * had not reached the server stay in this tab's storage (unsaved.js), out of sight.
   * @param {string} reason
   */
  #accessEnded(reason) {
    this.unsaved.keep();
    for (const cell of this.cells) cell.editor.destroy();
    this.node.replaceChildren(noAccessNotice(this.node.ownerDocument, reason));
    this.node.ownerDocument.title = 'No access · athena-nb';
  }

  /**
   * The server: LaTeX outputs typeset (true) or as plain text, and Sage's values typeset or
   * not from the next run (`results`), for everyone. The buttons are the editors' only.
   * @param {boolean} on @param {boolean} [results]
   */
  setTypeset(on, results = false) {
    this.typeset = on;
    this.typesetResults = results;
    /** @type {HTMLElement} */ (this.node).dataset.typeset = String(on);
    for (const [action, pressed] of [['typeset', on], ['typesetResults', results]]) {
      this.node.querySelector(`.nb-toolbar [data-action="${action}"]`)
        ?.setAttribute('aria-pressed', String(pressed));
    }
    return null;
  }

  /** The server: someone uploaded, renamed or deleted a file, or a cell wrote one. */
  filesChanged() {
    this.files.changed();
    return null;
  }

  /** The server: the files passed their quota (a sentence: no cell runs) or are within it (null). @param {string|null} text */
  setFilesQuota(text) {
    this.files.showOver(text);
    return null;
  }

  /** The server: someone named a version; an open History lists it. */
  historyChanged() {
    this.history.changed();
    return null;
  }

  /** The server: what cells run as when they name no mode, for everyone. @param {string} system */
  setSystem(system) {
    this.system = system;
    this.systemChoice.value = system;
    return null;
  }

  // -- toolbar -------------------------------------------------------------------------------

  /** @param {Event} event */
  #click(event) {
    const button = /** @type {HTMLButtonElement|null} */ (/** @type {Element} */ (event.target).closest?.('button[data-action]'));
    if (!button || button.closest('.nb-cell')) return;
    const menu = this.menus[/** @type {string} */ (button.dataset.action)];
    if (menu) menu.toggle();
    else toolbarAction(this, button);
  }

  /** Ctrl+Shift+F, or Ctrl+F where no cell's editor has the caret: Find in worksheet.
   * @param {KeyboardEvent} event */
  #findKey(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== 'f') return;
    if (!event.shiftKey && /** @type {Element} */ (event.target).closest?.('.cm-editor')) return;
    event.preventDefault(); // not the browser's find, which misses the cells far from the screen
    const text = this.node.ownerDocument.getSelection()?.toString() ?? '';
    // What is typed before the bar has the focus is for it (toolbar.js), never for the code.
    /** @type {HTMLElement|null} */ (this.node.ownerDocument.activeElement)?.blur();
    openFind(this, text);
  }
}
