// @ts-check
// presence.js: who is on a worksheet, as its page shows them: the list in the header (this
// person first, each with the cell they are in) and, in each cell, the others who are in it
// (cell.js showPeople). The server sends whole entries and departures (athena_nb/audience.py).
// A person whose page lost its connection a while ago (a closed laptop) is shown "away" in the
// list until it comes back or leaves for good, and is not shown in any cell meanwhile.
// Tested by the browser tests (tests/browser/test_notebook_collab.py).

/** @typedef {{id: string, name: string, role: string, cell: number|null, away?: boolean}} Presence */
/**
 * What the list needs of a cell (cell.js's Cell).
 * @typedef {{cellId: number, showPeople: (names: string[], ids: string[]) => void}} PresenceCell
 */

export class PresenceList {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.node the header's list
   * @param {string} o.viewerId this page's viewer
   * @param {() => PresenceCell[]} o.cells the cells, in order
   * @param {Presence[]} o.presence who is there as the page loads
   */
  constructor({node, viewerId, cells, presence}) {
    this.node = node;
    this.viewerId = viewerId;
    this.cells = cells;
    /** @type {Presence[]} */
    this.entries = [];
    this.show(presence);
  }

  /**
   * Who came, left or moved (an entry, or `{id, gone: true}`).
   * @param {Array<Presence & {gone?: false} | {id: string, gone: true}>} changes
   */
  update(changes) {
    const byId = new Map(this.entries.map((p) => [p.id, p]));
    for (const change of changes) {
      if (change.gone) byId.delete(change.id);
      else byId.set(change.id, change);
    }
    this.show([...byId.values()]);
  }

  /** @param {Presence[]} presence */
  show(presence) {
    this.entries = presence;
    const doc = this.node.ownerDocument;
    const items = [...presence].sort((a, b) => Number(b.id === this.viewerId) - Number(a.id === this.viewerId));
    this.node.replaceChildren(...items.map((p) => {
      const li = doc.createElement('li');
      const me = p.id === this.viewerId;
      li.className = me ? 'nb-person nb-me' : p.away ? 'nb-person nb-away' : 'nb-person';
      li.dataset.viewer = p.id;
      const where = p.cell === null || p.away ? '' : this.#cellNumber(p.cell);
      li.textContent = me ? `${p.name} (you)` : p.away ? `${p.name} (away)` : p.name;
      li.title = `${p.name}${p.role === 'viewer' ? ', read-only' : ''}${where ? `, in cell ${where}` : ''}`
        + (p.away && !me ? ', away: their page lost its connection' : '');
      return li;
    }));
    this.showInCells();
  }

  /** Each cell shows the others who are in it (again after cells came, went or moved). */
  showInCells() {
    for (const cell of this.cells()) {
      const here = this.entries.filter((p) => p.cell === cell.cellId && p.id !== this.viewerId
        && !p.away);
      cell.showPeople(here.map((p) => p.name), here.map((p) => p.id));
    }
  }

  /** @param {number} cellId */
  #cellNumber(cellId) {
    const index = this.cells().findIndex((c) => c.cellId === cellId);
    return index < 0 ? '' : String(index + 1);
  }
}
