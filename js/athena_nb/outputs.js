// @ts-check
// outputs.js: a cell's output area: text (always as text, never as markup) as a terminal
// shows it (terminal.js), errors with their tracebacks, displays in their richest form the page
// can show (Jupyter's order: JSON as a tree, HTML in a sandboxed frame, Markdown and LaTeX as
// their text for now, SVG, PNG and JPEG as images), files as links, notices, and a place for
// each interact (interact.js). Displays updated in place (display ids) are replaced where they
// stand. A cell far down a long worksheet opens with its outputs deferred
// (athena_nb/web/deferral.py): the area keeps a space of about their height until they come.
// Tested by tests/js/athena_nb/outputs.test.mjs and the browser tests.

import {renderPrompt} from './prompt.js';
import {Terminal, TerminalView, appendRuns} from './terminal.js';

/**
 * An output event as the server sends it (docs/kernels.md), with its index `n` in the log.
 * `math` is a `text/latex` output typeset on the server (MathML, sanitised there), `markdown`
 * a `text/markdown` output rendered there (HTML, sanitised there).
 * @typedef {{type: string, n?: number, name?: string, text?: string, data?: Record<string, any>,
 *   metadata?: Record<string, any>, displayId?: string,
 *   ename?: string, evalue?: string, traceback?: string, path?: string, change?: string,
 *   preview?: boolean,
 *   math?: string, markdown?: string, prompt?: string, password?: boolean,
 *   answer?: string|null, id?: string}} OutputEvent
 */

/** Jupyter's order of preference among the forms of one display (athena_nb/cells.py). */
export const MIME_ORDER = ['application/json', 'text/html', 'text/markdown', 'text/latex',
  'image/svg+xml', 'image/png', 'image/jpeg', 'text/plain'];

/** A text/plain that says nothing but the object's type (Python's default repr). */
const DEFAULT_REPR = /^<[\w.]+ object( at 0x[0-9a-f]+)?>$/;

/** How deep a JSON tree starts open. */
const JSON_OPEN_DEPTH = 2;

/** Files shown inline as images as well as linked (the server serves these inline). */
const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i;

/** Frames report their content's height; taller ones scroll inside. */
const MAX_FRAME_HEIGHT = 4000;

/**
 * @param {Document} document
 * @param {string} tag
 * @param {string} className
 * @param {string} [text]
 */
function make(document, tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} path a relative path: each part is encoded on its own */
export function encodePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}

export class OutputArea {
  /**
   * @param {Element} node the cell's output region
   * @param {{base: string, cellId: number, prefix?: string,
   *   interact?: (id: string) => Element|null,
   *   answer?: ((text: string) => Promise<unknown>)|null,
   *   askedHere?: () => boolean}} options base: the worksheet's URL,
   *   ending in '/'; prefix: before each output's number in the URL of its HTML (an interact's
   *   outputs); interact: the element of an interact (interact.js), put where its event
   *   stands; answer: answers the cell's input() (null: a viewer); askedHere: this page ran
   *   the cell last (its input() takes the focus)
   */
  constructor(node, {base, cellId, prefix = '', interact, answer = null, askedHere = () => false}) {
    this.node = node;
    this.answer = answer;
    this.askedHere = askedHere;
    this.document = node.ownerDocument;
    this.base = base;
    this.cellId = cellId;
    this.prefix = prefix;
    this.interact = interact;
    this.generation = 0;
    /** How many events of the server's log this area shows (merged stream pieces count). */
    this.length = 0;
    /** @type {HTMLElement|null} the stream block that text of the same stream continues */
    this.lastStream = null;
    /** @type {TerminalView|null} the terminal of that block */
    this.lastTerminal = null;
    /** @type {Map<number, Element>} each shown display, result, error... by its index */
    this.shown = new Map();
    /** Counts displays replaced, so that a replaced HTML frame is fetched anew. */
    this.replacements = 0;
    /** The outputs are not here yet (the page opened without them); see `defer`. */
    this.deferred = false;
  }

  /**
   * Shows nothing until the outputs come (`reset`), but keeps their space meanwhile.
   * @param {number} estimate about how tall they are, in CSS pixels
   */
  defer(estimate) {
    this.node.replaceChildren();
    this.deferred = true;
    const node = /** @type {HTMLElement} */ (this.node);
    node.dataset.deferred = 'true';
    node.style.minHeight = `${Math.max(0, Math.round(estimate))}px`;
  }

  /**
   * Shows exactly `outputs` (a whole log, possibly with stream pieces merged).
   * @param {number} generation
   * @param {OutputEvent[]} outputs
   * @param {number} length how many log events `outputs` stands for
   */
  reset(generation, outputs, length) {
    this.node.replaceChildren();
    if (this.deferred) {
      this.deferred = false;
      const node = /** @type {HTMLElement} */ (this.node);
      delete node.dataset.deferred;
      node.style.minHeight = '';
    }
    this.lastStream = null;
    this.lastTerminal = null;
    this.shown.clear();
    this.generation = generation;
    for (const event of outputs) this.append(event);
    this.length = length;
  }

  /**
   * Applies an update from the server: the events from `start` on, after a reset when the
   * generation changed, and the events before `start` replaced in place (`replace`). False if
   * it does not fit what is shown (the caller then asks for all).
   * @param {{generation: number, start: number, outputs: OutputEvent[], replace?: OutputEvent[]}} update
   */
  update({generation, start, outputs, replace}) {
    if (generation !== this.generation) {
      if (start !== 0) return false;
      this.reset(generation, [], 0);
    }
    if (start !== this.length) return false;
    for (const event of replace ?? []) {
      const old = typeof event.n === 'number' ? this.shown.get(event.n) : undefined;
      if (!old) return false;
      this.replacements++;
      const node = this.#render(event);
      if (!node) return false;
      old.replaceWith(node);
      this.shown.set(/** @type {number} */ (event.n), node);
    }
    for (const event of outputs) this.append(event);
    this.length = start + outputs.length;
    return true;
  }

  /** @param {OutputEvent} event */
  append(event) {
    const doc = this.document;
    if (event.type === 'stream') {
      const name = event.name === 'stderr' ? 'stderr' : 'stdout';
      if (this.lastStream && this.lastTerminal && this.lastStream.dataset.name === name
          && this.lastStream === this.node.lastChild) {
        this.lastTerminal.write(event.text ?? '');
        return;
      }
      const pre = make(doc, 'pre', `nb-out nb-stream nb-${name}`);
      pre.dataset.name = name;
      this.lastTerminal = new TerminalView(pre);
      this.lastTerminal.write(event.text ?? '');
      this.node.append(pre);
      this.lastStream = pre;
      return;
    }
    this.lastStream = null;
    this.lastTerminal = null;
    const node = this.#render(event);
    if (!node) return;
    this.node.append(node);
    if (typeof event.n === 'number') this.shown.set(event.n, node);
  }

  /**
   * @param {OutputEvent} event any event but a stream
   * @returns {HTMLElement|null}
   */
  #render(event) {
    const doc = this.document;
    if (event.type === 'error') {
      const box = make(doc, 'div', 'nb-out nb-error-out');
      const pre = make(doc, 'pre', '');
      appendRuns(pre, Terminal.render(event.traceback || `${event.ename}: ${event.evalue}`));
      box.append(pre);
      return box;
    }
    if (event.type === 'display' || event.type === 'result') return this.#bundle(event);
    if (event.type === 'file') return this.#file(event);
    if (event.type === 'notice') return make(doc, 'p', 'nb-out nb-notice', event.text ?? '');
    if (event.type === 'input') return renderPrompt(doc, event, this.answer, this.askedHere());
    if (event.type === 'interact') {
      const slot = make(doc, 'div', 'nb-out nb-interact-slot');
      slot.dataset.interact = event.id ?? '';
      const widget = this.interact?.(event.id ?? '');
      if (widget) slot.append(widget);
      return slot;
    }
    return null;
  }

  /**
   * The form of a bundle this page shows: the first of Jupyter's order that it can.
   * @param {Record<string, any>} data
   * @param {OutputEvent} event
   * @returns {string}
   */
  #choose(data, event) {
    for (const mime of MIME_ORDER) {
      const value = data[mime];
      if (value === undefined || value === null) continue;
      if (mime === 'application/json') return mime;
      if (typeof value !== 'string') continue;
      if (mime === 'text/html' && typeof event.n !== 'number') continue;
      // LaTeX the server could not typeset is shown as its source only when the text says less.
      if (mime === 'text/latex' && typeof event.math !== 'string'
          && typeof data['text/plain'] === 'string' && !DEFAULT_REPR.test(data['text/plain'])) continue;
      return mime;
    }
    return '';
  }

  /** @param {OutputEvent} event */
  #bundle(event) {
    const doc = this.document;
    const data = event.data ?? {};
    const plain = typeof data['text/plain'] === 'string' ? data['text/plain'] : '';
    const mime = this.#choose(data, event);
    const value = data[mime];
    if (mime === 'image/png' || mime === 'image/jpeg' || mime === 'image/svg+xml') {
      const img = /** @type {HTMLImageElement} */ (make(doc, 'img', 'nb-out nb-image'));
      // SVG only ever as an image: no script of it runs, nothing it names is fetched.
      img.src = mime === 'image/svg+xml'
        ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(value)}`
        : `data:${mime};base64,${value}`;
      const meta = event.metadata?.[mime] ?? {};
      img.alt = typeof meta.alt === 'string' ? meta.alt
        : plain && !plain.startsWith('<') ? plain : 'Image output';
      for (const size of ['width', 'height']) {
        if (Number.isFinite(meta[size]) && meta[size] > 0) img.setAttribute(size, String(Math.round(meta[size])));
      }
      return img;
    }
    if (mime === 'text/html') {
      const frame = /** @type {HTMLIFrameElement} */ (make(doc, 'iframe', 'nb-out nb-html'));
      // allow-scripts without allow-same-origin: the HTML runs in an opaque origin.
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.setAttribute('title', 'HTML output');
      frame.setAttribute('loading', 'lazy');
      const again = this.replacements ? `&r=${this.replacements}` : '';
      frame.src = `${this.base}outputs/${this.cellId}/${this.prefix}${event.n}.html?g=${this.generation}${again}`;
      return frame;
    }
    if (mime === 'application/json') {
      const box = make(doc, 'div', 'nb-out nb-json');
      box.append(this.#json(value, 0));
      return box;
    }
    if (mime === 'text/markdown' && typeof event.markdown === 'string') {
      const box = make(doc, 'div', 'nb-out nb-prose');
      box.innerHTML = event.markdown; // rendered and sanitised on the server
      return box;
    }
    if (mime === 'text/markdown') return make(doc, 'div', 'nb-out nb-markdown', value);
    if (mime === 'text/latex' && typeof event.math === 'string') {
      // Both forms; the worksheet's Typeset setting (data-typeset) picks the one shown.
      const box = make(doc, 'div', `nb-out nb-${event.type} nb-latex`);
      const math = make(doc, 'div', 'nb-math-out');
      math.innerHTML = event.math; // MathML made and sanitised on the server
      box.append(math, make(doc, 'pre', 'nb-math-plain', plain || value));
      return box;
    }
    if (mime === 'text/latex') return make(doc, 'pre', 'nb-out nb-latex', value);
    const pre = make(doc, 'pre', `nb-out nb-${event.type}`);
    appendRuns(pre, Terminal.render(plain));
    return pre;
  }

  /**
   * A JSON value as a tree: objects and arrays fold (<details>), leaves are typed text.
   * @param {any} value
   * @param {number} depth
   * @returns {HTMLElement}
   */
  #json(value, depth) {
    const doc = this.document;
    if (value === null || typeof value !== 'object') {
      const kind = value === null ? 'null' : typeof value;
      return make(doc, 'span', `nb-json-${kind}`, JSON.stringify(value) ?? String(value));
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? value.map((_, k) => k) : Object.keys(value);
    const details = /** @type {HTMLDetailsElement} */ (make(doc, 'details', 'nb-json-node'));
    if (depth < JSON_OPEN_DEPTH) details.setAttribute('open', '');
    const count = `${keys.length} ${isArray ? (keys.length === 1 ? 'item' : 'items') : (keys.length === 1 ? 'key' : 'keys')}`;
    details.append(make(doc, 'summary', 'nb-json-summary', `${isArray ? '[…]' : '{…}'} ${count}`));
    for (const key of keys) {
      const entry = make(doc, 'div', 'nb-json-entry');
      entry.append(make(doc, 'span', 'nb-json-key', isArray ? `${key}: ` : `${JSON.stringify(key)}: `),
        this.#json(value[key], depth + 1));
      details.append(entry);
    }
    return details;
  }

  /** @param {OutputEvent} event */
  #file(event) {
    const doc = this.document;
    const path = event.path ?? '';
    const box = make(doc, 'div', 'nb-out nb-file');
    const url = `${this.base}files/${this.cellId}/${encodePath(path)}`;
    const link = /** @type {HTMLAnchorElement} */ (make(doc, 'a', '', path));
    link.href = url;
    if (!IMAGE_FILE.test(path)) link.setAttribute('download', path.split('/').pop() ?? path);
    box.append(make(doc, 'span', 'nb-file-label', event.change === 'modified' ? 'File changed: ' : 'File: '), link);
    if (IMAGE_FILE.test(path) && event.preview !== false) {  // false: the cell shows a picture
      const img = /** @type {HTMLImageElement} */ (make(doc, 'img', 'nb-file-image'));
      img.src = url;
      img.alt = path;
      box.append(img);
    }
    return box;
  }
}

/**
 * Sizes HTML output frames from the height each one reports (see athena_nb/web/files.py).
 * @param {Window} window
 */
export function listenForFrameHeights(window) {
  window.addEventListener('message', (event) => {
    const height = event.data?.athenaOutputHeight;
    if (typeof height !== 'number' || !Number.isFinite(height)) return;
    const frames = /** @type {NodeListOf<HTMLIFrameElement>} */ (window.document.querySelectorAll('iframe.nb-html'));
    for (const frame of frames) {
      if (frame.contentWindow === event.source) {
        frame.style.height = `${Math.max(24, Math.min(MAX_FRAME_HEIGHT, Math.ceil(height)))}px`;
      }
    }
  });
}
