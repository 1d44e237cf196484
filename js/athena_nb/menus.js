// @ts-check
/**
 * A button and the menu it opens (a cell's ⋯, the toolbar's ⋯ and Download): one menu is open
 * at a time in the page, and it closes on a click or a focus elsewhere, on Escape (the focus
 * goes back to its button) and after an action in it. A toggle in it (a button with
 * `aria-pressed`) leaves it open, so that its new state shows.
 */

/** @type {Menu|null} */
let openMenu = null;

/** @param {Event} event */
function elsewhere(event) {
  const target = /** @type {Node} */ (event.target);
  if (openMenu && !openMenu.list.contains(target) && !openMenu.button.contains(target)) {
    openMenu.close();
  }
}

export class Menu {
  /**
   * @param {HTMLButtonElement} button opens and closes it (`aria-expanded` says which)
   * @param {HTMLElement} list the menu, `hidden` while closed
   * @param {() => void} [fill] makes its items when it first opens
   */
  constructor(button, list, fill) {
    this.button = button;
    this.list = list;
    this.fill = fill;
    list.addEventListener('keydown', (event) => {
      if (/** @type {KeyboardEvent} */ (event).key === 'Escape') {
        event.stopPropagation();
        this.close();
        button.focus();
      }
    });
    list.addEventListener('click', (event) => {
      const item = /** @type {Element} */ (event.target).closest('button, a');
      if (item && !item.hasAttribute('aria-pressed')) this.close();
    });
  }

  get isOpen() {
    return !this.list.hidden;
  }

  toggle() {
    if (this.isOpen) this.close();
    else this.open();
  }

  open() {
    if (openMenu && openMenu !== this) openMenu.close();
    if (this.fill && !this.list.firstElementChild) this.fill();
    this.list.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    if (!openMenu) {
      const doc = this.list.ownerDocument;
      doc.addEventListener('pointerdown', elsewhere, true);
      doc.addEventListener('focusin', elsewhere, true);
    }
    openMenu = this;
    /** @type {HTMLElement|null} */ (this.list.querySelector('button:not([disabled]), a'))?.focus();
  }

  close() {
    this.list.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (openMenu === this) {
      openMenu = null;
      const doc = this.list.ownerDocument;
      doc.removeEventListener('pointerdown', elsewhere, true);
      doc.removeEventListener('focusin', elsewhere, true);
    }
  }
}
