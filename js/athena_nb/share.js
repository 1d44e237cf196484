// @ts-check
// share.js: a worksheet's share panel, under its row on the home page and under the toolbar
// of its own page (the owner's Share button, which loads this module when first pressed): its
// edit and view-only links (made, copied, revoked) and the read-only snapshot it publishes for
// the public (published, republished, unpublished). Tested by tests/browser/test_home.py,
// test_public.py and test_share_in_worksheet.py.

import {SESSIONS_CHANGED, api, attempt as attemptTo, el, say} from './homekit.js';

/** @typedef {import('./home.js').Worksheet} Worksheet */
/** @typedef {{token: string, role: string, created: number, revoked: boolean, path: string}} Link */

/** @typedef {(message: string, isError?: boolean) => void} Tell */

/**
 * Open or close the share panel in `row` (a home page row, or the worksheet page's place).
 * @param {HTMLElement} row
 * @param {Pick<Worksheet, 'id'|'title'>} worksheet
 * @param {HTMLButtonElement} button
 * @param {string} editLinkNote what an edit link allows, as the server words it (home.py)
 * @param {Tell} [tell] where its messages go (the home page's status line)
 */
export function toggleShare(row, worksheet, button, editLinkNote, tell = say) {
  const attempt = (/** @type {() => Promise<void>} */ action) => attemptTo(action, tell);
  const open = row.querySelector('.share-panel');
  if (open) {
    open.remove();
    button.setAttribute('aria-expanded', 'false');
    return;
  }
  const links = el('ul', {className: 'share-links', 'aria-label': `Share links of ${worksheet.title}`});
  const base = `/api/worksheets/${encodeURIComponent(worksheet.id)}/links`;
  const show = (/** @type {Link[]} */ list) => links.replaceChildren(...list.map((link) => {
    const url = new URL(link.path, location.href).href;
    const field = el('input', {type: 'text', readOnly: true, value: url,
                               'aria-label': `${link.role} link`});
    const item = el('li', {className: 'share-link'},
      el('span', {className: 'share-role'}, link.role === 'collaborator' ? 'Can edit' : 'Can view'),
      field,
      el('button', {type: 'button', onclick: () => copy(/** @type {HTMLInputElement} */ (field), tell)},
        'Copy'),
      el('button', {type: 'button', className: 'danger', 'aria-label': `Revoke ${link.role} link`,
                    onclick: () => attempt(async () => {
                      // Everyone who came in through it is out at once: asked first.
                      if (!confirm(`Revoke this ${link.role === 'collaborator' ? 'edit' : 'view-only'} ` +
                        'link? Everyone who joined through it loses access at once.')) return;
                      await api('POST', `/api/links/${encodeURIComponent(link.token)}/revoke`);
                      item.remove();
                      document.dispatchEvent(new Event(SESSIONS_CHANGED));
                      tell('The link is revoked; whoever used it has lost access.');
                    })}, 'Revoke'));
    return item;
  }));
  const add = (/** @type {string} */ role) => attempt(async () => {
    await api('POST', base, {role});
    show((await api('GET', base)).links);
  });
  const panel = el('div', {className: 'share-panel'},
    el('p', {}, 'Anyone with a link can join under a name they choose. Revoking a link ends ' +
                'their access at once.'),
    el('p', {className: 'share-note'}, editLinkNote),
    el('div', {className: 'toolbar'},
      el('button', {type: 'button', onclick: () => add('collaborator')}, 'New edit link'),
      el('button', {type: 'button', onclick: () => add('viewer')}, 'New view-only link')),
    links,
    publishSection(worksheet, tell));
  row.append(panel);
  button.setAttribute('aria-expanded', 'true');
  attempt(async () => show((await api('GET', base)).links));
}

/**
 * The part of the share panel that publishes a read-only snapshot for the public.
 * @param {Pick<Worksheet, 'id'|'title'>} worksheet @param {Tell} tell
 */
function publishSection(worksheet, tell) {
  const attempt = (/** @type {() => Promise<void>} */ action) => attemptTo(action, tell);
  const base = `/api/worksheets/${encodeURIComponent(worksheet.id)}`;
  const link = el('div', {className: 'share-links'});
  const publishButton = el('button', {type: 'button', 'aria-label': `Publish snapshot of ${worksheet.title}`,
    onclick: () => attempt(async () => {
      show((await api('POST', `${base}/publish`)).published);
      tell('Published: the public page shows the worksheet as it is now.');
    })}, 'Publish snapshot');
  const unpublishButton = el('button', {type: 'button', className: 'danger',
    'aria-label': `Unpublish ${worksheet.title}`, hidden: true,
    onclick: () => attempt(async () => {
      // Its public link stops working for everyone it was given to (a new one comes with
      // the next publish): asked first, as revoking a link is.
      if (!confirm(`Unpublish “${worksheet.title}”? Its public link stops working for everyone.`)) return;
      show((await api('POST', `${base}/unpublish`)).published);
      tell('Unpublished: the public page is gone.');
    })}, 'Unpublish');
  /** @param {{path: string, at: number} | null} published */
  const show = (published) => {
    unpublishButton.hidden = !published;
    // The visible words begin the accessible name, as voice control expects.
    publishButton.textContent = published ? 'Republish snapshot' : 'Publish snapshot';
    publishButton.setAttribute('aria-label', `${publishButton.textContent} of ${worksheet.title}`);
    if (!published) {
      link.replaceChildren(el('p', {className: 'empty'}, 'Not published.'));
      return;
    }
    const url = new URL(published.path, location.href).href;
    const field = el('input', {type: 'text', readOnly: true, value: url,
                               'aria-label': 'Public link', className: 'public-link'});
    const when = new Date(published.at * 1000);
    link.replaceChildren(el('div', {className: 'share-link'},
      el('span', {className: 'share-role', title: `Published ${when.toLocaleString()}`},
        'Public, ', el('time', {dateTime: when.toISOString()}, when.toLocaleDateString())),
      field,
      el('button', {type: 'button', onclick: () => copy(/** @type {HTMLInputElement} */ (field), tell)},
        'Copy')));
  };
  attempt(async () => show((await api('GET', `${base}/published`)).published));
  return el('section', {className: 'publish-panel', 'aria-label': `Publish ${worksheet.title}`},
    el('p', {}, 'Publishing makes a read-only copy of the worksheet as it is now, for anyone ' +
                'with its public link, no login needed. Republish to refresh it.'),
    el('div', {className: 'toolbar'}, publishButton, unpublishButton),
    link);
}

/** @param {HTMLInputElement} field @param {Tell} tell */
async function copy(field, tell) {
  field.select();
  try {
    await navigator.clipboard.writeText(field.value);
    tell('Link copied.');
  } catch {
    tell('Press Ctrl+C (or ⌘C) to copy the selected link.');
  }
}
