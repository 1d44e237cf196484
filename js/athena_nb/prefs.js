// @ts-check
// prefs.js: this browser's display preferences for worksheets (line numbers in cells),
// remembered in localStorage; widgets listen for changes. Tested by the browser tests
// (tests/browser/test_notebook_editor.py).

const KEY = 'athena-nb.lineNumbers';
/** @type {Set<(on: boolean) => void>} */
const listeners = new Set();
/** @type {boolean|null} read once (every cell of a long worksheet asks), again after a change */
let known = null;
globalThis.addEventListener?.('storage', () => {
  known = null;
});

/** Whether cells show line numbers (off unless this browser turned them on). */
export function lineNumbers() {
  if (known !== null) return known;
  try {
    known = globalThis.localStorage?.getItem(KEY) === 'on';
  } catch {
    known = false; // storage refused (e.g. blocked cookies): the default
  }
  return known;
}

/** @param {boolean} on */
export function setLineNumbers(on) {
  known = on;
  try {
    globalThis.localStorage?.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // not remembered, still shown
  }
  for (const listener of listeners) listener(on);
}

/** Calls `listener(on)` on every change; returns the function that stops it. @param {(on: boolean) => void} listener */
export function onLineNumbers(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
