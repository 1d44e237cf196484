// A cell editor without a DOM for the unit tests: a CodeMirror EditorState with the undo history
// stands in for the view, bound to a CellText exactly as js/athena_nb/editor.js binds it
// (ownOp for every transaction, remoteTransaction for the hub's ops), and a fake hub made of the
// real TextDocument whose calls are answered when the test says.
import {history, redo, undo} from '@codemirror/commands';
import {EditorSelection, EditorState, Transaction} from '@codemirror/state';
import {CellText} from '../../../js/athena_nb/editor/celltext.js';
import {ownOp, remoteTransaction} from '../../../js/athena_nb/editor/changes.js';
import {TextDocument} from '../../../js/athena_nb/ot.js';

export const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A hub for one cell: the real TextDocument; `log` lists every call in the order sent. */
export class FakeHub {
  constructor(text) {
    this.doc = new TextDocument(text);
    this.sites = new Map();
    this.pending = [];
    this.log = [];
  }

  connect(name, site) {
    this.sites.set(name, site);
  }

  send(name) {
    return (op, base, follows) => new Promise((resolve, reject) => {
      this.log.push({name, call: 'edit', op, base, follows});
      this.pending.push({name, op, base, follows, resolve, reject});
    });
  }

  /** Sequence the calls sent so far (at most `count`): broadcast, acknowledge, answer. */
  deliver(count = Infinity) {
    while (this.pending.length && count-- > 0) {
      const {name, op, base, follows, resolve, reject} = this.pending.shift();
      let applied, version;
      try {
        [applied, version] = this.doc.receive(op, base, name, follows);
      } catch (error) {
        reject(Object.assign(error, {type: error.name}));
        continue;
      }
      for (const [other, site] of this.sites) {
        if (other === name) site.cell.acknowledge(version);
        else site.cell.remote(applied, version);
      }
      resolve(version);
    }
  }
}

/** One person's editor on the hub's cell. */
export class Site {
  constructor(hub, name, {now = () => 0} = {}) {
    this.hub = hub;
    this.now = now;
    this.states = [];
    this.state = EditorState.create({doc: hub.doc.text, extensions: [history({newGroupDelay: 1000})]});
    this.cell = new CellText({
      text: hub.doc.text, version: hub.doc.version, send: hub.send(name),
      fetchText: async () => ({text: hub.doc.text, version: hub.doc.version}),
      show: (op) => this.dispatch(remoteTransaction(this.state, op)),
      onStatus: (state) => this.states.push(state),
    });
    hub.connect(name, this);
  }

  get text() {
    return this.state.doc.toString();
  }

  dispatch(spec) {
    const tr = spec instanceof Transaction ? spec : this.state.update(spec);
    this.state = tr.state;
    const op = ownOp(tr);
    if (op) this.cell.local(op);
  }

  /** Types `text` at the selection, one keystroke per character. */
  type(text) {
    for (const ch of text) {
      this.dispatch(this.state.update(this.state.replaceSelection(ch),
        {userEvent: 'input.type', annotations: Transaction.time.of(this.now())}));
    }
  }

  select(anchor, head = anchor) {
    this.dispatch({selection: EditorSelection.single(anchor, head)});
  }

  get selection() {
    const main = this.state.selection.main;
    return [main.anchor, main.head];
  }

  undo() {
    return undo({state: this.state, dispatch: (tr) => this.dispatch(tr)});
  }

  redo() {
    return redo({state: this.state, dispatch: (tr) => this.dispatch(tr)});
  }
}
