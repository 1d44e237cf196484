// @ts-check
// cell.js: one cell of a worksheet, the browser half of athena_nb.web.fragments.CellFragment.
// Tested by the browser tests (tests/browser/test_notebook*.py).
//
// The server calls remoteOp / ack (text), update (run state and output so far, coalesced per
// viewer) and detaches the widget when the cell is deleted. The worksheet wakes a cell as it
// nears the screen and puts it to sleep far from it (nearscreen.js): awake, it has its editor
// (editor.js) and its outputs, fetched then if the page opened without them
// (athena_nb/web/deferral.py); asleep, its text is a plain <pre> that others' edits update.

import {Widget} from '../livefragments/widget.js';
import {copyCell, keepRemovedText, pasteNextTo} from './cellclipboard.js';
import {CellEditor} from './editor.js';
import {helpRequest} from './editor/calls.js';
import {HelpPanel} from './help.js';
import {HiddenInput} from './hideinput.js';
import {Interact, interactNode, placeInteract} from './interact.js';
import {OutputArea} from './outputs.js';
import {Menu} from './menus.js';
import {lineNumbers, onLineNumbers} from './prefs.js';
import {TextCell} from './textcell.js';

/** @typedef {import('./outputs.js').OutputEvent} OutputEvent */
/** @typedef {import('./worksheet.js').Worksheet} Worksheet */
/** @typedef {{state: string, count: number|null, ranBy: string|null}} RunInfo */
/**
 * A cell's run and outputs as the server sends them (CellFragment.outputs).
 * @typedef {{generation: number, length: number, outputs: OutputEvent[], run: RunInfo}} CellOutputs
 */
/**
 * The initial arguments (CellFragment.getInitialArguments); `outputs` is null when deferred,
 * and `estimate` then says about how tall they are (CSS pixels).
 * @typedef {{generation: number, length: number, outputs: OutputEvent[]|null,
 *   estimate: number|null, run: RunInfo, cellId: number, kind: string, text: string,
 *   version: number, canEdit: boolean, base: string}} CellArgs
 */
/**
 * An update from the server (CellFragment._update); a deferred one carries the run alone.
 * @typedef {{generation: number, start: number, outputs: OutputEvent[], replace?: OutputEvent[],
 *   run: RunInfo, deferred?: undefined} | {deferred: true, run: RunInfo}} CellUpdate
 */

/** The "⋯" menu's items (label, action), made when it first opens: those that change the
 * worksheet, for editors, and those anyone may take (done here, with no call). */
const EDIT_MENU = [
  ['Insert cell above (Esc, A)', 'insertAbove'], ['Insert cell below (Esc, B)', 'insertBelow'],
  ['Cut cell (Esc, X)', 'cutCell'], ['Copy cell (Esc, C)', 'copyCell'],
  ['Paste below (Esc, V)', 'pasteBelow'], ['Paste above (Esc, Shift-V)', 'pasteAbove'],
  ['Move up (Esc, Ctrl-Shift-↑)', 'moveUp'], ['Move down (Esc, Ctrl-Shift-↓)', 'moveDown'],
  ['Split at cursor', 'split'], ['Join with next (Esc, Shift-M)', 'join'],
  ['Clear output', 'clear'], ['Evaluate cells above', 'runAbove'],
  ['Make text cell (Esc, M)', 'toText'], ['Make code cell (Esc, Y)', 'toCode'],
];
const VIEW_MENU = [['Copy input', 'copy'], ['Hide output', 'toggleOutput']];

/** @type {Record<string, string>} */
const STATE_LABEL = {
  idle: '', queued: 'queued', running: 'running…', done: 'done', error: 'error',
  interrupted: 'interrupted',
};

/**
 * Sets `object[key]` to `value` unless it is that already.
 * @param {any} object @param {string} key @param {unknown} value
 */
function change(object, key, value) {
  if (object[key] !== value) object[key] = value;
}

/** The editor's language for a cell of `kind` ("code" or "text"). @param {string} kind */
function languageOf(kind) {
  return kind === 'text' ? 'plain' : 'python';
}

export class Cell extends Widget {
  /**
   * @param {Element} node @param {number} id @param {unknown[]} args `[CellArgs]`
   * @param {import('../livefragments/widget.js').WidgetHost} runtime
   */
  constructor(node, id, args, runtime) {
    super(node, id, args, runtime);
    const a = /** @type {CellArgs} */ (args[0]);
    this.cellId = a.cellId;
    this.canEdit = a.canEdit;
    this.run_ = a.run;
    /** This page deleted the cell (its focus then goes elsewhere, unannounced). */
    this.removedHere = false;
    /** @type {Worksheet|null} set in loaded() (a detached widget loses its parent) */
    this.worksheet = null;
    const placeholder = /** @type {HTMLElement} */ (node.querySelector('.nb-input'));
    this.stateNode = /** @type {HTMLElement} */ (node.querySelector('.nb-state'));
    this.countNode = /** @type {HTMLElement} */ (node.querySelector('.nb-count'));
    this.hereNode = /** @type {HTMLElement} */ (node.querySelector('.nb-here'));
    this.menu = new Menu(/** @type {HTMLButtonElement} */ (node.querySelector('[data-action="more"]')),
      /** @type {HTMLElement} */ (node.querySelector('.nb-menu')), () => this.#fillMenu());
    this.outputs = new OutputArea(/** @type {Element} */ (node.querySelector('.nb-output')),
      {base: a.base, cellId: a.cellId, interact: (id) => interactNode(this, id),
        answer: a.canEdit ? (text) => this.callRemote('answer', text) : null,
        askedHere: () => this.worksheet?.lastRun === this.cellId});
    if (a.outputs) {
      this.outputs.reset(a.generation, a.outputs, a.length);
    } else {
      this.outputs.defer(a.estimate ?? 0);
      // Off screen the page lays the cell out at about this height (worksheet.css).
      const lines = a.text.split('\n').length;
      /** @type {HTMLElement} */ (node).style.containIntrinsicSize =
        `auto ${Math.round(lines * 19 + 40 + (a.estimate ?? 0))}px`;
    }
    /** @type {CellUpdate[]|null} updates that came while the outputs were being fetched */
    this.pending = null;
    this.help = new HelpPanel({cell: /** @type {HTMLElement} */ (node),
      ask: (name, detail) => this.callRemote('help', name, detail),
      refocus: () => this.editor.focus(), announce: (message) => this.worksheet?.hint(message)});
    /** The arrows past the cell's edge: into the next or previous cell. @param {number} step */
    const leave = (step) => this.worksheet?.focusNext(this, step) ?? false;
    this.editor = new CellEditor({
      placeholder,
      text: a.text,
      version: a.version,
      readOnly: !a.canEdit,
      send: (op, base, follows) => {
        const saved = follows ? this.callRemote('edit', op, base, follows)
          : this.callRemote('edit', op, base);
        this.runtime.flush(); // now, not at the end of the task: before the editor draws it
        return saved;
      },
      fetchText: () => /** @type {Promise<{text: string, version: number}>} */ (this.callRemote('text')),
      onRun: (advance) => this.runFromKeyboard(advance),
      onLeave: leave,
      complete: (code, cursor) => /** @type {Promise<import('./editor.js').Completions>} */ (
        this.callRemote('complete', code, cursor)),
      // A removed cell has nothing left to save (an edit still on its way may settle late).
      onStatus: (state, error) => {
        if (!this.isDetached) this.worksheet?.savedState(this, state, error);
      },
      onHint: (message) => this.worksheet?.hint(message),
      language: languageOf(a.kind),
      lineNumbers: lineNumbers(),
      sendCursor: (anchor, head, version) => this.callRemote('cursor', anchor, head, version),
      help: a.canEdit ? {
        open: (name, detail) => this.help.open(name, detail),
        signature: (name) => /** @type {Promise<import('./editor/hints.js').Hint>} */ (
          this.callRemote('signature', name)),
        isOpen: () => this.help.isOpen, close: () => this.help.close(),
      } : null,
    });
    this.stopLineNumbers = onLineNumbers((on) => this.editor.setLineNumbers(on));
    // The markup comes locked (cellfragment.py), with only the buttons this viewer may use;
    // the input (its text until the editor is made) and the buttons unlock now.
    if (a.canEdit) placeholder.removeAttribute('aria-readonly');
    this.#unlock(node.querySelectorAll('.nb-cell-actions > button'));
    this.textCell = new TextCell({
      node: /** @type {HTMLElement} */ (node), source: () => this.editor.dom,
      rendered: /** @type {HTMLElement} */ (node.querySelector('.nb-md')),
      text: () => this.editor.text, focusSource: () => this.editor.focus(),
      kind: a.kind, canEdit: a.canEdit,
      leave,
    });
    this.hiddenInput = new HiddenInput(/** @type {HTMLElement} */ (node), () => this.editor.text,
      () => !this.textCell.isText, () => this.editor.focus());
    this.hiddenInput.update();
    node.addEventListener('click', (event) => this.#click(/** @type {MouseEvent} */ (event)));
    // The focus in a cell wakes it wherever it is (Tab, a screen reader, a search).
    node.addEventListener('focusin', () => this.worksheet?.nearScreen.wakeNow(this));
  }

  loaded() {
    this.worksheet = /** @type {Worksheet|null} */ (this.parent);
    this.showRun(this.run_);
    this.worksheet?.nearScreen.watch(this);
  }

  detached() {
    this.worksheet?.nearScreen.unwatch(this);
    const doc = this.node.ownerDocument;
    // Gone under someone's command mode (deleted or joined by another person): it goes on in
    // the next cell. Gone under the caret of someone typing in it: what they had is kept, for
    // a paste, and they are told (cellclipboard.js).
    const after = this.removedHere ? null : this.worksheet?.commandMode?.leaving(this);
    if (!after && !this.removedHere && this.node.contains(doc.activeElement)) keepRemovedText(this);
    this.node.remove();
    this.help.close();
    this.stopLineNumbers();
    this.editor.destroy();
    this.worksheet?.savedState(this, 'saved'); // a deleted cell has nothing left to save
    this.worksheet?.cellsChanged();
    after?.();
  }

  // -- called by the server ---------------------------------------------------------------

  /** @param {import('./ot.js').Operation} op @param {number} version */
  remoteOp(op, version) {
    this.editor.remote(op, version);
    this.hiddenInput.update();
    this.worksheet?.history.changed(); // a new version: an open History follows it
    return null;
  }

  /**
   * Someone else's selection in this cell (code points at hub version `version`).
   * @param {string} id @param {string} name @param {number} anchor @param {number} head
   * @param {number} version
   */
  cursor(id, name, anchor, head, version) {
    this.editor.showPeer(id, name, anchor, head, version);
    // One caret a person: it leaves the cell they were in before (presence may come later).
    for (const other of this.worksheet?.cells ?? []) if (other !== this) other.editor.dropPeer(id);
    return null;
  }

  /** @param {number} version */
  ack(version) {
    this.editor.acknowledge(version);
    this.worksheet?.history.changed();
    return null;
  }

  /**
   * An interact made after the page loaded: it goes where its event stands in the outputs.
   * @param {import('../livefragments/codec.js').WidgetDescription} description
   */
  addInteract(description) {
    const holder = /** @type {Element} */ (this.node.querySelector('.nb-interacts'));
    const widget = this.runtime.hydrate(description, holder, 'beforeend');
    if (widget instanceof Interact) placeInteract(this.outputs.node, widget);
    return null;
  }

  /** @param {import('./textcell.js').CellView} view the kind, and a text cell's HTML */
  view(view) {
    this.editor.setLanguage(languageOf(view.kind));
    this.textCell.view(view);
    this.worksheet?.history.changed(); // its kind (or a text cell's text) changed
    return null;
  }

  /** @param {CellUpdate} update */
  update(update) {
    if (this.pending || update.deferred || this.outputs.deferred) {
      // Only the run to show, until the outputs are here (then what came meanwhile follows).
      if (this.pending && !update.deferred) this.pending.push(update);
      this.showRun(update.run);
      return null;
    }
    if (!this.outputs.update(update)) {
      this.#refetchOutputs().catch((error) => this.worksheet?.showError(error?.message ?? String(error)));
    }
    this.showRun(update.run);
    return null;
  }

  // -- near the screen or not (nearscreen.js) ---------------------------------------------------

  /** Its editor is made but not yet placed: `wake` follows in the same task (nearscreen.js). */
  prepare() {
    this.editor.make();
  }

  /** The cell nears the screen: its editor is made, its outputs fetched if it has none yet. */
  wake() {
    /** @type {HTMLElement} */ (this.node).dataset.awake = 'true';
    this.editor.wake();
    if (this.outputs.deferred && !this.pending && !this.isDetached) {
      this.#loadOutputs().catch((error) => this.worksheet?.showError(error?.message ?? String(error)));
    }
  }

  /** The cell is far from the screen: its editor goes (its state is kept). */
  sleep() {
    if (this.node.contains(this.node.ownerDocument.activeElement)) return;
    delete /** @type {HTMLElement} */ (this.node).dataset.awake;
    this.editor.sleep();
  }

  async #loadOutputs() {
    this.pending = [];
    try {
      const all = /** @type {CellOutputs} */ (await this.callRemote('outputs'));
      this.outputs.reset(all.generation, all.outputs, all.length);
      this.showRun(all.run);
      this.worksheet?.nearScreen.schedule(); // the cells below moved
    } finally {
      const pending = this.pending;
      this.pending = null;
      if (!this.outputs.deferred) for (const update of pending) this.update(update);
    }
  }

  async #refetchOutputs() {
    const all = /** @type {CellOutputs} */ (await this.callRemote('outputs'));
    this.outputs.reset(all.generation, all.outputs, all.length);
    this.showRun(all.run);
  }

  // -- showing -------------------------------------------------------------------------------

  /** @param {RunInfo} run */
  showRun(run) {
    this.run_ = run;
    const node = /** @type {HTMLElement} */ (this.node);
    const busy = run.state === 'queued' || run.state === 'running';
    // Without its server the page cannot tell whether the cell still runs (connection.js).
    const lost = busy ? this.worksheet?.lost : null;
    if (lost) node.dataset.connection = 'lost';
    else delete node.dataset.connection;
    let label = lost?.cell ?? STATE_LABEL[run.state] ?? run.state;
    const me = this.worksheet?.name;
    if (label && run.ranBy && run.ranBy !== me) label += ` · ${run.ranBy}`;
    // Only what changed (a page of thousands of cells shows them all once as rendered).
    change(node.dataset, 'state', run.state);
    change(this.countNode, 'textContent', `[${lost ? '?' : busy ? '*' : run.count ?? ' '}]`);
    change(this.stateNode, 'textContent', label);
  }

  /** @param {string[]} names other people in this cell @param {string[]} [ids] their ids */
  showPeople(names, ids = undefined) {
    if (ids) this.editor.keepPeers(ids);
    change(this.hereNode, 'textContent', names.length ? names.join(', ') : '');
    change(this.hereNode, 'title', names.length ? `Here: ${names.join(', ')}` : '');
  }

  /** @param {number} n its place, from 1 */
  setNumber(n) {
    const label = `Cell ${n}`;
    if (this.node.getAttribute('aria-label') !== label) this.node.setAttribute('aria-label', label);
  }

  /** Puts the focus in the cell: a rendered text cell itself, else the caret in its input,
   * at its text's start or end if asked. @param {'start'|'end'} [at] */
  focus(at = undefined) {
    if (this.textCell.isText && !this.textCell.editing) this.textCell.rendered.focus();
    else this.editor.focus(at);
  }

  /** Make the cell code or text. @param {string} kind */
  async setKind(kind) {
    if (!this.canEdit || kind === this.textCell.kind) return;
    await this.editor.whenSynced();
    await this.worksheet?.ask(this.callRemote('setKind', kind));
    // Asked from the cell's menu, the focus was left on the menu or nowhere: the cell takes
    // it back as it now is (its answer came after the new kind, which it follows).
    const doc = this.node.ownerDocument;
    const active = doc.activeElement;
    const inInput = this.editor.dom.contains(active) || active === this.textCell.rendered;
    if (!active || active === doc.body || (this.node.contains(active) && !inInput)) this.focus();
  }

  // -- actions -------------------------------------------------------------------------------

  /**
   * @param {boolean} advance
   * @param {import('./typeahead.js').Typed[]} [typed] keys typed ahead for the cells after
   */
  runFromKeyboard(advance, typed = []) {
    if (!this.canEdit || this.#openHelp()) return;
    this.run(!advance);
    if (advance) this.worksheet?.focusAfter(this, typed);
  }

  /** Run a code cell; show a text cell rendered. @param {boolean} [stay] keep the focus here */
  async run(stay = false) {
    if (this.textCell.isText) {
      this.textCell.render(stay);
      await this.editor.whenSynced();
      return;
    }
    if (this.#openHelp()) return;
    if (this.worksheet) this.worksheet.lastRun = this.cellId;
    // Right behind the edits not yet sent (the channel is ordered): no round trip is waited
    // for, and the run leaves now, before the focus moves on to the next cell.
    const ran = this.editor.behindEdits(() => this.callRemote('run'));
    this.runtime.flush();
    await this.worksheet?.ask(ran);
  }

  /** A code cell that is just `name?` or `name??` in Python or Sage opens the help panel
   * instead of running (help.js); true if it did. What the cell showed came from other code:
   * it goes, as in Jupyter, where such a cell shows its help and no output. */
  #openHelp() {
    const asked = this.textCell.isText ? null : helpRequest(this.editor.text);
    if (!asked || !['python', 'sage'].includes(this.worksheet?.system ?? 'python')) return false;
    this.help.open(asked.name, asked.detail);
    if (this.run_.state !== 'idle') void this.worksheet?.ask(this.callRemote('clear'));
    return true;
  }

  /** Makes the menu's items (the page comes without them: a long worksheet has thousands of
   * cells, and one menu is opened at a time). */
  #fillMenu() {
    const doc = this.node.ownerDocument;
    for (const [label, action] of this.canEdit ? [...EDIT_MENU, ...VIEW_MENU]
      : [['Copy cell', 'copyCell'], ...VIEW_MENU]) {
      const button = doc.createElement('button');
      button.type = 'button';
      button.className = 'nb-button';
      button.dataset.action = action;
      button.textContent = label;
      this.menu.list.append(button);
    }
    this.#unlock(this.menu.list.children);
  }

  /** Unlocks buttons (only those this viewer may use are made). @param {Iterable<Element>} buttons */
  #unlock(buttons) {
    for (const each of buttons) /** @type {HTMLButtonElement} */ (each).disabled = false;
  }

  /** Copies the cell's input to the clipboard (anyone may). */
  async #copy() {
    try {
      await navigator.clipboard.writeText(this.editor.text);
      this.worksheet?.hint('Cell input copied.');
    } catch (error) {
      this.worksheet?.showError(`The input could not be copied: ${/** @type {any} */ (error)?.message ?? error}`);
    }
  }

  /** Hides or shows this cell's output, in this page only. */
  #toggleOutput() {
    const node = /** @type {HTMLElement} */ (this.node);
    const hide = node.dataset.output !== 'hidden';
    if (hide) node.dataset.output = 'hidden';
    else delete node.dataset.output;
    const button = this.menu.list.querySelector('[data-action="toggleOutput"]');
    if (button) button.textContent = hide ? 'Show output' : 'Hide output';
  }

  /** Puts the caret in the cell's input (a text cell's source, which it then shows). */
  edit() {
    if (this.textCell.isText) this.textCell.edit();
    else this.editor.focus();
  }

  /** @param {MouseEvent} event */
  #click(event) {
    const button = /** @type {HTMLElement|null} */ (/** @type {Element} */ (event.target).closest?.('button[data-action]'));
    if (button && this.node.contains(button)) this.act(/** @type {string} */ (button.dataset.action));
  }

  /**
   * Does one of the cell's actions: its buttons' and its menu's (data-action), and command
   * mode's keys (commandmode.js). Resolves once the server has answered.
   * @param {string} action
   */
  async act(action) {
    const ws = this.worksheet;
    if (action === 'more') return this.menu.toggle();
    if (action === 'copy') return this.#copy();
    if (action === 'copyCell') return copyCell(this, 'Cell copied');
    if (action === 'toggleOutput') return this.#toggleOutput();
    if (!this.canEdit || !ws) return; // ws is null only before loaded()
    switch (action) {
      case 'cutCell':
        if (!copyCell(this, 'Cell cut')) return;
        return ws.deleteCells(this, 'Cell cut');
      case 'pasteAbove':
      case 'pasteBelow':
        return pasteNextTo(this, ws, action === 'pasteAbove' ? 'above' : 'below');
      case 'run':
        return this.run();
      case 'runAbove':
        return ws.ask(this.editor.behindEdits(() => this.callRemote('runAbove')));
      case 'cancel':
        return ws.ask(this.callRemote('cancel'));
      case 'delete':
        return ws.deleteCells(this);
      case 'insertAbove':
      case 'insertBelow': {
        const id = await ws.ask(this.callRemote('insert', action === 'insertAbove' ? 'above' : 'below'));
        if (typeof id === 'number') ws.focusCell(id);
        return;
      }
      case 'moveUp':
      case 'moveDown':
        await ws.ask(this.callRemote('move', action === 'moveUp' ? -1 : 1));
        this.focus();
        return;
      case 'split': {
        await this.editor.whenSynced();
        const id = await ws.ask(this.callRemote('split', this.editor.caret, this.editor.sync.version));
        if (typeof id === 'number') ws.focusCell(id);
        return;
      }
      case 'join':
        if (ws.cells.at(-1) === this) return ws.hint('This is the last cell: there is no next cell to join to it.');
        await this.editor.whenSynced();
        ws.deletedCells?.joined([await ws.ask(this.callRemote('joinNext'))].filter(
          (id) => typeof id === 'number'), this.cellId, 'Cell joined');
        this.focus();
        return;
      case 'clear':
        return ws.ask(this.callRemote('clear'));
      case 'toText':
      case 'toCode':
        return this.setKind(action === 'toText' ? 'text' : 'code');
    }
  }
}
