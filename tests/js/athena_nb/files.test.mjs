// js/athena_nb/files.js: sizes said as the server says them (athena_nb/folder.py megabytes).
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {bytes} from '../../../js/athena_nb/files.js';

test('sizes read as the server says them', () => {
  assert.deepEqual([1, 1000, 1536, 600 * 1024, 100 * 2 ** 20, 2 ** 30].map(bytes),
    ['1 byte', '1,000 bytes', '1.5 KiB', '600 KiB', '100 MiB', '1 GiB']);
});
