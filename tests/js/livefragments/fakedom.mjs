// A minimal DOM for node tests of the runtime: elements, text, attribute selectors, a tiny
// HTML parser for insertAdjacentHTML, events. Real-browser behaviour is covered in Chromium.

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['script', 'style']);
const ENTITIES = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'"};

const unescape = (text) => text.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, name) => ENTITIES[name]);

class FakeNode extends EventTarget {
  parentNode = null;
  ownerDocument = null;

  get parentElement() {
    return this.parentNode instanceof FakeElement ? this.parentNode : null;
  }

  /** In its document: its topmost ancestor is the document's root element. */
  get isConnected() {
    let node = this;
    while (node.parentNode) node = node.parentNode;
    return node === this.ownerDocument?.documentElement;
  }

  /** Inserts `nodes` just before this node, in its parent. */
  before(...nodes) {
    const parent = this.parentNode;
    for (const node of nodes) {
      const child = typeof node === 'string' ? new FakeText(node) : node;
      child.remove();
      child.parentNode = parent;
      parent.childNodes.splice(parent.childNodes.indexOf(this), 0, child);
    }
  }

  remove() {
    if (!this.parentNode) return;
    const siblings = this.parentNode.childNodes;
    siblings.splice(siblings.indexOf(this), 1);
    this.parentNode = null;
  }
}

export class FakeText extends FakeNode {
  constructor(text) {
    super();
    this.data = text;
  }

  get textContent() {
    return this.data;
  }
}

export class FakeElement extends FakeNode {
  constructor(tagName, ownerDocument = null) {
    super();
    this.tagName = tagName.toUpperCase();
    this.localName = tagName.toLowerCase();
    this.ownerDocument = ownerDocument;
    this.attributes = new Map();
    this.childNodes = [];
  }

  get children() {
    return this.childNodes.filter((n) => n instanceof FakeElement);
  }

  get id() { return this.getAttribute('id') ?? ''; }
  get className() { return this.getAttribute('class') ?? ''; }
  set className(value) { this.setAttribute('class', value); }
  get type() { return this.getAttribute('type') ?? ''; }
  set type(value) { this.setAttribute('type', value); }
  get hidden() { return this.hasAttribute('hidden'); }
  set hidden(value) { if (value) this.setAttribute('hidden', ''); else this.removeAttribute('hidden'); }

  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }
  setAttribute(name, value) { this.attributes.set(name, String(value)); }
  removeAttribute(name) { this.attributes.delete(name); }
  hasAttribute(name) { return this.attributes.has(name); }

  get textContent() {
    return this.childNodes.map((n) => n.textContent).join('');
  }

  set textContent(text) {
    this.replaceChildren(new FakeText(String(text)));
  }

  append(...nodes) {
    for (const node of nodes) {
      const child = typeof node === 'string' ? new FakeText(node) : node;
      child.remove();
      child.parentNode = this;
      this.childNodes.push(child);
    }
  }

  appendChild(node) {
    this.append(node);
    return node;
  }

  replaceChildren(...nodes) {
    for (const child of [...this.childNodes]) child.remove();
    this.append(...nodes);
  }

  /** Inserts parsed markup like the real insertAdjacentHTML. */
  insertAdjacentHTML(position, html) {
    const nodes = parseHTML(html, this.ownerDocument);
    const insertInto = (parent, index) => {
      nodes.forEach((node, offset) => {
        node.parentNode = parent;
        parent.childNodes.splice(index + offset, 0, node);
      });
    };
    switch (position) {
      case 'beforeend': insertInto(this, this.childNodes.length); break;
      case 'afterbegin': insertInto(this, 0); break;
      case 'beforebegin': insertInto(this.parentNode, this.parentNode.childNodes.indexOf(this)); break;
      case 'afterend': insertInto(this.parentNode, this.parentNode.childNodes.indexOf(this) + 1); break;
      default: throw new SyntaxError(`Bad position ${position}.`);
    }
  }

  /** Supports `tag`, `#id`, `.class`, `[attr]` and `[attr="value"]`, combined without spaces. */
  matches(selector) {
    const parts = selector.match(/^([a-z][\w-]*)?(#[\w-]+)?((?:\.[\w-]+)*)((?:\[[\w-]+(?:="[^"]*")?\])*)$/i);
    if (!parts) throw new SyntaxError(`The fake DOM does not support the selector ${selector}.`);
    const [, tag, id, classes, attrs] = parts;
    if (tag && tag.toLowerCase() !== this.localName) return false;
    if (id && this.getAttribute('id') !== id.slice(1)) return false;
    const own = this.className.split(/\s+/);
    if (classes.split('.').slice(1).some((name) => !own.includes(name))) return false;
    for (const [, name, value] of attrs.matchAll(/\[([\w-]+)(?:="([^"]*)")?\]/g)) {
      if (!this.hasAttribute(name)) return false;
      if (value !== undefined && this.getAttribute(name) !== value) return false;
    }
    return true;
  }

  querySelectorAll(selector) {
    const found = [];
    const walk = (node) => {
      for (const child of node.children) {
        if (child.matches(selector)) found.push(child);
        walk(child);
      }
    };
    walk(this);
    return found;
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }

  click() {
    this.dispatchEvent(new Event('click'));
  }
}

export class FakeDocument extends EventTarget {
  constructor() {
    super();
    this.documentElement = new FakeElement('html', this);
    this.head = new FakeElement('head', this);
    this.body = new FakeElement('body', this);
    this.documentElement.append(this.head, this.body);
  }

  createElement(tag) {
    return new FakeElement(tag, this);
  }

  getElementById(id) {
    return this.documentElement.matches(`#${id}`) ? this.documentElement : this.documentElement.querySelector(`#${id}`);
  }

  querySelector(selector) {
    return this.documentElement.matches(selector) ? this.documentElement : this.documentElement.querySelector(selector);
  }

  querySelectorAll(selector) {
    return [...(this.documentElement.matches(selector) ? [this.documentElement] : []), ...this.documentElement.querySelectorAll(selector)];
  }
}

/** Parses a fragment of well-formed HTML into nodes. */
export function parseHTML(html, ownerDocument = null) {
  const root = new FakeElement('template', ownerDocument);
  const stack = [root];
  const token = /<\/([a-z][\w-]*)\s*>|<([a-z][\w-]*)((?:\s+[^\s=>\/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>|<!--[\s\S]*?-->|([^<]+)/gi;
  let match;
  while ((match = token.exec(html)) !== null) {
    const [, close, open, attrs, selfClose, text] = match;
    const top = stack.at(-1);
    if (close) {
      if (top.localName !== close.toLowerCase()) throw new SyntaxError(`Unbalanced </${close}> in ${html}`);
      stack.pop();
    } else if (open) {
      const element = new FakeElement(open, ownerDocument);
      for (const [, name, dq, sq, bare] of attrs.matchAll(/([^\s=>\/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
        element.setAttribute(name, unescape(dq ?? sq ?? bare ?? ''));
      }
      top.append(element);
      if (RAW_TEXT.has(element.localName)) {
        const end = html.toLowerCase().indexOf(`</${element.localName}`, token.lastIndex);
        element.append(new FakeText(html.slice(token.lastIndex, end)));
        token.lastIndex = html.indexOf('>', end) + 1;
      } else if (!selfClose && !VOID.has(element.localName)) {
        stack.push(element);
      }
    } else if (text !== undefined) {
      top.append(new FakeText(unescape(text)));
    }
  }
  if (stack.length !== 1) throw new SyntaxError(`Unclosed <${stack.at(-1).localName}> in ${html}`);
  const nodes = [...root.childNodes];
  for (const node of nodes) node.parentNode = null;
  root.childNodes = [];
  return nodes;
}

/**
 * A document as livefragments renders it: the boot block in the head (escaped as the server
 * does) and `bodyHTML` in the body.
 */
export function renderPage(boot, bodyHTML) {
  const document = new FakeDocument();
  const json = JSON.stringify(boot).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  document.head.insertAdjacentHTML('beforeend', `<script type="application/json" id="lf-boot">${json}</script>`);
  document.body.insertAdjacentHTML('beforeend', bodyHTML);
  return document;
}
