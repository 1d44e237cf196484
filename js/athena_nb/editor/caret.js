// @ts-check
// caret.js: the focused editor's caret blinks by a timer, twice a blink cycle, instead of by
// CodeMirror's endless CSS animation. While any animation runs, Chromium draws a frame at
// every screen refresh, and after a key it holds the page's other tasks (the socket's
// messages among them) until the next of those frames: the answer to Shift+Enter waited for
// it, 0-16 ms, 8 on average (docs/performance.md, "The caret that held every answer"). A
// timer changes the page twice in 1.2 s; between, no frame is due and an answer is handled
// as it comes. The caret stays on while the person types or moves it, as CodeMirror's does,
// and stays on for those who ask for reduced motion.
// Tested by tests/browser/test_notebook_editor.py (the caret tests).

import {ViewPlugin} from '@codemirror/view';

/** Half of CodeMirror's blink cycle (its default cursorBlinkRate, 1200 ms). */
export const BLINK_MS = 600;

/** @param {Window|null} win */
function stillCaret(win) {
  return Boolean(win?.matchMedia?.('(prefers-reduced-motion: reduce)').matches);
}

class CaretBlink {
  /** @param {import('@codemirror/view').EditorView} view */
  constructor(view) {
    this.view = view;
    /** @type {ReturnType<typeof setInterval>|undefined} */
    this.timer = undefined;
    this.on = true;
    this.restart();
  }

  /** @param {import('@codemirror/view').ViewUpdate} update */
  update(update) {
    if (update.focusChanged || update.selectionSet || update.docChanged) this.restart();
  }

  /** The caret shown; blinking from now on if the editor has the focus. */
  restart() {
    clearInterval(this.timer);
    this.timer = undefined;
    this.show(true);
    if (this.view.hasFocus && !stillCaret(this.view.dom.ownerDocument.defaultView)) {
      this.timer = setInterval(() => this.show(!this.on), BLINK_MS);
    }
  }

  /** @param {boolean} on */
  show(on) {
    this.on = on;
    const layer = /** @type {HTMLElement|null} */ (this.view.dom.querySelector('.cm-cursorLayer'));
    if (layer) layer.style.visibility = on ? '' : 'hidden';
  }

  destroy() {
    clearInterval(this.timer);
  }
}

/** The extension: put beside `drawSelection({cursorBlinkRate: 0})`. */
export const caretBlink = ViewPlugin.fromClass(CaretBlink);
