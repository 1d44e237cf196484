// The connection indicator: words for trouble, silence while live, a Reload button only when needed.
import {test} from 'node:test';
import assert from 'node:assert/strict';

import {StatusIndicator} from '../../../js/livefragments/status.js';
import {FakeDocument} from './fakedom.mjs';

function setup(state = 'connecting') {
  const document = new FakeDocument();
  const listeners = [];
  const transport = {state, addListener: (listener) => listeners.push(listener)};
  const reloads = [];
  const indicator = new StatusIndicator(document, transport, () => reloads.push(1));
  const emit = (next, detail = {}) => listeners.forEach((listener) => listener(next, detail));
  return {document, indicator, element: indicator.element, emit, reloads};
}

test('the indicator is a polite status region in the body, empty while connecting or live', () => {
  const {document, element, emit} = setup();
  assert.equal(element.parentNode, document.body);
  assert.equal(element.getAttribute('role'), 'status');
  assert.equal(element.getAttribute('aria-live'), 'polite');
  assert.equal(element.className, 'lf-status');
  assert.equal(element.childNodes.length, 0);
  emit('live', {previous: 'connecting'});
  assert.equal(element.childNodes.length, 0);
  assert.equal(document.documentElement.getAttribute('data-lf-connection'), 'live');
});

test('reconnecting says so without a button, and the words go when the page is live again', () => {
  const {element, emit} = setup('live');
  emit('reconnecting', {reason: 'The server did not answer within 40 s.'});
  assert.equal(element.textContent, 'Connection lost — reconnecting…');
  assert.equal(element.querySelector('button'), null);
  assert.equal(element.getAttribute('data-state'), 'reconnecting');
  emit('live');
  assert.equal(element.textContent, '');
});

test('expired offers a Reload button that reloads only when pressed', () => {
  const {element, emit, reloads} = setup('live');
  emit('expired', {error: {type: 'NoSuchPage', message: 'Gone.'}});
  assert.equal(element.textContent, 'This page has expired — Reload');
  assert.deepEqual(reloads, []);
  const button = element.querySelector('button');
  assert.equal(button.type, 'button');
  button.click();
  assert.deepEqual(reloads, [1]);
});

test('a close says why unless it was our own ordinary close', () => {
  const server = setup('live');
  server.emit('closed', {error: {type: 'Closed', message: 'Shutting down.'}, by: 'server'});
  assert.equal(server.element.textContent, 'This page was closed — Reload');
  const broken = setup('live');
  broken.emit('closed', {error: {type: 'QueueOverflow', message: 'Too many messages.'}, by: 'server'});
  assert.equal(broken.element.textContent, 'This page was closed (Too many messages.) — Reload');
  const ours = setup('live');
  ours.emit('closed', {error: {type: 'Closed', message: 'The page was closed.'}, by: 'client'});
  assert.equal(ours.element.textContent, '');
});

test('a page whose access ended says why and offers no Reload (it would not let the person in)', () => {
  const revoked = setup('live');
  revoked.emit('closed', {error: {type: 'AccessEnded',
    message: 'Your share link was revoked; you no longer have access.'}, by: 'server'});
  assert.equal(revoked.element.textContent,
    'This page was closed: Your share link was revoked; you no longer have access.');
  assert.equal(revoked.element.querySelector('button'), null);
});
