// @ts-check
// peers.js: other people's carets and selections in a cell's editor, each in their colour with
// their name, kept where they are as the text changes (mapped through every change, so a caret
// moves along as its owner types). Colours are classes (nb-peer-0 .. nb-peer-7, worksheet.css):
// the page's policy admits no inline style. The name fades a few seconds after its owner last
// moved (worksheet.css), not to cover the line above for good; each move of theirs shows it
// again (the caret's widget is made anew). Tested by tests/browser/test_notebook_editor.py.

import {StateEffect, StateField} from '@codemirror/state';
import {Decoration, EditorView, WidgetType} from '@codemirror/view';

/** @typedef {{id: string, name: string, anchor: number, head: number, moves?: number}} Peer
 * UTF-16 offsets; `moves` counts its owner's own moves */

export const COLOURS = 8;

/** @param {string} id @returns {number} the colour class of a person, the same everywhere */
export function colourOf(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return hash % COLOURS;
}

/** Shows (or moves) one person's selection. @type {import('@codemirror/state').StateEffectType<Peer>} */
export const setPeer = StateEffect.define();
/** Keeps only the people whose ids are given (the others left the cell).
 * @type {import('@codemirror/state').StateEffectType<Set<string>>} */
export const keepPeers = StateEffect.define();

class PeerCaret extends WidgetType {
  /**
   * @param {string} name @param {number} colour
   * @param {boolean} below the name goes under the caret (on the cell's first line, where
   *   above it the cell's edge would cut it off)
   * @param {number} moves its owner's moves so far: a new one makes the widget (and its
   *   name's fading) anew
   */
  constructor(name, colour, below, moves) {
    super();
    this.name = name;
    this.colour = colour;
    this.below = below;
    this.moves = moves;
  }

  /** @param {PeerCaret} other */
  eq(other) {
    return other.name === this.name && other.colour === this.colour && other.below === this.below
      && other.moves === this.moves;
  }

  toDOM() {
    const caret = document.createElement('span');
    caret.className = `nb-peer-caret nb-peer-${this.colour}`;
    caret.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = this.below ? 'nb-peer-name nb-peer-below' : 'nb-peer-name';
    label.textContent = this.name;
    caret.append(label);
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

/** @type {StateField<Peer[]>} */
export const peersField = StateField.define({
  create: () => /** @type {Peer[]} */ ([]),
  update(peers, tr) {
    let next = peers;
    if (tr.docChanged) {
      // A caret at an insertion moves after it: usually its owner is the one typing there.
      next = next.map((p) => ({...p, anchor: tr.changes.mapPos(p.anchor, 1),
        head: tr.changes.mapPos(p.head, 1)}));
    }
    for (const effect of tr.effects) {
      if (effect.is(setPeer)) {
        const peer = effect.value;
        const length = tr.newDoc.length;
        const clamp = (/** @type {number} */ n) => Math.max(0, Math.min(n, length));
        const moves = (next.find((p) => p.id === peer.id)?.moves ?? 0) + 1;
        next = [...next.filter((p) => p.id !== peer.id),
          {...peer, anchor: clamp(peer.anchor), head: clamp(peer.head), moves}];
      } else if (effect.is(keepPeers)) {
        const ids = effect.value;
        next = next.filter((p) => ids.has(p.id));
      }
    }
    return next;
  },
  provide: (field) => EditorView.decorations.compute([field, 'doc'], (state) => {
    const ranges = [];
    const firstLineEnd = state.doc.line(1).to;
    for (const peer of state.field(field)) {
      const colour = colourOf(peer.id);
      const [from, to] = [Math.min(peer.anchor, peer.head), Math.max(peer.anchor, peer.head)];
      if (from < to) {
        ranges.push(Decoration.mark({class: `nb-peer-selection nb-peer-${colour}`,
          attributes: {title: peer.name}}).range(from, to));
      }
      const caret = new PeerCaret(peer.name, colour, peer.head <= firstLineEnd, peer.moves ?? 0);
      ranges.push(Decoration.widget({widget: caret, side: 1}).range(peer.head));
    }
    return Decoration.set(ranges, true);
  }),
});
