// @ts-check
// completions.js: the list of kernel completions under a cell's input (a listbox the input
// points at with aria-activedescendant: arrows move, Enter or Tab accept, Escape closes). Each
// candidate shows its kind, as the kernel says it (a letter, and in words for screen readers).
// Tested through tests/browser/test_notebook.py and tests/browser/test_help.py.

import {codePointToUtf16} from './ot.js';

/** @typedef {{matches: string[], types?: string[], start: number, end: number}} Completions
 * the kernel's answer: `start` and `end` (code points) are the name it completes */

let lists = 0;

/**
 * What Tab does with the kernel's `answer` for `code` (null: no match): the name typed is
 * replaced by the one match, or by the matches' common prefix when that is longer (`insert`,
 * else null), and more than one match are listed. Offsets in UTF-16.
 * @param {string} code @param {Completions} answer
 * @returns {{start: number, end: number, insert: string|null,
 *   list: {matches: string[], kinds: (string|undefined)[]}|null}|null}
 */
export function planCompletion(code, answer) {
  const kinds = new Map((answer?.matches ?? []).map((m, i) => [m, answer?.types?.[i]]));
  const matches = [...kinds.keys()];
  if (!matches.length) return null;
  const start = codePointToUtf16(code, answer.start);
  const end = codePointToUtf16(code, answer.end);
  if (matches.length === 1) return {start, end, insert: matches[0], list: null};
  const prefix = commonPrefix(matches);
  return {start, end, insert: prefix.length > end - start ? prefix : null,
    list: {matches, kinds: matches.map((m) => kinds.get(m))}};
}

/** @param {string[]} words */
export function commonPrefix(words) {
  let prefix = words[0] ?? '';
  for (const word of words) {
    while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** The kernel's kinds (athena_nb/kernel/introspection.py): the letter shown, and in words. */
export const KINDS = /** @type {Record<string, [string, string]>} */ ({
  function: ['f', 'function'], class: ['c', 'class'], module: ['m', 'module'],
  keyword: ['k', 'keyword'], instance: ['v', 'variable'], property: ['p', 'property'],
  lazy: ['l', 'lazily imported'],
  key: ['K', 'key'], file: ['F', 'file'], folder: ['D', 'folder'],
});

export class CompletionList {
  /**
   * @param {HTMLElement} textarea the input the list belongs to (it gets the list's ARIA)
   * @param {string[]} matches
   * @param {(match: string) => void} accept called with the chosen match (the list is closed)
   * @param {HTMLElement} [anchor] the list opens right after it (default: the input)
   * @param {(string|undefined)[]} [kinds] each match's kind, in the same order
   */
  constructor(textarea, matches, accept, anchor = textarea, kinds = []) {
    const doc = textarea.ownerDocument;
    this.textarea = textarea;
    this.matches = matches.slice(0, 200);
    this.accept = accept;
    this.index = 0;
    this.closed = false;
    this.list = doc.createElement('ul');
    this.list.className = 'nb-completions';
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', 'Completions');
    this.list.id = `nb-completions-${++lists}`;
    this.matches.forEach((match, i) => {
      const item = doc.createElement('li');
      item.setAttribute('role', 'option');
      item.id = `${this.list.id}-${i}`;
      const kind = KINDS[kinds[i] ?? ''];
      if (kind) {
        const badge = doc.createElement('span');
        badge.className = 'nb-kind';
        badge.dataset.kind = /** @type {string} */ (kinds[i]);
        badge.setAttribute('aria-hidden', 'true');
        badge.title = kind[1];
        badge.textContent = kind[0];
        item.append(badge);
        item.setAttribute('aria-label', `${match}, ${kind[1]}`);
      }
      item.append(match);
      item.addEventListener('mousedown', (event) => {
        event.preventDefault(); // keep the focus in the textarea
        this.#choose(i);
      });
      this.list.append(item);
    });
    anchor.after(this.list);
    textarea.setAttribute('aria-controls', this.list.id);
    this.#highlight(0);
  }

  /** @param {number} index */
  #highlight(index) {
    const items = [...this.list.children];
    this.index = (index + items.length) % items.length;
    items.forEach((item, i) => item.setAttribute('aria-selected', String(i === this.index)));
    this.textarea.setAttribute('aria-activedescendant', items[this.index].id);
    items[this.index].scrollIntoView?.({block: 'nearest'});
  }

  /** @param {number} index */
  #choose(index) {
    const match = this.matches[index];
    this.close();
    this.accept(match);
  }

  /**
   * A key pressed in the textarea while the list is open.
   * @param {KeyboardEvent} event @returns {boolean} whether the list handled it
   */
  key(event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      this.#highlight(this.index + (event.key === 'ArrowDown' ? 1 : -1));
      return true;
    }
    if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      this.#choose(this.index);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
      return true;
    }
    return false;
  }

  close() {
    this.closed = true;
    this.list.remove();
    this.textarea.removeAttribute('aria-activedescendant');
    this.textarea.removeAttribute('aria-controls');
  }
}
