// @ts-check
// textcell.js: a cell's text-cell side: its rendered Markdown (made and sanitised on the
// server, athena_nb/render), shown instead of the input unless this viewer edits it, and the
// keys that convert a cell (Escape then M: text, Escape then Y: code).
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
   * @param {(kind: string) => void} o.convert asks the server to make the cell code or text
   * @param {(message: string) => void} o.hint
   */
  constructor({node, source, rendered, text, focusSource, kind, canEdit, convert, hint}) {
    this.node = node;
    this.source = source;
    this.rendered = rendered;
    this.text = text;
    this.focusSource = focusSource;
    this.canEdit = canEdit;
    this.convert = convert;
    this.hint = hint;
    this.kind = kind;
    /** Whether this viewer edits the text cell's source (code cells are always edited). */
    this.editing = canEdit && kind === 'text' && !text().trim();
    /** True after Escape in this cell: the next M or Y converts it. */
    this.escaped = false;
    rendered.addEventListener('dblclick', () => this.edit());
    rendered.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.edit();
      }
    });
    // After the editor's own keydown (on the input, bubbling to the cell): Escape, then M or Y.
    node.addEventListener('keydown', (event) => this.#key(/** @type {KeyboardEvent} */ (event)));
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

  /** @param {KeyboardEvent} event */
  #key(event) {
    if (!this.canEdit) return;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (event.key === 'Escape') {
      // An Escape that closed the completion list (or a menu) is not the first of two keys.
      this.escaped = !event.defaultPrevented;
      if (!this.escaped) return;
      this.hint('Tab leaves the cell; M makes it a text cell, Y a code cell.');
      return;
    }
    const was = this.escaped;
    if (!['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) this.escaped = false;
    if (!was || !plain) return;
    const key = event.key.toLowerCase();
    if (key === 'm' || key === 'y') {
      event.preventDefault();
      this.convert(key === 'm' ? 'text' : 'code');
    }
  }
}
