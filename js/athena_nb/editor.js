// @ts-check
// editor.js: a cell's input: a textarea bound to the hub's text document by OT.
// Tested by tests/js/athena_nb/editor.test.mjs and the browser tests.
//
// Every input event becomes one operation at once (so each is one contiguous change); the
// SyncClient keeps at most one in flight and composes the rest, and the network send is
// delayed a little (`sendDelay`) so a burst of typing travels in few calls. Remote operations
// are applied with setRangeText, one component at a time, keeping the user's selection where it
// was relative to their text; `.value` is never replaced while the user types.
//
// Undo is the person's own: Ctrl/Cmd-Z (and the browser's Undo menu, via beforeinput) undo
// their own edits only, transformed past everyone else's, never someone else's typing.

import {CompletionList} from './completions.js';
import {
  SyncClient, SyncState, codePointToUtf16, compose, invert, transform, transformSelection,
  utf16ToCodePoint,
} from './ot.js';

const INDENT = '    ';
/** Undo groups typing that comes within this many milliseconds. */
const GROUP_MS = 1000;
/** Tab completes when the caret follows a name or an attribute dot. */
const COMPLETES = /[\p{L}\p{N}_][\p{L}\p{N}_]*$|\.$/u;

/** @typedef {import('./ot.js').Operation} Operation */
/** @typedef {{matches: string[], start: number, end: number}} Completions */
/** @typedef {{op: Operation, kind: string, time: number}} UndoEntry an inverse op */

export class CellEditor {
  /**
   * @param {Object} o
   * @param {HTMLTextAreaElement} o.textarea
   * @param {string} o.text
   * @param {number} o.version
   * @param {boolean} [o.readOnly]
   * @param {(op: Operation, base: number) => Promise<unknown>} o.send the edit call; settles
   *   once the edit is saved
   * @param {() => Promise<{text: string, version: number}>} o.fetchText
   * @param {(advance: boolean) => void} [o.onRun]
   * @param {((code: string, cursor: number) => Promise<Completions>)|null} [o.complete]
   * @param {(state: string, error?: unknown) => void} [o.onStatus] "saved", "saving", "error"
   * @param {(message: string) => void} [o.onHint] a short message for the person typing
   * @param {number} [o.sendDelay]
   * @param {{setTimeout: (fn: () => void, ms: number) => unknown, clearTimeout: (id: unknown) => void,
   *   now: () => number}} [o.env]
   */
  constructor({textarea, text, version, readOnly = false, send, fetchText, onRun = () => {},
    complete = null, onStatus = () => {}, onHint = () => {}, sendDelay = 60, env = undefined}) {
    this.textarea = textarea;
    this.readOnly = readOnly;
    this.sendCall = send;
    this.fetchText = fetchText;
    this.onRun = onRun;
    this.completeCall = complete;
    this.onStatus = onStatus;
    this.onHint = onHint;
    this.sendDelay = sendDelay;
    this.env = env ?? {
      setTimeout: (f, ms) => globalThis.setTimeout(f, ms),
      clearTimeout: (t) => globalThis.clearTimeout(/** @type {number|undefined} */ (t)),
      now: () => Date.now(),
    };
    this.sync = new SyncClient({text, version, send: () => this.#queueSend()});
    /** @type {unknown} */
    this.sendTimer = null;
    this.inflight = 0;
    /** @type {unknown} */
    this.error = null;
    this.state = 'saved';
    /** True after Escape: the next Tab leaves the cell. */
    this.escaped = false;
    /** @type {UndoEntry[]} newest last */
    this.undoStack = [];
    /** @type {UndoEntry[]} */
    this.redoStack = [];
    /** @type {Array<() => void>} */
    this.syncWaiters = [];
    this.resyncing = false;
    this.completion = null;
    if (textarea.value !== text) textarea.value = text;
    this.fieldSizing = Boolean(globalThis.CSS?.supports?.('field-sizing', 'content'));
    textarea.addEventListener('input', (event) => this.#input(/** @type {InputEvent} */ (event)));
    textarea.addEventListener('keydown', (event) => this.#keydown(/** @type {KeyboardEvent} */ (event)));
    textarea.addEventListener('beforeinput', (event) => this.#beforeInput(/** @type {InputEvent} */ (event)));
    textarea.addEventListener('blur', () => {
      this.closeCompletions();
      this.escaped = false;
      this.#sendNow();
    });
    this.grow();
  }

  /** The text as the hub will have it once our edits arrive. */
  get text() {
    return this.sync.text;
  }

  focus() {
    this.textarea.focus();
  }

  /** The caret as a code point offset. */
  get caret() {
    return utf16ToCodePoint(this.textarea.value, this.textarea.selectionStart);
  }

  // -- local edits -----------------------------------------------------------------------

  /** @param {InputEvent} event */
  #input(event) {
    if (this.readOnly) return;
    this.closeCompletions();
    this.capture(event.inputType?.startsWith('delete') ? 'delete' : 'insert');
  }

  /**
   * Turns what changed in the textarea into an operation (call after changing it yourself).
   * @param {string} kind undo grouping: "insert", "delete" or "other" (never grouped)
   */
  capture(kind = 'other') {
    const before = this.sync.text;
    const value = this.textarea.value;
    if (value === before) return;
    const op = this.sync.localChange(value, this.textarea.selectionEnd);
    if (op.length) {
      this.#recordUndo(invert(op, before), kind);
      this.redoStack = [];
    }
    this.grow();
    this.#report();
  }

  /** @param {Operation} inverse @param {string} kind */
  #recordUndo(inverse, kind) {
    const now = this.env.now();
    const last = this.undoStack[this.undoStack.length - 1];
    if (last && kind !== 'other' && last.kind === kind && now - last.time < GROUP_MS) {
      last.op = compose(inverse, last.op);
      last.time = now;
    } else {
      this.undoStack.push({op: inverse, kind, time: now});
      if (this.undoStack.length > 500) this.undoStack.shift();
    }
  }

  /**
   * Replaces a UTF-16 range of the textarea as the user's own edit.
   * @param {number} start @param {number} end @param {string} text @param {string} [kind]
   */
  replace(start, end, text, kind = 'other') {
    this.textarea.setRangeText(text, start, end, 'end');
    this.capture(kind);
  }

  undo() {
    this.#history(this.undoStack, this.redoStack);
  }

  redo() {
    this.#history(this.redoStack, this.undoStack);
  }

  /** @param {UndoEntry[]} from @param {UndoEntry[]} to */
  #history(from, to) {
    if (this.readOnly) return;
    this.capture();
    const entry = from.pop();
    if (!entry) return;
    const before = this.sync.text;
    this.#applyToTextarea(entry.op, true);
    this.sync.applyLocal(entry.op);
    to.push({op: invert(entry.op, before), kind: 'other', time: 0});
    this.grow();
    this.#report();
  }

  // -- sending -----------------------------------------------------------------------------

  #queueSend() {
    if (this.syncWaiters.length) {
      this.#sendNow(true);
    } else if (this.sendTimer === null) {
      this.sendTimer = this.env.setTimeout(() => this.#sendNow(true), this.sendDelay);
    }
    this.#report();
  }

  #sendNow(fromTimer = false) {
    if (this.sendTimer !== null) {
      this.env.clearTimeout(this.sendTimer);
      this.sendTimer = null;
    } else if (!fromTimer) {
      return;
    }
    const op = this.sync.outstanding;
    if (op === null) return;
    this.inflight += 1;
    this.sendCall(op, this.sync.version).then(
      () => {
        this.inflight -= 1;
        this.#report();
      },
      (error) => {
        this.inflight -= 1;
        this.#sendFailed(error);
      });
  }

  /** @param {any} error */
  #sendFailed(error) {
    if (error?.type === 'StaleVersion' || error?.type === 'SyncError') {
      this.resync();
      return;
    }
    this.error = error;
    this.#report();
  }

  /**
   * Resolves once every local edit has reached the hub (acknowledged).
   * @returns {Promise<void>}
   */
  whenSynced() {
    this.capture();
    if (this.sync.state === SyncState.SYNCHRONIZED && this.sendTimer === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      this.#sendNow();
    });
  }

  #report() {
    const busy = this.sendTimer !== null || this.inflight > 0 || this.sync.state !== SyncState.SYNCHRONIZED;
    const state = this.error ? 'error' : busy ? 'saving' : 'saved';
    if (this.sync.state === SyncState.SYNCHRONIZED && this.sendTimer === null) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (state !== this.state) {
      this.state = state;
      this.onStatus(state, this.error);
    }
  }

  // -- from the hub ------------------------------------------------------------------------

  /** Someone else's operation, sequenced as `version`. @param {Operation} op @param {number} version */
  remote(op, version) {
    this.capture();
    let applied;
    try {
      applied = this.sync.applyRemote(op, version);
    } catch (error) {
      this.resync();
      return;
    }
    this.#applyToTextarea(applied, false);
    this.#transformStacks(applied);
    this.grow();
  }

  /** The hub sequenced our outstanding operation as `version`. @param {number} version */
  acknowledge(version) {
    try {
      this.sync.acknowledge(version);
    } catch (error) {
      this.resync();
      return;
    }
    this.#report();
  }

  /** Start again from the hub's text (our unconfirmed edits are kept and sent again). */
  async resync() {
    if (this.resyncing) return;
    this.resyncing = true;
    try {
      const {text, version} = await this.fetchText();
      this.capture();
      const change = this.sync.resync(text, version);
      this.#applyToTextarea(change, false);
      this.#transformStacks(change);
      this.error = null;
      this.grow();
    } catch (error) {
      this.error = error;
    } finally {
      this.resyncing = false;
      this.#report();
    }
  }

  /** @param {Operation} op an operation in the coordinates of the current text */
  #transformStacks(op) {
    for (const stack of [this.undoStack, this.redoStack]) {
      let other = op;
      for (let i = stack.length - 1; i >= 0; i--) {
        [stack[i].op, other] = transform(stack[i].op, other);
      }
    }
  }

  /**
   * Applies `op` (code points, on the textarea's current value) to the textarea.
   * @param {Operation} op @param {boolean} own the caret goes to the end of the change
   */
  #applyToTextarea(op, own) {
    if (!op.length) return;
    const ta = this.textarea;
    const old = ta.value;
    let [start, end] = [utf16ToCodePoint(old, ta.selectionStart), utf16ToCodePoint(old, ta.selectionEnd)];
    const direction = ta.selectionDirection;
    [start, end] = transformSelection(start, end, op);
    let caret = null;
    for (const c of op) {
      const value = ta.value;
      const from = codePointToUtf16(value, c.at);
      if ('insert' in c) {
        ta.setRangeText(c.insert, from, from, 'preserve');
        caret = c.at + [...c.insert].length;
      } else {
        ta.setRangeText('', from, codePointToUtf16(value, c.at + c.delete), 'preserve');
        caret = c.at;
      }
    }
    const value = ta.value;
    if (own && caret !== null) [start, end] = [caret, caret];
    ta.setSelectionRange(codePointToUtf16(value, start), codePointToUtf16(value, end),
      direction ?? 'none');
  }

  /** Sizes the textarea to its text (where CSS field-sizing cannot). */
  grow() {
    const ta = this.textarea;
    if (this.fieldSizing || !ta.style) return;
    ta.style.height = 'auto';
    const border = (ta.offsetHeight ?? 0) - (ta.clientHeight ?? 0);
    ta.style.height = `${ta.scrollHeight + Math.max(0, border)}px`;
  }

  // -- keys --------------------------------------------------------------------------------

  /** @param {InputEvent} event */
  #beforeInput(event) {
    if (event.inputType === 'historyUndo' || event.inputType === 'historyRedo') {
      event.preventDefault();
      if (event.inputType === 'historyUndo') this.undo();
      else this.redo();
    }
  }

  /** @param {KeyboardEvent} event */
  #keydown(event) {
    if (this.completion) {
      if (this.completion.key(event)) {
        if (this.completion?.closed) this.completion = null;
        return;
      }
      this.closeCompletions();
    }
    const mod = event.ctrlKey || event.metaKey;
    if (event.key === 'Enter' && event.shiftKey && !mod && !event.altKey) {
      event.preventDefault();
      this.onRun(true);
    } else if (event.key === 'Enter' && mod) {
      event.preventDefault();
      this.onRun(false);
    } else if (event.key === 'Escape') {
      this.escaped = true;
      this.onHint('Press Tab to leave the cell (Shift-Tab to go back).');
      return;
    } else if (event.key === 'Tab' && !mod && !event.altKey) {
      if (this.escaped || this.readOnly) {
        this.escaped = false;
        return; // the browser moves the focus on
      }
      event.preventDefault();
      if (event.shiftKey) this.#dedent();
      else this.#tab();
    } else if (mod && !event.altKey && (event.key === 'z' || event.key === 'Z')) {
      event.preventDefault();
      if (event.shiftKey) this.redo();
      else this.undo();
    } else if (mod && !event.altKey && event.key === 'y') {
      event.preventDefault();
      this.redo();
    }
    if (!['Shift', 'Control', 'Alt', 'Meta', 'Escape'].includes(event.key)) this.escaped = false;
  }

  #lines() {
    const ta = this.textarea;
    const value = ta.value;
    const first = value.lastIndexOf('\n', ta.selectionStart - 1) + 1;
    let last = ta.selectionEnd;
    if (last > ta.selectionStart && value[last - 1] === '\n') last -= 1;
    const end = value.indexOf('\n', last);
    return {value, first, end: end === -1 ? value.length : end};
  }

  #tab() {
    const ta = this.textarea;
    const {value, first, end} = this.#lines();
    const before = value.slice(first, ta.selectionStart);
    if (ta.selectionStart === ta.selectionEnd && COMPLETES.test(before) && this.completeCall) {
      this.showCompletions();
      return;
    }
    if (value.slice(ta.selectionStart, ta.selectionEnd).includes('\n')) {
      const block = value.slice(first, end).replace(/^/gm, INDENT);
      this.replace(first, end, block);
      ta.setSelectionRange(first, first + block.length);
      return;
    }
    const column = [...before].length;
    const spaces = INDENT.length - (column % INDENT.length);
    this.replace(ta.selectionStart, ta.selectionEnd, ' '.repeat(spaces), 'insert');
  }

  #dedent() {
    const ta = this.textarea;
    const {value, first, end} = this.#lines();
    const block = value.slice(first, end);
    const out = block.replace(/^( {1,4}|\t)/gm, '');
    if (out === block) return;
    const caret = ta.selectionStart === ta.selectionEnd;
    this.replace(first, end, out);
    if (!caret) ta.setSelectionRange(first, first + out.length);
  }

  // -- completions ---------------------------------------------------------------------------

  /** Asks for completions at the caret (nothing happens without a `complete` call). */
  async showCompletions() {
    if (!this.completeCall) return;
    const ta = this.textarea;
    const code = this.sync.text;
    const cursor = utf16ToCodePoint(ta.value, ta.selectionStart);
    let answer;
    try {
      answer = await this.completeCall(code, cursor);
    } catch (error) {
      this.onHint(/** @type {any} */ (error)?.message ?? String(error));
      return;
    }
    if (this.sync.text !== code || utf16ToCodePoint(ta.value, ta.selectionStart) !== cursor) return;
    const matches = [...new Set(answer?.matches ?? [])];
    if (!matches.length) {
      this.onHint('No completions.');
      return;
    }
    const range = [codePointToUtf16(code, answer.start), codePointToUtf16(code, answer.end)];
    const typed = code.slice(...range);
    const prefix = commonPrefix(matches);
    if (matches.length === 1 || prefix.length > typed.length) {
      this.replace(range[0], range[1], matches.length === 1 ? matches[0] : prefix, 'other');
      if (matches.length === 1) return;
    }
    this.#openCompletions(matches, codePointToUtf16(this.sync.text, answer.start));
  }

  /** @param {string[]} matches @param {number} start UTF-16 start of the replaced name */
  #openCompletions(matches, start) {
    this.closeCompletions();
    this.completion = new CompletionList(this.textarea, matches, (match) => {
      this.completion = null;
      this.replace(start, this.textarea.selectionStart, match, 'other');
    });
  }

  closeCompletions() {
    this.completion?.close();
    this.completion = null;
  }
}

/** @param {string[]} words */
export function commonPrefix(words) {
  let prefix = words[0] ?? '';
  for (const word of words) {
    while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}
