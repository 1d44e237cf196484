// @ts-check
// home.js: the home page's worksheet list (create, open, rename, trash, restore, delete
// forever, search, importing files and downloading worksheets as files; each row's share
// panel is share.js's).
// Tested by tests/browser/test_home.py. The page embeds the first list as JSON (#home-data);
// every change is one call to /api/..., whose answer is the changed data.

import {api, attempt, el, say} from './homekit.js';
import {setUpImport} from './imports.js';
import {markNewWorksheet} from './prefs.js';
import {toggleShare} from './share.js';

/**
 * @typedef {{id: string, title: string, modified: number, trashed: boolean, url: string}} Worksheet
 */

/** @type {Map<string, Worksheet>} */
const worksheets = new Map();
/** @type {Set<string>} the worksheets ticked for one .zip */
const chosen = new Set();
/** @type {[string, string, string][]} each download's format, label and what it is (download.py) */
let downloads = [];
let showTrash = false;
/** @type {Map<string, string>|null} while searching: the worksheets found, with a snippet */
let found = null;
let searchTimer = 0;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {Worksheet} worksheet */
function remember(worksheet) {
  worksheets.set(worksheet.id, worksheet);
}

/** @param {Worksheet} a @param {Worksheet} b */
function byNewest(a, b) {
  return b.modified - a.modified;
}

/** @param {number} seconds since the epoch */
function edited(seconds) {
  const when = new Date(seconds * 1000);
  return el('span', {className: 'worksheet-meta'},
    'Edited ', el('time', {dateTime: when.toISOString()}, when.toLocaleString()));
}

/** @param {Worksheet} worksheet */
function activeRow(worksheet) {
  const name = el('div', {className: 'worksheet-name'},
    el('a', {href: worksheet.url}, worksheet.title));
  const snippet = found?.get(worksheet.id);
  if (snippet) name.append(el('div', {className: 'search-snippet'}, ...marked(snippet)));
  const row = el('li', {className: 'worksheet-row', 'data-id': worksheet.id});
  const actions = el('div', {className: 'row-actions'},
    el('button', {type: 'button', 'aria-label': `Rename ${worksheet.title}`,
                  onclick: () => startRename(row, worksheet)}, 'Rename'),
    el('button', {type: 'button', 'aria-label': `Duplicate ${worksheet.title}`,
                  onclick: () => duplicate(worksheet)}, 'Duplicate'),
    downloadMenu(worksheet),
    el('button', {type: 'button', 'aria-label': `Share ${worksheet.title}`,
                  'aria-expanded': 'false', onclick: (/** @type {MouseEvent} */ event) => toggleShare(row, worksheet,
                  /** @type {HTMLButtonElement} */ (event.currentTarget), editLinkNote)}, 'Share'),
    el('button', {type: 'button', className: 'danger',
                  'aria-label': `Move to trash: ${worksheet.title}`,
                  onclick: () => trash(worksheet)}, 'Move to trash'));
  const tick = el('input', {type: 'checkbox', className: 'choose', checked: chosen.has(worksheet.id),
    'aria-label': `Choose ${worksheet.title}`, onchange: (/** @type {Event} */ event) => {
      const box = /** @type {HTMLInputElement} */ (event.currentTarget);
      if (box.checked) chosen.add(worksheet.id);
      else chosen.delete(worksheet.id);
      showChosen();
    }});
  row.append(tick, name, edited(worksheet.modified), actions);
  return row;
}

/**
 * The row's Download menu: every format a worksheet downloads as (download.py).
 * @param {Worksheet} worksheet
 */
function downloadMenu(worksheet) {
  const items = downloads.map(([format, label, what]) => el('li', {},
    el('a', {href: `${worksheet.url}download/${format}`, download: '',
             'aria-label': `Download ${worksheet.title} as ${what}`}, label)));
  return el('details', {className: 'row-download'},
    el('summary', {className: 'button-like', 'aria-label': `Download ${worksheet.title}`}, 'Download'),
    el('ul', {}, ...items));
}

/** The chosen worksheets that are still in the list (not trashed since, nor deleted). */
function chosenIds() {
  return [...chosen].filter((id) => worksheets.has(id) && !worksheets.get(id)?.trashed);
}

function showChosen() {
  const ids = chosenIds();
  const button = /** @type {HTMLButtonElement} */ ($('download-chosen'));
  button.disabled = ids.length === 0;
  button.textContent = ids.length ? `Download ${ids.length} as .zip` : 'Download chosen as .zip';
}

/** One .zip of the chosen worksheets, as notebooks with their files (archive.py). */
function downloadChosen() {
  return attempt(async () => {
    const ids = chosenIds();
    if (!ids.length) throw new Error('Tick the worksheets to download first.');
    say(`Packing ${ids.length} worksheet${ids.length === 1 ? '' : 's'}…`);
    const query = ids.map((id) => `id=${encodeURIComponent(id)}`).join('&');
    let response;
    try {
      response = await fetch(`/download/worksheets.zip?${query}`, {credentials: 'same-origin'});
    } catch {
      throw new Error('The server cannot be reached. Check that it is still running.');
    }
    if (!response.ok) throw new Error((await response.text()).trim() || `The server answered ${response.status}.`);
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', {href: url, download: 'worksheets.zip', hidden: true});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    say(`Downloaded ${ids.length} worksheet${ids.length === 1 ? '' : 's'} as worksheets.zip.`);
  });
}

/** @param {Worksheet} worksheet */
function trashedRow(worksheet) {
  return el('li', {className: 'worksheet-row', 'data-id': worksheet.id},
    el('div', {className: 'worksheet-name'}, worksheet.title),
    edited(worksheet.modified),
    el('div', {className: 'row-actions'},
      el('button', {type: 'button', 'aria-label': `Restore ${worksheet.title}`,
                    onclick: () => restore(worksheet)}, 'Restore'),
      el('button', {type: 'button', className: 'danger',
                    'aria-label': `Delete forever: ${worksheet.title}`,
                    onclick: () => deleteForever(worksheet)}, 'Delete forever')));
}

/** @param {Worksheet} a @param {Worksheet} b */
function byName(a, b) {
  return a.title.localeCompare(b.title, undefined, {sensitivity: 'base', numeric: true});
}

/** A snippet's «matches» as <mark>s, the rest as text. @param {string} snippet */
function marked(snippet) {
  return snippet.split(/([«»])/).reduce((/** @type {{nodes: (Node|string)[], on: boolean}} */ acc, part) => {
    if (part === '«') acc.on = true;
    else if (part === '»') acc.on = false;
    else if (part) acc.nodes.push(acc.on ? el('mark', {}, part) : part);
    return acc;
  }, {nodes: [], on: false}).nodes;
}

function render() {
  const order = /** @type {HTMLSelectElement} */ ($('sort')).value === 'name' ? byName : byNewest;
  const all = [...worksheets.values()].filter((w) => !found || found.has(w.id)).sort(order);
  const active = all.filter((w) => !w.trashed);
  const trashed = all.filter((w) => w.trashed);
  $('worksheet-list').replaceChildren(...active.map(activeRow));
  $('empty-list').hidden = active.length > 0;
  $('trash').hidden = !showTrash;
  $('trash-list').replaceChildren(...trashed.map(trashedRow));
  $('empty-trash').hidden = trashed.length > 0;
  const toggle = $('show-trash');
  toggle.setAttribute('aria-pressed', String(showTrash));
  toggle.textContent = showTrash ? 'Hide trash' : `Show trash${trashed.length ? ` (${trashed.length})` : ''}`;
  showChosen();
}

/**
 * Put focus on the row of `id` (its first element matching `selector`), else on fallback.
 * @param {string} id
 * @param {HTMLElement} fallback
 * @param {string} [selector]
 */
function focusRow(id, fallback, selector = 'a, button') {
  const row = document.querySelector(`.worksheet-row[data-id="${CSS.escape(id)}"]`);
  const target = row?.querySelector(selector);
  (/** @type {HTMLElement|null} */ (target) || fallback).focus();
}

/** @param {Worksheet} worksheet */
function duplicate(worksheet) {
  return attempt(async () => {
    const {worksheet: copy} = await api('POST', `/api/worksheets/${worksheet.id}/duplicate`, {});
    remember(copy);
    render();
    say(`Made ${copy.title}.`);
    focusRow(copy.id, $('new-worksheet'));
  });
}

/** Searching as one types: the list shows only what is found (an empty box: everything). */
function searchTyped() {
  clearTimeout(searchTimer);
  const text = /** @type {HTMLInputElement} */ ($('search')).value.trim();
  if (!text) {
    found = null;
    render();
    return;
  }
  searchTimer = window.setTimeout(() => attempt(async () => {
    const {results} = await api('GET', `/api/search?q=${encodeURIComponent(text)}`);
    for (const result of results) remember(result.worksheet);
    found = new Map(results.map((/** @type {{worksheet: Worksheet, snippet: string}} */ r) =>
      [r.worksheet.id, r.snippet]));
    render();
    say(results.length === 1 ? '1 worksheet found.' : `${results.length} worksheets found.`);
  }), 150);
}

async function create() {
  const button = /** @type {HTMLButtonElement} */ ($('new-worksheet'));
  button.disabled = true;
  try {
    const {worksheet} = await api('POST', '/api/worksheets', {});
    markNewWorksheet(worksheet.id); // its page puts the caret in its first cell (worksheet.js)
    location.assign(worksheet.url);
  } catch (error) {
    button.disabled = false;
    say(error instanceof Error ? error.message : String(error), true);
  }
}

/**
 * Swap the row's name for a small form.
 * @param {HTMLElement} row
 * @param {Worksheet} worksheet
 */
function startRename(row, worksheet) {
  const input = el('input', {type: 'text', value: worksheet.title, maxLength: 500,
                             'aria-label': `New title for ${worksheet.title}`, required: true});
  // Back to the Rename button, where the keyboard user was.
  const cancel = () => { render(); focusRow(worksheet.id, $('new-worksheet'), 'button'); };
  const form = el('form', {className: 'rename-form', onsubmit: (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    const title = /** @type {HTMLInputElement} */ (input).value.trim();
    if (!title) { say('A worksheet needs a title.', true); return; }
    attempt(async () => {
      const answer = await api('POST', `/api/worksheets/${encodeURIComponent(worksheet.id)}/rename`,
                               {title});
      remember(answer.worksheet);
      render();
      say(`Renamed to “${answer.worksheet.title}”.`);
      focusRow(worksheet.id, $('new-worksheet'));
    });
  }},
  input,
  el('button', {type: 'submit', className: 'primary'}, 'Save'),
  el('button', {type: 'button', onclick: cancel}, 'Cancel'));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.preventDefault(); cancel(); }
  });
  row.replaceChildren(form);
  input.focus();
  /** @type {HTMLInputElement} */ (input).select();
}

/** @param {Worksheet} worksheet */
function trash(worksheet) {
  attempt(async () => {
    const answer = await api('POST', `/api/worksheets/${encodeURIComponent(worksheet.id)}/trash`);
    remember(answer.worksheet);
    render();
    say(`“${worksheet.title}” is in the trash.`);
    $('show-trash').focus();
  });
}

/** @param {Worksheet} worksheet */
function restore(worksheet) {
  attempt(async () => {
    const answer = await api('POST',
      `/api/worksheets/${encodeURIComponent(worksheet.id)}/restore`);
    remember(answer.worksheet);
    render();
    say(`“${worksheet.title}” is back.`);
    focusRow(worksheet.id, $('show-trash'));
  });
}

/** After asking: the worksheet, its history and its files are gone for good. @param {Worksheet} worksheet */
function deleteForever(worksheet) {
  if (!confirm(`Delete “${worksheet.title}” forever? Its cells, outputs, history and files ` +
               'are deleted, and cannot be brought back.')) return;
  attempt(async () => {
    await api('POST', `/api/worksheets/${encodeURIComponent(worksheet.id)}/delete`);
    worksheets.delete(worksheet.id);
    chosen.delete(worksheet.id);
    render();
    say(`“${worksheet.title}” was deleted forever.`);
    $('show-trash').focus();
  });
}

/** What an edit link allows, as the server words it for its kernels' protection (home.py). */
let editLinkNote = '';

function boot() {
  const data = JSON.parse($('home-data').textContent || '{}');
  editLinkNote = data.editLinkNote || '';
  downloads = data.downloads || [];
  for (const worksheet of data.worksheets || []) remember(worksheet);
  $('new-worksheet').addEventListener('click', create);
  $('download-chosen').addEventListener('click', downloadChosen);
  $('search').addEventListener('input', searchTyped);
  $('sort').addEventListener('change', () => render());
  $('show-trash').addEventListener('click', () => {
    showTrash = !showTrash;
    render();
  });
  render();
  setUpImport({
    button: /** @type {HTMLButtonElement} */ ($('import-worksheet')),
    input: /** @type {HTMLInputElement} */ ($('import-file')),
    dropZone: /** @type {HTMLElement} */ (document.querySelector('main.home')),
    imported: (worksheet) => {
      remember(worksheet);
      render();
    },
    say,
  });
  for (const id of ['new-worksheet', 'show-trash']) {
    /** @type {HTMLButtonElement} */ ($(id)).disabled = false; // disabled until now (home.py)
  }
  openShareAsked();
}

/** `/?share=<id>` (a worksheet's "Share…"): that worksheet's share panel, open. */
function openShareAsked() {
  const id = new URLSearchParams(location.search).get('share');
  if (!id) return;
  const row = document.querySelector(`.worksheet-row[data-id="${CSS.escape(id)}"]`);
  const button = row?.querySelector('button[aria-label^="Share "]');
  if (button instanceof HTMLButtonElement && button.getAttribute('aria-expanded') === 'false') {
    button.click();
    button.scrollIntoView({block: 'center'});
    button.focus();
  }
}

boot();
