/**
 * How the dataset diff shows numbers, changes and statistics as text.
 */
import { IDatasetVersionSummary } from '../api/types';

const INTEGER = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat(undefined, {
  maximumSignificantDigits: 5
});
const PERCENT = new Intl.NumberFormat(undefined, {
  style: 'percent',
  maximumFractionDigits: 1
});

/** A number as a person reads it: grouped integers, 5 significant digits otherwise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e15) {
    return INTEGER.format(value);
  }
  const size = Math.abs(value);
  if (size !== 0 && (size < 1e-3 || size >= 1e9)) {
    return value.toExponential(3).replace(/\.?0+e/, 'e');
  }
  return DECIMAL.format(value);
}

/** A share from 0 to 1 as a percentage. */
export function formatPercent(value: number): string {
  return PERCENT.format(value);
}

/** A statistic (PSI, a distance, a p-value): tiny p-values in exponent notation. */
export function formatStatistic(value: unknown): string {
  if (typeof value !== 'number') {
    return '\u2014';
  }
  if (value !== 0 && Math.abs(value) < 1e-3) {
    return value.toExponential(2);
  }
  return value.toFixed(Math.abs(value) >= 100 ? 1 : 3);
}

/** Any profile value as text; nothing as a dash. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '\u2014';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** A signed change, e.g. `+300` or `-1.5`, or `no change`. */
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

/** A version as `dataset v3`. */
export function versionName(version: IDatasetVersionSummary): string {
  return `${version.dataset} v${version.version}`;
}

/**
 * The names the two versions go by in tables and legends: `A: v1` and `B: v2` for one
 * dataset, with the dataset's name when they belong to two.
 */
export function versionLabels(
  a: IDatasetVersionSummary,
  b: IDatasetVersionSummary
): { a: string; b: string } {
  const same = a.dataset === b.dataset;
  return {
    a: `A: ${same ? `v${a.version}` : versionName(a)}`,
    b: `B: ${same ? `v${b.version}` : versionName(b)}`
  };
}
