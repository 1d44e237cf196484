// @ts-check
// interact.js: one @interact of a cell, the browser half of athena_nb.web.interactfragment's
// InteractFragment: its controls (sliders, checkboxes, buttons or dropdowns, text boxes, grids,
// colour pickers, text), laid out around its own output area, and an Update button when it
// does not update by itself. Tested by tests/js/athena_nb/interact.test.mjs and the browser
// tests (tests/browser/test_interact.py).
//
// The server owns the values: a control someone moves here is sent (one change in flight at a
// time, later moves merged into the next), and what the server says the values are is shown,
// except for the controls with a change of ours still on its way. Everyone on the worksheet
// sees the controls move; a viewer who may not edit, and everyone once the kernel that made
// the interact has stopped, sees them disabled.

import {Widget} from '../livefragments/widget.js';
import {OutputArea} from './outputs.js';

/**
 * A control as the server sends it (athena_nb/interactmodel.py).
 * @typedef {{name: string, kind: string, label: string, labelHTML?: string, n?: number,
 *   labels?: string[], start?: number, step?: number, digits?: number, readout?: boolean,
 *   buttons?: boolean, ncols?: number|null, width?: number, height?: number, rows?: number,
 *   cols?: number, hideBox?: boolean, text?: string, html?: string}} Control
 */
/**
 * Its values and run state (InteractFragment._valuesNow).
 * @typedef {{values: Record<string, any>, seq: number, ranSeq: number|null, by: string|null,
 *   state: string, live: boolean}} InteractState
 */
/** @typedef {{ov: number, outputs: import('./outputs.js').OutputEvent[]}} InteractOutputs */
/**
 * @typedef {InteractState & InteractOutputs & {id: string, cellId: number, index: number,
 *   base: string, canEdit: boolean, name: string, controls: Control[],
 *   layout: Record<string, string[][]>, auto: boolean}} InteractArgs
 */

/**
 * The label of slider position `k`.
 * @param {Control} control @param {number} k
 */
export function positionLabel(control, k) {
  if (control.labels) return control.labels[k] ?? '';
  return ((control.start ?? 0) + k * (control.step ?? 1)).toFixed(control.digits ?? 0);
}

/**
 * Changes on their way to the server: one call in flight, the changes made meanwhile merged
 * into the next call. `send(values)` makes the call; `settled()` is called once nothing of
 * ours is unsent or unanswered.
 */
export class ChangeQueue {
  /**
   * @param {(values: Record<string, unknown>) => Promise<unknown>} send
   * @param {() => void} settled
   */
  constructor(send, settled) {
    this.send = send;
    this.settled = settled;
    /** @type {Record<string, unknown>} */
    this.waiting = {};
    /** @type {Set<string>} controls with a change not yet answered */
    this.dirty = new Set();
    this.inFlight = false;
    /** @type {(() => void)|null} called when a change is made */
    this.changed = null;
  }

  /** @param {string} name @param {unknown} value */
  set(name, value) {
    this.changed?.();
    this.waiting[name] = value;
    this.dirty.add(name);
    this.#next();
  }

  #next() {
    if (this.inFlight) return;
    const values = this.waiting;
    if (Object.keys(values).length === 0) {
      this.dirty.clear();
      this.settled();
      return;
    }
    this.waiting = {};
    this.inFlight = true;
    this.send(values).catch(() => {}).finally(() => {
      this.inFlight = false;
      this.#next();
    });
  }
}

/**
 * @param {Document} doc @param {string} tag @param {string} [className] @param {string} [text]
 * @returns {HTMLElement}
 */
function make(doc, tag, className = '', text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class Interact extends Widget {
  /**
   * @param {Element} node @param {number} id @param {unknown[]} args `[InteractArgs]`
   * @param {import('../livefragments/widget.js').WidgetHost} runtime
   */
  constructor(node, id, args, runtime) {
    super(node, id, args, runtime);
    const a = /** @type {InteractArgs} */ (args[0]);
    this.interactId = a.id;
    this.canEdit = a.canEdit;
    this.controls = a.controls;
    this.auto = a.auto;
    /** @type {InteractState} what the server says now */
    this.server = a;
    this.doc = node.ownerDocument;
    /** @type {Map<string, {show: (value: any) => void, inputs: (HTMLInputElement|HTMLSelectElement|HTMLTextAreaElement|HTMLButtonElement)[]}>} */
    this.shown = new Map();
    this.queue = new ChangeQueue((values) => this.#send(values), () => {
      this.#apply();
      this.#showCurrent();
    });
    this.outputNode = make(this.doc, 'div', 'nb-interact-output');
    this.status = make(this.doc, 'span', 'nb-interact-status');
    /** @type {HTMLButtonElement|null} */
    this.updateButton = null;
    this.queue.changed = () => { /** @type {HTMLElement} */ (this.node).dataset.current = 'false'; };
    node.replaceChildren();
    this.#build(a);
    this.outputs = new OutputArea(this.outputNode, {base: a.base, cellId: a.cellId, prefix: `${a.index}-`});
    this.setOutputs(a);
    this.setValues(a);
    // Keys typed into a control are the control's (not the cell's Escape-then-M, say).
    node.addEventListener('keydown', (event) => event.stopPropagation());
    // A text box left without a change shows the values as the server has them now.
    node.addEventListener('focusout', () => queueMicrotask(() => this.#apply()));
  }

  detached() {
    this.node.remove();
  }

  /** @param {InteractArgs} a */
  #build(a) {
    const doc = this.doc;
    const grid = make(doc, 'div', 'nb-interact-grid');
    const middle = make(doc, 'div', 'nb-interact-middle');
    this.outputNode.setAttribute('role', 'region');
    this.outputNode.setAttribute('aria-label', `Output of ${a.name}`);
    const byName = new Map(a.controls.map((c) => [c.name, c]));
    /** @param {string} side */
    const side = (side) => {
      const box = make(doc, 'div', `nb-interact-side nb-interact-${side}`);
      for (const row of a.layout[side] ?? []) {
        const line = make(doc, 'div', 'nb-interact-row');
        for (const name of row) {
          const control = byName.get(name);
          if (control) line.append(this.#control(control));
        }
        box.append(line);
      }
      return box;
    };
    middle.append(side('left'), this.outputNode, side('right'));
    grid.append(side('top'), middle, side('bottom'));
    const foot = make(doc, 'div', 'nb-interact-foot');
    if (!a.auto) {
      this.updateButton = /** @type {HTMLButtonElement} */ (make(doc, 'button', 'nb-button', 'Update'));
      this.updateButton.type = 'button';
      this.updateButton.addEventListener('click', () => this.#update());
      foot.append(this.updateButton);
    }
    this.status.setAttribute('role', 'status');
    foot.append(this.status);
    this.node.append(grid, foot);
  }

  /** @param {Control} control @returns {HTMLElement} */
  #control(control) {
    const doc = this.doc;
    const box = make(doc, 'div', `nb-control nb-control-${control.kind}`);
    box.dataset.control = control.name;
    if (control.kind === 'text') {
      box.innerHTML = control.html ?? ''; // Markdown made and sanitised on the server
      return box;
    }
    const label = make(doc, 'label', 'nb-control-label');
    if (control.labelHTML) label.innerHTML = control.labelHTML; // MathML made on the server
    else label.textContent = control.label;
    box.append(label);
    const set = (/** @type {unknown} */ value) => this.queue.set(control.name, value);
    /** @type {(HTMLInputElement|HTMLSelectElement|HTMLTextAreaElement|HTMLButtonElement)[]} */
    const inputs = [];
    /** @type {(value: any) => void} */
    let show;
    /** @param {string} tag @param {string} [type] */
    const input = (tag, type) => {
      const made = /** @type {HTMLInputElement} */ (make(doc, tag));
      if (type) made.type = type;
      made.setAttribute('aria-label', control.label);
      inputs.push(made);
      return made;
    };
    if (control.kind === 'slider' || control.kind === 'range_slider') {
      const ends = control.kind === 'slider' ? [input('input', 'range')]
        : [input('input', 'range'), input('input', 'range')];
      const readout = make(doc, 'output', 'nb-readout');
      if (control.readout === false) readout.hidden = true;
      ends.forEach((end, i) => {
        end.min = '0';
        end.max = String((control.n ?? 1) - 1);
        end.step = '1';
        if (ends.length === 2) end.setAttribute('aria-label', `${control.label}, ${i ? 'to' : 'from'}`);
        end.addEventListener('input', () => {
          const ks = ends.map((e) => Number(e.value));
          if (ks.length === 2 && ks[0] > ks[1]) ends[1 - i].value = end.value; // the ends do not cross
          const now = ends.map((e) => Number(e.value));
          paint(now);
          set(ends.length === 1 ? now[0] : now);
        });
      });
      const paint = (/** @type {number[]} */ ks) => {
        const texts = ks.map((k) => positionLabel(control, k));
        ends.forEach((end, i) => end.setAttribute('aria-valuetext', texts[i]));
        readout.textContent = texts.join(' – ');
      };
      show = (value) => {
        const ks = Array.isArray(value) ? value : [value];
        ends.forEach((end, i) => { end.value = String(ks[i]); });
        paint(ks);
      };
      box.append(...ends, readout);
    } else if (control.kind === 'checkbox') {
      const check = input('input', 'checkbox');
      check.addEventListener('change', () => set(check.checked));
      show = (value) => { check.checked = Boolean(value); };
      label.prepend(check);
    } else if (control.kind === 'selector' && control.buttons) {
      const group = make(doc, 'div', 'nb-choices');
      group.setAttribute('role', 'group');
      group.setAttribute('aria-label', control.label);
      if (control.ncols) group.style.gridTemplateColumns = `repeat(${control.ncols}, auto)`;
      const buttons = (control.labels ?? []).map((text, k) => {
        const button = /** @type {HTMLButtonElement} */ (make(doc, 'button', 'nb-choice', text));
        button.type = 'button';
        button.addEventListener('click', () => { show(k); set(k); });
        inputs.push(button);
        return button;
      });
      show = (value) => buttons.forEach((b, k) => b.setAttribute('aria-pressed', String(k === value)));
      group.append(...buttons);
      box.append(group);
    } else if (control.kind === 'selector') {
      const select = /** @type {HTMLSelectElement} */ (/** @type {unknown} */ (input('select')));
      (control.labels ?? []).forEach((text, k) => {
        const option = /** @type {HTMLOptionElement} */ (make(doc, 'option', '', text));
        option.value = String(k);
        select.append(option);
      });
      select.addEventListener('change', () => set(Number(select.value)));
      show = (value) => { select.value = String(value); };
      box.append(select);
    } else if (control.kind === 'input_box') {
      const many = (control.height ?? 1) > 1;
      const text = /** @type {HTMLInputElement|HTMLTextAreaElement} */ (many ? input('textarea') : input('input', 'text'));
      if (text instanceof HTMLTextAreaElement) {
        text.rows = control.height ?? 2;
        text.cols = Math.min(control.width ?? 80, 120);
      } else {
        text.size = Math.min(control.width ?? 80, 50);
      }
      text.spellcheck = false;
      text.addEventListener('change', () => set(text.value));
      show = (value) => { text.value = String(value ?? ''); };
      box.append(text);
    } else if (control.kind === 'input_grid') {
      const table = make(doc, 'table', 'nb-grid');
      /** @type {HTMLInputElement[][]} */
      const cells = [];
      for (let i = 0; i < (control.rows ?? 0); i++) {
        const tr = make(doc, 'tr');
        cells.push([]);
        for (let j = 0; j < (control.cols ?? 0); j++) {
          const entry = input('input', 'text');
          entry.size = control.width ?? 4;
          entry.setAttribute('aria-label', `${control.label}, row ${i + 1}, column ${j + 1}`);
          entry.addEventListener('change', () => set(cells.map((row) => row.map((e) => e.value))));
          cells[i].push(entry);
          const td = make(doc, 'td');
          td.append(entry);
          tr.append(td);
        }
        table.append(tr);
      }
      show = (value) => cells.forEach((row, i) => row.forEach((e, j) => { e.value = String(value?.[i]?.[j] ?? ''); }));
      box.append(table);
    } else {
      const picker = input('input', 'color');
      const hex = input('input', 'text');
      hex.className = 'nb-hex';
      hex.hidden = Boolean(control.hideBox);
      hex.setAttribute('aria-label', `${control.label} (#rrggbb)`);
      picker.addEventListener('input', () => { hex.value = picker.value; set(picker.value); });
      hex.addEventListener('change', () => {
        if (/^#[0-9a-f]{6}$/i.test(hex.value)) { picker.value = hex.value.toLowerCase(); set(picker.value); }
        else hex.value = picker.value;
      });
      show = (value) => { picker.value = String(value); hex.value = String(value); };
      box.append(picker, hex);
    }
    this.shown.set(control.name, {show, inputs});
    return box;
  }

  // -- called by the server ---------------------------------------------------------------

  /** Its values, run state and whether its kernel lives. @param {InteractState} state */
  setValues(state) {
    this.server = state;
    this.#apply();
    const disabled = !this.canEdit || !state.live;
    for (const {inputs} of this.shown.values()) for (const each of inputs) each.disabled = disabled;
    if (this.updateButton) this.updateButton.disabled = disabled;
    const node = /** @type {HTMLElement} */ (this.node);
    node.dataset.state = state.state;
    node.dataset.live = String(state.live);
    let text = state.state === 'running' ? 'running…' : state.state === 'queued' ? 'queued' : '';
    if (!state.live) text = 'The kernel that made this interact has stopped; run the cell again to use it.';
    else if (!this.auto && state.seq !== state.ranSeq && state.state === 'idle') text = 'Changed: press Update to run it.';
    this.status.textContent = text;
    this.status.title = state.by ? `Last changed by ${state.by}` : '';
    this.#showCurrent();
    return null;
  }

  /** data-current: the output is of the values shown, and nothing runs or is on its way. */
  #showCurrent() {
    const s = this.server;
    const current = s.state === 'idle' && s.seq === s.ranSeq && this.queue.dirty.size === 0;
    /** @type {HTMLElement} */ (this.node).dataset.current = String(current);
  }

  /** Its outputs from its last run. @param {InteractOutputs} shown */
  setOutputs(shown) {
    this.outputs.reset(shown.ov, shown.outputs, shown.outputs.length);
    return null;
  }

  /**
   * Shows the server's values, except where a change of ours is on its way, and in the text
   * box being typed in (its text is sent when it is done: Enter, or leaving it).
   */
  #apply() {
    const active = this.doc.activeElement;
    for (const [name, {show, inputs}] of this.shown) {
      if (this.queue.dirty.has(name) || !(name in this.server.values)) continue;
      const typing = inputs.some((each) => each === active
        && (each instanceof HTMLTextAreaElement || (each instanceof HTMLInputElement && each.type === 'text')));
      if (!typing) show(this.server.values[name]);
    }
  }

  // -- to the server ------------------------------------------------------------------------

  /** @param {Record<string, unknown>} values */
  async #send(values) {
    try {
      await this.callRemote('change', values);
    } catch (error) {
      this.#tell(error);
      throw error;
    }
  }

  async #update() {
    try {
      await this.callRemote('update');
    } catch (error) {
      this.#tell(error);
    }
  }

  /** @param {unknown} error */
  #tell(error) {
    const message = error instanceof Error ? error.message : String(error);
    const worksheet = /** @type {{showError?: (m: string) => void}|null|undefined} */ (
      /** @type {any} */ (this.parent)?.worksheet);
    worksheet?.showError?.(message);
  }
}

/**
 * The element of interact `id` among the widgets under `cell`, or, before they are built, in
 * its markup (the cell's output area asks for it while it draws a place for it).
 * @param {Widget} cell @param {string} id
 * @returns {Element|null}
 */
export function interactNode(cell, id) {
  const widget = cell.children.find((w) => w instanceof Interact && w.interactId === id);
  if (widget) return widget.node;
  for (const node of cell.node.querySelectorAll('.nb-interact')) {
    if (/** @type {HTMLElement} */ (node).dataset.interactId === id) return node;
  }
  return null;
}

/**
 * Puts interact widget `widget` in the place its cell's output area drew for it, if drawn.
 * @param {Element} outputNode @param {Interact} widget
 */
export function placeInteract(outputNode, widget) {
  for (const slot of outputNode.querySelectorAll('.nb-interact-slot')) {
    if (/** @type {HTMLElement} */ (slot).dataset.interact === widget.interactId) slot.append(widget.node);
  }
}
