import React from 'react';

import { IDatasetDiff } from '../api/types';

/** Properties of {@link DatasetDiffSummary}. */
export interface IDatasetDiffSummaryProps {
  diff: IDatasetDiff;
}

/**
 * Which columns drifted, the thresholds that decided it, and whether the statistics are
 * exact or estimated from the stored profiles.
 */
export function DatasetDiffSummary({
  diff
}: IDatasetDiffSummaryProps): JSX.Element {
  const compared = Object.values(diff.columns).filter(
    column => column.drift && column.drift.method
  ).length;
  const drifted = diff.drifted_columns;
  const t = diff.thresholds;
  return (
    <section className="jp-MlopsDatasetDiff-summary" aria-label="Drift">
      <h3 className="jp-MlopsDatasetDiff-sectionTitle">Drift</h3>
      <p>
        {drifted.length > 0 ? (
          <>
            <strong>
              {drifted.length} of {compared}{' '}
              {compared === 1 ? 'column' : 'columns'} compared drifted:
            </strong>{' '}
            {drifted.join(', ')}.
          </>
        ) : (
          <>
            No column drifted ({compared}{' '}
            {compared === 1 ? 'column' : 'columns'} compared).
          </>
        )}
      </p>
      <p className="jp-MlopsDatasetDiff-thresholds">
        Thresholds: a numeric or time column drifted when its PSI is {'\u2265'}{' '}
        {t.psi_threshold} or its Kolmogorov-Smirnov p-value is below{' '}
        {t.ks_alpha}; another column when the Jensen-Shannon distance of its
        values is {'\u2265'} {t.js_threshold}.
      </p>
      {!diff.exact && (
        <p className="jp-MlopsDatasetDiff-estimated">
          Statistics estimated from profiles: the stored versions keep sketches
          and top values, not their rows.
        </p>
      )}
    </section>
  );
}
