/**
 * How the run detail and compare views write numbers, sizes, times and durations.
 */

/** A metric value: integers whole, others to 6 significant digits, extremes in exponent form. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e9)) {
    return value.toExponential(4).replace(/\.?0+e/, 'e');
  }
  return String(Number(value.toPrecision(6)));
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** A size in bytes as `512 bytes`, `1.5 KB`, `2.3 MB` (powers of 1024). */
export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) {
    return `${value} ${value === 1 ? 'byte' : 'bytes'}`;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Seconds as `250 ms`, `4.2 s`, `3 min 5 s`, `2 h 4 min`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${Number(seconds.toFixed(seconds < 10 ? 1 : 0))} s`;
  }
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  return `${minutes} min ${rest} s`;
}

/** Milliseconds since the epoch in the browser's locale and time zone. */
export function formatTime(ms: number | null): string {
  if (ms === null) {
    return '';
  }
  return new Date(ms).toLocaleString();
}
