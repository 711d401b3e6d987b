// Frame ids and the date/time pieces of file names, all in the server's local time
// (as the legacy server named its folders). Built by hand: this runs once per frame.
const p2 = (n: number) => (n < 10 ? '0' : '') + n;
const p3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n;
const p6 = (n: number) => String(n).padStart(6, '0');

/** YYYYMMDD */
export function dateStamp(d: Date): string {
  return `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}`;
}

/** YYMMDD, the legacy date folder. */
export function dayFolder(d: Date): string {
  return dateStamp(d).slice(2);
}

/** YYYY-MM-DD, the legacy `date` field. */
export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}`;
}

/** HHMMSS */
export function clockStamp(d: Date): string {
  return `${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
}

/** HHMMSS-mmm, the `<time>` of the legacy file names. */
export function fileTime(d: Date): string {
  return `${clockStamp(d)}-${p3(d.getMilliseconds())}`;
}

export function seqStamp(seq: number): string {
  return p6(seq);
}

/** e.g. 20261128-003512-000042: receive time plus the sequence number, unique per process. */
export function frameId(d: Date, seq: number): string {
  return `${dateStamp(d)}-${clockStamp(d)}-${p6(seq)}`;
}
