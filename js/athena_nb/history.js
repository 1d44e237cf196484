// @ts-check
// history.js: the worksheet's History panel (CoCalc's TimeTravel). A slider over the
// worksheet's versions shows it read-only at that moment, each cell with who changed it last
// and when; "Compare" shows the diff from another version (per cell, per line); editors can
// restore the version or one cell (new changes every viewer sees live) and name a version; the
// owner can keep a snapshot with outputs. While it is open the slider's range follows the
// versions others make (`changed`: the page calls it whenever the server tells it of a change),
// without moving what is on screen. The server half: athena_nb/web/historycalls.py.
// Tested by tests/js/athena_nb/history.test.mjs and the browser tests
// (tests/browser/test_history.py).

/**
 * @typedef {{id: number, kind: string, text: string, by: string|null, at: number|null}} PastCell
 * @typedef {{t: string, version?: number, cell?: number}} Change
 * @typedef {{version: number, last: number, time: number|null, who: string|null,
 *   change: Change|null, title: string, cells: PastCell[]}} PastState
 * @typedef {{id: number, version: number, name: string, who: string|null, created: number,
 *   outputs: boolean}} VersionName
 * @typedef {{last: number, names: VersionName[]}} HistoryInfo
 * @typedef {{id: number, kind: string, status: string, lines: string[][], by: string|null,
 *   at: number|null}} CellDiff
 */

/** @param {number|null} seconds */
function when(seconds) {
  return seconds == null ? 'before the history began' : new Date(seconds * 1000).toLocaleString();
}

/**
 * @param {string} tag @param {Record<string, string>} [attrs] @param {(Node|string)[]} [children]
 * @returns {HTMLElement}
 */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export class HistoryPanel {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.cells the worksheet's cells, hidden while the panel shows the past
   * @param {(method: string, ...args: unknown[]) => Promise<unknown>} o.ask calls the server;
   *   resolves with undefined when refused (the error already shown)
   * @param {boolean} o.canEdit @param {boolean} o.isOwner
   */
  constructor({cells, ask, canEdit, isOwner}) {
    this.cells = cells;
    this.ask = ask;
    this.canEdit = canEdit;
    this.isOwner = isOwner;
    this.shown = 0; // the version on screen
    /** @type {PastState|null} the version on screen, when the slider shows one (not a diff) */
    this.past = null;
    this.last = 0; // the last version, as last heard
    this.asked = 0; // the last request's number: only its answer is shown
    this.following = false; // asking for the last version, after a change
    this.stale = false; // changed again while asking: ask once more
    this.node = el('section', {class: 'nb-history', 'aria-label': 'History'});
    this.slider = /** @type {HTMLInputElement} */ (el('input', {
      type: 'range', min: '0', max: '0', value: '0', 'aria-label': 'Version', list: 'nb-history-names'}));
    this.label = el('span', {class: 'nb-history-label', role: 'status'});
    this.names = el('datalist', {id: 'nb-history-names'});
    this.nameList = el('ul', {class: 'nb-history-names', 'aria-label': 'Named versions'});
    this.compare = /** @type {HTMLInputElement} */ (el('input', {
      type: 'number', min: '0', value: '0', 'aria-label': 'Compare with version'}));
    this.view = el('div', {class: 'nb-history-view'});
    const button = (/** @type {string} */ label, /** @type {string} */ action, show = true) =>
      show ? [el('button', {type: 'button', class: 'nb-button', 'data-history': action}, [label])] : [];
    this.node.append(
      el('div', {class: 'nb-history-bar'}, [
        el('strong', {}, ['History']), this.slider, this.names, this.label,
        ...button('Restore this version', 'restore', canEdit),
        ...button('Name this version', 'name', canEdit),
        ...button('Snapshot with outputs', 'snapshot', isOwner),
        el('label', {}, ['Compare with ', this.compare]), ...button('Compare', 'compare'),
        ...button('Close', 'close')]),
      this.nameList, this.view);
    this.slider.addEventListener('input', () => this.show(Number(this.slider.value)));
    this.node.addEventListener('click', (event) => this.#click(event));
  }

  get open() {
    return this.node.isConnected;
  }

  /** Open at the last version (or refresh it). */
  async openPanel() {
    if (!this.open) this.cells.before(this.node);
    this.cells.hidden = true;
    const info = /** @type {HistoryInfo|undefined} */ (await this.ask('historyInfo'));
    if (!info) return;
    this.#setInfo(info);
    await this.show(info.last);
  }

  close() {
    this.node.remove();
    this.cells.hidden = false;
  }

  /**
   * The worksheet changed (a text, a cell added, moved or removed, a kind, the title): while
   * open, the slider's range and the label follow the versions it made, the version on screen
   * staying there. One question at a time: the changes that come meanwhile make one more.
   */
  async changed() {
    if (!this.open) return;
    if (this.following) {
      this.stale = true;
      return;
    }
    this.following = true;
    try {
      do {
        this.stale = false;
        const info = /** @type {HistoryInfo|undefined} */ (await this.ask('historyInfo'));
        if (info && this.open) this.#setInfo(info);
      } while (this.stale && this.open);
    } finally {
      this.following = false;
    }
  }

  /** @param {HistoryInfo} info */
  #setInfo(info) {
    if (info.last < this.last) return; // an older answer
    this.last = info.last;
    this.slider.max = String(info.last);
    this.compare.max = String(info.last);
    this.#showLabel();
    this.names.replaceChildren(...info.names.map((n) => el('option', {value: String(n.version), label: n.name})));
    this.nameList.replaceChildren(...info.names.map((n) => el('li', {}, [
      el('button', {type: 'button', class: 'nb-link', 'data-version': String(n.version)},
        [`${n.name} (version ${n.version})`]),
      ...(n.outputs ? [' ', el('button', {type: 'button', class: 'nb-link', 'data-outputs': String(n.id)},
        ['outputs'])] : [])])));
  }

  /** Show the worksheet right after `version`, read-only. @param {number} version */
  async show(version) {
    const asked = ++this.asked;
    const past = /** @type {PastState|undefined} */ (await this.ask('historyAt', version));
    if (!past || asked !== this.asked) return;
    this.shown = version;
    this.past = past;
    this.last = Math.max(this.last, past.last);
    this.slider.max = String(this.last);
    this.slider.value = String(version);
    this.#showLabel();
    this.view.replaceChildren(el('h2', {}, [past.title]), ...past.cells.map((c) => el('article', {
      class: 'nb-history-cell', 'data-cell': String(c.id), 'data-kind': c.kind}, [
      el('p', {class: 'nb-history-by'}, [c.by ? `${c.by}, ${when(c.at)}` : 'unchanged since the history began',
        ...(this.canEdit ? [' ', el('button', {type: 'button', class: 'nb-link', 'data-restore-cell': String(c.id)},
          ['Restore this cell'])] : [])]),
      el('pre', {class: 'nb-history-text'}, [c.text])])));
  }

  /** "Version N of M", who made it and when (a restore says of which version). */
  #showLabel() {
    const past = this.past;
    if (!past) return; // a diff is on screen
    const what = past.change?.t === 'restore' ? `, restoring version ${past.change.version}` +
      (past.change.cell === undefined ? '' : ` of one cell`) : '';
    this.label.textContent = `Version ${past.version} of ${this.last}` +
      (past.who || past.time ? `: ${past.who ?? 'someone'}, ${when(past.time)}${what}` : '');
  }

  /** What changed between version `other` and the one shown, the earlier first. @param {number} other */
  async showDiff(other) {
    const [old, new_] = [Math.min(other, this.shown), Math.max(other, this.shown)];
    const diff = /** @type {CellDiff[]|undefined} */ (await this.ask('historyDiff', old, new_));
    if (!diff) return;
    this.past = null;
    this.label.textContent = `Changes from version ${old} to version ${new_}`;
    this.view.replaceChildren(...diff.map((d) => el('article', {
      class: 'nb-history-cell', 'data-cell': String(d.id), 'data-status': d.status}, [
      el('p', {class: 'nb-history-by'}, [`Cell ${d.id}: ${d.status}`]),
      el('pre', {class: 'nb-history-diff'}, d.lines.map(([tag, line]) => el('span', {
        class: tag === '+' ? 'nb-added' : tag === '-' ? 'nb-removed' : 'nb-kept'}, [`${tag} ${line}\n`])))])));
  }

  /** @param {number} nameId */
  async showOutputs(nameId) {
    const kept = /** @type {{name: string, version: number, outputs: Record<string, any[]>}|undefined} */ (
      await this.ask('historyOutputs', nameId));
    if (!kept) return;
    await this.show(kept.version);
    for (const [cellId, events] of Object.entries(kept.outputs)) {
      const text = events.map((e) => e.text ?? e.data?.['text/plain'] ?? e.evalue ?? '').join('');
      this.view.querySelector(`[data-cell="${cellId}"]`)?.append(el('pre', {class: 'nb-history-output'}, [text]));
    }
  }

  /** @param {Event} event */
  async #click(event) {
    const target = /** @type {HTMLElement} */ (event.target);
    const action = target.dataset.history;
    if (target.dataset.version) return this.show(Number(target.dataset.version));
    if (target.dataset.outputs) return this.showOutputs(Number(target.dataset.outputs));
    if (target.dataset.restoreCell) {
      await this.ask('historyRestoreCell', this.shown, Number(target.dataset.restoreCell));
      return this.openPanel();
    }
    if (action === 'close') return this.close();
    if (action === 'compare') return this.showDiff(Number(this.compare.value));
    if (action === 'restore') {
      const last = await this.ask('historyRestore', this.shown);
      if (last !== undefined) this.close();
      return;
    }
    if (action === 'name' || action === 'snapshot') {
      const name = window.prompt(action === 'name' ? 'A name for this version' : 'A name for this snapshot');
      if (!name) return;
      if (action === 'snapshot') {
        await this.ask('historySnapshot', name);
        return this.openPanel(); // the snapshot is of the last version
      }
      // The version just named stays on screen, so that Restore restores it.
      await this.ask('historyName', this.shown, name);
      const info = /** @type {HistoryInfo|undefined} */ (await this.ask('historyInfo'));
      if (info && this.open) this.#setInfo(info);
      return;
    }
  }
}
