// @ts-check
// counter.js: the browser half of examples/counter.py, the shared counter.
// Tested end to end by tests/browser/test_livefragments_*.py, which read the data-* attributes
// this module writes (data-lf-example on <html>, and on the counter: data-reconnects,
// data-transport, data-cut) and set (data-outage on the counter, read by the cut button).

import {Widget} from '../livefragments/widget.js';

/**
 * The shared counter of one tab. The server calls `show` on every tab after each increment,
 * `double` and `explode` to show calls and errors going from Python to the browser.
 */
export class Counter extends Widget {
  /**
   * @param {Element} node @param {number} id @param {unknown[]} args
   * @param {import('../livefragments/widget.js').WidgetHost} runtime
   */
  constructor(node, id, args, runtime) {
    super(node, id, args, runtime);
    this.value = /** @type {HTMLOutputElement} */ (node.querySelector('.value'));
    this.mine = /** @type {HTMLOutputElement} */ (node.querySelector('.mine'));
    this.result = /** @type {HTMLElement} */ (node.querySelector('.result'));
    this.log = /** @type {HTMLOListElement} */ (node.querySelector('.log'));
    this.extras = /** @type {HTMLElement} */ (node.querySelector('.extras'));
  }

  loaded() {
    const node = /** @type {HTMLElement} */ (this.node);
    this.#on('increment', () => this.#report(this.callRemote('increment', 1), (value) => {
      this.mine.textContent = String(value);
    }));
    this.#on('fail', () => this.#report(this.callRemote('fail', 'Nope, said the browser.')));
    this.#on('probe', () => this.#report(this.callRemote('probe'), (error) => {
      this.result.textContent = `Python received ${error.type}: ${error.message}`;
      this.result.dataset.outcome = 'probe';
    }));
    this.#on('roundtrip', () => this.#report(this.callRemote('roundtrip', 21), (answer) => {
      this.result.textContent = `Python asked ${answer.asked}, the browser said ${answer.browserSaid}`;
      this.result.dataset.outcome = 'roundtrip';
    }));
    this.#on('spawn', () => this.#report(this.callRemote('spawn'), (description) => {
      // The runtime loaded the new widget's modules; place its markup and hydrate it.
      this.runtime.hydrate(description, this.extras, 'beforeend');
    }));
    this.#on('cut', () => {
      // Three calls and the cut in one task: they travel together, and the server cuts every
      // connection right after answering them.
      const calls = [1, 2, 3].map(() => this.callRemote('increment', 1));
      const cut = this.callRemote('cut', Number(node.dataset.outage ?? 0));
      this.#report(Promise.all([...calls, cut]), (results) => {
        this.mine.textContent = String(results[2]);
        node.dataset.cut = String(results[3]);
      });
    });
    let reconnects = 0;
    this.runtime.addListener((state) => {
      if (state === 'reconnecting') node.dataset.reconnects = String(++reconnects);
      node.dataset.transport = String(this.runtime.transport.kind);
    });
    node.dataset.reconnects = '0';
    node.dataset.transport = String(this.runtime.transport.kind);
    document.documentElement.dataset.lfExample = 'ready';
  }

  /**
   * Called by the server on every tab after every increment.
   * @param {number} value
   */
  show(value) {
    this.value.textContent = String(value);
    const item = document.createElement('li');
    item.textContent = String(value);
    this.log.append(item);
    return null;
  }

  /**
   * Called by the server (Counter.roundtrip).
   * @param {number} number
   */
  double(number) {
    return number * 2;
  }

  /** Called by the server (Counter.probe): fails on purpose. */
  explode() {
    throw new RangeError('The browser refused on purpose.');
  }

  /**
   * @param {string} name a button's class
   * @param {() => void} handler
   */
  #on(name, handler) {
    this.node.querySelector(`button.${name}`)?.addEventListener('click', handler);
  }

  /**
   * Shows a call's failure in the result line (with its remote type), or hands its value on.
   * @param {Promise<any>} call
   * @param {(value: any) => void} [then]
   */
  #report(call, then = () => {}) {
    call.then(then, (error) => {
      this.result.textContent = `${error.type ?? error.name}: ${error.message}`;
      this.result.dataset.outcome = 'error';
      this.result.dataset.errorType = String(error.type ?? error.name);
    });
  }
}

/** A widget the server created after the page loaded. */
export class Extra extends Widget {
  loaded() {
    /** @type {HTMLElement} */ (this.node).dataset.hydrated = 'true';
    const output = /** @type {HTMLOutputElement} */ (this.node.querySelector('.bumps'));
    this.node.querySelector('button.bump')?.addEventListener('click', () => {
      this.callRemote('bump').then((count) => {
        output.textContent = String(count);
      });
    });
  }
}
