// @ts-check
// homekit.js: what the home page (home.js, share.js, whose panel a worksheet's page opens
// too) and its Sessions panel (sessions.js) share: `el` makes an element, `api` makes one call to /api/... and gives its answer or the
// server's sentence as an error, `say` puts a message in the page's status line, `attempt`
// runs an action and says its failure; `SESSIONS_CHANGED`, the event the Sessions list
// listens for. Tested by tests/browser/test_home.py.

/** Dispatched on the document when sessions ended (a link revoked): the list is read again. */
export const SESSIONS_CHANGED = 'athena:sessions-changed';

/**
 * Make an element: el('button', {type: 'button', onclick: f}, 'Text', child...).
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node|string)} children
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (key in node && !key.includes('-')) {
      /** @type {any} */ (node)[key] = value;
    } else {
      node.setAttribute(key, String(value));
    }
  }
  node.append(...children);
  return node;
}

/**
 * Call the API; resolves with the JSON answer, rejects with an Error whose message is the
 * server's sentence.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
export async function api(method, path, body) {
  /** @type {RequestInit & {headers: Record<string, string>}} */
  const init = {method, credentials: 'same-origin', headers: {accept: 'application/json'}};
  if (method !== 'GET') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new Error('The server cannot be reached. Check that it is still running.');
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 403 && answer?.error?.reload) location.reload();
    throw new Error(answer?.error?.message || `The server answered ${response.status}.`);
  }
  return answer;
}

/**
 * Show a message in the status line (errors are announced more urgently).
 * @param {string} message
 */
export function say(message, isError = false) {
  const status = /** @type {HTMLElement} */ (document.getElementById('home-status'));
  status.textContent = message;
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

/**
 * Run an API action, reporting its failure.
 * @param {() => Promise<void>} action
 * @param {(message: string, isError?: boolean) => void} [tell] where (the status line)
 */
export async function attempt(action, tell = say) {
  try {
    await action();
  } catch (error) {
    tell(error instanceof Error ? error.message : String(error), true);
  }
}
