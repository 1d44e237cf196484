// @ts-check
/**
 * Turning a before/after text pair into an operation (Myers diff): the browser's twin of
 * athena_nb/ot/_diff.py (tests: tests/js/ot.test.mjs). Part of the OT twin of athena_nb/ot;
 * the public surface is ../ot.js.
 */
import { finish, fromTraversal, push } from './ops.js';

/** @typedef {import('./ops.js').Operation} Operation */
/** @typedef {import('./ops.js').Traversal} Traversal */

const DIFF_LIMIT = 500; // Myers costs O(changes ** 2) memory; beyond this, one replaced range

/**
 * A shortest operation turning `oldText` into `newText` (Myers): every character the two
 * share in order is kept. Beyond 500 changes it is one replaced range instead. Works on code
 * points and makes the same choices as the Python twin.
 * @param {string} oldText @param {string} newText @returns {Operation}
 */
export function diff(oldText, newText) {
  const oldCps = Array.from(oldText), newCps = Array.from(newText);
  let start = 0, endOld = oldCps.length, endNew = newCps.length;
  while (start < Math.min(endOld, endNew) && oldCps[start] === newCps[start]) start++;
  while (endOld > start && endNew > start && oldCps[endOld - 1] === newCps[endNew - 1]) {
    endOld--;
    endNew--;
  }
  const a = oldCps.slice(start, endOld), b = newCps.slice(start, endNew);
  /** @type {Traversal} */
  const out = [];
  push(out, start);
  for (const item of myers(a, b) ?? [-a.length, b.join('')]) push(out, item);
  return fromTraversal(finish(out));
}

/** @param {string[]} a @param {string[]} b @returns {Traversal | null} */
function myers(a, b) {
  const n = a.length, m = b.length;
  /** @type {Map<number, number>} diagonal k -> furthest x reached on it */
  const v = new Map([[1, 0]]);
  const trace = [];
  const at = (/** @type {Map<number, number>} */ w, /** @type {number} */ k) => /** @type {number} */ (w.get(k));
  for (let d = 0; d <= Math.min(n + m, DIFF_LIMIT); d++) {
    trace.push(new Map(v));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && at(v, k - 1) < at(v, k + 1)) ? at(v, k + 1) : at(v, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v.set(k, x);
      if (x >= n && y >= m) return backtrack(trace, a, b);
    }
  }
  return null;
}

/** @param {Map<number, number>[]} trace @param {string[]} a @param {string[]} b @returns {Traversal} */
function backtrack(trace, a, b) {
  let x = a.length, y = b.length;
  /** @type {Traversal} */
  const items = [];
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d], k = x - y;
    const get = (/** @type {number} */ j) => /** @type {number} */ (v.get(j));
    const prevK = k === -d || (k !== d && get(k - 1) < get(k + 1)) ? k + 1 : k - 1;
    const prevX = get(prevK), prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      items.push(1);
      x--;
      y--;
    }
    if (d > 0) items.push(x === prevX ? b[y - 1] : -1);
    x = prevX;
    y = prevY;
  }
  return items.reverse();
}
