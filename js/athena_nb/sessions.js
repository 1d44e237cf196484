// @ts-check
// sessions.js: the home page's Sessions panel: every session of the notebook (the owner's, one per
// browser that logged in, and those of people who came in through share links), with when and
// where from, each with End; and the API tokens the owner made for scripts (docs/api.md), which
// are listed and ended the same way, with the form that makes one.
// Tested by tests/browser/test_sessions.py and tests/unit/test_sessions_api.py (the API). The
// page embeds the key of its own session (#home-data, `session`); ending it logs this browser out.

import {SESSIONS_CHANGED, api, attempt, el, say} from './homekit.js';

/**
 * @typedef {{key: string, role: string, kind: string, scope: string|null, name: string,
 *   worksheetId: string|null,
 *   worksheetTitle: string|null, created: number, lastSeen: number, address: string,
 *   agent: string}} SessionEntry
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {number} seconds since the epoch */
function time(seconds) {
  const when = new Date(seconds * 1000);
  return el('time', {dateTime: when.toISOString()}, when.toLocaleString());
}

/** The browser a user-agent string names, briefly. @param {string} agent */
function browserOf(agent) {
  const known = /(Firefox|Edg|OPR|Chrome|Chromium|Safari)\/[\d.]+/.exec(agent);
  return known ? known[0].replace('Edg/', 'Edge/').replace('OPR/', 'Opera/') : (agent || 'an unknown browser');
}

/**
 * Who a session is, in words.
 * @param {SessionEntry} entry
 * @param {boolean} mine
 */
function who(entry, mine) {
  if (entry.kind === 'api') {
    return `API token “${entry.name}” (${entry.scope === 'read' ? 'read-only' : 'full access'})`;
  }
  if (entry.role === 'owner') return mine ? 'You (owner), this browser' : 'You (owner)';
  const can = entry.role === 'collaborator' ? 'can edit' : 'can view';
  return `${entry.name}, who ${can} “${entry.worksheetTitle ?? 'a worksheet'}”`;
}

/**
 * @param {SessionEntry} entry
 * @param {string} mine the key of this page's own session
 */
function row(entry, mine) {
  const isMine = entry.key === mine;
  const label = who(entry, isMine);
  const item = el('li', {className: 'worksheet-row', 'data-key': entry.key},
    el('div', {className: 'worksheet-name'}, label),
    el('span', {className: 'worksheet-meta'},
      `From ${entry.address || 'an unknown address'} with ${browserOf(entry.agent)}; since `,
      time(entry.created), ', last seen ', time(entry.lastSeen)),
    el('div', {className: 'row-actions'},
      el('button', {type: 'button', className: 'danger', 'aria-label': `End the session of ${label}`,
                    onclick: () => end(entry, isMine, item)}, 'End')));
  return item;
}

/**
 * @param {SessionEntry} entry
 * @param {boolean} isMine
 * @param {HTMLElement} item
 */
function end(entry, isMine, item) {
  attempt(async () => {
    await api('POST', `/api/sessions/${encodeURIComponent(entry.key)}/end`);
    if (isMine) {
      location.assign('/login');
      return;
    }
    item.remove();
    say(entry.kind === 'api' ? `The token “${entry.name}” no longer works.`
      : entry.role === 'owner' ? 'That browser is logged out.'
        : `${entry.name} has lost access; their pages are closed.`);
  });
}

async function show() {
  const data = JSON.parse($('home-data').textContent || '{}');
  const {sessions} = await api('GET', '/api/sessions');
  $('session-list').replaceChildren(
    ...(/** @type {SessionEntry[]} */ (sessions)).map((entry) => row(entry, data.session)));
}

/** Make an API token from the form, show it once, and list it. @param {SubmitEvent} event */
function makeToken(event) {
  event.preventDefault();
  const name = /** @type {HTMLInputElement} */ ($('token-name'));
  const scope = /** @type {HTMLSelectElement} */ ($('token-scope'));
  attempt(async () => {
    const made = await api('POST', '/api/tokens', {name: name.value, scope: scope.value});
    $('token-value').textContent = made.token;
    $('token-made').hidden = false;
    name.value = '';
    say('The token is made; copy it now, it is not shown again.');
    await show();
  });
}

$('token-form').addEventListener('submit', makeToken);
// A link revoked in a row's share panel ends its sessions: the list shows it (share.js).
document.addEventListener(SESSIONS_CHANGED, () => attempt(show));
attempt(show);
