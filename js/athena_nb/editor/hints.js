// @ts-check
// hints.js: help inside a cell's editor: the signature hint under the caret while a call is
// typed (`sorted(`: the call's signature and the first words of its docstring, asked from the
// kernel), and the keys that open the help panel on the name at the caret (Shift-Tab, as in
// Jupyter; F1). Tested by tests/browser/test_help.py; the text scans by
// tests/js/athena_nb/calls.test.mjs.
//
// The hint is asked only when the person types inside a call (not when the caret merely moves
// into one), once per call, a moment after the last key; it goes when the caret leaves the
// parentheses, at Escape and when the editor loses focus. A kernel busy running a cell answers
// nothing and nothing is shown.

import {StateEffect, StateField} from '@codemirror/state';
import {EditorView, ViewPlugin, showTooltip} from '@codemirror/view';
import {callAt, nameAt} from './calls.js';

/** Milliseconds after the last key before the hint is asked. */
export const HINT_DELAY_MS = 120;

/**
 * @typedef {{found: boolean, name?: string, signature?: string, doc?: string}} Hint the
 *   server's answer (CellHelp.signature): `signature` is sanitised HTML, `doc` text
 * @typedef {{open: number, name: string, hint: Hint}} Shown a hint shown for the call whose
 *   `(` is at `open`
 * @typedef {Object} HelpHooks
 * @property {(name: string) => Promise<Hint>} signature asks the kernel for a call's hint
 * @property {(name: string, detail: number) => void} open opens the help panel on a name
 * @property {() => boolean} isOpen whether the help panel is open
 * @property {() => void} close closes the help panel
 * @property {() => boolean} busyKeys whether Shift-Tab belongs to the editor now (with the
 *   completion list open it is the list's; after Escape, command mode's, commandmode.js)
 */

/** @type {import('@codemirror/state').StateEffectType<Shown|null>} */
const setHint = StateEffect.define();

let hints = 0;

/** The hint shown, kept with the caret while it stays inside the call's parentheses. */
const hintField = StateField.define({
  /** @returns {Shown|null} */
  create: () => null,
  /** @param {Shown|null} value @param {import('@codemirror/state').Transaction} tr */
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setHint)) value = effect.value;
    if (!value || (!tr.docChanged && !tr.selection)) return value;
    const open = tr.changes.mapPos(value.open);
    const call = callAt(tr.state.doc.toString(), tr.state.selection.main.head);
    return call && call.open === open && call.name === value.name ? {...value, open} : null;
  },
  provide: (field) => [
    showTooltip.compute([field, 'selection'], (state) => {
      const shown = state.field(field);
      return shown ? {pos: state.selection.main.head, above: false, strictSide: false,
        create: () => ({dom: hintDom(shown.hint)})} : null;
    }),
    EditorView.contentAttributes.compute([field], (state) =>
      /** @type {Record<string, string>} */ (
        state.field(field) ? {'aria-describedby': 'nb-hint-current'} : {})),
  ],
});

/** @param {Hint} hint */
function hintDom(hint) {
  const dom = document.createElement('div');
  dom.className = 'nb-hint';
  dom.id = 'nb-hint-current';
  dom.setAttribute('role', 'tooltip');
  dom.dataset.hint = String(++hints);
  if (hint.signature) {
    const signature = document.createElement('code');
    signature.className = 'nb-hint-signature';
    signature.innerHTML = hint.signature; // sanitised by the server (athena_nb/render)
    dom.append(signature);
  }
  if (hint.doc) {
    const doc = document.createElement('div');
    doc.className = 'nb-hint-doc';
    doc.textContent = hint.doc;
    dom.append(doc);
  }
  return dom;
}

/**
 * The editor extensions for help: the signature hint and the help keys.
 * @param {HelpHooks} hooks
 * @returns {import('@codemirror/state').Extension}
 */
export function helpExtensions(hooks) {
  const asker = ViewPlugin.fromClass(class {
    /** @param {EditorView} view */
    constructor(view) {
      this.view = view;
      /** @type {string|null} the call last asked about, as "name@open" */
      this.asked = null;
      /** @type {string|null} the call whose hint Escape closed */
      this.dismissed = null;
      this.timer = 0;
    }

    /** @param {import('@codemirror/view').ViewUpdate} update */
    update(update) {
      if (!update.docChanged && !update.selectionSet) return;
      const state = update.state;
      const call = callAt(state.doc.toString(), state.selection.main.head);
      if (!call) {
        this.asked = this.dismissed = null;
        return;
      }
      const key = `${call.name}@${call.open}`;
      const typed = update.transactions.some((tr) => tr.isUserEvent('input') ||
        tr.isUserEvent('delete'));
      if (!typed || !update.view.hasFocus || key === this.asked || key === this.dismissed) return;
      if (state.field(hintField)) return; // this call's hint is shown
      this.asked = key;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.ask(call.name, key), HINT_DELAY_MS);
    }

    /** @param {string} name @param {string} key */
    async ask(name, key) {
      let hint;
      try {
        hint = await hooks.signature(name);
      } catch {
        return; // no hint is no error
      }
      const view = this.view;
      const state = view.state;
      const call = callAt(state.doc.toString(), state.selection.main.head);
      if (!hint?.found || !call || `${call.name}@${call.open}` !== key || !view.hasFocus) return;
      view.dispatch({effects: setHint.of({open: call.open, name, hint})});
    }

    /** Escape: the hint goes and stays away for this call. */
    dismiss() {
      const shown = this.view.state.field(hintField);
      if (shown) this.dismissed = `${shown.name}@${shown.open}`;
      this.view.dispatch({effects: setHint.of(null)});
    }

    destroy() {
      clearTimeout(this.timer);
    }
  });

  const keys = EditorView.domEventHandlers({
    keydown(event, view) {
      const mod = event.ctrlKey || event.metaKey || event.altKey;
      if (event.key === 'Escape' && !mod) {
        if (view.state.field(hintField)) {
          view.plugin(asker)?.dismiss();
          return true;
        }
        if (hooks.isOpen()) {
          hooks.close();
          return true;
        }
        return false;
      }
      const shiftTab = event.key === 'Tab' && event.shiftKey && !mod && !hooks.busyKeys();
      if (!shiftTab && !(event.key === 'F1' && !mod && !event.shiftKey)) return false;
      const {empty, head} = view.state.selection.main;
      const text = view.state.doc.toString();
      const name = empty ? (nameAt(text, head)?.name ?? callAt(text, head)?.name) : null;
      if (!name) {
        if (shiftTab) return false; // then Shift-Tab unindents, as it does elsewhere
        event.preventDefault(); // F1: not the browser's help either
        return true;
      }
      event.preventDefault();
      view.dispatch({effects: setHint.of(null)});
      hooks.open(name, 0);
      return true;
    },
    blur(_event, view) {
      if (view.state.field(hintField)) view.dispatch({effects: setHint.of(null)});
      return false;
    },
  });
  return [hintField, asker, keys];
}

/** @param {import('@codemirror/state').EditorState} state @returns {Shown|null} */
export function shownHint(state) {
  return state.field(hintField, false) ?? null;
}
