// The table of the displayed frame's ions. Cells carry the full-precision value in data-value.

import { fmtError, fmtValue } from './format.js';

const COLUMNS = [
  ['x0', 'x0'],
  ['y0', 'y0'],
  ['sigmaX', 'sigmaX'],
  ['rY', 'rY'],
];

function cell(value, error, key) {
  const td = document.createElement('td');
  td.dataset.key = key;
  td.dataset.value = String(value);
  td.dataset.error = String(error);
  td.textContent = `${fmtValue(value)} ± ${fmtError(error)}`;
  return td;
}

export function renderIonsTable(tbody, countEl, result) {
  countEl.textContent = String(result.ionCount);
  countEl.dataset.value = String(result.ionCount);
  const rows = result.ions.map((ion, i) => {
    const tr = document.createElement('tr');
    tr.dataset.ion = String(i + 1);
    const num = document.createElement('td');
    num.textContent = String(i + 1);
    tr.append(num);
    for (const [key, errKey] of COLUMNS) tr.append(cell(ion[key], ion.errors?.[errKey], key));
    const fit = document.createElement('td');
    fit.textContent = ion.converged === false ? `✗ ${ion.iterations} it` : '✓';
    fit.className = ion.converged === false ? 'bad' : 'good';
    tr.append(fit);
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 6;
    td.className = 'muted';
    td.textContent = 'no ions in this frame';
    tr.append(td);
    rows.push(tr);
  }
  tbody.replaceChildren(...rows);
}
