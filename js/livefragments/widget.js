// @ts-check
// widget.js: the Widget base class (the browser half of a LiveFragment) and the Page, widget 0.
// Tested by tests/js/livefragments/widget.test.mjs and runtime.test.mjs.

import {RemoteError} from './errors.js';

/**
 * What a widget needs from the runtime that hydrated it (the Runtime of runtime.js).
 * @typedef {Object} WidgetHost
 * @property {(widgetId: number, method: string, args: unknown[]) => Promise<unknown>} callRemote
 * @property {(id: number) => Widget|undefined} widget
 * @property {() => void} flush sends the messages queued so far now, not at the end of the task
 * @property {(widget: Widget) => void} forget removes a widget from the page's registry
 * @property {(error: unknown) => void} reportError
 * @property {(description: import('./codec.js').WidgetDescription, container: Element,
 *   position?: InsertPosition|null) => Widget} hydrate places and hydrates a widget that
 *   arrived after load
 * @property {(listener: (state: string, detail: Object) => void) => () => void} addListener
 *   follows the connection's state
 * @property {{readonly kind: 'longpoll'|'websocket'|null}} transport
 */

/** @type {WeakMap<object, Widget>} */
const widgetsByNode = new WeakMap();

/**
 * A client-side widget, paired with a server-side LiveFragment. Subclass it and export the
 * subclass from the module the fragment's jsClass names.
 *
 * The server may call any method of a widget except `constructor`, the framework methods
 * below (callRemote, detach, loaded, detached) and names starting with "_". A method may
 * return a value or a Promise; what it throws goes back to the server as an error object.
 *
 * The runtime constructs widgets parents first, links `parent` and `children` after each
 * constructor returns, and then calls `loaded()` children first.
 */
export class Widget {
  /**
   * @param {Element} node the element carrying data-lf-id
   * @param {number} id the widget id, unique within the page
   * @param {unknown[]} args the fragment's initial arguments (getInitialArguments())
   * @param {WidgetHost} runtime
   */
  constructor(node, id, args, runtime) {
    /** @type {Element} */
    this.node = node;
    /** @type {number} */
    this.id = id;
    /** @type {unknown[]} */
    this.args = args;
    /** @type {WidgetHost} */
    this.runtime = runtime;
    /** @type {Widget|null} */
    this.parent = null;
    /** @type {Widget[]} */
    this.children = [];
    /** True once detached by either side: the server no longer knows it. */
    this.isDetached = false;
    if (node) widgetsByNode.set(node, this);
  }

  /**
   * The widget whose element is `node` or its nearest ancestor, or null.
   * @param {Node|null|undefined} node
   * @returns {Widget|null}
   */
  static get(node) {
    for (let current = node; current; current = current.parentNode) {
      const widget = widgetsByNode.get(current);
      if (widget && !widget.isDetached) return widget;
    }
    return null;
  }

  /**
   * Calls an exposed method of this widget's LiveFragment on the server.
   * @param {string} method
   * @param {...unknown} args plain JSON values and widgets
   * @returns {Promise<unknown>} the result, or a RemoteError with the server's error `type`
   */
  callRemote(method, ...args) {
    if (this.isDetached) {
      return Promise.reject(new RemoteError('NoSuchWidget',
        `Widget ${this.id} (${this.constructor.name}) has been detached; it cannot call the server.`));
    }
    return this.runtime.callRemote(this.id, method, args);
  }

  /** Called once the widget and its descendants are hydrated and linked (children first). */
  loaded() {}

  /** Called once the widget has been detached by either side (descendants first). */
  detached() {}

  /**
   * Detaches this widget and its descendants here and tells the server to forget them. The
   * element stays in the document: remove it in `detached()` if it should go.
   * @returns {Promise<unknown>} settles when the server has answered
   */
  detach() {
    if (this.id === 0) throw new Error('The page (widget 0) cannot be detached; close the page instead.');
    if (this.isDetached) return Promise.resolve(null);
    this._detachLocally();
    return this.runtime.callRemote(0, 'detachWidget', [this.id]);
  }

  /** Forgets this widget and its descendants, deepest first, calling their detached() hooks. */
  _detachLocally() {
    // A copy: each child removes itself from this.children (Athena detached every other child).
    for (const child of [...this.children]) child._detachLocally();
    if (this.parent) {
      const siblings = this.parent.children;
      const index = siblings.indexOf(this);
      if (index !== -1) siblings.splice(index, 1);
    }
    this.parent = null;
    this.isDetached = true;
    if (this.node) widgetsByNode.delete(this.node);
    this.runtime.forget(this);
    try {
      this.detached();
    } catch (error) {
      this.runtime.reportError(error);
    }
  }
}

/** Widget 0: the page itself. It answers the framework's calls from the server. */
export class Page extends Widget {
  /**
   * The server detached widget `id` and its descendants: forget them here.
   * @param {number} id
   * @returns {null}
   */
  detachWidget(id) {
    if (id === 0) throw new RemoteError('BadArguments', 'The page (widget 0) cannot be detached; close it instead.');
    const widget = this.runtime.widget(id);
    if (!widget) throw new RemoteError('NoSuchWidget', `There is no widget ${JSON.stringify(id)} on this page to detach.`);
    widget._detachLocally();
    return null;
  }
}
