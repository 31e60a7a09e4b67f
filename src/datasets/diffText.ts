/**
 * How the dataset diff names versions and writes profile values as text.
 */
import { IDatasetVersionSummary } from '../api/types';
import { formatNumber } from '../shared/format';

/** Any profile value as text; nothing as a dash. */
export function valueText(value: unknown): string {
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
