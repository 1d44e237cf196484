// @ts-check
// typeahead.js: the keys typed while the cell after a run is on its way. Shift+Enter in the
// last cell asks the server for a new cell, a round trip; Jupyter makes the cell at once, and
// people type straight on. The keys typed meanwhile are kept here and typed into the new cell
// when it comes: they used to land in the cell just run, whose text then no longer said what
// ran. A run key among them (Shift+Enter, Ctrl+Enter) runs the new cell once its text is in,
// and what comes after it goes on to the next one. Tested by
// tests/js/athena_nb/typeahead.test.mjs and tests/browser/test_notebook_editor.py.

import {focusAfterAnswer} from './prompt.js';

/** @typedef {import('./worksheet.js').Worksheet} Worksheet */
/** @typedef {import('./cell.js').Cell} Cell */

/**
 * What was typed for one cell: its text, and the run key that ended it, if any.
 * @typedef {{text: string, run: null|'advance'|'stay'}} Typed
 */

/**
 * Adds one keydown to what was typed; false if the key is not one of ours (an arrow, Escape,
 * a shortcut): it goes where it would have gone.
 * @param {Typed[]} typed the cells' texts so far, the last one being typed (changed in place)
 * @param {{key: string, shiftKey?: boolean, ctrlKey?: boolean, metaKey?: boolean,
 *   altKey?: boolean}} event
 * @returns {boolean}
 */
export function takeKey(typed, event) {
  const modified = event.ctrlKey || event.metaKey || event.altKey;
  const last = typed[typed.length - 1];
  if (event.key === 'Enter' && (event.shiftKey || event.ctrlKey || event.metaKey)) {
    last.run = event.shiftKey ? 'advance' : 'stay';
    typed.push({text: '', run: null});
    return true;
  }
  if (modified) return false;
  if (event.key === 'Enter') {
    last.text += '\n';
  } else if (event.key === 'Backspace') {
    if (!last.text) return true; // nothing of the new cell's to take back
    last.text = [...last.text].slice(0, -1).join('');
  } else if (event.key === 'Tab') {
    last.text += '    ';
  } else if ([...event.key].length === 1) {
    last.text += event.key;
  } else {
    return false;
  }
  return true;
}

/** Keeps the keys typed in a document until `finish`, from the moment it is made. */
export class TypeAhead {
  /**
   * @param {Document} doc
   * @param {Typed[]} [typed] what an earlier TypeAhead kept for the cells after its own
   */
  constructor(doc, typed = []) {
    this.doc = doc;
    /** @type {Typed[]} */
    this.typed = typed.length ? typed : [{text: '', run: null}];
    /** @param {KeyboardEvent} event */
    this.onKey = (event) => {
      if (event.isComposing || !takeKey(this.typed, event)) return;
      event.preventDefault();
      event.stopPropagation();
    };
    /** The focus went somewhere meanwhile (a click, an input() prompt): it stays there. */
    this.moved = false;
    // The keys are for wherever the focus went from then on.
    this.onFocus = () => {
      this.moved = true;
      this.#stop();
    };
    doc.addEventListener('keydown', this.onKey, true);
    doc.addEventListener('focusin', this.onFocus, true);
  }

  #stop() {
    this.doc.removeEventListener('keydown', this.onKey, true);
    this.doc.removeEventListener('focusin', this.onFocus, true);
  }

  /** Stops keeping keys; what was typed, cell by cell (the first is the new cell's). */
  finish() {
    this.#stop();
    return this.typed.filter((t, i) => i === 0 || t.text || t.run);
  }
}

/**
 * Focuses the cell after `cell`, adding one at the end if there is none: the keys typed
 * until it comes go into it, not into the cell just run.
 * @param {Worksheet} worksheet @param {Cell} cell
 * @param {Typed[]} typed keys typed ahead already, for it
 */
export function focusCellAfter(worksheet, cell, typed) {
  const cells = worksheet.cells;
  const next = cells[cells.indexOf(cell) + 1];
  if (next) {
    next.focus();
    typeInto(next, typed);
    return;
  }
  const doc = worksheet.node.ownerDocument;
  // The caret leaves the cell just run: what is typed now is not for it.
  /** @type {HTMLElement|null} */ (doc.activeElement)?.blur();
  const ahead = new TypeAhead(doc, typed);
  worksheet.ask(worksheet.callRemote('addCell')).then((id) => {
    const kept = ahead.finish();
    const added = typeof id === 'number' ? worksheet.cellById(id) : undefined;
    // No new cell (the error is shown): the keys go where they were typed, as before.
    const target = added ?? cell;
    if (ahead.moved) { // the focus went elsewhere meanwhile (an input() prompt): it stays
      if (added && kept[0].text) added.editor.replace(0, 0, kept[0].text);
      const field = doc.activeElement;
      if (added && field?.matches('.nb-prompt-field')) focusAfterAnswer.set(field, () => added.focus());
      return;
    }
    target.focus(added ? undefined : 'end');
    typeInto(target, added ? kept : [{text: kept.map((t) => t.text).join(''), run: null}]);
  });
}

/**
 * Types what was typed ahead into `cell` (focused), and runs it if a run key came after.
 * @param {Cell} cell @param {Typed[]} typed
 */
function typeInto(cell, typed) {
  const [first, ...rest] = typed;
  if (!first) return;
  if (first.text) {
    const state = cell.editor.editorState;
    const at = state ? state.selection.main.head : 0;
    cell.editor.replace(at, at, first.text);
  }
  if (first.run === 'advance') {
    cell.runFromKeyboard(true, rest);
  } else if (first.run === 'stay') {
    cell.runFromKeyboard(false);
    typeInto(cell, rest); // Ctrl+Enter keeps the caret in the cell: so do the keys after
  }
}
