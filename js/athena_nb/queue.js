// @ts-check
// queue.js: the worksheet's run queue as everyone sees it, beside the kernel's state: each
// queued or running cell in order, who started it, and (for editors) a Cancel for the queued.
// The server sends the queue with the kernel's state (athena_nb/runner.py, kernelInfo).
// Tested by tests/browser/test_queue.py.

/** @typedef {{cell: number, state: string, by: string|null}} QueueEntry */

export class RunQueue {
  /**
   * @param {HTMLDetailsElement} node the `<details class="nb-queue">` of the toolbar
   * @param {Object} o
   * @param {(cellId: number) => string} o.label how the page names a cell ("cell 3: x = 1")
   * @param {(cellId: number) => void} o.cancel take a queued cell out (editors only)
   * @param {(cellId: number) => void} o.focus go to the cell
   */
  constructor(node, {label, cancel, focus}) {
    this.node = node;
    this.summary = /** @type {HTMLElement} */ (node.querySelector('summary'));
    this.list = /** @type {HTMLOListElement} */ (node.querySelector('ol'));
    this.label = label;
    this.canEdit = false;
    /** @type {QueueEntry[]} */
    this.entries = [];
    this.list.addEventListener('click', (event) => {
      const target = /** @type {HTMLElement} */ (event.target);
      const item = /** @type {HTMLElement|null} */ (target.closest('li[data-cell]'));
      if (!item) return;
      const cellId = Number(item.dataset.cell);
      if (target.closest('button')) cancel(cellId);
      else focus(cellId);
    });
  }

  /** @param {QueueEntry[]} entries @param {boolean} canEdit */
  show(entries, canEdit) {
    this.entries = entries;
    this.canEdit = canEdit;
    this.node.hidden = entries.length === 0;
    const queued = entries.filter((e) => e.state === 'queued').length;
    this.summary.textContent = queued ? `Queue: ${queued} waiting` : 'Queue: running';
    const doc = this.node.ownerDocument;
    this.list.replaceChildren(...entries.map((entry) => {
      const item = doc.createElement('li');
      item.dataset.cell = String(entry.cell);
      item.dataset.state = entry.state;
      const what = doc.createElement('span');
      what.className = 'nb-queue-cell';
      what.textContent = this.label(entry.cell);
      const how = doc.createElement('span');
      how.className = 'nb-queue-state';
      how.textContent = `${entry.state === 'running' ? 'running' : 'queued'}${entry.by ? ` by ${entry.by}` : ''}`;
      item.append(what, how);
      if (canEdit && entry.state === 'queued') {
        const button = doc.createElement('button');
        button.type = 'button';
        button.className = 'nb-button';
        button.textContent = 'Cancel';
        button.setAttribute('aria-label', `Cancel ${what.textContent}`);
        item.append(button);
      }
      return item;
    }));
  }

  /** The cells were renumbered or changed: name them again. */
  relabel() {
    this.show(this.entries, this.canEdit);
  }
}
