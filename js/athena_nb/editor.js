// @ts-check
// editor.js: a cell's input: a CodeMirror 6 editor bound to the hub's text document by OT, made
// only while the cell is near the screen or focused.
// Tested by tests/js/athena_nb/celltext.test.mjs, changes.test.mjs and the browser tests
// (tests/browser/test_notebook*.py, test_bigworksheet.py).
//
// The page renders each cell's text in a plain <pre> (a text box to screen readers, with the
// editor's accessible name). The cell's text is shared with the hub by its CellText
// (editor/celltext.js, DOM-free), which lives as long as the cell; the editor itself is made
// when the cell nears the screen or the <pre> is focused or clicked (`wake`), and taken down
// again when the cell is far from the screen (`sleep`): a worksheet of 2,000 cells has a few
// dozen editors, not 2,000. A cell has three lives:
// - cold: no editor state at all; the <pre> shows the text, and others' edits update it;
// - awake: an EditorView took the <pre>'s place;
// - asleep: the view is gone but its EditorState stays (the person's undo history, selection
//   and the others' carets), and others' edits are applied to it; waking shows it again.
// Every local transaction becomes one operation (editor/changes.js) handed to the CellText,
// which decides when it travels; remote operations are dispatched as transactions that stay
// out of the undo history, so the history (CodeMirror's, which maps its entries through them)
// undoes the person's own edits only. The selection maps through remote changes, so the caret
// stays with the person's own text.

import {redo as redoCommand, undo as undoCommand} from '@codemirror/commands';
import {EditorState} from '@codemirror/state';
import {CompletionList, planCompletion} from './completions.js';
import {CellText} from './editor/celltext.js';
import {ownOp, ownTransaction, remoteTransaction} from './editor/changes.js';
import {helpExtensions} from './editor/hints.js';
import {completesHere, indentTab, onEdgeLine} from './editor/keys.js';
import {keepPeers, peersField, setPeer} from './editor/peers.js';
import {
  EditorView, extensions, indentLess, languageSupport, lineNumbers,
} from './editor/setup.js';
import {SyncState, codePointToUtf16, transformCursor, utf16ToCodePoint} from './ot.js';

/** @typedef {import('./ot.js').Operation} Operation */
/** @typedef {import('./completions.js').Completions} Completions */
/** @typedef {import('@codemirror/state').TransactionSpec} TransactionSpec */

export class CellEditor {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.placeholder the server-rendered text; the editor takes its place
   * @param {string} o.text
   * @param {number} o.version
   * @param {boolean} [o.readOnly]
   * @param {(op: Operation, base: number, follows: number) => Promise<unknown>} o.send the edit
   *   call (`follows`: our edits still in flight it comes after, celltext.js); settles
   *   once the edit is saved
   * @param {() => Promise<{text: string, version: number}>} o.fetchText
   * @param {(advance: boolean) => void} [o.onRun]
   * @param {(step: number) => boolean} [o.onLeave] the down arrow on the last line (1) or the up
   *   arrow on the first (-1): the caret goes into the next or previous cell; false: none
   * @param {((code: string, cursor: number) => Promise<Completions>)|null} [o.complete]
   * @param {(state: string, error?: unknown) => void} [o.onStatus] "saved", "saving", "error"
   * @param {(message: string) => void} [o.onHint] a short message for the person typing
   * @param {'python'|'plain'} [o.language]
   * @param {boolean} [o.lineNumbers]
   * @param {string} [o.label] the accessible name (default: the placeholder's)
   * @param {((anchor: number, head: number, version: number) => Promise<unknown>)|null} [o.sendCursor]
   *   tells the others where this person's selection is (code points at `version`)
   * @param {Omit<import('./editor/hints.js').HelpHooks, 'busyKeys'>|null} [o.help] the help
   *   panel and the signature hint (editor/hints.js)
   * @param {boolean} [o.awake] make the editor at once (default: when `wake` is called)
   */
  constructor({placeholder, text, version, readOnly = false, send, fetchText, onRun = () => {},
    onLeave = () => false,
    complete = null, onStatus = () => {}, onHint = () => {}, language = 'python',
    lineNumbers: numbers = false, label = undefined, sendCursor = null, help = null,
    awake = false}) {
    this.placeholder = placeholder;
    this.help = help;
    this.readOnly = readOnly;
    this.numbers = numbers;
    this.language = language;
    this.label = label ?? placeholder.getAttribute('aria-label') ?? 'Cell input';
    this.onRun = onRun;
    this.onLeave = onLeave;
    this.completeCall = complete;
    this.onHint = onHint;
    /** @type {CompletionList|null} */
    this.completion = null;
    this.sendCursor = sendCursor;
    /** Our selection moved since we last told the others. */
    this.cursorMoved = false;
    this.cursorInFlight = false;
    this.cell = new CellText({text, version, send, fetchText, onStatus,
      show: (op) => this.#show(op)});
    /** @type {ReturnType<typeof extensions>['compartments']|null} set with the first state */
    this.compartments = null;
    /** @type {EditorView|null} while awake */
    this.view = null;
    /** @type {EditorView|null} made and not yet placed (`make`, then `wake` in the same task) */
    this.made = null;
    /** @type {EditorState|null} asleep: the state the view had (null while cold or awake) */
    this.saved = null;
    // Focusing (Tab) or clicking the text makes the editor, with the caret where it was asked.
    placeholder.addEventListener('focus', () => this.focus());
    placeholder.addEventListener('mousedown', (event) => {
      event.preventDefault();
      this.focus({x: event.clientX, y: event.clientY});
    });
    if (awake) this.wake();
  }

  /** Whether the editor is made and shown now. */
  get awake() {
    return this.view !== null;
  }

  /** The editor state: the view's, or the one kept while asleep (null while cold). */
  get editorState() {
    return this.view?.state ?? this.saved;
  }

  /**
   * Makes the editor's view without placing it: the page is not changed. Many editors woken
   * together are each made before any is placed (nearscreen.js), since CodeMirror's view,
   * as it is made, reads `document.fonts.ready`, which lays out a page changed since: placed
   * one by one, the page was laid out once per editor. `wake` must follow in the same task.
   */
  make() {
    if (this.view || this.made) return;
    const state = this.saved ?? this.#newState();
    this.saved = null;
    this.made = new EditorView({state, dispatchTransactions: (trs, view) => this.#update(trs, view)});
  }

  /** Makes the editor (if it is not), in the placeholder's place. */
  wake() {
    if (this.view) return;
    this.make();
    this.view = /** @type {EditorView} */ (this.made);
    this.made = null;
    this.view.dom.addEventListener('keydown', (event) => this.#runKey(event), true);
    this.view.dom.hidden = this.placeholder.hidden;
    this.placeholder.replaceWith(this.view.dom);
  }

  /**
   * The person's own edits go to the hub before the view draws them: the frame is on its way
   * while CodeMirror updates the page (a keystroke reached the other person about 1 ms sooner,
   * docs/performance.md).
   * @param {readonly import('@codemirror/state').Transaction[]} trs @param {EditorView} view
   */
  #update(trs, view) {
    for (const tr of trs) {
      const op = ownOp(tr);
      if (op) this.cell.local(op);
    }
    view.update(trs);
  }

  /** Takes the editor down, keeping its state; the placeholder shows the text again. */
  sleep() {
    const view = this.view;
    if (!view) return;
    this.closeCompletions();
    this.saved = view.state;
    this.view = null;
    this.placeholder.textContent = this.cell.text;
    this.placeholder.hidden = view.dom.hidden;
    view.dom.replaceWith(this.placeholder);
    view.destroy();
  }

  /** Takes the editor down for good (the cell is gone). */
  destroy() {
    this.closeCompletions();
    this.view?.destroy();
    this.view = null;
  }

  #newState() {
    const setup = extensions({
      readOnly: this.readOnly, lineNumbers: this.numbers, language: this.language,
      label: this.label,
      help: this.help
        ? helpExtensions({...this.help, busyKeys: () => !!this.completion}) : [],
      keys: EditorView.domEventHandlers({
        keydown: (event) => this.#keydown(event),
        blur: () => this.closeCompletions(),
      }),
      listen: EditorView.updateListener.of((update) => {
        if (update.focusChanged && update.view.hasFocus) this.cursorMoved = true;
        if (update.view.hasFocus && (update.selectionSet || update.docChanged)) this.cursorMoved = true;
        if (this.cursorMoved) this.#tellCursor();
      }),
    });
    this.compartments = setup.compartments;
    return EditorState.create({doc: this.cell.text, extensions: setup.extensions});
  }

  /** The compartments of the state (made with it: only asked for when there is a state). */
  get #compartments() {
    return /** @type {NonNullable<CellEditor['compartments']>} */ (this.compartments);
  }

  /** Applies `spec` to the view, or to the state kept while asleep (nothing while cold).
   * @param {TransactionSpec | ((state: EditorState) => TransactionSpec)} spec */
  #dispatch(spec) {
    const state = this.editorState;
    if (!state) return;
    const made = typeof spec === 'function' ? spec(state) : spec;
    if (this.view) this.view.dispatch(made);
    else this.saved = state.update(made).state;
  }

  /** The text as the hub will have it once our edits arrive. */
  get text() {
    return this.cell.text;
  }

  /** The OT client (its `version` is the last hub version applied). */
  get sync() {
    return this.cell.sync;
  }

  /** "saved", "saving" or "error" (what `onStatus` was last told). */
  get state() {
    return this.cell.state;
  }

  /** The last error of an edit call, if saving failed. */
  get error() {
    return this.cell.error;
  }

  /** The element the person sees: the editor's, or the placeholder's while there is none. */
  get dom() {
    return this.view?.dom ?? this.placeholder;
  }

  /**
   * Puts the caret in the editor (made now if need be), at the point `at` if given, or at
   * the text's start or end.
   * @param {{x: number, y: number}|'start'|'end'} [at] a point on the screen, or an end
   */
  focus(at = undefined) {
    this.wake();
    const view = /** @type {EditorView} */ (this.view);
    const pos = at === 'start' ? 0 : at === 'end' ? view.state.doc.length
      : at ? view.posAtCoords(at) : null;
    if (pos !== null) view.dispatch({selection: {anchor: pos}});
    view.focus();
  }

  /** The caret (the selection's head) as a code point offset. */
  get caret() {
    const state = this.editorState;
    return state ? utf16ToCodePoint(state.doc.toString(), state.selection.main.head) : 0;
  }

  /** @param {boolean} on */
  setLineNumbers(on) {
    this.numbers = on;
    this.#dispatch(() => ({effects: this.#compartments.lineNumbers.reconfigure(on ? lineNumbers() : [])}));
  }

  /** A code cell's Python, or a text cell's plain text. @param {'python'|'plain'} language */
  setLanguage(language) {
    if (language === this.language) return;
    this.language = language;
    this.closeCompletions();
    this.#dispatch(() => ({effects: this.#compartments.language.reconfigure(
      languageSupport(language))}));
  }

  /** @param {boolean} readOnly */
  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    this.#dispatch(() => ({effects: this.#compartments.readOnly.reconfigure(
      EditorState.readOnly.of(readOnly))}));
  }

  // -- edits -----------------------------------------------------------------------------------

  /**
   * Replaces a UTF-16 range as the person's own edit; the caret goes to its end.
   * @param {number} start @param {number} end @param {string} text
   */
  replace(start, end, text) {
    this.wake();
    /** @type {EditorView} */ (this.view).dispatch({changes: {from: start, to: end, insert: text},
      selection: {anchor: start + text.length}, userEvent: 'input', scrollIntoView: true});
  }

  /**
   * Makes `op` (code points, on the current text) as the person's own edit: sent as typing
   * is, and undoable. @param {Operation} op
   */
  applyOwn(op) {
    if (!op.length) return;
    const state = this.editorState ?? (this.saved = this.#newState());
    const spec = ownTransaction(state, op);
    if (this.view) {
      this.view.dispatch(spec); // #update sends it
      return;
    }
    this.saved = state.update(spec).state;
    this.cell.local(op);
    this.placeholder.textContent = this.cell.text;
  }

  /** This person's edits not yet acknowledged (CellText.unsaved). */
  get unsaved() {
    return this.cell.unsaved;
  }

  /** Does nothing: the editor sizes itself (kept for callers). */
  grow() {}

  undo() {
    if (!this.readOnly && this.view) undoCommand(this.view);
  }

  redo() {
    if (!this.readOnly && this.view) redoCommand(this.view);
  }

  /** Resolves once every local edit is sent: a call made then reaches the hub after them. */
  whenSent() {
    return this.cell.whenSent();
  }

  /** Makes `call` right behind every local edit (CellText.behindEdits).
   * @template T @param {() => Promise<T>} call @returns {Promise<T>} */
  behindEdits(call) {
    return this.cell.behindEdits(call);
  }

  /** Resolves once every local edit has reached the hub (acknowledged). */
  whenSynced() {
    return this.cell.whenSynced();
  }

  // -- from the hub ------------------------------------------------------------------------

  /** Someone else's operation, sequenced as `version`. @param {Operation} op @param {number} version */
  remote(op, version) {
    this.cell.remote(op, version);
  }

  /** The hub sequenced our outstanding operation as `version`. @param {number} version */
  acknowledge(version) {
    this.cell.acknowledge(version);
    this.#tellCursor();
  }

  // -- other people's selections -------------------------------------------------------------

  /**
   * Someone's selection, in code points at hub version `version` (the version this editor is
   * at: it comes in order with the ops); shown through our unconfirmed edits.
   * @param {string} id @param {string} name @param {number} anchor @param {number} head
   * @param {number} version
   */
  showPeer(id, name, anchor, head, version) {
    if (version !== this.sync.version) return; // cannot happen in order; never misplace it
    for (const op of [...this.sync.sent, this.sync.buffer]) {
      if (op) [anchor, head] = [transformCursor(anchor, op), transformCursor(head, op)];
    }
    if (!this.editorState) this.saved = this.#newState(); // kept for when the cell wakes
    const text = this.cell.text;
    this.#dispatch({effects: setPeer.of({id, name, anchor: codePointToUtf16(text, anchor),
      head: codePointToUtf16(text, head)})});
  }

  /** Only these people are in the cell now. @param {Iterable<string>} ids */
  keepPeers(ids) {
    const keep = new Set(ids);
    const peers = this.editorState?.field(peersField) ?? [];
    if (peers.some((p) => !keep.has(p.id))) this.#dispatch({effects: keepPeers.of(keep)});
  }

  /** This person is elsewhere now (their caret showed up in another cell). @param {string} id */
  dropPeer(id) {
    const peers = this.editorState?.field(peersField) ?? [];
    if (peers.some((p) => p.id === id)) {
      this.keepPeers(peers.filter((p) => p.id !== id).map((p) => p.id));
    }
  }

  /** Tells the others where our selection is, when the hub can place it: one call at a time,
   * and only while none of our edits is unconfirmed (the position is then in the hub's text). */
  #tellCursor() {
    if (!this.sendCursor || !this.cursorMoved || this.cursorInFlight) return;
    if (this.sync.state !== SyncState.SYNCHRONIZED || !this.view?.hasFocus) return;
    const {anchor, head} = this.view.state.selection.main;
    const text = this.view.state.doc.toString();
    this.cursorMoved = false;
    this.cursorInFlight = true;
    const done = () => {
      this.cursorInFlight = false;
      this.#tellCursor();
    };
    this.sendCursor(utf16ToCodePoint(text, anchor), utf16ToCodePoint(text, head), this.sync.version)
      .then(done, done);
  }

  /** Start again from the hub's text (our unconfirmed edits are kept and sent again). */
  resync() {
    return this.cell.resync();
  }

  /** Shows an op from the hub (or a resync) without making it ours. @param {Operation} op */
  #show(op) {
    if (!op.length) return;
    this.#dispatch((state) => remoteTransaction(state, op));
    if (!this.view) this.placeholder.textContent = this.cell.text;
  }

  // -- keys --------------------------------------------------------------------------------

  /**
   * Shift-Enter (run, then the next cell) and Ctrl-Enter (run, stay), taken on their way to
   * CodeMirror (a capture listener on the editor) unless a completion list is open (Enter is
   * the list's then): CodeMirror asks for an animation frame at every key it sees, and while a
   * frame is due after a key, Chromium holds the page's other tasks, the run's answer among
   * them, until it is drawn (docs/performance.md, "The caret that held every answer").
   * @param {KeyboardEvent} event
   */
  #runKey(event) {
    if (event.key !== 'Enter' || event.altKey || event.isComposing || this.completion) return;
    // The search bar is in the editor too: there Shift-Enter finds the previous match.
    if (!this.view?.contentDOM.contains(/** @type {Node|null} */ (event.target))) return;
    const mod = event.ctrlKey || event.metaKey;
    if (!mod && !event.shiftKey) return;
    event.preventDefault();
    event.stopPropagation();
    this.onRun(!mod);
  }

  /** @param {KeyboardEvent} event @returns {boolean} handled */
  #keydown(event) {
    if (this.completion) {
      if (this.completion.key(event)) {
        if (this.completion?.closed) this.completion = null;
        return true;
      }
      this.closeCompletions();
    }
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && (event.key === 'z' || event.key === 'Z' || event.key === 'y')) {
      // Ctrl-Z, Ctrl-Shift-Z and Ctrl-Y on every platform (CodeMirror binds some per platform).
      event.preventDefault();
      if (event.key === 'y' || event.shiftKey) this.redo();
      else this.undo();
      return true;
    }
    if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !mod && !event.shiftKey
        && !event.altKey && this.view && onEdgeLine(this.view, event.key === 'ArrowDown')
        && this.onLeave(event.key === 'ArrowDown' ? 1 : -1)) {
      event.preventDefault(); // past the first or last line: into the cell before or after
      return true;
    }
    if (event.key === 'Tab' && !mod && !event.altKey) {
      if (this.readOnly) return false; // the browser moves the focus on
      event.preventDefault();
      const view = /** @type {EditorView} */ (this.view);
      if (event.shiftKey) indentLess(view);
      else if (completesHere(view) && this.completeCall && this.language === 'python') this.showCompletions();
      else indentTab(view);
      return true;
    }
    return false;
  }

  // -- completions ---------------------------------------------------------------------------

  /** Asks for completions at the caret (nothing happens without a `complete` call). */
  async showCompletions() {
    if (!this.completeCall) return;
    const code = this.text;
    const cursor = this.caret;
    let answer;
    try {
      answer = await this.completeCall(code, cursor);
    } catch (error) {
      this.onHint(/** @type {any} */ (error)?.message ?? String(error));
      return;
    }
    if (this.text !== code || this.caret !== cursor) return;
    const plan = planCompletion(code, answer);
    if (!plan) {
      this.onHint('No completions.');
      return;
    }
    if (plan.insert !== null) this.replace(plan.start, plan.end, plan.insert);
    if (plan.list) this.#openCompletions(plan.list.matches, plan.start, plan.list.kinds);
  }

  /**
   * @param {string[]} matches @param {number} start UTF-16 start of the replaced name
   * @param {(string|undefined)[]} kinds each match's kind
   */
  #openCompletions(matches, start, kinds) {
    this.closeCompletions();
    const view = this.view;
    if (!view) return; // the cell went to sleep meanwhile
    this.completion = new CompletionList(view.contentDOM, matches, (match) => {
      this.completion = null;
      this.replace(start, view.state.selection.main.head, match);
    }, view.dom, kinds);
  }

  closeCompletions() {
    this.completion?.close();
    this.completion = null;
  }
}
