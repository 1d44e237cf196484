// @ts-check
// hideinput.js: a code cell whose first lines hold `%hide` (the directives of
// athena_nb/kernel/cellmodes.py, each alone on a line) shows its input folded, as the Sage
// Notebook did, behind a "Show input" button; opening it is this person's alone, and the
// input stays open while they are in it. Tested by tests/browser/test_cellmodes.py.

const DIRECTIVE = /^[ \t]*%([a-z]+)[ \t]*\r?$/;

/** Do the leading directive lines of `text` include `%hide`? @param {string} text */
export function asksHide(text) {
  for (const line of text.split('\n')) {
    const match = DIRECTIVE.exec(line);
    if (!match) return false;
    if (match[1] === 'hide') return true;
  }
  return false;
}

export class HiddenInput {
  /**
   * @param {HTMLElement} node the cell
   * @param {() => string} text the cell's text now
   * @param {() => boolean} isCode
   * @param {() => void} focus puts the caret in the input
   */
  constructor(node, text, isCode, focus) {
    this.node = node;
    this.text = text;
    this.isCode = isCode;
    this.opened = false;
    const doc = node.ownerDocument;
    this.button = doc.createElement('button');
    this.button.type = 'button';
    this.button.className = 'nb-button nb-show-input';
    this.button.textContent = 'Show input (%hide)';
    this.button.addEventListener('click', () => {
      this.opened = true;
      this.update();
      focus();
    });
    node.querySelector('.nb-cell-top')?.before(this.button);
    node.addEventListener('focusout', () => queueMicrotask(() => this.update()));
  }

  /** Fold or show the input, as the text and this person ask. */
  update() {
    const inside = this.node.contains(this.node.ownerDocument.activeElement)
      && this.node.ownerDocument.activeElement !== this.button;
    const hide = this.isCode() && !this.opened && !inside && asksHide(this.text());
    if (hide) this.node.dataset.hideInput = 'true';
    else delete this.node.dataset.hideInput;
  }
}
