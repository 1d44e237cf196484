// @ts-check
// files.js: the worksheet's Files panel (the toolbar's "Files", a popover that stays open while
// one works in it, until its button or Escape closes it): the files of the worksheet's
// directory, the kernel's working directory, listed with their size, each a download, and for
// those who may change the worksheet Rename and Delete, an Upload button (several files at once)
// and files dropped on the panel or anywhere on the worksheet. Large files show a progress bar.
// It talks to /worksheets/<id>/folder/ (athena_nb/web/folder.py), whose refusals are sentences,
// shown as they are. The list is fetched when the panel opens and when the server says the
// files changed (someone uploaded, renamed or deleted one, or a cell wrote one). While the files
// are past their quota (athena_nb/filesquota.py) a line under the toolbar says so, and why the
// cells do not run, with a button that opens the panel.
// Tested by tests/browser/test_folder.py.

/** @typedef {{name: string, size: number, modified: number}} FileEntry */
/**
 * What GET folder/ answers.
 * @typedef {{files: FileEntry[], truncated: boolean, used: number, canChange: boolean,
 *   limits: {maxFileBytes: number|null, maxFilesBytes: number|null}}} Listing
 */

/** Uploads larger than this show a progress bar. */
export const PROGRESS_ABOVE = 256 * 1024;

/** `size` bytes for people, as the server says them. @param {number} size */
export function bytes(size) {
  if (size < 1024) return `${size.toLocaleString('en')} byte${size === 1 ? '' : 's'}`;
  let value = size;
  for (const unit of ['KiB', 'MiB', 'GiB', 'TiB']) {
    value /= 1024;
    if (value < 1024 || unit === 'TiB') return `${value.toFixed(1).replace(/\.0$/, '')} ${unit}`;
  }
  return '';
}

/** A name as a path below folder/ (each part encoded). @param {string} name */
const pathOf = (name) => name.split('/').map(encodeURIComponent).join('/');

/** The sentence of a refusal (JSON `{error: {message}}`), else `fallback`. @param {string} text @param {string} fallback */
function sentence(text, fallback) {
  try {
    return JSON.parse(text)?.error?.message || fallback;
  } catch {
    return fallback;
  }
}

export class FilesPanel {
  /**
   * @param {Object} o
   * @param {HTMLElement} o.host the toolbar's Files button and panel (fragments.py FILES_PANEL)
   * @param {string} o.base the page's path, /worksheets/<id>/
   * @param {boolean} o.canEdit may this viewer change files
   * @param {HTMLElement} o.dropZone where dropped files are uploaded (the worksheet)
   * @param {HTMLElement} o.over the line that says the files are past their quota
   *   (fragments.py filesQuotaBanner)
   */
  constructor({host, base, canEdit, dropZone, over}) {
    this.url = `${base}folder/`;
    this.canEdit = canEdit;
    const $ = (/** @type {string} */ s) => /** @type {HTMLElement} */ (host.querySelector(s));
    this.button = /** @type {HTMLButtonElement} */ ($('[data-files="toggle"]'));
    this.panel = $('.nb-files-panel');
    this.doc = host.ownerDocument;
    this.listNode = $('.nb-files-list');
    this.uploadsNode = $('.nb-files-uploads');
    this.errorNode = $('.nb-files-error');
    this.usedNode = $('.nb-files-used');
    this.input = /** @type {HTMLInputElement} */ ($('input[type="file"]'));
    /** @type {Listing|null} */
    this.listing = null;
    /**
     * The row being renamed: a refresh of the list (someone's upload, the panel opening) keeps
     * it and its field, so that the name being typed is not lost.
     * @type {{name: string, li: HTMLElement, end: () => void}|null}
     */
    this.renaming = null;
    this.upload = /** @type {HTMLButtonElement} */ ($('[data-files="upload"]'));
    this.upload.hidden = !canEdit;
    if (!canEdit) { // the page's note tells editors how to upload
      $('.nb-files-note').textContent = "The worksheet's directory, where its cells run. Each name downloads its file.";
    }
    this.upload.addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])];
      this.input.value = '';
      this.uploadAll(files);
    });
    this.button.addEventListener('click', () => this.show(!this.isOpen));
    // Escape closes it from inside it, and from its button (just pressed to open it).
    for (const node of [this.panel, this.button]) {
      node.addEventListener('keydown', (event) => {
        if (event.key !== 'Escape' || !this.isOpen) return;
        event.stopPropagation();
        this.show(false);
        this.button.focus();
      });
    }
    this.#acceptDrops(dropZone);
    this.over = over;
    over.querySelector('button')?.addEventListener('click', async () => {
      await this.show(true);
      this.button.focus();
    });
  }

  /** The server: why the cells do not run, the files being past their quota; null: they run. @param {string|null} text */
  showOver(text) {
    /** @type {HTMLElement} */ (this.over.querySelector('span')).textContent = text ?? '';
    this.over.hidden = !text;
  }

  /** The page is live: everyone may open the panel, editors upload. */
  loaded() {
    this.button.disabled = false;
    this.upload.disabled = !this.canEdit;
  }

  get isOpen() {
    return !this.panel.hidden;
  }

  /** Open (and list the files) or close the panel. @param {boolean} open */
  async show(open) {
    if (open === this.isOpen) return;
    this.panel.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open) await this.refresh();
  }

  /** Files dropped on `zone` upload (a viewer is told why not; the browser never opens them). @param {HTMLElement} zone */
  #acceptDrops(zone) {
    const hasFiles = (/** @type {DragEvent} */ e) => !!e.dataTransfer?.types.includes('Files');
    // Capturing, so that a cell's editor does not take the files as text.
    zone.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.stopPropagation();
      zone.classList.add('nb-dropping');
    }, true);
    zone.addEventListener('dragleave', () => zone.classList.remove('nb-dropping'));
    zone.addEventListener('drop', (event) => {
      if (!hasFiles(event) || !event.dataTransfer?.files.length) return;
      event.preventDefault();
      event.stopPropagation();
      zone.classList.remove('nb-dropping');
      if (this.canEdit) {
        this.uploadAll([...event.dataTransfer.files]);
        return;
      }
      this.show(true);
      this.#error('You have read-only access to this worksheet, so you cannot upload files to it.');
    }, true);
  }

  /** The server: someone changed the files. */
  changed() {
    if (this.isOpen) this.refresh();
    else this.listing = null;
  }

  async refresh() {
    try {
      const response = await fetch(this.url, {credentials: 'same-origin', headers: {accept: 'application/json'}});
      const text = await response.text();
      if (!response.ok) throw new Error(sentence(text, `The files could not be listed (${response.status}).`));
      this.#show(/** @type {Listing} */ (JSON.parse(text)));
    } catch (error) {
      this.#error(error instanceof Error && error.message !== 'Failed to fetch' ? error.message
        : 'The files could not be listed: the server cannot be reached.');
    }
  }

  /** @param {Listing} listing */
  #show(listing) {
    this.listing = listing;
    const doc = this.doc;
    const renaming = this.renaming;
    const keep = renaming && listing.files.some((f) => f.name === renaming.name) ? renaming.li : null;
    if (renaming && !keep) {
      renaming.end();
      this.#error(`${renaming.name} was renamed or deleted by someone else meanwhile.`);
    }
    const rows = listing.files.map((file) => {
      if (keep && file.name === renaming?.name) {
        const size = /** @type {HTMLElement} */ (keep.querySelector('.nb-files-size'));
        size.textContent = bytes(file.size);
        return keep;
      }
      const li = doc.createElement('li');
      li.dataset.name = file.name;
      const link = doc.createElement('a');
      link.href = this.url + pathOf(file.name);
      link.download = file.name.split('/').pop() ?? file.name;
      link.textContent = file.name;
      link.className = 'nb-files-name';
      const size = doc.createElement('span');
      size.className = 'nb-files-size';
      size.textContent = bytes(file.size);
      li.append(link, size);
      if (listing.canChange) {
        li.append(this.#button('Rename', `Rename ${file.name}`, () => this.#rename(li, file.name)),
          this.#button('Delete', `Delete ${file.name}`, () => this.#delete(file.name)));
      }
      return li;
    });
    if (!rows.length) {
      const li = doc.createElement('li');
      li.className = 'nb-files-empty';
      li.textContent = this.canEdit ? 'No files yet: upload some, or drop them on the worksheet.' : 'No files.';
      rows.push(li);
    }
    if (keep) {
      // Not moved, so that its field keeps the focus and the caret.
      for (const child of [...this.listNode.children]) if (child !== keep) child.remove();
      const at = rows.indexOf(keep);
      keep.before(...rows.slice(0, at));
      keep.after(...rows.slice(at + 1));
    } else {
      this.listNode.replaceChildren(...rows);
    }
    const total = listing.limits.maxFilesBytes;
    this.usedNode.textContent = `${bytes(listing.used)}${total ? ` of ${bytes(total)}` : ''} used` +
      (listing.truncated ? `; only the first ${listing.files.length} files are listed` : '');
  }

  /** @param {string} label @param {string} aria @param {() => void} then */
  #button(label, aria, then) {
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.className = 'nb-button';
    button.textContent = label;
    button.setAttribute('aria-label', aria);
    button.addEventListener('click', then);
    return button;
  }

  /** @param {HTMLElement} li @param {string} name */
  #rename(li, name) {
    const input = this.doc.createElement('input');
    input.type = 'text';
    input.value = name;
    input.setAttribute('aria-label', `New name for ${name}`);
    const link = /** @type {HTMLElement} */ (li.querySelector('.nb-files-name'));
    link.replaceWith(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (/** @type {boolean} */ save) => {
      if (done) return;
      done = true;
      if (this.renaming?.li === li) this.renaming = null;
      const to = input.value.trim();
      if (save && to && to !== name) await this.#call(name, {action: 'rename', to});
      else input.replaceWith(link);
    };
    this.renaming = {name, li, end: () => finish(false)};
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true);
      if (event.key === 'Escape') {
        event.stopPropagation();
        finish(false);
      }
    });
    input.addEventListener('blur', () => finish(false));
  }

  /** @param {string} name */
  async #delete(name) {
    if (!confirm(`Delete ${name}? It cannot be brought back.`)) return;
    await this.#call(name, {action: 'delete'});
    // Its Delete button is gone: the focus stays in the panel (where Escape closes it).
    const next = this.panel.querySelector('.nb-files-list button, [data-files="upload"]:not([hidden])');
    /** @type {HTMLElement} */ (next ?? this.button).focus();
  }

  /** A rename or delete; the list is shown again either way. @param {string} name @param {object} body */
  async #call(name, body) {
    try {
      const response = await fetch(this.url + pathOf(name), {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
        headers: {'content-type': 'application/json', accept: 'application/json'},
      });
      if (!response.ok) this.#error(sentence(await response.text(), `The server answered ${response.status}.`));
      else this.#error('');
    } catch {
      this.#error('The server cannot be reached; nothing was changed.');
    }
    await this.refresh();
  }

  /** Upload each of `files` in turn; a refused one does not stop the others. @param {File[]} files */
  async uploadAll(files) {
    if (!files.length) return;
    if (!this.isOpen) await this.show(true);
    else if (!this.listing) await this.refresh();
    const errors = [];
    for (const file of files) {
      const exists = this.listing?.files.some((f) => f.name === file.name);
      if (exists && !confirm(`Replace ${file.name}?`)) continue;
      const problem = await this.#upload(file, !!exists);
      if (problem) errors.push(problem);
    }
    this.#error(errors.join(' '));
    await this.refresh();
  }

  /** @param {File} file @param {boolean} replace @returns {Promise<string>} the refusal, or '' */
  #upload(file, replace) {
    const doc = this.doc;
    const item = doc.createElement('li');
    const bar = doc.createElement('progress');
    if (file.size > PROGRESS_ABOVE) {
      item.textContent = `${file.name} `;
      bar.max = file.size;
      bar.value = 0;
      bar.setAttribute('aria-label', `Uploading ${file.name}`);
      item.append(bar);
      this.uploadsNode.append(item);
    }
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url + pathOf(file.name) + (replace ? '?replace=1' : ''));
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.addEventListener('progress', (event) => {
        bar.value = event.loaded;
      });
      xhr.addEventListener('loadend', () => {
        item.remove();
        if (xhr.status >= 200 && xhr.status < 300) resolve('');
        else if (xhr.status) resolve(sentence(xhr.responseText, `${file.name}: the server answered ${xhr.status}.`));
        else resolve(this.#lost(file));
      });
      xhr.send(file);
    });
  }

  /** Why an upload's connection closed before an answer, as far as the page can tell. @param {File} file */
  #lost(file) {
    const limit = this.listing?.limits.maxFileBytes;
    if (limit && file.size > limit) {
      return `${file.name} is ${bytes(file.size)}, more than the ${bytes(limit)} a file uploaded to a worksheet may have; the server refused it.`;
    }
    return `The upload of ${file.name} was cut off (the server closed the connection); nothing was uploaded.`;
  }

  /** @param {string} message '' hides it */
  #error(message) {
    this.errorNode.textContent = message;
    this.errorNode.hidden = !message;
  }
}
