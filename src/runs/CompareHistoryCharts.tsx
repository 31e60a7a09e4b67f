import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { useMemo } from 'react';

import { IRunHistory } from '../api/types';
import { VegaLite } from '../shared/VegaLite';
import { historySpec } from './runCharts';

/** Properties of {@link CompareHistoryCharts}. */
export interface ICompareHistoryChartsProps {
  /** Per metric, the histories of the runs that logged it. */
  histories: Record<string, IRunHistory[]>;
  /** Run ids and their labels, in the comparison's order. */
  runIds: string[];
  labels: string[];
  rendermime: IRenderMimeRegistry | null;
}

/**
 * One line chart per metric logged at more than one step: a line per run, coloured by the
 * run's label, with the min/max band of downsampled buckets.
 */
export function CompareHistoryCharts({
  histories,
  runIds,
  labels,
  rendermime
}: ICompareHistoryChartsProps): JSX.Element {
  const charts = useMemo(() => {
    const labelOf = (runId: string): string =>
      labels[runIds.indexOf(runId)] ?? runId;
    return Object.keys(histories)
      .sort()
      .filter(key => histories[key].some(h => h.points.length > 1))
      .map(key => {
        const series = histories[key]
          .filter(h => h.points.length > 0)
          .map(h => ({ label: labelOf(h.run_id), points: h.points }));
        const downsampled = histories[key].some(h => h.downsampled);
        // Keep the run order of the table (and its colours) in every chart.
        series.sort(
          (a, b) => labels.indexOf(a.label) - labels.indexOf(b.label)
        );
        return {
          key,
          downsampled,
          spec: historySpec(key, series, { domain: labels })
        };
      });
  }, [histories, runIds, labels]);

  if (charts.length === 0) {
    return (
      <p className="jp-MlopsCompare-empty">
        No metric was logged at more than one step.
      </p>
    );
  }
  return (
    <div className="jp-MlopsCompare-charts">
      {charts.map(chart => (
        <div
          key={chart.key}
          className="jp-MlopsCompare-chart"
          data-metric={chart.key}
        >
          <h4 className="jp-MlopsCompare-chartTitle">
            {chart.key}
            {chart.downsampled && (
              <span
                className="jp-MlopsCompare-note"
                title="Long histories are shown as buckets of steps: the line is each bucket's mean, the band its min to max"
              >
                {' '}
                (downsampled)
              </span>
            )}
          </h4>
          <VegaLite
            spec={chart.spec}
            rendermime={rendermime}
            label={`${chart.key} over steps, one line per run`}
          />
        </div>
      ))}
    </div>
  );
}
