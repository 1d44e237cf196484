// @ts-check
/**
 * Operational transformation for cell text (tests: tests/js/ot.test.mjs).
 *
 * The twin of athena_nb/ot.py, mirrored function for function and checked against the same
 * vectors in tests/vectors/ot/. An operation is a JSON array of components applied in turn,
 * `{at, insert}` or `{at, delete}`. Positions and counts are Unicode CODE POINTS, not UTF-16
 * code units: convert textarea offsets with `utf16ToCodePoint` / `codePointToUtf16`.
 * Every function returns operations in one canonical form (see docs/ot.md).
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

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
function push(out, item) {
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
function finish(out) {
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
  const a2 = [], b2 = [];
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
function fromTraversal(items) {
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

// -- the server's authority (the hub runs the Python one; this one serves tests and demos) --

/** @typedef {{version: number, siteId: string, op: Operation}} HistoryEntry */

/** @param {unknown} version @param {string} what */
function checkVersion(version, what) {
  if (!Number.isSafeInteger(version) || /** @type {number} */ (version) < 0) {
    throw new UnknownVersion(`The ${what} must be an integer >= 0, not ${JSON.stringify(version)}.`);
  }
  return /** @type {number} */ (version);
}

export class TextDocument {
  /** @param {string} [text] @param {number} [version] @param {number} [historyLimit] */
  constructor(text = '', version = 0, historyLimit = 1000) {
    if (typeof text !== 'string' || LONE_SURROGATE.test(text)) {
      throw new OperationError('The text must be a string without lone surrogates.');
    }
    if (!(historyLimit >= 1)) throw new RangeError(`historyLimit must be at least 1, not ${historyLimit}.`);
    this.text = text;
    this.version = checkVersion(version, 'starting version');
    this.historyLimit = historyLimit;
    /** @type {HistoryEntry[]} */
    this.history = [];
  }

  /** The oldest base version that `receive` still accepts. */
  get oldestVersion() {
    return this.version - this.history.length;
  }

  /** The entries after `version`, for a client catching up. @param {number} version */
  opsSince(version) {
    checkVersion(version, 'version');
    if (version > this.version) {
      throw new UnknownVersion(`Version ${version} is newer than the document's version ${this.version}.`);
    }
    if (version < this.oldestVersion) {
      throw new StaleVersion(
        `Version ${version} is older than the oldest kept version ${this.oldestVersion}; fetch the whole text instead.`);
    }
    return this.history.slice(version - this.oldestVersion);
  }

  /**
   * Sequence `op` (made against `baseVersion` by `siteId`). Nothing changes when it throws.
   * @param {Operation} op @param {number} baseVersion @param {string} siteId
   * @returns {[Operation, number]} the op as applied and the new version
   */
  receive(op, baseVersion, siteId) {
    op = fromJSON(op);
    if (typeof siteId !== 'string' || siteId === '') {
      throw new OperationError(`The site id must be a non-empty string, not ${JSON.stringify(siteId)}.`);
    }
    for (const entry of this.opsSince(baseVersion)) {
      if (entry.siteId === siteId) {
        throw new SyncError(`Site ${JSON.stringify(siteId)} sent an op against version ${baseVersion}, but its own ` +
          `op became version ${entry.version}; it must send one op at a time.`);
      }
      op = transform(op, entry.op)[0];
    }
    this.text = apply(this.text, op);
    this.version += 1;
    this.history.push({ version: this.version, siteId, op });
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    return [op, this.version];
  }
}

// -- the client's state machine ------------------------------------------------------------

export const SyncState = Object.freeze({
  SYNCHRONIZED: 'synchronized', // nothing of ours is unconfirmed
  AWAITING_CONFIRM: 'awaitingConfirm', // one op sent, not yet acknowledged
  AWAITING_WITH_BUFFER: 'awaitingWithBuffer', // and local edits made since, not yet sent
});

/**
 * One site's view of a TextDocument: sends one op at a time, transforms remote ops.
 * `send(op, baseVersion)` must deliver the op to the server; the server's answers must arrive
 * in the order it sequenced them: `acknowledge(version)` for our own op, `applyRemote(op,
 * version)` for everyone else's.
 */
export class SyncClient {
  /** @param {{text?: string, version?: number, send: (op: Operation, baseVersion: number) => void}} options */
  constructor({ text = '', version = 0, send }) {
    /** What this site shows, pending edits included. */
    this.text = text;
    /** The server's text at `version`. */
    this.confirmedText = text;
    this.version = checkVersion(version, 'starting version');
    this.send = send;
    /** @type {string} */
    this.state = SyncState.SYNCHRONIZED;
    /** @type {Operation | null} */
    this.outstanding = null;
    /** @type {Operation | null} */
    this.buffer = null;
  }

  /** A local edit, already made to what the user sees (or about to be). @param {Operation} op */
  applyLocal(op) {
    op = fromJSON(op);
    this.text = apply(this.text, op);
    if (this.state === SyncState.SYNCHRONIZED) {
      this.#sendOutstanding(op);
    } else if (this.state === SyncState.AWAITING_CONFIRM) {
      this.buffer = op;
      this.state = SyncState.AWAITING_WITH_BUFFER;
    } else {
      this.buffer = compose(/** @type {Operation} */ (this.buffer), op);
    }
  }

  /**
   * The user changed the text to `newText` (e.g. a textarea's input event): make and apply
   * the op; returns it (empty when nothing changed).
   * @param {string} newText @param {number | null} [selectionEnd] UTF-16, as the textarea says
   */
  localChange(newText, selectionEnd = null) {
    const op = opFromChange(this.text, newText, selectionEnd);
    if (op.length) this.applyLocal(op);
    return op;
  }

  /**
   * Another site's op, sequenced as `version`: returns it as applied to `this.text`.
   * @param {Operation} op @param {number} version @returns {Operation}
   */
  applyRemote(op, version) {
    op = fromJSON(op);
    this.#expect(version, 'remote op');
    this.confirmedText = apply(this.confirmedText, op);
    if (this.outstanding !== null) [this.outstanding, op] = transform(this.outstanding, op);
    if (this.buffer !== null) [this.buffer, op] = transform(this.buffer, op);
    this.text = apply(this.text, op);
    this.version = version;
    return op;
  }

  /** The server sequenced our outstanding op as `version`. @param {number} version */
  acknowledge(version) {
    if (this.state === SyncState.SYNCHRONIZED) {
      throw new SyncError(`An acknowledgement (version ${version}) came with nothing sent.`);
    }
    this.#expect(version, 'acknowledgement');
    this.confirmedText = apply(this.confirmedText, /** @type {Operation} */ (this.outstanding));
    this.version = version;
    if (this.state === SyncState.AWAITING_WITH_BUFFER) {
      const buffer = /** @type {Operation} */ (this.buffer);
      this.buffer = null;
      this.#sendOutstanding(buffer);
    } else {
      this.outstanding = null;
      this.state = SyncState.SYNCHRONIZED;
    }
  }

  /**
   * Start again from the server's `text` at `version` (after StaleVersion). Unconfirmed local
   * edits are transformed past a diff of what changed meanwhile and sent again; none of their
   * insertions or deletions is lost. Returns the op that turns the old `this.text` into the new one.
   * @param {string} text @param {number} version @returns {Operation}
   */
  resync(text, version) {
    /** @type {Operation} */
    let pending = [];
    for (const op of [this.outstanding, this.buffer]) if (op !== null) pending = compose(pending, op);
    let remote = diff(this.confirmedText, text);
    [pending, remote] = transform(pending, remote);
    this.text = apply(text, pending);
    this.confirmedText = text;
    this.version = checkVersion(version, 'version');
    this.outstanding = this.buffer = null;
    this.state = SyncState.SYNCHRONIZED;
    if (pending.length) this.#sendOutstanding(pending);
    return remote;
  }

  /** @param {Operation} op */
  #sendOutstanding(op) {
    this.outstanding = op;
    this.state = SyncState.AWAITING_CONFIRM;
    this.send(op, this.version);
  }

  /** @param {number} version @param {string} what */
  #expect(version, what) {
    if (version !== this.version + 1) {
      throw new SyncError(`A ${what} for version ${JSON.stringify(version)} arrived at version ${this.version}; ` +
        'the server\'s messages must arrive in order, each exactly once.');
    }
  }
}
