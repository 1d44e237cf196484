// @ts-check
// prefs.js: this browser's display preferences for worksheets (line numbers in cells),
// remembered in localStorage; widgets listen for changes; and, in this tab's sessionStorage,
// the worksheet it has just made (whose page then puts the caret in its first cell). Tested by
// the browser tests (tests/browser/test_notebook_editor.py, test_newuser.py).

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

const NEW_WORKSHEET = 'athena-nb.newWorksheet';

/** This tab has just made the worksheet `id` (the home page). @param {string} id */
export function markNewWorksheet(id) {
  try {
    globalThis.sessionStorage?.setItem(NEW_WORKSHEET, id);
  } catch {
    // storage refused: the new worksheet opens without the caret in it
  }
}

/** Whether this tab has just made the worksheet `id`; asked once, by its page. @param {string} id */
export function takeNewWorksheet(id) {
  try {
    const made = globalThis.sessionStorage?.getItem(NEW_WORKSHEET) === id;
    if (made) globalThis.sessionStorage.removeItem(NEW_WORKSHEET);
    return made;
  } catch {
    return false;
  }
}
