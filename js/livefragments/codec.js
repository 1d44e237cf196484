// @ts-check
// codec.js: tagged values on the wire (protocol.md section 6): widget, ref and dict.
// Tested by tests/js/livefragments/codec.test.mjs.

import {ProtocolError, RemoteError, describeJson} from './errors.js';
import {Widget} from './widget.js';

const TAG = '__lf__';
// "path/to/module.js:ExportName", relative to moduleRoot, no "..", no scheme, no leading "/".
const JS_CLASS = /^(?!\/)((?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*\.m?js):([A-Za-z_$][A-Za-z0-9_$]*)$/;

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** @param {unknown} value @returns {value is number} */
function isId(value) {
  return Number.isSafeInteger(value) && /** @type {number} */ (value) >= 0;
}

/**
 * Splits a jsClass into its module path and export name.
 * @param {unknown} jsClass
 * @returns {{path: string, exportName: string}}
 * @throws {ProtocolError} when it is not "path/module.js:Export" under the module root
 */
export function parseJsClass(jsClass) {
  const match = typeof jsClass === 'string' ? JS_CLASS.exec(jsClass) : null;
  if (!match || match[1].split('/').some((part) => part === '.' || part === '..')) {
    throw new ProtocolError(
      `A widget's jsClass must look like "path/module.js:ExportName" below the module root, not ${describeJson(jsClass)}.`);
  }
  return {path: match[1], exportName: match[2]};
}

/**
 * A widget the other side created after the page loaded (or one in the boot block): what the
 * runtime needs to load its modules and hydrate its markup. Descendants are flattened into
 * `children`, parents before children, whether the sender nested them or listed them flat.
 */
export class WidgetDescription {
  /** @param {Record<string, unknown>} tagged the `{"__lf__": "widget", ...}` object */
  constructor(tagged) {
    const {id, parent, jsClass, args, markup, modules, children} = tagged;
    const where = `The description of widget ${describeJson(id)}`;
    if (!isId(id)) throw new ProtocolError(`A widget description's id must be a non-negative integer, not ${describeJson(id)}.`);
    if (parent !== null && parent !== undefined && !isId(parent)) {
      throw new ProtocolError(`${where} has a parent that is neither null nor a widget id: ${describeJson(parent)}.`);
    }
    if (!Array.isArray(args)) throw new ProtocolError(`${where} has args that are not an array: ${describeJson(args)}.`);
    if (markup !== undefined && markup !== null && typeof markup !== 'string') {
      throw new ProtocolError(`${where} has markup that is not a string: ${describeJson(markup)}.`);
    }
    if (modules !== undefined && !(Array.isArray(modules) && modules.every((m) => typeof m === 'string'))) {
      throw new ProtocolError(`${where} has modules that are not an array of strings: ${describeJson(modules)}.`);
    }
    if (children !== undefined && !Array.isArray(children)) {
      throw new ProtocolError(`${where} has children that are not an array: ${describeJson(children)}.`);
    }
    const {path, exportName} = parseJsClass(jsClass);
    /** @type {number} */
    this.id = id;
    /** @type {number|null} */
    this.parent = parent ?? null;
    /** @type {string} */
    this.jsClass = /** @type {string} */ (jsClass);
    /** module path relative to the module root */
    this.path = path;
    this.exportName = exportName;
    /** @type {unknown[]} still encoded: decoded when the widget is hydrated */
    this.args = args;
    /** @type {string|null} */
    this.markup = /** @type {string|null|undefined} */ (markup) ?? null;
    /** @type {string[]} */
    this.modules = /** @type {string[]|undefined} */ (modules) ?? [];
    /** @type {WidgetDescription[]} every descendant, parents first */
    this.children = [];
    for (const child of /** @type {unknown[]} */ (children ?? [])) {
      if (!isObject(child) || child[TAG] !== 'widget') {
        throw new ProtocolError(`${where} has a child that is not a widget description: ${describeJson(child)}.`);
      }
      const description = new WidgetDescription(child);
      this.children.push(description, ...description.children);
      description.children = [];
    }
  }

  /** This widget and every descendant, parents first. @returns {WidgetDescription[]} */
  flatten() {
    return [this, ...this.children];
  }
}

/**
 * Encodes a JavaScript value for the wire: strict JSON, a Widget becomes a ref, an object
 * with its own "__lf__" key is escaped as a dict. `undefined` becomes null.
 * @param {unknown} value
 * @returns {unknown}
 * @throws {TypeError} for anything JSON cannot carry (NaN, Infinity, functions, symbols,
 *   bigints, class instances other than widgets, cycles)
 */
export function encode(value) {
  return encodeInner(value, new Set(), 'the value');
}

/**
 * @param {unknown} value
 * @param {Set<object>} ancestors
 * @param {string} where
 * @returns {unknown}
 */
function encodeInner(value, ancestors, where) {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${where} is ${value}, which JSON cannot carry.`);
      return value;
    case 'object':
      break;
    default:
      throw new TypeError(`${where} is a ${typeof value}, which cannot be sent to the server.`);
  }
  if (value instanceof Widget) return {[TAG]: 'ref', id: value.id};
  if (ancestors.has(value)) throw new TypeError(`${where} contains itself, which JSON cannot carry.`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item, index) => encodeInner(item, ancestors, `${where}[${index}]`));
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = value.constructor?.name ?? 'an object';
      throw new TypeError(`${where} is a ${name}, which cannot be sent to the server; send plain objects, arrays and widgets.`);
    }
    const out = Object.fromEntries(Object.entries(value).map(
      ([key, item]) => [key, encodeInner(item, ancestors, `${where}.${key}`)]));
    return Object.hasOwn(value, TAG) ? {[TAG]: 'dict', value: out} : out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Decodes a value received from the wire.
 * @param {unknown} value parsed JSON
 * @param {(id: number) => Widget|undefined} widgetById resolves refs
 * @returns {unknown} with widget tags as WidgetDescription, refs as Widget instances
 * @throws {RemoteError} type NoSuchWidget for a ref to a widget this side does not have
 * @throws {ProtocolError} for a malformed or unknown tag
 */
export function decode(value, widgetById) {
  if (Array.isArray(value)) return value.map((item) => decode(item, widgetById));
  if (!isObject(value)) return value;
  if (!Object.hasOwn(value, TAG)) {
    // fromEntries defines own properties, so a "__proto__" key stays a plain key.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, decode(item, widgetById)]));
  }
  const tag = value[TAG];
  switch (tag) {
    case 'widget':
      return new WidgetDescription(value);
    case 'ref': {
      if (!isId(value.id)) throw new ProtocolError(`A ref's id must be a widget id, not ${describeJson(value.id)}.`);
      const widget = widgetById(/** @type {number} */ (value.id));
      if (!widget) {
        throw new RemoteError('NoSuchWidget',
          `Widget ${value.id} does not exist on this page (it was never created here or has been detached).`);
      }
      return widget;
    }
    case 'dict':
      if (!isObject(value.value)) {
        throw new ProtocolError(`A dict-tagged value must carry an object, not ${describeJson(value.value)}.`);
      }
      return Object.fromEntries(Object.entries(value.value).map(([key, item]) => [key, decode(item, widgetById)]));
    default:
      throw new ProtocolError(`The tag ${describeJson(tag)} is not one this runtime knows (widget, ref, dict).`);
  }
}

/**
 * The module URLs a received value needs loaded before it can be decoded and hydrated: the
 * `modules` of every widget description in it, and the module of every jsClass.
 * @param {unknown} value parsed JSON
 * @param {string} moduleRoot
 * @param {Set<string>} [into]
 * @returns {Set<string>}
 */
export function modulesIn(value, moduleRoot, into = new Set()) {
  if (Array.isArray(value)) {
    for (const item of value) modulesIn(item, moduleRoot, into);
  } else if (isObject(value)) {
    if (value[TAG] === 'widget') {
      if (Array.isArray(value.modules)) {
        for (const url of value.modules) if (typeof url === 'string') into.add(url);
      }
      const match = typeof value.jsClass === 'string' ? JS_CLASS.exec(value.jsClass) : null;
      if (match) into.add(moduleURL(moduleRoot, match[1]));
    }
    for (const item of Object.values(value)) modulesIn(item, moduleRoot, into);
  }
  return into;
}

/**
 * The URL of a module path below the module root.
 * @param {string} moduleRoot
 * @param {string} path
 * @returns {string}
 */
export function moduleURL(moduleRoot, path) {
  return (moduleRoot.endsWith('/') ? moduleRoot : moduleRoot + '/') + path;
}
