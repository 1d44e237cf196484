// @ts-check
// prefs.js: this browser's display preferences for worksheets (line numbers in cells),
// remembered in localStorage; widgets listen for changes. Tested by the browser tests
// (tests/browser/test_notebook_editor.py).

const KEY = 'athena-nb.lineNumbers';
/** @type {Set<(on: boolean) => void>} */
const listeners = new Set();

/** Whether cells show line numbers (off unless this browser turned them on). */
export function lineNumbers() {
  try {
    return globalThis.localStorage?.getItem(KEY) === 'on';
  } catch {
    return false; // storage refused (e.g. blocked cookies): the default
  }
}

/** @param {boolean} on */
export function setLineNumbers(on) {
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
