// @ts-check
// outputs.js: a cell's output area: text (always as text, never as markup), errors with their
// tracebacks, PNG images, HTML in a sandboxed frame, files as links, notices.
// Tested by tests/js/athena_nb/outputs.test.mjs and the browser tests.

/**
 * An output event as the server sends it (docs/kernels.md), with its index `n` in the log.
 * `math` is a `text/latex` output typeset on the server (MathML, sanitised there).
 * @typedef {{type: string, n?: number, name?: string, text?: string, data?: Record<string, string>,
 *   ename?: string, evalue?: string, traceback?: string, path?: string, change?: string,
 *   math?: string}} OutputEvent
 */

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
   * @param {{base: string, cellId: number}} options base: the worksheet's URL, ending in '/'
   */
  constructor(node, {base, cellId}) {
    this.node = node;
    this.document = node.ownerDocument;
    this.base = base;
    this.cellId = cellId;
    this.generation = 0;
    /** How many events of the server's log this area shows (merged stream pieces count). */
    this.length = 0;
    /** @type {HTMLElement|null} the stream block that text of the same stream continues */
    this.lastStream = null;
  }

  /**
   * Shows exactly `outputs` (a whole log, possibly with stream pieces merged).
   * @param {number} generation
   * @param {OutputEvent[]} outputs
   * @param {number} length how many log events `outputs` stands for
   */
  reset(generation, outputs, length) {
    this.node.replaceChildren();
    this.lastStream = null;
    this.generation = generation;
    for (const event of outputs) this.append(event);
    this.length = length;
  }

  /**
   * Applies an update from the server: the events from `start` on, after a reset when the
   * generation changed. False if it does not fit what is shown (the caller then asks for all).
   * @param {{generation: number, start: number, outputs: OutputEvent[]}} update
   */
  update({generation, start, outputs}) {
    if (generation !== this.generation) {
      if (start !== 0) return false;
      this.reset(generation, [], 0);
    }
    if (start !== this.length) return false;
    for (const event of outputs) this.append(event);
    this.length = start + outputs.length;
    return true;
  }

  /** @param {OutputEvent} event */
  append(event) {
    const doc = this.document;
    if (event.type === 'stream') {
      const name = event.name === 'stderr' ? 'stderr' : 'stdout';
      if (this.lastStream && this.lastStream.dataset.name === name && this.lastStream === this.node.lastChild) {
        this.lastStream.append(event.text ?? '');
        return;
      }
      const pre = make(doc, 'pre', `nb-out nb-stream nb-${name}`, event.text ?? '');
      pre.dataset.name = name;
      this.node.append(pre);
      this.lastStream = pre;
      return;
    }
    this.lastStream = null;
    if (event.type === 'error') {
      const box = make(doc, 'div', 'nb-out nb-error-out');
      const tb = event.traceback || `${event.ename}: ${event.evalue}`;
      box.append(make(doc, 'pre', '', tb));
      this.node.append(box);
    } else if (event.type === 'display' || event.type === 'result') {
      this.node.append(this.#bundle(event));
    } else if (event.type === 'file') {
      this.node.append(this.#file(event));
    } else if (event.type === 'notice') {
      this.node.append(make(doc, 'p', 'nb-out nb-notice', event.text ?? ''));
    }
  }

  /** @param {OutputEvent} event */
  #bundle(event) {
    const doc = this.document;
    const data = event.data ?? {};
    const plain = data['text/plain'] ?? '';
    if (typeof data['image/png'] === 'string') {
      const img = /** @type {HTMLImageElement} */ (make(doc, 'img', 'nb-out nb-image'));
      img.src = `data:image/png;base64,${data['image/png']}`;
      img.alt = plain && !plain.startsWith('<') ? plain : 'Image output';
      return img;
    }
    if (typeof data['text/html'] === 'string' && typeof event.n === 'number') {
      const frame = /** @type {HTMLIFrameElement} */ (make(doc, 'iframe', 'nb-out nb-html'));
      // allow-scripts without allow-same-origin: the HTML runs in an opaque origin.
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.setAttribute('title', 'HTML output');
      frame.setAttribute('loading', 'lazy');
      frame.src = `${this.base}outputs/${this.cellId}/${event.n}.html?g=${this.generation}`;
      return frame;
    }
    const text = plain || data['text/latex'] || '';
    if (typeof data['text/latex'] === 'string' && typeof event.math === 'string') {
      // Both forms; the worksheet's Typeset setting (data-typeset) picks the one shown.
      const box = make(doc, 'div', `nb-out nb-${event.type} nb-latex`);
      const math = make(doc, 'div', 'nb-math-out');
      math.innerHTML = event.math; // MathML made and sanitised on the server
      box.append(math, make(doc, 'pre', 'nb-math-plain', text));
      return box;
    }
    return make(doc, 'pre', `nb-out nb-${event.type}`, text);
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
    if (IMAGE_FILE.test(path)) {
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
