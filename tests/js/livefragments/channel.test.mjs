// The sans-IO channel: the shared vectors in tests/vectors/channel/*.json, plus JS-only checks.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {join, dirname} from 'node:path';

import {Channel, messageBytes} from '../../../js/livefragments/channel.js';
import {ProtocolError, QueueOverflow} from '../../../js/livefragments/errors.js';

const vectorDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'vectors', 'channel');
const vectorFiles = readdirSync(vectorDir).filter((name) => name.endsWith('.json')).sort();
const errorClasses = {ProtocolError, QueueOverflow};

/** Runs one vector file's steps against a fresh Channel. */
function runVector(vector) {
  const channel = new Channel(vector.options ?? {});
  vector.steps.forEach((step, index) => {
    const where = `${vector.name} step ${index} (${step.op})`;
    const attempt = (fn) => {
      if (step.error) {
        assert.ok(errorClasses[step.error], `${where}: unknown error ${step.error}`);
        assert.throws(fn, errorClasses[step.error], where);
        return undefined;
      }
      return fn();
    };
    switch (step.op) {
      case 'enqueue':
        attempt(() => channel.enqueue(step.action, step.args, step.key ?? null));
        break;
      case 'takeBatch':
        assert.deepEqual(channel.takeBatch(), step.expect, where);
        break;
      case 'unacked':
        assert.deepEqual(channel.unacked(), step.expect, where);
        break;
      case 'receive': {
        const result = attempt(() => channel.receive(step.envelope));
        if (!step.error) assert.deepEqual(result, step.expect, where);
        break;
      }
      case 'state':
        assert.deepEqual({
          ack: channel.ack,
          unacked: channel.unacked().map(([seq]) => seq),
          held: channel.held,
          waiting: channel.waitingCount,
        }, step.expect, where);
        break;
      default:
        assert.fail(`${where}: unknown op`);
    }
  });
}

test('there are shared channel vectors to run', () => {
  assert.ok(vectorFiles.length >= 10, `only ${vectorFiles.length} vector files`);
});

for (const file of vectorFiles) {
  const vector = JSON.parse(readFileSync(join(vectorDir, file), 'utf8'));
  test(`vector ${file}: ${vector.description}`, () => {
    assert.equal(`${vector.name}.json`, file, 'a vector is named after its file');
    assert.ok(vector.steps.length > 0);
    runVector(vector);
  });
}

test('hasWaiting and hasUnacked follow the queue', () => {
  const channel = new Channel();
  assert.equal(channel.hasWaiting, false);
  assert.equal(channel.hasUnacked, false);
  channel.enqueue('call', [null, 1, 'a', [], {}]);
  assert.equal(channel.hasWaiting, true);
  assert.deepEqual(channel.envelope(), [-1, [[0, ['call', [null, 1, 'a', [], {}]]]]]);
  assert.equal(channel.hasWaiting, false);
  assert.equal(channel.hasUnacked, true);
  assert.equal(channel.nextSeq, 1);
  channel.receive([0, []]);
  assert.equal(channel.hasUnacked, false);
  assert.equal(channel.outboundBytes, 0);
});

test('envelope() carries the ack of the peer messages processed so far', () => {
  const channel = new Channel();
  channel.receive([-1, [[0, ['close', [{type: 'Closed', message: 'Bye.'}]]]]]);
  assert.deepEqual(channel.envelope(), [0, []]);
});

test('outbound bytes count the UTF-8 of the compact JSON of [action, args]', () => {
  assert.equal(messageBytes('call', ['é']), JSON.stringify(['call', ['é']]).length + 1);
  const channel = new Channel();
  channel.enqueue('call', ['é'], 'k');
  channel.enqueue('call', ['ab'], 'k');
  assert.equal(channel.outboundBytes, messageBytes('call', ['ab']));
});

test('enqueue refuses a non-string action, non-array args and a non-string key', () => {
  const channel = new Channel();
  assert.throws(() => channel.enqueue(1, []), {name: 'TypeError', message: /action must be a string/});
  assert.throws(() => channel.enqueue('call', {}), {name: 'TypeError', message: /args must be an array/});
  assert.throws(() => channel.enqueue('call', [], 3), {name: 'TypeError', message: /key must be a string or null/});
  assert.equal(channel.waitingCount, 0);
});

test('the constructor refuses limits that are not positive integers', () => {
  assert.throws(() => new Channel({maxHeld: 0}), /maxHeld must be a positive integer/);
  assert.throws(() => new Channel({maxOutboundBytes: 1.5}), /maxOutboundBytes must be a positive integer/);
});

test('protocol errors are full sentences', () => {
  const channel = new Channel();
  assert.throws(() => channel.receive([3, []]),
    {message: 'The envelope acknowledges message 3, but this side has sent no messages.'});
  assert.throws(() => channel.receive({}), {message: 'An envelope must be an array [ack, messages], not an object.'});
  assert.throws(() => channel.receive([-1, [[0, ['call', 1]]]]),
    {message: 'The message at index 0 of the envelope has args that are not an array: the number 1.'});
});

test('a large resend of 1000 messages is processed once, in order', () => {
  const sender = new Channel();
  const receiver = new Channel();
  for (let i = 0; i < 1000; i += 1) sender.enqueue('call', [null, 1, 'n', [i], {}]);
  const batch = sender.takeBatch();
  const reversed = [...batch].reverse();
  const got = receiver.receive([-1, reversed]);
  assert.deepEqual(got.map(([, args]) => args[3][0]), [...Array(1000).keys()]);
  assert.deepEqual(receiver.receive([-1, batch]), []);
  sender.receive([receiver.ack, []]);
  assert.equal(sender.hasUnacked, false);
});

test('the server\'s "last" option sets peerLast (never backwards); missing says messages were not processed', () => {
  const channel = new Channel();
  assert.equal(channel.peerLast, -1);
  assert.equal(channel.missing, false);
  channel.receive([-1, [], {last: 2}]);
  assert.equal(channel.peerLast, 2);
  assert.equal(channel.missing, true);
  channel.receive([-1, [[0, ['call', []]], [1, ['call', []]]], {last: 1}]);
  assert.equal(channel.peerLast, 2, 'an older answer does not lower it');
  assert.equal(channel.missing, true);
  channel.receive([-1, [[2, ['call', []]]]]);
  assert.equal(channel.missing, false);
  channel.receive([-1, [], {last: 'x', other: 1}]);
  assert.equal(channel.peerLast, 2, 'a last that is not an integer is ignored');
  assert.throws(() => channel.receive([-1, [], {last: 9}, {}]), ProtocolError);
  assert.equal(channel.peerLast, 2, 'a rejected envelope changes nothing');
});
