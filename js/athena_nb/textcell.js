// @ts-check
// textcell.js: a cell's text-cell side: its rendered Markdown (made and sanitised on the
// server, athena_nb/render), shown instead of the input unless this viewer edits it (Escape
// then M or Y, which convert a cell, are command mode's: commandmode.js).
// Tested by the browser tests (tests/browser/test_textcells.py).

/** @typedef {{kind: string, version: number, html: string|null}} CellView */

export class TextCell {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.node the cell's element (its data-kind says code or text)
   * @param {() => HTMLElement} o.source the cell's input as shown now (the editor's element, or
   *   the text in its place while there is no editor)
   * @param {HTMLElement} o.rendered the element holding the rendered HTML
   * @param {() => string} o.text the cell's text now
   * @param {() => void} o.focusSource puts the caret in the input
   * @param {string} o.kind
   * @param {boolean} o.canEdit
   * @param {(step: number) => boolean} [o.leave] the arrows on the rendered text: into the
   *   next (1) or previous (-1) cell; false if there is none
   */
  constructor({node, source, rendered, text, focusSource, kind, canEdit, leave = () => false}) {
    this.node = node;
    this.source = source;
    this.rendered = rendered;
    this.text = text;
    this.focusSource = focusSource;
    this.canEdit = canEdit;
    this.kind = kind;
    /** Whether this viewer edits the text cell's source (code cells are always edited). */
    this.editing = canEdit && kind === 'text' && !text().trim();
    rendered.addEventListener('dblclick', () => this.edit());
    rendered.addEventListener('keydown', (event) => {
      const plain = !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.altKey;
      if (event.key === 'Enter' && plain) {
        event.preventDefault();
        this.edit();
      } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && plain
          && leave(event.key === 'ArrowDown' ? 1 : -1)) {
        event.preventDefault(); // on to the next cell, as from a code cell's edge
      }
    });
    this.show();
  }

  get isText() {
    return this.kind === 'text';
  }

  /** Shows the input or the rendered text, as the kind and this viewer's editing say. */
  show() {
    const rendered = this.isText && !this.editing;
    const view = rendered ? 'rendered' : 'source';
    const source = this.source();
    // Only what changed: every cell of a long worksheet shows itself once as rendered.
    if (this.node.dataset.kind !== this.kind) this.node.dataset.kind = this.kind;
    if (this.node.dataset.view !== view) this.node.dataset.view = view;
    if (source.hidden !== rendered) source.hidden = rendered;
    if (this.rendered.hidden === rendered) this.rendered.hidden = !rendered;
    const tabIndex = rendered ? 0 : -1;
    if (this.rendered.tabIndex !== tabIndex) this.rendered.tabIndex = tabIndex;
  }

  /** Edit the text cell's source (double-click, Enter). */
  edit() {
    if (!this.canEdit || !this.isText) return;
    this.editing = true;
    this.show();
    this.focusSource();
  }

  /** Show the text cell rendered (Shift-Enter, Ctrl-Enter, Run). @param {boolean} focus */
  render(focus) {
    if (!this.isText) return;
    const hadFocus = this.node.contains(this.node.ownerDocument.activeElement);
    this.editing = false;
    this.show();
    if (focus || hadFocus) this.rendered.focus();
  }

  /**
   * The server: the cell's kind, and a text cell's HTML for a version of its text.
   * @param {CellView} view
   */
  view(view) {
    const changed = view.kind !== this.kind;
    this.kind = view.kind;
    if (view.html !== null) this.rendered.innerHTML = view.html; // sanitised on the server
    if (changed) {
      // Whoever is in the input goes on editing it; the others see the cell rendered.
      const doc = this.node.ownerDocument;
      const typing = this.source().contains(doc.activeElement);
      this.editing = this.canEdit && (typing || !this.text().trim());
    }
    this.show();
  }
}
