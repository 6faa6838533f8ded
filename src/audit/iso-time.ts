/**
 * `new Date(ms).toISOString()` for the record's `time`, without a Date per record: the text up to the
 * seconds is kept for the second it was last made for (records of one second share it), and only the
 * milliseconds are written each time. Date's own formatting cost more than the rest of the record.
 */
let second = NaN;
let prefix = '';

export function isoTime(ms: number): string {
  // Date's time value drops the fraction (TimeClip), toward zero.
  const t = Math.trunc(ms);
  // Outside what a Date holds (or NaN): Date's own RangeError.
  if (!(t >= -8.64e15 && t <= 8.64e15)) return new Date(ms).toISOString();
  const s = Math.floor(t / 1000);
  if (s !== second) {
    prefix = new Date(s * 1000).toISOString().slice(0, -4);
    second = s;
  }
  const frac = t - s * 1000;
  return `${prefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}
