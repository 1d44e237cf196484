// @ts-check
// calls.js: what a cell's text says at the caret, for help: the dotted name there, the call
// the caret is inside (for the signature hint), and `name?` / `name??` as a whole cell.
// Plain functions on text (UTF-16 offsets, as CodeMirror's), tested by
// tests/js/athena_nb/calls.test.mjs.

const NAME_CHAR = /[\p{L}\p{N}_]/u;
const NAME = String.raw`[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*`;
/** A dotted name right before the end (spaces allowed before the end). */
const NAME_BEFORE = new RegExp(String.raw`(?<![\p{L}\p{N}_.])(${NAME})\s*$`, 'u');
/** `name?` or `name??`, alone in the cell. */
const HELP = new RegExp(String.raw`^\s*(${NAME})\s*(\?\??)\s*$`, 'u');
/** Keywords a `(` may follow: no call. */
const KEYWORDS = new Set(['if', 'elif', 'while', 'for', 'in', 'return', 'and', 'or', 'not', 'is',
  'with', 'assert', 'yield', 'lambda', 'del', 'import', 'from', 'else', 'await', 'case',
  'match', 'except', 'raise']);
/** The scan for the open call looks back this far at most (a cell can be long). */
const LOOK_BACK = 4000;

/**
 * `name?` (detail 0) or `name??` (detail 1) as a whole cell, else null.
 * @param {string} text @returns {{name: string, detail: number}|null}
 */
export function helpRequest(text) {
  const m = HELP.exec(text);
  return m ? {name: m[1], detail: m[2].length - 1} : null;
}

/**
 * The dotted name the caret is in or right after (`os.pa|th` gives `os.path`), else null.
 * @param {string} text @param {number} pos
 * @returns {{name: string, from: number, to: number}|null}
 */
export function nameAt(text, pos) {
  let to = pos;
  while (to < text.length && NAME_CHAR.test(text[to])) to++;
  let from = pos;
  while (from > 0 && (NAME_CHAR.test(text[from - 1]) ||
    (text[from - 1] === '.' && from > 1 && NAME_CHAR.test(text[from - 2])))) from--;
  const found = new RegExp(`^${NAME}$`, 'u').exec(text.slice(from, to));
  if (!found || /^\p{N}/u.test(found[0])) return null;
  return {name: found[0], from, to};
}

/**
 * The call whose parentheses the caret is inside: the dotted name before the innermost
 * `(` still open at `pos` (strings and comments skipped), and where that `(` is. Null outside
 * a call, after `def name(`, or when what precedes the `(` is no name (`(1 + 2)`, `f()(`).
 * @param {string} text @param {number} pos
 * @returns {{name: string, open: number}|null}
 */
export function callAt(text, pos) {
  let start = Math.max(0, pos - LOOK_BACK);
  if (start > 0) start = text.indexOf('\n', start) + 1 || pos; // from a line's start
  /** @type {number[]} where each bracket still open starts ('(' '[' '{') */
  const open = [];
  for (let i = start; i < pos; i++) {
    const c = text[i];
    if (c === '#') {
      const end = text.indexOf('\n', i);
      if (end < 0 || end >= pos) return null; // the caret is in a comment
      i = end;
    } else if (c === '"' || c === "'") {
      const quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      const end = closingQuote(text, i + quote.length, quote);
      if (end < 0 || end >= pos) return null; // the caret is in a string
      i = end + quote.length - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      open.push(i);
    } else if (c === ')' || c === ']' || c === '}') {
      open.pop();
    }
  }
  for (let k = open.length - 1; k >= 0; k--) {
    const at = open[k];
    if (text[at] !== '(') return null; // inside a list or a dict: no call's hint
    const slice = text.slice(Math.max(0, at - 200), at);
    const m = NAME_BEFORE.exec(slice);
    if (!m || KEYWORDS.has(m[1])) return null;
    if (/\b(def|class)\s+$/.test(slice.slice(0, m.index))) return null; // a definition
    return {name: m[1], open: at};
  }
  return null;
}

/** Where `quote` closes a string begun before `from` (backslashes escape), or -1.
 * @param {string} text @param {number} from @param {string} quote */
function closingQuote(text, from, quote) {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (quote.length === 1 && text[i] === '\n') return i; // an unclosed one-line string
    else if (text.startsWith(quote, i)) return i;
  }
  return -1;
}
