/**
 * Short, readable renderings of times, durations and numbers for the panel's narrow tables.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// One formatter each, made once: `toLocaleString` makes a new one per call, which shows
// when a scrolling table formats every row it paints.
const COUNT = new Intl.NumberFormat();
const MONTH_DAY = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric'
});
const TIMESTAMP = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium'
});

/** `1,234` in the user's locale. */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

/**
 * A time as it reads at a glance: `12s ago`, `5m ago`, `3h ago`, `2d ago` within a week,
 * then a short date (`Mar 3`, or `2023-03-03` in another year).
 */
export function formatRelative(time: number, now: number = Date.now()): string {
  const age = now - time;
  if (age < 0) {
    // A clock ahead of this browser's: say when, not "in the future".
    return formatDate(time, now);
  }
  if (age < 5 * SECOND) {
    return 'just now';
  }
  if (age < MINUTE) {
    return `${Math.floor(age / SECOND)}s ago`;
  }
  if (age < HOUR) {
    return `${Math.floor(age / MINUTE)}m ago`;
  }
  if (age < DAY) {
    return `${Math.floor(age / HOUR)}h ago`;
  }
  if (age < 7 * DAY) {
    return `${Math.floor(age / DAY)}d ago`;
  }
  return formatDate(time, now);
}

/** `Mar 3` this year, `2023-03-03` in another. */
export function formatDate(time: number, now: number = Date.now()): string {
  const date = new Date(time);
  if (date.getFullYear() === new Date(now).getFullYear()) {
    return MONTH_DAY.format(date);
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The full local date and time, for tooltips. */
export function formatTimestamp(time: number): string {
  return TIMESTAMP.format(time);
}

/** `0.4s`, `12s`, `2m 05s`, `1h 02m`, `2d 3h`; an empty string for null. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '';
  }
  if (seconds < 10) {
    return `${Math.max(0, seconds).toFixed(1)}s`;
  }
  if (seconds < 60) {
    return `${Math.floor(seconds)}s`;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  const total = Math.floor(seconds);
  if (total < 3600) {
    return `${Math.floor(total / 60)}m ${pad(total % 60)}s`;
  }
  if (total < 86400) {
    return `${Math.floor(total / 3600)}h ${pad(Math.floor((total % 3600) / 60))}m`;
  }
  return `${Math.floor(total / 86400)}d ${Math.floor((total % 86400) / 3600)}h`;
}

/**
 * A metric with four significant digits (`0.9474`, `12.35`), in exponent notation when
 * very large or very small, so a narrow column still tells values apart.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const size = Math.abs(value);
  if (size !== 0 && (size >= 1e6 || size < 1e-3)) {
    return value.toExponential(2);
  }
  // Trailing zeros stay (`1.000`, `0.9500`) so a column of values lines up; integers
  // are shown whole.
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** `12.5%` of a fraction in [0, 1]. */
export function formatPercent(fraction: number): string {
  if (fraction === 0) {
    return '0%';
  }
  if (fraction < 0.001) {
    return '<0.1%';
  }
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
