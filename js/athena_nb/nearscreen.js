// @ts-check
// nearscreen.js: which cells of a worksheet are near the screen. A cell is woken (its editor
// made, its deferred outputs fetched) as it comes within a screen's height of the screen, and
// put to sleep (its editor taken down) once it is more than three screens' heights away,
// unless the focus is in it: however long the worksheet, only the cells around the screen have
// editors. Two IntersectionObservers, one for each distance, so that a cell scrolled a little
// back and forth is not made and taken down again and again.
// Tested by tests/js/athena_nb/nearscreen.test.mjs and tests/browser/test_bigworksheet.py.

/** How far from the screen a cell is woken, and how far it goes to sleep (rootMargin). */
export const NEAR = '100% 0px';
export const FAR = '300% 0px';

/** @typedef {{node: Element, wake: () => void, sleep: () => void}} Sleeper */

export class NearScreen {
  /** @param {Document} document */
  constructor(document) {
    this.document = document;
    /** @type {Map<Element, Sleeper>} */
    this.cells = new Map();
    /** @type {Set<Sleeper>} far from the screen, but awake while the focus is in them */
    this.held = new Set();
    const Observer = document.defaultView?.IntersectionObserver;
    /** @type {IntersectionObserver|null} */
    this.near = Observer ? new Observer((entries) => this.#near(entries), {rootMargin: NEAR}) : null;
    /** @type {IntersectionObserver|null} */
    this.far = Observer ? new Observer((entries) => this.#far(entries), {rootMargin: FAR}) : null;
  }

  /** Follows `cell` from now on (without observers, it is simply woken). @param {Sleeper} cell */
  watch(cell) {
    this.cells.set(cell.node, cell);
    if (!this.near || !this.far) {
      cell.wake();
      return;
    }
    this.near.observe(cell.node);
    this.far.observe(cell.node);
  }

  /** Forgets `cell` (it left the worksheet). @param {Sleeper} cell */
  unwatch(cell) {
    this.cells.delete(cell.node);
    this.held.delete(cell);
    this.near?.unobserve(cell.node);
    this.far?.unobserve(cell.node);
  }

  /** The focus moved: cells held awake only for it go to sleep if it left them. */
  focusMoved() {
    for (const cell of [...this.held]) {
      if (!this.#hasFocus(cell)) {
        this.held.delete(cell);
        cell.sleep();
      }
    }
  }

  /** @param {Sleeper} cell */
  #hasFocus(cell) {
    return cell.node.contains(this.document.activeElement);
  }

  /** @param {IntersectionObserverEntry[]} entries */
  #near(entries) {
    for (const entry of entries) {
      if (entry.isIntersecting) this.cells.get(entry.target)?.wake();
    }
  }

  /** @param {IntersectionObserverEntry[]} entries */
  #far(entries) {
    for (const entry of entries) {
      const cell = this.cells.get(entry.target);
      if (!cell) continue;
      if (entry.isIntersecting) {
        this.held.delete(cell);
      } else if (this.#hasFocus(cell)) {
        this.held.add(cell);
      } else {
        cell.sleep();
      }
    }
  }
}
