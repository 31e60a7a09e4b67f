import React from 'react';

import { formatStatistic } from '../shared/format';

/** Properties of {@link DatasetDiffStats}. */
export interface IDatasetDiffStatsProps {
  column: string;
  /** The column's drift as the diff gives it; null for a column in one version only. */
  drift: Record<string, any> | null | undefined;
  thresholds: Record<string, number>;
}

/** One statistic against the threshold that decides drift, if one does. */
interface IStatRow {
  name: string;
  value: string;
  threshold: string;
  /** Whether the value is past its threshold. */
  past: boolean;
}

/**
 * A column's drift statistics next to the thresholds that decide drift: PSI and the
 * Kolmogorov-Smirnov p-value for numeric and time columns, the Jensen-Shannon distance
 * for the others (chi-square reported, not deciding). Statistics estimated from stored
 * profiles say so.
 */
export function DatasetDiffStats({
  column,
  drift,
  thresholds
}: IDatasetDiffStatsProps): JSX.Element | null {
  if (!drift) {
    return null;
  }
  if (!drift.method) {
    return (
      <p className="jp-MlopsDatasetDiff-noStats">
        No drift statistics: {String(drift.reason ?? 'nothing to compare')}.
      </p>
    );
  }
  const rows: IStatRow[] = [];
  if (drift.method === 'psi+ks') {
    const psi = Number(drift.psi);
    const pvalue = Number(drift.ks_pvalue);
    rows.push({
      name: 'PSI',
      value: formatStatistic(drift.psi),
      threshold: `drifted at \u2265 ${thresholds.psi_threshold}`,
      past: psi >= thresholds.psi_threshold
    });
    const range = Array.isArray(drift.ks_statistic_range)
      ? drift.ks_statistic_range
      : null;
    rows.push({
      name: 'KS statistic',
      value:
        formatStatistic(drift.ks_statistic) +
        (range && range[0] !== range[1]
          ? ` (${formatStatistic(range[0])} to ${formatStatistic(range[1])})`
          : ''),
      threshold: '',
      past: false
    });
    rows.push({
      name: 'KS p-value',
      value: formatStatistic(drift.ks_pvalue),
      threshold: `drifted below ${thresholds.ks_alpha}`,
      past: pvalue < thresholds.ks_alpha
    });
  } else if (drift.method === 'js+chi2') {
    rows.push({
      name: 'JS distance',
      value: formatStatistic(drift.js_distance),
      threshold: `drifted at \u2265 ${thresholds.js_threshold}`,
      past: Number(drift.js_distance) >= thresholds.js_threshold
    });
    rows.push({
      name: '\u03c7\u00b2 p-value',
      value:
        formatStatistic(drift.chi2_pvalue) +
        (typeof drift.chi2_dof === 'number' ? ` (${drift.chi2_dof} dof)` : ''),
      threshold: 'reported, not deciding',
      past: false
    });
  }
  return (
    <div className="jp-MlopsDatasetDiff-stats">
      <table aria-label={`Drift statistics of ${column}`}>
        <thead>
          <tr>
            <th scope="col">Statistic</th>
            <th scope="col">Value</th>
            <th scope="col">Threshold</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(row => (
            <tr key={row.name} className={row.past ? 'jp-mod-past' : undefined}>
              <th scope="row">{row.name}</th>
              <td>
                {row.value}
                {row.past && (
                  <span className="jp-MlopsDatasetDiff-past">
                    {' '}
                    past threshold
                  </span>
                )}
              </td>
              <td>{row.threshold}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {drift.exact === false && (
        <p className="jp-MlopsDatasetDiff-estimated">estimated from profiles</p>
      )}
    </div>
  );
}
