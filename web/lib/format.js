// Number formatting shared by the table, the caption and the stats bar.

/** A fitted value in px, two decimals (sub-pixel positions). */
export function fmtValue(v) {
  return Number.isFinite(v) ? v.toFixed(2) : '–';
}

/** An error bar: two decimals, or two significant digits when smaller than 0.1. */
export function fmtError(e) {
  if (!Number.isFinite(e)) return '–';
  if (e === 0) return '0';
  const a = Math.abs(e);
  // A huge error marks a degenerate fit; keep it readable.
  if (a >= 1000) return e.toExponential(1);
  return a < 0.1 ? e.toPrecision(2) : e.toFixed(2);
}

export function fmtRate(v) {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso ?? '');
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${d.toLocaleTimeString([], { hour12: false })}.${ms}`;
}
