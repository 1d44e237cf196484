// @ts-check
// status.js: the small connection indicator ("Connection lost — reconnecting…", "This page
// has expired — Reload"). Tested by tests/js/livefragments/status.test.mjs.

/**
 * Shows the transport's trouble, and nothing while all is well. The element is a polite live
 * region that stays in the document (empty when live), so screen readers announce changes.
 * It also mirrors the state on the root element as `data-lf-connection`, for CSS and tests.
 */
export class StatusIndicator {
  /**
   * @param {Document} document
   * @param {{addListener: (listener: (state: string, detail: Object) => void) => unknown, state: string}} transport
   * @param {() => void} [reload] what the Reload button does (default: location.reload())
   */
  constructor(document, transport, reload = () => globalThis.location.reload()) {
    this.document = document;
    this.reload = reload;
    this.element = document.createElement('div');
    this.element.className = 'lf-status';
    this.element.setAttribute('role', 'status');
    this.element.setAttribute('aria-live', 'polite');
    (document.body ?? document.documentElement).append(this.element);
    this.show(transport.state, {});
    transport.addListener((state, detail) => this.show(state, detail));
  }

  /**
   * @param {string} state
   * @param {{error?: {type: string, message: string}|null, by?: string}} detail
   */
  show(state, detail) {
    this.document.documentElement.setAttribute('data-lf-connection', state);
    this.element.setAttribute('data-state', state);
    const error = detail.error ?? null;
    if (state === 'reconnecting') {
      this.#render('Connection lost — reconnecting…', false);
    } else if (state === 'expired') {
      this.#render('This page has expired — ', true);
    } else if (state === 'closed' && !(detail.by === 'client' && error?.type === 'Closed')) {
      // Our own ordinary close (the tab is going away) needs no words. Access that ended (a
      // revoked link, an ended session) would not come back with a reload: no button then.
      if (error?.type === 'AccessEnded') {
        this.#render(`This page was closed: ${error.message}`, false);
        return;
      }
      const why = error && error.type !== 'Closed' ? ` (${error.message})` : '';
      this.#render(`This page was closed${why} — `, true);
    } else {
      this.element.replaceChildren();
    }
  }

  /**
   * @param {string} text
   * @param {boolean} withReload
   */
  #render(text, withReload) {
    const message = this.document.createElement('span');
    message.textContent = text;
    if (!withReload) {
      this.element.replaceChildren(message);
      return;
    }
    const button = this.document.createElement('button');
    button.type = 'button';
    button.textContent = 'Reload';
    // Never reload by itself: the user may have unsaved input (protocol.md 5.3).
    button.addEventListener('click', () => this.reload());
    this.element.replaceChildren(message, button);
  }
}
