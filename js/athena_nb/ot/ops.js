// @ts-check
/**
 * Text operations: components, canonical form, apply, transform, compose, cursors
 * (the public surface, and what an operation is, are described in ../ot.js;
 * tests: tests/js/ot.test.mjs).
 *
 * Internally an operation is also a traversal: number > 0 retains that many code points,
 * number < 0 deletes -n, string inserts; everything after the last item is kept.
 */

/** @typedef {{at: number, insert: string}} InsertComponent */
/** @typedef {{at: number, delete: number}} DeleteComponent */
/** @typedef {Array<InsertComponent | DeleteComponent>} Operation */
/** @typedef {Array<number | string>} Traversal */


export class OperationError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}
/** An operation does not have the documented shape. */
export class MalformedOperation extends OperationError {}
/** An operation reaches past the end of the text it is applied to. */
export class OperationOutOfRange extends OperationError {}
/** A base version is older than the kept history: the client must resync. */
export class StaleVersion extends OperationError {}
/** A version the document never had (in the future, negative, not an integer). */
export class UnknownVersion extends OperationError {}
/** A message arrived that the sync protocol does not allow in the current state. */
export class SyncError extends OperationError {}

export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** @param {number} c */
const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
/** @param {number} c */
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

/**
 * The UTF-16 index `n` code points after index `i` of `s`, or -1 if `s` ends first.
 * @param {string} s @param {number} i @param {number} n
 */
function advance(s, i, n) {
  for (; n > 0; n--) {
    if (i >= s.length) return -1;
    i += isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** The number of code points in `s` (what Python's len() says). @param {string} s */
export function cpLength(s) {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** A code point position in `text` as a UTF-16 index. @param {string} text @param {number} pos */
export function codePointToUtf16(text, pos) {
  const i = advance(text, 0, pos);
  return i < 0 ? text.length : i;
}

/**
 * A UTF-16 index into `text` as a code point position; an index inside a surrogate pair
 * counts as the start of that pair.
 * @param {string} text @param {number} index
 */
export function utf16ToCodePoint(text, index) {
  return cpLength(text.slice(0, index)) - (isLow(text.charCodeAt(index)) && isHigh(text.charCodeAt(index - 1)) ? 1 : 0);
}

/** @param {unknown} c @returns {InsertComponent | DeleteComponent} */
function checkComponent(c) {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    throw new MalformedOperation(`An operation component must be an object, not ${JSON.stringify(c)}.`);
  }
  const keys = Object.keys(c).sort().join(',');
  const r = /** @type {Record<string, unknown>} */ (c);
  if (keys !== 'at,insert' && keys !== 'at,delete') {
    throw new MalformedOperation(
      `An operation component has keys 'at' and 'insert' or 'at' and 'delete', not ${JSON.stringify(Object.keys(c).sort())}.`);
  }
  if (!Number.isSafeInteger(r.at) || /** @type {number} */ (r.at) < 0) {
    throw new MalformedOperation(`A component position must be an integer >= 0, not ${JSON.stringify(r.at)}.`);
  }
  if (keys === 'at,insert') {
    if (typeof r.insert !== 'string' || r.insert === '') {
      throw new MalformedOperation(`An insert needs a non-empty string, not ${JSON.stringify(r.insert)}.`);
    }
    if (LONE_SURROGATE.test(r.insert)) {
      throw new MalformedOperation('Inserted text must not contain lone surrogates.');
    }
  } else if (!Number.isSafeInteger(r.delete) || /** @type {number} */ (r.delete) < 1) {
    throw new MalformedOperation(`A delete count must be an integer >= 1, not ${JSON.stringify(r.delete)}.`);
  }
  return /** @type {InsertComponent | DeleteComponent} */ (c);
}

// -- traversal form ------------------------------------------------------------------------

/** Append one item, keeping the canonical form (merged runs, delete before insert). @param {Traversal} out @param {number | string} item */
export function push(out, item) {
  const last = out[out.length - 1];
  if (typeof item === 'string') {
    if (item === '') return;
    if (typeof last === 'string') out[out.length - 1] = last + item;
    else out.push(item);
  } else if (item > 0) {
    if (typeof last === 'number' && last > 0) out[out.length - 1] = last + item;
    else out.push(item);
  } else if (item < 0) {
    // Deleting and inserting at one point commute; canonically the delete comes first.
    const at = typeof last === 'string' ? out.length - 1 : out.length;
    const before = out[at - 1];
    if (at > 0 && typeof before === 'number' && before < 0) out[at - 1] = before + item;
    else out.splice(at, 0, item);
  }
}

/** @param {Traversal} out */
export function finish(out) {
  const last = out[out.length - 1];
  if (typeof last === 'number' && last > 0) out.pop(); // a trailing retain is implied
  return out;
}

/** What is left of `item` after consuming `m` code points of it, or null. @param {number | string} item @param {number} m */
function rest(item, m) {
  if (typeof item === 'string') return item.slice(advance(item, 0, m)) || null;
  if (Math.abs(item) === m) return null;
  return item > 0 ? item - m : item + m;
}

/** @param {number | string} item */
const size = (item) => (typeof item === 'string' ? cpLength(item) : Math.abs(item));

/** @param {Traversal} a @param {Traversal} b @returns {Traversal} */
function composeItems(a, b) {
  /** @type {Traversal} */
  const out = [];
  let ia = 0, ib = 0;
  /** @type {number | string | null} */
  let x = a[ia++] ?? null, y = b[ib++] ?? null;
  while (x !== null || y !== null) {
    if (typeof x === 'number' && x < 0) {
      push(out, x); // a deletes: b never sees those code points
      x = a[ia++] ?? null;
    } else if (typeof y === 'string') {
      push(out, y);
      y = b[ib++] ?? null;
    } else if (x === null) { // a keeps the rest of the text: b's retain/delete applies to it
      push(out, /** @type {number} */ (y));
      y = b[ib++] ?? null;
    } else if (y === null) {
      push(out, x);
      x = a[ia++] ?? null;
    } else { // x retains or inserts, y retains or deletes
      const m = Math.min(size(x), Math.abs(y));
      if (y > 0) push(out, typeof x === 'string' ? x.slice(0, advance(x, 0, m)) : m);
      else if (typeof x === 'number') push(out, -m);
      x = rest(x, m) ?? a[ia++] ?? null;
      y = rest(y, m) ?? b[ib++] ?? null;
    }
  }
  return finish(out);
}

/** @param {Traversal} a @param {Traversal} b @returns {[Traversal, Traversal]} */
function transformItems(a, b) {
  /** @type {Traversal} */
  const a2 = [];
  /** @type {Traversal} */
  const b2 = [];
  let ia = 0, ib = 0;
  /** @type {number | string | null} */
  let x = a[ia++] ?? null, y = b[ib++] ?? null;
  while (x !== null || y !== null) {
    if (typeof x === 'string') {
      push(a2, x);
      push(b2, cpLength(x));
      x = a[ia++] ?? null;
    } else if (typeof y === 'string') {
      push(a2, cpLength(y));
      push(b2, y);
      y = b[ib++] ?? null;
    } else if (x === null) {
      push(b2, /** @type {number} */ (y));
      y = b[ib++] ?? null;
    } else if (y === null) {
      push(a2, x);
      x = a[ia++] ?? null;
    } else {
      const m = Math.min(Math.abs(x), Math.abs(y));
      if (x > 0 && y > 0) {
        push(a2, m);
        push(b2, m);
      } else if (x < 0 && y > 0) {
        push(a2, -m);
      } else if (y < 0 && x > 0) {
        push(b2, -m);
      } // both delete the same code points: neither has anything left to do
      x = rest(x, m) ?? a[ia++] ?? null;
      y = rest(y, m) ?? b[ib++] ?? null;
    }
  }
  return [finish(a2), finish(b2)];
}

/** @param {unknown} op @returns {Traversal} */
function toTraversal(op) {
  if (!Array.isArray(op)) throw new MalformedOperation(`An operation must be a JSON array, not ${JSON.stringify(op)}.`);
  /** @type {Traversal} */
  let out = [];
  let pos = 0; // output position reached by `out`
  let inOrder = true;
  for (const raw of op) {
    const c = checkComponent(raw);
    if (inOrder && c.at >= pos) {
      push(out, c.at - pos);
      if ('insert' in c) {
        push(out, c.insert);
        pos = c.at + cpLength(c.insert);
      } else {
        push(out, -c.delete);
        pos = c.at;
      }
      continue;
    }
    if (inOrder) out = finish(out);
    inOrder = false; // not in order: fall back to composing one at a time
    /** @type {Traversal} */
    const single = [];
    push(single, c.at);
    push(single, 'insert' in c ? c.insert : -c.delete);
    out = composeItems(out, finish(single));
  }
  return inOrder ? finish(out) : out;
}

/** @param {Traversal} items @returns {Operation} */
export function fromTraversal(items) {
  /** @type {Operation} */
  const out = [];
  let pos = 0;
  for (const item of items) {
    if (typeof item === 'string') {
      out.push({ at: pos, insert: item });
      pos += cpLength(item);
    } else if (item > 0) {
      pos += item;
    } else {
      out.push({ at: pos, delete: -item });
    }
  }
  return out;
}

// -- operations ----------------------------------------------------------------------------

/**
 * Validate a wire value and return its canonical form; MalformedOperation if it is not one.
 * @param {unknown} value @returns {Operation}
 */
export function fromJSON(value) {
  return fromTraversal(toTraversal(value));
}

/** @param {number} at @param {string} text @returns {Operation} */
export const insert = (at, text) => fromJSON([{ at, insert: text }]);
/** @param {number} at @param {number} count @returns {Operation} */
export const del = (at, count) => fromJSON([{ at, delete: count }]);
/** @param {Operation} op */
export const isNoop = (op) => toTraversal(op).length === 0;

/** The text after `op`; OperationOutOfRange if `op` reaches past its end. @param {string} text @param {Operation} op */
export function apply(text, op) {
  let out = '';
  let i = 0, reached = 0;
  for (const item of toTraversal(op)) {
    if (typeof item === 'string') {
      out += item;
      continue;
    }
    reached += Math.abs(item);
    const j = advance(text, i, Math.abs(item));
    if (j < 0) {
      throw new OperationOutOfRange(`The operation reaches code point ${reached} but the text has only ${cpLength(text)}.`);
    }
    if (item > 0) out += text.slice(i, j);
    i = j;
  }
  return out + text.slice(i);
}

/**
 * Concurrent `a`, `b` on one text -> [a', b'] with apply(apply(t, b), a') == apply(apply(t, a), b').
 * Tie-break: when both insert at one position, `a`'s text ends up first. Callers pass the op
 * sequenced later as `a` (the server's incoming op, the client's pending op).
 * @param {Operation} a @param {Operation} b @returns {[Operation, Operation]}
 */
export function transform(a, b) {
  const [a2, b2] = transformItems(toTraversal(a), toTraversal(b));
  return [fromTraversal(a2), fromTraversal(b2)];
}

/** One operation with the effect of `a` followed by `b`. @param {Operation} a @param {Operation} b */
export function compose(a, b) {
  return fromTraversal(composeItems(toTraversal(a), toTraversal(b)));
}

/** The operation that undoes `op`, given the `text` it was applied to. @param {Operation} op @param {string} text */
export function invert(op, text) {
  /** @type {Traversal} */
  const out = [];
  let i = 0;
  for (const item of toTraversal(op)) {
    if (typeof item === 'string') {
      push(out, -cpLength(item));
      continue;
    }
    const j = advance(text, i, Math.abs(item));
    if (j < 0) throw new OperationOutOfRange('The operation deletes past the end of the text.');
    push(out, item > 0 ? item : text.slice(i, j));
    i = j;
  }
  return fromTraversal(finish(out));
}

/**
 * Where a cursor at code point `pos` moves to through `op`. An insert exactly at the cursor
 * leaves it before the new text unless `after` (use it for the cursor of whoever made `op`).
 * A cursor inside a deleted range goes to its start.
 * @param {number} pos @param {Operation} op @param {boolean} [after]
 */
export function transformCursor(pos, op, after = false) {
  for (const c of fromJSON(op)) {
    if ('insert' in c) {
      if (c.at < pos || (c.at === pos && after)) pos += cpLength(c.insert);
    } else if (pos > c.at) {
      pos = Math.max(c.at, pos - c.delete);
    }
  }
  return pos;
}

/**
 * A selection (code points) through `op`: text inserted at either edge stays outside it.
 * @param {number} start @param {number} end @param {Operation} op @returns {[number, number]}
 */
export function transformSelection(start, end, op) {
  if (start === end) {
    const pos = transformCursor(start, op);
    return [pos, pos];
  }
  const newStart = transformCursor(start, op, true);
  return [newStart, Math.max(newStart, transformCursor(end, op))];
}

/**
 * The operation turning `oldText` into `newText`: one replaced range. `selectionEnd` is the
 * caret after the edit as a textarea gives it (a UTF-16 index into `newText`); it settles
 * where a repeated character was typed (the insert ends at it) or removed (starts at it).
 * @param {string} oldText @param {string} newText @param {number | null} [selectionEnd]
 * @returns {Operation}
 */
export function opFromChange(oldText, newText, selectionEnd = null) {
  let cursor = selectionEnd;
  if (cursor !== null && (cursor < 0 || cursor > newText.length)) cursor = null;
  if (cursor !== null && isLow(newText.charCodeAt(cursor)) && isHigh(newText.charCodeAt(cursor - 1))) cursor--;
  const delta = newText.length - oldText.length;
  if (cursor !== null) {
    const start = cursor - delta; // a pure insert ending at the cursor / a delete starting there
    if (delta > 0 && start >= 0 && newText.slice(0, start) === oldText.slice(0, start) &&
        newText.slice(cursor) === oldText.slice(start)) {
      return insert(utf16ToCodePoint(newText, start), newText.slice(start, cursor));
    }
    if (delta < 0 && oldText.slice(0, cursor) === newText.slice(0, cursor) &&
        oldText.slice(start) === newText.slice(cursor)) {
      return del(utf16ToCodePoint(newText, cursor), cpLength(oldText.slice(cursor, start)));
    }
  }
  const limit = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < limit && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  if (prefix > 0 && isHigh(oldText.charCodeAt(prefix - 1))) prefix--; // never split a pair
  if (cursor !== null) prefix = Math.min(prefix, cursor);
  let suffix = 0;
  while (suffix < limit - prefix &&
         oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  if (suffix > 0 && isLow(oldText.charCodeAt(oldText.length - suffix))) suffix--;
  if (cursor !== null) suffix = Math.min(suffix, newText.length - cursor);
  const at = utf16ToCodePoint(oldText, prefix);
  /** @type {Operation} */
  const op = [];
  if (oldText.length - suffix > prefix) op.push({ at, delete: cpLength(oldText.slice(prefix, oldText.length - suffix)) });
  if (newText.length - suffix > prefix) op.push({ at, insert: newText.slice(prefix, newText.length - suffix) });
  return fromJSON(op);
}
