// Time series of x0 and R_y per ion number, kept for the longest window at a fixed resolution so
// memory stays bounded at any result rate (60 min at 40 rows/s = 144,000 rows).

export const MAX_IONS_PLOTTED = 16;
const GAP_MIN_S = 2;
const GAP_FACTOR = 10;

export class SeriesStore {
  constructor({ resolutionS = 0.025, keepS = 3660 } = {}) {
    this.resolutionS = resolutionS;
    this.keepS = keepS;
    this.t = [];
    this.x0 = []; // x0[ion][row]
    this.ry = [];
    this.head = 0; // rows before head are expired
    this.lastStepS = 0;
    this.rowStartS = -Infinity;
    this.gapRows = []; // indices of the all-null rows that break lines, ascending
    this.version = 0;
  }

  get ionCount() {
    return this.x0.length;
  }

  get rows() {
    return this.t.length - this.head;
  }

  /** Adds one result (time in unix seconds); a result within the resolution of the last row replaces it. */
  add(tSec, ions) {
    const n = Math.min(ions.length, MAX_IONS_PLOTTED);
    while (this.x0.length < n) {
      this.x0.push(new Array(this.t.length).fill(null));
      this.ry.push(new Array(this.t.length).fill(null));
    }
    const last = this.t.length - 1;
    // A late result (e.g. fetched over REST after the stream moved on) would break ascending time.
    if (last >= this.head && tSec < this.t[last]) return;
    let row;
    if (last >= this.head && tSec - this.rowStartS < this.resolutionS) {
      // Same row: it shows the newest result of its time slot.
      row = last;
      this.t[row] = tSec;
    } else {
      // A pause in the stream (camera stopped, server restarted) shows as a gap, not a long line.
      if (last >= this.head && tSec - this.t[last] > Math.max(GAP_MIN_S, GAP_FACTOR * this.lastStepS)) this.pushGap();
      if (last >= this.head) this.lastStepS = tSec - this.t[last];
      row = this.t.length;
      this.t.push(tSec);
      this.rowStartS = tSec;
    }
    for (let k = 0; k < this.x0.length; k++) {
      const ion = k < n ? ions[k] : null;
      this.x0[k][row] = ion && Number.isFinite(ion.x0) ? ion.x0 : null;
      this.ry[k][row] = ion && Number.isFinite(ion.rY) ? ion.rY : null;
    }
    this.expire(tSec - this.keepS);
    this.version++;
  }

  pushGap() {
    this.gapRows.push(this.t.length);
    this.t.push(this.t[this.t.length - 1] + this.resolutionS / 2);
    for (const col of this.x0) col.push(null);
    for (const col of this.ry) col.push(null);
  }

  expire(beforeSec) {
    while (this.head < this.t.length && this.t[this.head] < beforeSec) this.head++;
    if (this.head > 4096 && this.head > this.t.length / 2) {
      const cut = this.head;
      this.gapRows = this.gapRows.filter((i) => i >= cut).map((i) => i - cut);
      this.t.splice(0, this.head);
      for (const col of this.x0) col.splice(0, this.head);
      for (const col of this.ry) col.splice(0, this.head);
      this.head = 0;
    }
  }

  /** First row at or after time `from` (binary search; rows are ascending). */
  indexAt(from) {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * uPlot data for rows from `from` on, thinned to at most maxPoints rows.
   * @returns {{ x0: Array<Array<number|null>>, ry: Array<Array<number|null>>, rows: number }}
   */
  view(from, maxPoints) {
    const start = this.indexAt(from);
    const n = this.t.length - start;
    const stride = Math.max(1, Math.ceil(n / maxPoints));
    // Counted back from the newest row so the latest point is always drawn; gap rows are always kept.
    const first = n > 0 ? start + ((n - 1) % stride) : start;
    const rows = [];
    let g = 0;
    while (g < this.gapRows.length && this.gapRows[g] < start) g++;
    for (let i = first; i < this.t.length; i += stride) {
      for (; g < this.gapRows.length && this.gapRows[g] <= i; g++) if (this.gapRows[g] < i) rows.push(this.gapRows[g]);
      rows.push(i);
    }
    const pick = (col) => rows.map((i) => col[i]);
    const t = pick(this.t);
    return {
      x0: [t, ...this.x0.map(pick)],
      ry: [t, ...this.ry.map(pick)],
      rows: n,
    };
  }
}
