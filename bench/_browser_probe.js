// @ts-check
// _browser_probe.js: the timing probe bench/browser.py puts into every page it opens (a
// Playwright init script, so the page's Content-Security-Policy does not apply to it).
//
// Times are `performance.timeOrigin + performance.now()` in ms: one clock for all pages of the
// browser, so a time taken in one page (a key pressed) may be subtracted from one taken in
// another (the character shown).
//
// - Every keydown is recorded first, in the capture phase of the window, before the page's
//   own handlers: `__bench.keys` ({key, t}), cleared by `__bench.clearKeys()`.
// - `__bench.arm(name, test, timeoutMs)` starts waiting until `test()` is true; the time it
//   first is goes to `__bench.result(name)` (a promise of the time, or of an error message).
//   `test()` is checked on every DOM change (a MutationObserver, only while something waits),
//   right after a script changes a textarea's text (a textarea's value changes make no DOM
//   mutation), and, for tests that depend on layout (`arm(..., frames)`: a page load, a
//   scroll), on every animation frame too. Only those: while a page asks for a frame at every
//   refresh, Chromium holds its tasks after a key until the next frame (docs/performance.md,
//   "The caret that held every answer"), and the probe would add that wait to what it times.
//   The moment recorded is when the DOM has it; the screen shows it at the next frame.
// - `__bench.cells()`, `__bench.editorText(cell)`, `__bench.outputs(cell)`: the cells of
//   athena-nb or of JupyterLab's current notebook, in order, found by their markup.

(() => {
  /** @typedef {{test: () => boolean, resolve: (t: number) => void, done: boolean, frames: boolean}} Waiter */
  const now = () => performance.timeOrigin + performance.now();
  /** @type {Set<Waiter>} */
  const waiters = new Set();
  /** @type {Map<string, Promise<number|string>>} */
  const results = new Map();
  /** @type {MutationObserver|null} */
  let observer = null;
  let framePending = false;

  function check() {
    if (!waiters.size) return;
    const t = now();
    for (const w of [...waiters]) {
      let ok = false;
      try {
        ok = w.test();
      } catch (e) {
        ok = false;
      }
      if (ok) {
        waiters.delete(w);
        w.done = true;
        w.resolve(t);
      }
    }
    if (!waiters.size && observer) {
      observer.disconnect();
      observer = null;
    }
  }

  function frame() {
    framePending = false;
    check();
    if ([...waiters].some((w) => w.frames)) schedule();
  }

  function schedule() {
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(frame);
  }

  function observe() {
    if (observer) return;
    observer = new MutationObserver(check);
    observer.observe(document, {childList: true, subtree: true, characterData: true});
  }

  // A textarea's text changed by script (setRangeText, value =) makes no mutation: look then.
  const proto = HTMLTextAreaElement.prototype;
  const setRangeText = proto.setRangeText;
  proto.setRangeText = /** @type {any} */ (function (/** @type {any[]} */ ...args) {
    const r = setRangeText.apply(this, /** @type {any} */ (args));
    check();
    return r;
  });
  const value = /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(proto, 'value'));
  Object.defineProperty(proto, 'value', {
    configurable: true,
    enumerable: value.enumerable,
    get() {
      return value.get?.call(this);
    },
    set(v) {
      value.set?.call(this, v);
      check();
    },
  });

  /** @type {{key: string, t: number}[]} */
  const keys = [];
  window.addEventListener('keydown', (event) => {
    keys.push({key: event.key, t: now()});
  }, true);

  /** The current notebook's cells, in order (athena-nb, or JupyterLab's visible notebook). */
  function cells() {
    const athena = document.querySelectorAll('.nb-cell');
    if (athena.length) return [...athena];
    const panels = [...document.querySelectorAll('.jp-NotebookPanel')]
      .filter((p) => !p.classList.contains('lm-mod-hidden'));
    const panel = panels[panels.length - 1];
    return panel ? [...panel.querySelectorAll('.jp-Notebook .jp-Cell')] : [];
  }

  /** @param {Element} cell */
  function editorText(cell) {
    const input = cell.querySelector('[aria-label="Cell input"]') ?? cell.querySelector('.cm-content');
    if (!input) return null;
    if (input instanceof HTMLTextAreaElement) return input.value;
    const cm = input.matches('.cm-content') ? input : input.querySelector('.cm-content');
    const node = cm ?? input;
    const lines = node.querySelectorAll('.cm-line');
    return lines.length ? [...lines].map(lineText).join('\n') : node.textContent;
  }

  /** A CodeMirror line's text, without its widgets (another person's caret and name). @param {Element} line */
  function lineText(line) {
    let text = '';
    const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement?.closest('[contenteditable="false"]')) text += node.nodeValue;
    }
    return text;
  }

  /** The output elements of a cell (athena-nb: the output region's children). @param {Element} cell */
  function outputs(cell) {
    const region = cell.querySelector('[aria-label="Cell output"]');
    if (region) return [...region.children];
    return [...cell.querySelectorAll('.jp-OutputArea-output')];
  }

  const bench = {
    now,
    keys,
    clearKeys() {
      keys.length = 0;
    },
    cells,
    editorText,
    outputs,
    /** Marks the outputs shown now, so that a test can tell new ones. @param {number} index */
    markOutputs(index) {
      const cell = cells()[index];
      if (cell) for (const o of outputs(cell)) o.setAttribute('data-bench-old', '');
    },
    /**
     * @param {string} name @param {() => boolean} test @param {number} timeoutMs
     * @param {boolean} [frames] also look at every animation frame (a test of layout)
     */
    arm(name, test, timeoutMs, frames = false) {
      const promise = new Promise((resolve) => {
        /** @type {Waiter} */
        const w = {test, resolve, done: false, frames};
        waiters.add(w);
        setTimeout(() => {
          if (!w.done && waiters.delete(w)) resolve(`gave up after ${timeoutMs} ms`);
        }, timeoutMs);
      });
      results.set(name, /** @type {Promise<number|string>} */ (promise));
      observe();
      if (frames) schedule();
      check();
    },
    /** @param {string} name */
    result(name) {
      const found = results.get(name);
      results.delete(name);
      return found ?? Promise.resolve(`nothing armed as ${name}`);
    },
  };
  Object.defineProperty(window, '__bench', {value: bench});
})();
