// @ts-check
// help.js: the help panel beside a cell: `name?` / `name??` run in the cell, or Shift-Tab / F1
// on a name in its editor, shows the name's signature, its docstring rendered (reStructuredText
// and Sage's conventions, mathematics typeset) and, for `name??`, its source, all made by the
// server (athena_nb/web/cellhelp.py). The panel is this person's alone: nothing is run in the
// cell, stored or shown to the others. Tested by tests/browser/test_help.py.
//
// A non-modal dialog: it has a heading and a Close button; Escape closes it (from the panel,
// or from the cell's editor) and the focus goes back to the editor.

let panels = 0;

/**
 * @typedef {{found: boolean, name?: string, html?: string, message?: string}} HelpAnswer
 *   the server's answer (CellHelp.help): `html` sanitised by athena_nb/render
 */

export class HelpPanel {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.cell the cell's element: the panel goes into it, beside its input
   * @param {(name: string, detail: number) => Promise<unknown>} o.ask the help call
   * @param {() => void} o.refocus gives the focus back to the cell's editor
   * @param {(message: string) => void} [o.announce] says something to screen readers (the
   *   focus stays in the editor)
   */
  constructor({cell, ask, refocus, announce = () => {}}) {
    this.cell = cell;
    this.ask = ask;
    this.refocus = refocus;
    this.announce = announce;
    /** @type {HTMLElement|null} */
    this.node = null;
    /** Answers to older questions are dropped. */
    this.asked = 0;
  }

  get isOpen() {
    return this.node !== null;
  }

  /**
   * Opens the panel on `name` (detail 1: with its source) and fills it with the answer.
   * @param {string} name @param {number} [detail]
   */
  async open(name, detail = 0) {
    const asked = ++this.asked;
    const title = `${name}${detail ? '??' : '?'}`;
    const body = this.#show(title);
    this.announce(`Help for ${title} is beside the cell; Escape closes it.`);
    body.setAttribute('aria-busy', 'true');
    body.textContent = 'Looking it up…';
    /** @type {HelpAnswer} */
    let answer;
    try {
      answer = /** @type {HelpAnswer} */ (await this.ask(name, detail));
    } catch (error) {
      answer = {found: false, message: /** @type {any} */ (error)?.message ?? String(error)};
    }
    if (asked !== this.asked || !this.node) return; // closed, or asked again meanwhile
    body.removeAttribute('aria-busy');
    if (answer?.found && typeof answer.html === 'string') {
      body.innerHTML = answer.html; // sanitised by the server (athena_nb/render)
    } else {
      const message = document.createElement('p');
      message.className = 'nb-help-message';
      message.textContent = answer?.message ?? 'Nothing was found by that name.';
      body.replaceChildren(message);
    }
  }

  /** Closes the panel (nothing happens when it is closed). */
  close() {
    if (!this.node) return;
    const hadFocus = this.node.contains(document.activeElement);
    this.node.remove();
    this.node = null;
    this.cell.classList.remove('nb-has-help');
    this.asked++;
    if (hadFocus) this.refocus();
  }

  /** The panel, made or reused, titled `title`; returns its body. @param {string} title */
  #show(title) {
    if (!this.node) {
      const id = `nb-help-${++panels}`;
      const node = document.createElement('section');
      node.className = 'nb-help';
      node.setAttribute('role', 'dialog');
      node.setAttribute('aria-modal', 'false');
      node.setAttribute('aria-labelledby', `${id}-title`);
      node.innerHTML = `<div class="nb-help-head"><h2 class="nb-help-title" id="${id}-title">`
        + '</h2><button type="button" class="nb-button nb-help-close" '
        + 'aria-label="Close help" title="Close help (Escape)">×</button></div>'
        + '<div class="nb-help-body" tabindex="0"></div>';
      node.querySelector('button')?.addEventListener('click', () => this.close());
      node.addEventListener('keydown', (event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          this.close();
          this.refocus();
        }
      });
      this.cell.append(node);
      this.cell.classList.add('nb-has-help');
      this.node = node;
    }
    const heading = /** @type {HTMLElement} */ (this.node.querySelector('.nb-help-title'));
    heading.textContent = `Help: ${title}`;
    return /** @type {HTMLElement} */ (this.node.querySelector('.nb-help-body'));
  }
}
