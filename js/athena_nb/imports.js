// @ts-check
// imports.js: bringing worksheets in from files on the home page: the "Import" button (several
// files at once) and files dropped anywhere on the list. Each file goes as it is to
// /api/import?name=..., which answers with the new worksheet or a sentence saying what is wrong
// with the file (nothing of it is then stored). Tested by tests/browser/test_files.py.

/** What the import call reads (athena_nb/web/home.py, IMPORTERS). */
export const IMPORTABLE = ['.ipynb', '.sws', '.txt'];

/**
 * @param {Object} o
 * @param {HTMLButtonElement} o.button the Import button
 * @param {HTMLInputElement} o.input its hidden file input
 * @param {HTMLElement} o.dropZone where files may be dropped
 * @param {(worksheet: any) => void} o.imported a worksheet was made
 * @param {(message: string, isError?: boolean) => void} o.say
 */
export function setUpImport({button, input, dropZone, imported, say}) {
  input.accept = IMPORTABLE.join(',');
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    importAll(files, imported, say);
  });
  dropZone.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    dropZone.classList.add('dropping');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
  dropZone.addEventListener('drop', (event) => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    dropZone.classList.remove('dropping');
    importAll([...event.dataTransfer.files], imported, say);
  });
  button.disabled = false; // disabled until now (home.py)
}

/**
 * One after the other, each reported; a bad file does not stop the others.
 * @param {File[]} files @param {(worksheet: any) => void} imported
 * @param {(message: string, isError?: boolean) => void} say
 */
async function importAll(files, imported, say) {
  const failed = [];
  let made = 0;
  for (const file of files) {
    say(`Importing ${file.name}…`);
    try {
      imported(await importFile(file));
      made++;
    } catch (error) {
      failed.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (failed.length) say(failed.join(' '), true);
  else say(made === 1 ? 'Imported 1 worksheet.' : `Imported ${made} worksheets.`);
}

/** @param {File} file @returns {Promise<any>} the new worksheet */
async function importFile(file) {
  let response;
  try {
    response = await fetch(`/api/import?name=${encodeURIComponent(file.name)}`, {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: {'content-type': 'application/octet-stream', accept: 'application/json'},
    });
  } catch {
    throw new Error(`${file.name} could not be sent: the server cannot be reached.`);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer?.error?.message || `${file.name}: the server answered ${response.status}.`);
  return answer.worksheet;
}
