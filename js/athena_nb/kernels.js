// @ts-check
// kernels.js: the home page's Running kernels panel: each worksheet whose kernel runs now (as
// JupyterLab's Running panel, or the old Sage Notebook's active worksheets), its system and
// state, who has it open, the memory its processes take, and Stop, which asks first (its
// variables are lost; the worksheet's next run starts a new kernel). Read when the page opens,
// at Refresh and when the page is looked at again. Tested by tests/browser/test_kernels_panel.py
// and tests/unit/test_kernels_api.py (the API).

import {api, attempt, el, say} from './homekit.js';

/**
 * @typedef {{worksheet: string, title: string, system: string, state: string, reason: string,
 *   people: string[], memory: number|null}} RunningKernel
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Bytes in words: "312 MB". @param {number} bytes */
export function megabytes(bytes) {
  const mb = bytes / 1e6;
  return mb >= 1000 ? `${(mb / 1000).toFixed(1)} GB` : `${Math.max(1, Math.round(mb))} MB`;
}

/** What a kernel's row says of it. @param {RunningKernel} kernel */
export function describe(kernel) {
  const system = kernel.system === 'sage' ? 'Sage' : 'Python';
  const who = kernel.people.length ? `open by ${kernel.people.join(', ')}` : 'open by nobody';
  const memory = kernel.memory ? `, ${megabytes(kernel.memory)}` : '';
  return `${system}, ${kernel.state}${memory}; ${who}`;
}

/** @param {RunningKernel} kernel */
function row(kernel) {
  const link = el('a', {href: `/worksheets/${encodeURIComponent(kernel.worksheet)}/`}, kernel.title);
  return el('li', {className: 'worksheet-row', 'data-worksheet': kernel.worksheet},
    el('div', {className: 'worksheet-name'}, link),
    el('span', {className: 'worksheet-meta', title: kernel.reason}, describe(kernel)),
    el('div', {className: 'row-actions'},
      el('button', {type: 'button', className: 'danger', 'aria-label': `Stop the kernel of ${kernel.title}`,
                    onclick: () => stop(kernel)}, 'Stop')));
}

/** @param {RunningKernel} kernel */
function stop(kernel) {
  const busy = kernel.state === 'busy' ? ' The cell it runs stops, and the queued ones do not run.' : '';
  if (!confirm(`Stop the kernel of “${kernel.title}”? Every variable it holds is lost.${busy}`)) return;
  attempt(async () => {
    await api('POST', `/api/kernels/${encodeURIComponent(kernel.worksheet)}/stop`);
    say(`The kernel of “${kernel.title}” is stopped.`);
    await show();
  });
}

async function show() {
  const {kernels} = await api('GET', '/api/kernels');
  $('kernel-list').replaceChildren(...(/** @type {RunningKernel[]} */ (kernels)).map(row));
  $('no-kernels').hidden = kernels.length > 0;
}

$('refresh-kernels').addEventListener('click', () => attempt(show));
// Kernels start and stop in other tabs: the list is read again when this one is looked at.
document.addEventListener('visibilitychange', () => document.hidden || attempt(show));
attempt(show);
