// @ts-check
// connection.js: what a worksheet page says of its kernel and its running cells while it has
// lost its server: "Disconnected — reconnecting…" while the transport retries, "Server
// stopped" (or "Disconnected") once the page has ended, "No access" once the person's access
// ended (a revoked link: the page then shows only `noAccessNotice`), nothing while it is live.
// A page without its server cannot know whether a cell still runs, so it stops saying so.
// Tested by the browser tests (tests/browser/test_newuser.py).

/** @typedef {{kernel: string, cell: string, reason: string}} Lost */

/**
 * What to show for the connection's `state` (livefragments' transport states), or null when
 * the page is connected and the server's word stands.
 * @param {string} state
 * @param {{error?: {type?: string, message?: string}|null}} [detail]
 * @returns {Lost|null}
 */
export function lostConnection(state, detail = {}) {
  if (state === 'reconnecting') {
    return {kernel: 'Disconnected — reconnecting…', cell: 'disconnected',
      reason: 'The page has lost its server and is trying to reach it again.'};
  }
  if (state === 'closed' && detail.error?.type === 'AccessEnded') {
    return {kernel: 'No access', cell: 'no access', reason: detail.error.message ?? ''};
  }
  if (state === 'closed' || state === 'expired') {
    const message = detail.error?.message ?? '';
    const stopped = /shutting down|stopping|stopped/i.test(message);
    return {kernel: stopped ? 'Server stopped' : 'Disconnected', cell: stopped ? 'server stopped' : 'disconnected',
      reason: message || 'This page is no longer connected to the server; reload it.'};
  }
  return null;
}

/**
 * What a worksheet page shows instead of the worksheet once the person's access has ended.
 * @param {Document} doc @param {string} reason the server's words
 */
export function noAccessNotice(doc, reason) {
  const notice = doc.createElement('section');
  notice.className = 'nb-ended';
  notice.setAttribute('role', 'alert');
  const heading = doc.createElement('h1');
  heading.textContent = 'No access';
  const why = doc.createElement('p');
  why.textContent = reason || 'Your access to this worksheet has ended.';
  const next = doc.createElement('p');
  next.textContent = 'Ask its owner for a new link if you need it again.';
  notice.append(heading, why, next);
  return notice;
}
