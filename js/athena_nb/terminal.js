// @ts-check
// terminal.js: output text as a terminal shows it. "\r" returns to the start of the line and
// later text overwrites it, "\b" steps back, ESC [ ... m (SGR) colours and styles become CSS
// classes (never inline style: the page's policy forbids it), ESC [ K erases in the line, and
// every other escape or control sequence is dropped, never shown. A line is final once its
// "\n" has come; only the last line can still change. The result depends only on the text,
// not on how it was cut into pieces, so every viewer and every reload shows the same.
// Tested by tests/js/athena_nb/terminal.test.mjs and the browser tests.

/**
 * A piece of text in one style; `cls` is a space-separated list of classes ('' for none).
 * @typedef {{text: string, cls: string}} Run
 */

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** Characters that need more than copying: line ends, controls, escapes. */
const SPECIAL = /[\x00-\x08\x0a-\x1f\x7f]/g;
/** A whole escape sequence at the start: CSI (params, final byte), OSC (to BEL or ST), or a
 * two-character escape (with intermediates: ESC ( B). */
const ESCAPE = /^\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-Z\\^-~])/;
/** The start of an escape sequence that the next piece of text may finish. */
const UNFINISHED = /^\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[ -/]+)?$/;

/** The SGR state: which colours and styles apply to the next characters. */
class Style {
  constructor() {
    this.reset();
  }

  reset() {
    /** @type {string} */ this.fg = '';
    /** @type {string} */ this.bg = '';
    this.bold = false;
    this.faint = false;
    this.italic = false;
    this.underline = false;
  }

  /** @param {string} params the numbers of one SGR sequence, e.g. '1;31' */
  apply(params) {
    const codes = params === '' ? [0] : params.split(/[;:]/).map((p) => (p === '' ? 0 : Number(p)));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) this.reset();
      else if (code === 1) this.bold = true;
      else if (code === 2) this.faint = true;
      else if (code === 3) this.italic = true;
      else if (code === 4) this.underline = true;
      else if (code === 22) this.bold = this.faint = false;
      else if (code === 23) this.italic = false;
      else if (code === 24) this.underline = false;
      else if (code >= 30 && code <= 37) this.fg = NAMES[code - 30];
      else if (code >= 90 && code <= 97) this.fg = `bright-${NAMES[code - 90]}`;
      else if (code === 39) this.fg = '';
      else if (code >= 40 && code <= 47) this.bg = NAMES[code - 40];
      else if (code >= 100 && code <= 107) this.bg = `bright-${NAMES[code - 100]}`;
      else if (code === 49) this.bg = '';
      else if (code === 38 || code === 48) {
        // 256 colours: the first 16 have classes; others (and 24-bit colours) are skipped.
        let name = '';
        if (codes[i + 1] === 5) {
          const n = codes[i + 2];
          if (n < 8) name = NAMES[n];
          else if (n < 16) name = `bright-${NAMES[n - 8]}`;
          i += 2;
        } else if (codes[i + 1] === 2) {
          i += 4;
        }
        if (code === 38) this.fg = name;
        else this.bg = name;
      }
    }
  }

  /** @returns {string} the classes of this state */
  classes() {
    const list = [];
    if (this.fg) list.push(`nb-ansi-${this.fg}`);
    if (this.bg) list.push(`nb-ansi-bg-${this.bg}`);
    if (this.bold) list.push('nb-ansi-bold');
    if (this.faint) list.push('nb-ansi-faint');
    if (this.italic) list.push('nb-ansi-italic');
    if (this.underline) list.push('nb-ansi-underline');
    return list.join(' ');
  }
}

/**
 * @param {Run[]} runs
 * @param {string} text
 * @param {string} cls
 */
function addRun(runs, text, cls) {
  if (!text) return;
  const last = runs.at(-1);
  if (last && last.cls === cls) last.text += text;
  else runs.push({text, cls});
}

/** The state of one terminal: finished lines are handed out; the last line is kept. */
export class Terminal {
  constructor() {
    this.style = new Style();
    this.cls = '';
    /** @type {string[]} the current line, one character (code point) a place */
    this.chars = [];
    /** @type {string[]} the classes of each place of the current line */
    this.classes = [];
    this.col = 0;
    /** an escape sequence cut off at the end of the last piece */
    this.pending = '';
    /** the first place of the current line changed since `changedFrom()` was last asked */
    this.changed = 0;
  }

  /** The first place of the current line changed since the last call (its length if none). */
  changedFrom() {
    const from = Math.min(this.changed, this.chars.length);
    this.changed = this.chars.length;
    return from;
  }

  /**
   * Takes the next piece of text; returns the lines it finished, as runs ending in "\n".
   * @param {string} text
   * @returns {Run[]}
   */
  write(text) {
    text = this.pending + text;
    this.pending = '';
    /** @type {Run[]} */
    const done = [];
    let i = 0;
    while (i < text.length) {
      SPECIAL.lastIndex = i;
      const found = SPECIAL.exec(text);
      const end = found ? found.index : text.length;
      if (end > i) {
        this.#put(text.slice(i, end));
        i = end;
        continue;
      }
      const c = text[i];
      if (c === '\n') {
        this.#finishLine(done);
        i++;
      } else if (c === '\r') {
        this.col = 0;
        i++;
      } else if (c === '\b') {
        this.col = Math.max(0, this.col - 1);
        i++;
      } else if (c === '\x1b') {
        const rest = text.slice(i, i + 4096);
        const match = ESCAPE.exec(rest);
        if (match) {
          this.#escape(match[1], match[2]);
          i += match[0].length;
        } else if (UNFINISHED.test(text.slice(i))) {
          this.pending = text.slice(i);
          break;
        } else {
          i++; // a lone ESC: dropped
        }
      } else {
        i++; // another control character: dropped
      }
    }
    return done;
  }

  /**
   * @param {number} [from] the first place wanted
   * @returns {Run[]} the line not finished yet, as it stands
   */
  line(from = 0) {
    /** @type {Run[]} */
    const runs = [];
    for (let k = from; k < this.chars.length; k++) addRun(runs, this.chars[k], this.classes[k]);
    return runs;
  }

  /**
   * The whole of `text` as runs (for text shown at once, such as a traceback).
   * @param {string} text
   * @returns {Run[]}
   */
  static render(text) {
    const terminal = new Terminal();
    const runs = terminal.write(text);
    for (const run of terminal.line()) addRun(runs, run.text, run.cls);
    return runs;
  }

  /** @param {string} text printable text, written at the cursor */
  #put(text) {
    const {chars, classes, cls} = this;
    this.changed = Math.min(this.changed, this.col);
    if (this.col === chars.length) {
      for (const ch of text) {
        chars.push(ch);
        classes.push(cls);
      }
      this.col = chars.length;
      return;
    }
    while (chars.length < this.col) {
      chars.push(' ');
      classes.push('');
    }
    for (const ch of text) {
      chars[this.col] = ch;
      classes[this.col] = cls;
      this.col++;
    }
  }

  /** @param {Run[]} done */
  #finishLine(done) {
    for (const run of this.line()) addRun(done, run.text, run.cls);
    addRun(done, '\n', '');
    this.chars = [];
    this.classes = [];
    this.col = 0;
    this.changed = 0;
  }

  /**
   * @param {string|undefined} params
   * @param {string|undefined} final
   */
  #escape(params, final) {
    if (final === 'm' && params !== undefined && !params.startsWith('?')) {
      this.style.apply(params);
      this.cls = this.style.classes();
    } else if (final === 'K') {
      this.changed = 0;
      const mode = params === '' || params === undefined ? 0 : Number(params);
      if (mode === 0) {
        this.chars.length = Math.min(this.chars.length, this.col);
        this.classes.length = this.chars.length;
      } else if (mode === 1) {
        for (let k = 0; k < Math.min(this.col, this.chars.length); k++) {
          this.chars[k] = ' ';
          this.classes[k] = '';
        }
      } else if (mode === 2) {
        this.chars = [];
        this.classes = [];
      }
    }
  }
}

/**
 * @param {Document} document
 * @param {Run} run
 * @returns {Node|string}
 */
function runNode(document, run) {
  if (!run.cls) return run.text;
  const span = document.createElement('span');
  span.className = run.cls;
  span.textContent = run.text;
  return span;
}

/** Nodes are added this many at a time: a call takes only so many arguments. */
const CHUNK = 2048;

/**
 * @param {(...nodes: (Node|string)[]) => void} add
 * @param {(Node|string)[]} nodes
 */
function addAll(add, nodes) {
  for (let k = 0; k < nodes.length; k += CHUNK) add(...nodes.slice(k, k + CHUNK));
}

/**
 * Appends runs to an element, a text or a span each.
 * @param {Element} element
 * @param {Run[]} runs
 */
export function appendRuns(element, runs) {
  const doc = /** @type {Document} */ (element.ownerDocument);
  addAll((...nodes) => element.append(...nodes), runs.map((run) => runNode(doc, run)));
}

/** Shows a terminal's text in an element: finished lines are appended once, the last line is
 * redrawn in a span of its own after each piece. */
export class TerminalView {
  /** @param {Element} element where the text goes (a <pre>) */
  constructor(element) {
    this.element = element;
    this.document = /** @type {Document} */ (element.ownerDocument);
    this.terminal = new Terminal();
    this.lineNode = this.document.createElement('span');
    this.lineNode.className = 'nb-line';
    /** how many places of the current line the line's node shows */
    this.shown = 0;
    element.append(this.lineNode);
  }

  /** @param {string} text the next piece */
  write(text) {
    const done = this.terminal.write(text);
    const line = this.lineNode;
    addAll((...nodes) => line.before(...nodes), done.map((run) => runNode(this.document, run)));
    const from = this.terminal.changedFrom();
    if (done.length || from < this.shown) {  // a new line, or an old part changed: redraw it
      line.replaceChildren();
      this.shown = 0;
    }
    // Text added at the end of the line (dots printed one by one) costs only itself.
    appendRuns(line, this.terminal.line(this.shown));
    this.shown = this.terminal.chars.length;
  }
}
