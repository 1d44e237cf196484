// @ts-check
// nearscreen.js: which cells of a worksheet are near the screen. A cell is woken (its editor
// made, its deferred outputs fetched) as it comes within a screen's height of the screen, and
// put to sleep (its editor taken down) once it is more than three screens' heights away,
// unless the focus is in it: however long the worksheet, only the cells around the screen have
// editors, and a cell scrolled a little back and forth is not made and taken down each time.
// Tested by tests/js/athena_nb/nearscreen.test.mjs and tests/browser/test_bigworksheet.py.
//
// It looks once per frame after the page scrolled, resized or changed size: the cells are in
// the page's order, top to bottom, so a binary search finds the first one near the screen and
// only the cells near it and the ones awake are measured. The cells on the screen wake first,
// the rest of those near it a frame later. (IntersectionObservers on every cell
// cost the browser a pass over all of them at every frame of a scroll: some 4,000 targets for
// 2,000 cells.)

/** How far from the screen a cell is woken, and how far it goes to sleep, in screen heights. */
export const NEAR = 1;
export const FAR = 3;

/**
 * A cell as this module sees it; `prepare`, if it has one, does the part of waking that does
 * not change the page, and is followed by `wake` in the same task.
 * @typedef {{node: Element, wake: () => void, sleep: () => void, prepare?: () => void}} Sleeper
 */

export class NearScreen {
  /**
   * @param {Document} document
   * @param {() => Sleeper[]} order the cells, top to bottom (asked again after `reorder`)
   */
  constructor(document, order) {
    this.document = document;
    this.order = order;
    /** @type {Sleeper[]|null} the cells in order, until they change */
    this.list = null;
    /** @type {Set<Sleeper>} woken and not put to sleep since */
    this.awake = new Set();
    this.scheduled = false;
    const view = document.defaultView;
    if (view) {
      const look = () => this.schedule();
      view.addEventListener('scroll', look, {passive: true});
      view.addEventListener('resize', look);
    }
  }

  /** Follows `cell` from now on. @param {Sleeper} cell */
  watch(cell) {
    this.reorder();
    if (!this.document.defaultView?.requestAnimationFrame) cell.wake(); // no screen: all awake
  }

  /** Forgets `cell` (it left the worksheet). @param {Sleeper} cell */
  unwatch(cell) {
    this.awake.delete(cell);
    this.reorder();
  }

  /** The cells were added, moved or removed, or changed size: look again. */
  reorder() {
    this.list = null;
    this.schedule();
  }

  /** Looks at the next frame (once, however often asked before it). */
  schedule() {
    const view = this.document.defaultView;
    if (this.scheduled || !view?.requestAnimationFrame) return;
    this.scheduled = true;
    view.requestAnimationFrame(() => {
      this.scheduled = false;
      this.look();
    });
  }

  /** Wakes `cell` now (the focus went into it, wherever it is). @param {Sleeper} cell */
  wakeNow(cell) {
    if (!this.awake.has(cell)) {
      this.awake.add(cell);
      cell.wake();
    }
  }

  /** The focus moved: cells kept awake only for it go to sleep if they are far. */
  focusMoved() {
    this.schedule();
  }

  /**
   * Wakes the cells near the screen, puts the far ones without the focus to sleep. Every cell
   * is measured before any is woken or put to sleep (a cell's editor changes the layout: waking
   * while measuring would lay the page out again for each cell). The cells on the screen wake
   * first; the others near it at the next frame, so what the person sees is ready sooner.
   */
  look() {
    const view = this.document.defaultView;
    const height = view?.innerHeight ?? 0;
    const list = this.list ?? (this.list = this.order());
    const top = -NEAR * height;
    const bottom = height + NEAR * height;
    // The first cell whose bottom is below the top of the near band.
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (list[middle].node.getBoundingClientRect().bottom < top) low = middle + 1;
      else high = middle;
    }
    /** @type {Sleeper[]} */
    const shown = [];
    /** @type {Sleeper[]} */
    const near = [];
    for (let i = low; i < list.length; i++) {
      const cell = list[i];
      const box = cell.node.getBoundingClientRect();
      if (box.top > bottom) break;
      if (this.awake.has(cell)) continue;
      (box.bottom > 0 && box.top < height ? shown : near).push(cell);
    }
    const focus = this.document.activeElement;
    const far = [...this.awake].filter((cell) => {
      const box = cell.node.getBoundingClientRect();
      return (box.bottom < -FAR * height || box.top > height + FAR * height)
        && !cell.node.contains(focus);
    });
    // Every cell woken now is prepared before any changes the page: the page is laid out once
    // for them all, not once for each (editor.js, `make`).
    const waking = shown.length ? shown : near;
    for (const cell of waking) cell.prepare?.();
    for (const cell of waking) this.wakeNow(cell);
    if (shown.length && near.length) this.schedule(); // the rest near the screen, next
    for (const cell of far) {
      this.awake.delete(cell);
      cell.sleep();
    }
  }
}
