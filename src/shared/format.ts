/**
 * How every view writes numbers, sizes, times and durations: one rule each, so a value
 * reads the same in the runs table, the run detail, the comparison, the datasets and the
 * lineage graph.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The significant digits a number is shown with. */
const SIGNIFICANT_DIGITS = 5;

// One formatter each, made once: `toLocaleString` makes a new one per call, which shows
// when a scrolling table formats every row it paints or a graph draws hundreds of nodes.
const COUNT = new Intl.NumberFormat();
const WHOLE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat(undefined, {
  minimumFractionDigits: 1,
  maximumFractionDigits: 1
});
const DECIMAL = new Intl.NumberFormat(undefined, {
  maximumSignificantDigits: SIGNIFICANT_DIGITS
});
const PERCENT = new Intl.NumberFormat(undefined, {
  style: 'percent',
  maximumFractionDigits: 1
});
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
 * A count that may have stopped at its bound: `100,000+` when not `complete` (at least
 * that many), else as {@link formatCount}.
 */
export function formatAtLeast(value: number, complete: boolean): string {
  return complete ? formatCount(value) : `${formatCount(value)}+`;
}

/**
 * A metric or any other measured value: integers whole with the user's digit grouping
 * (`1,200`), others to five significant digits without trailing zeros (`0.95123`,
 * `46.95`), and in exponent notation when very small or very large (`1.74e-58`), so a
 * narrow column still tells values apart. An empty string for nothing.
 */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (!Number.isFinite(value)) {
    return String(value);
  }
  const size = Math.abs(value);
  if (Number.isInteger(value) && size < 1e15) {
    return COUNT.format(value);
  }
  if (size !== 0 && (size < 1e-4 || size >= 1e9)) {
    return value.toExponential(SIGNIFICANT_DIGITS - 1).replace(/\.?0+e/, 'e');
  }
  return DECIMAL.format(value);
}

/** `12.5%` of a fraction (0 to 1), and `<0.1%` rather than a share that rounds to none. */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.001) {
    return '<0.1%';
  }
  return PERCENT.format(fraction);
}

/** A signed change, e.g. `+300` or `−1.5`, or `no change`; empty for none known. */
export function formatChange(change: number | null | undefined): string {
  if (change === null || change === undefined) {
    return '';
  }
  if (change === 0) {
    return 'no change';
  }
  return (change > 0 ? '+' : '\u2212') + formatNumber(Math.abs(change));
}

/** A count's change with its relative size, e.g. `+300, +15%`. */
export function formatCountChange(
  from: number | null,
  to: number | null,
  change: number | null
): string {
  if (change === null || from === null || to === null) {
    return '';
  }
  if (change === 0) {
    return 'no change';
  }
  const relative =
    from !== 0
      ? `, ${change > 0 ? '+' : '\u2212'}${formatPercent(Math.abs(change) / from)}`
      : '';
  return `${formatChange(change)}${relative}`;
}

/**
 * A test statistic (PSI, a distance, a p-value) to three decimals, as its threshold is
 * written; tiny p-values in exponent notation (`1.74e-58`). A dash for none.
 */
export function formatStatistic(value: unknown): string {
  if (typeof value !== 'number') {
    return '\u2014';
  }
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(2);
  }
  return value.toFixed(Math.abs(value) >= 100 ? 1 : 3);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/**
 * A size in bytes as `512 B`, `1.5 KB`, `4.8 MB`: powers of 1024, as JupyterLab's file
 * browser writes them.
 */
export function formatBytes(size: number): string {
  let value = size;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    return `${formatCount(value)} ${BYTE_UNITS[0]}`;
  }
  const digits = Math.abs(value) < 10 ? ONE_DECIMAL : WHOLE;
  return `${digits.format(value)} ${BYTE_UNITS[unit]}`;
}

/** Seconds as `250 ms`, `4.2 s`, `12 s`, `3 min 5 s`, `2 h 4 min`, `2 d 3 h`; empty for none. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) {
    return '';
  }
  if (seconds < 1) {
    return `${Math.round(Math.max(0, seconds) * 1000)} ms`;
  }
  if (seconds < 10) {
    return `${Number(seconds.toFixed(1))} s`;
  }
  const whole = Math.round(seconds);
  if (whole < 60) {
    return `${whole} s`;
  }
  const days = Math.floor(whole / 86400);
  const hours = Math.floor((whole % 86400) / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  if (days > 0) {
    return `${days} d ${hours} h`;
  }
  if (hours > 0) {
    return `${hours} h ${minutes} min`;
  }
  return `${minutes} min ${whole % 60} s`;
}

/** A time (ms since the epoch) as the full local date and time; empty for none. */
export function formatTime(time: number | null): string {
  return time === null ? '' : TIMESTAMP.format(time);
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
