// @ts-check
// runtime.js: the page's runtime: boot block, module loading, hydration, and the glue between
// widgets, calls and the transport. Loaded by the page as its one script; it boots itself.
// Tested by tests/js/livefragments/runtime.test.mjs.

import {Channel} from './channel.js';
import {WidgetDescription, decode, moduleURL, modulesIn} from './codec.js';
import {describeJson, toErrorObject} from './errors.js';
import {Rpc} from './rpc.js';
import {StatusIndicator} from './status.js';
import {State, Transport, browserEnvironment} from './transport.js';
import {Widget} from './widget.js';

/**
 * The boot object (protocol.md section 2).
 * @typedef {Object} Boot
 * @property {string} clientId
 * @property {string} csrf
 * @property {string} transport
 * @property {string|null} websocket
 * @property {boolean} preferWebSocket
 * @property {string} moduleRoot
 * @property {{clientTimeout?: number, idleTimeout?: number, disconnectTimeout?: number, maxMessageBytes?: number}} settings
 * @property {Array<Record<string, unknown>>} widgets
 */

/** Where an inserted widget's markup goes relative to the container (insertAdjacentHTML). */
const POSITIONS = new Set(['beforebegin', 'afterbegin', 'beforeend', 'afterend']);

/**
 * Reads and checks the boot block of a document.
 * @param {Document} document
 * @returns {Boot}
 */
export function readBoot(document) {
  const block = document.getElementById('lf-boot');
  if (!block) {
    throw new Error('The page has no <script type="application/json" id="lf-boot"> block; livefragments did not render it.');
  }
  return checkBoot(JSON.parse(block.textContent ?? ''));
}

/**
 * @param {unknown} boot
 * @returns {Boot}
 */
export function checkBoot(boot) {
  const problem = (/** @type {string} */ what) => new Error(`The boot block is not valid: ${what}.`);
  if (boot === null || typeof boot !== 'object' || Array.isArray(boot)) throw problem('it is not a JSON object');
  const fields = /** @type {Record<string, unknown>} */ (boot);
  for (const key of ['clientId', 'csrf', 'transport', 'moduleRoot']) {
    if (typeof fields[key] !== 'string' || fields[key] === '') throw problem(`"${key}" must be a non-empty string, not ${describeJson(fields[key])}`);
  }
  if (fields.websocket !== null && fields.websocket !== undefined && typeof fields.websocket !== 'string') {
    throw problem(`"websocket" must be a string or null, not ${describeJson(fields.websocket)}`);
  }
  if (!Array.isArray(fields.widgets)) throw problem(`"widgets" must be an array, not ${describeJson(fields.widgets)}`);
  const settings = fields.settings ?? {};
  if (typeof settings !== 'object' || Array.isArray(settings)) throw problem('"settings" must be an object');
  return /** @type {Boot} */ ({...fields, websocket: fields.websocket ?? null, preferWebSocket: fields.preferWebSocket === true, settings});
}

/**
 * One live page in the browser. Widgets reach it as `widget.runtime`.
 */
export class Runtime {
  /** @type {Map<number, Widget>} */
  #widgets = new Map();
  /** @type {Map<string, Record<string, unknown>>} loaded module namespaces by URL */
  #modules = new Map();
  /** @type {Map<string, Promise<void>>} */
  #loading = new Map();

  /**
   * @param {Object} options
   * @param {Boot} options.boot
   * @param {Document} options.document
   * @param {(url: string) => Promise<Record<string, unknown>>} [options.importModule]
   * @param {Partial<import('./transport.js').Environment>} [options.env]
   * @param {() => void} [options.reload] what the status indicator's Reload button does
   * @param {boolean} [options.showStatus] add the connection status indicator (default true)
   */
  constructor({boot, document, importModule = (url) => import(url), env = {}, reload, showStatus = true}) {
    this.boot = checkBoot(boot);
    this.document = document;
    this.moduleRoot = this.boot.moduleRoot;
    this.importModule = importModule;
    this.env = {...browserEnvironment(), ...env};
    this.channel = new Channel();
    this.transport = new Transport({
      channel: this.channel,
      deliver: (messages) => this.rpc.receive(messages),
      url: this.boot.transport,
      csrf: this.boot.csrf,
      websocketUrl: this.boot.websocket,
      preferWebSocket: this.boot.preferWebSocket,
      clientTimeout: this.boot.settings.clientTimeout ?? 40,
      env: this.env,
    });
    this.rpc = new Rpc({
      send: (action, args) => this.transport.send(action, args),
      widget: (id) => this.widget(id),
      decode: (value) => this.decode(value),
      missingModules: (value) => this.missingModules(value),
      loadModules: (urls) => this.loadModules(urls),
      reportError: (error) => this.reportError(error),
      protocolError: (error) => this.transport.close(toErrorObject(error)),
    });
    this.transport.addListener((state) => {
      if (state === State.EXPIRED || state === State.CLOSED) {
        const reason = this.transport.closeReason;
        this.rpc.failAll(reason ? `${reason.type}: ${reason.message}` : '');
      }
    });
    /** @type {StatusIndicator|null} */
    this.status = showStatus ? new StatusIndicator(document, this.transport, reload) : null;
  }

  /** Widget 0, once hydrated. @returns {Widget|undefined} */
  get page() {
    return this.#widgets.get(0);
  }

  /**
   * @param {number} id
   * @returns {Widget|undefined}
   */
  widget(id) {
    return this.#widgets.get(id);
  }

  /** Every live widget, in hydration order. @returns {Widget[]} */
  get widgets() {
    return [...this.#widgets.values()];
  }

  /**
   * Calls `method` of the server-side fragment of widget `widgetId`.
   * @param {number} widgetId
   * @param {string} method
   * @param {unknown[]} args
   * @returns {Promise<unknown>}
   */
  callRemote(widgetId, method, args) {
    return this.rpc.call(widgetId, method, args);
  }

  /** Sends the messages queued so far now, not at the end of this task (Transport.flush). */
  flush() {
    this.transport.flush();
  }

  /** @param {Widget} widget removes a detached widget from the registry */
  forget(widget) {
    if (this.#widgets.get(widget.id) === widget) this.#widgets.delete(widget.id);
  }

  /** @param {unknown} error */
  reportError(error) {
    this.env.reportError(error);
  }

  /**
   * Follows the connection's state (connecting, live, reconnecting, expired, closed).
   * @param {(state: string, detail: Object) => void} listener
   * @returns {() => void}
   */
  addListener(listener) {
    return this.transport.addListener(listener);
  }

  /** Closes the page from this side. */
  close() {
    this.transport.close();
  }

  /**
   * @param {unknown} value a received value whose modules are loaded
   * @returns {unknown}
   */
  decode(value) {
    return decode(value, (id) => this.widget(id));
  }

  /**
   * @param {unknown} value a received value
   * @returns {string[]} module URLs it needs that are not loaded yet
   */
  missingModules(value) {
    return [...modulesIn(value, this.moduleRoot)].filter((url) => !this.#modules.has(url));
  }

  /**
   * Imports modules (each once, however often asked).
   * @param {Iterable<string>} urls
   * @returns {Promise<void>} rejects with the first import's error
   */
  async loadModules(urls) {
    await Promise.all([...urls].map((url) => {
      let loading = this.#loading.get(url);
      if (!loading) {
        loading = this.importModule(url).then((namespace) => {
          this.#modules.set(url, namespace);
        });
        this.#loading.set(url, loading);
        loading.catch(() => this.#loading.delete(url)); // a later request may try again
      }
      return loading;
    }));
  }

  /**
   * Loads the modules of the boot widgets, hydrates them parents first and connects. A
   * widget whose module or element is missing is reported and skipped with its descendants.
   * @returns {Promise<this>}
   */
  async start() {
    const descriptions = this.boot.widgets.flatMap((tagged) => {
      try {
        return new WidgetDescription(tagged).flatten();
      } catch (error) {
        this.reportError(error);
        return [];
      }
    });
    const urls = new Set(descriptions.flatMap((d) => [
      ...d.modules, moduleURL(this.moduleRoot, d.path), ...modulesIn(d.args, this.moduleRoot)]));
    await Promise.all([...urls].map((url) => this.loadModules([url]).catch((error) => this.reportError(error))));
    // Every widget's element, found in one walk of the page (one search each would walk it
    // once per widget: a page of thousands of widgets took a quarter of a second).
    /** @type {Map<string, Element>} */
    const elements = new Map();
    for (const element of this.document.querySelectorAll('[data-lf-id]')) {
      const id = element.getAttribute('data-lf-id');
      if (id !== null && !elements.has(id)) elements.set(id, element);
    }
    /** @type {Widget[]} */
    const created = [];
    for (const description of descriptions) {
      if (this.#widgets.has(description.id)) continue;
      try {
        const node = elements.get(String(description.id))
          ?? (description.id === 0 ? this.document.documentElement : null);
        created.push(this.#construct(description, node));
      } catch (error) {
        this.reportError(error);
      }
    }
    this.#loaded(created);
    this.transport.start();
    return this;
  }

  /**
   * Hydrates a widget that arrived after load (a WidgetDescription from a call or answer,
   * whose modules the runtime has loaded): inserts its markup at `position` relative to
   * `container` (or, with position null, expects the markup to be in `container` already)
   * and hydrates it and its descendants.
   * @param {WidgetDescription} description
   * @param {Element} container
   * @param {InsertPosition|null} [position]
   * @returns {Widget} the description's widget
   */
  hydrate(description, container, position = 'beforeend') {
    if (!(description instanceof WidgetDescription)) {
      throw new TypeError('hydrate() takes a WidgetDescription, as received from the server.');
    }
    const all = description.flatten();
    const missing = all.map((d) => moduleURL(this.moduleRoot, d.path)).filter((url) => !this.#modules.has(url));
    if (missing.length > 0) {
      throw new Error(`The modules ${missing.join(', ')} of widget ${description.id} are not loaded; await runtime.loadModules() first.`);
    }
    let scope = container;
    if (position !== null) {
      if (!POSITIONS.has(position)) throw new TypeError(`The position ${describeJson(position)} is not one of ${[...POSITIONS].join(', ')}.`);
      if (description.markup === null) throw new Error(`Widget ${description.id} came without markup to insert.`);
      container.insertAdjacentHTML(position, description.markup);
      if (position === 'beforebegin' || position === 'afterend') scope = /** @type {Element} */ (container.parentNode);
    }
    /** @type {Widget[]} */
    const created = [];
    try {
      for (const each of all) {
        const node = this.#findElement(scope, each.id);
        if (!node) throw new Error(`The markup of widget ${description.id} has no element with data-lf-id="${each.id}".`);
        created.push(this.#construct(each, node));
      }
    } catch (error) {
      for (const widget of created.reverse()) this.#unlink(widget);
      throw error;
    }
    this.#loaded(created);
    return created[0];
  }

  /**
   * @param {ParentNode & {getAttribute?: (name: string) => string|null}} scope
   * @param {number} id
   * @returns {Element|null}
   */
  #findElement(scope, id) {
    if (scope.getAttribute?.('data-lf-id') === String(id)) return /** @type {Element} */ (scope);
    return scope.querySelector(`[data-lf-id="${id}"]`);
  }

  /**
   * @param {WidgetDescription} description
   * @param {Element|null} node
   * @returns {Widget}
   */
  #construct(description, node) {
    const where = `widget ${description.id} (${description.jsClass})`;
    if (this.#widgets.has(description.id)) throw new Error(`There already is a widget ${description.id} on this page; ${where} cannot be hydrated.`);
    if (!node) throw new Error(`The page has no element with data-lf-id="${description.id}" for ${where}.`);
    const namespace = this.#modules.get(moduleURL(this.moduleRoot, description.path));
    if (!namespace) throw new Error(`The module of ${where} is not loaded.`);
    const Class = namespace[description.exportName];
    if (typeof Class !== 'function' || !(Class === Widget || Class.prototype instanceof Widget)) {
      throw new Error(`The module of ${where} does not export a Widget subclass named ${description.exportName}.`);
    }
    const parent = description.parent === null ? null : this.#widgets.get(description.parent);
    if (description.parent !== null && !parent) {
      throw new Error(`The parent ${description.parent} of ${where} is not on this page.`);
    }
    const args = /** @type {unknown[]} */ (this.decode(description.args));
    const widget = new /** @type {typeof Widget} */ (Class)(node, description.id, args, this);
    widget.parent = parent ?? null;
    parent?.children.push(widget);
    this.#widgets.set(description.id, widget);
    return widget;
  }

  /** @param {Widget} widget undoes #construct for a hydration that failed half way */
  #unlink(widget) {
    this.#widgets.delete(widget.id);
    const siblings = widget.parent?.children;
    if (siblings && siblings.includes(widget)) siblings.splice(siblings.indexOf(widget), 1);
    widget.isDetached = true;
  }

  /** @param {Widget[]} created parents first: loaded() runs children first */
  #loaded(created) {
    for (const widget of [...created].reverse()) {
      try {
        widget.loaded();
      } catch (error) {
        this.reportError(error);
      }
    }
  }
}

/**
 * Boots the document this module runs in.
 * @returns {Promise<Runtime>}
 */
export async function bootDocument() {
  const runtime = new Runtime({boot: readBoot(document), document});
  return runtime.start();
}

/** The page's runtime once booted; null when this module runs outside a livefragments page. */
export const booted = typeof document !== 'undefined' && document.getElementById?.('lf-boot')
  ? bootDocument()
  : Promise.resolve(null);
booted.catch((error) => browserEnvironment().reportError(error));
