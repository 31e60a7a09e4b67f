import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { useEffect, useMemo, useState } from 'react';

import { IMetricHistory } from '../api/types';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatCount } from '../shared/format';
import { VegaLite } from '../shared/VegaLite';
import { historySpec } from './runCharts';

/** What the chart asks of the API client (a stand-in in tests). */
export interface IMetricHistorySource {
  getMetricHistory(runId: string, key: string): Promise<IMetricHistory>;
}

/** Properties of {@link RunDetailMetricChart}. */
export interface IRunDetailMetricChartProps {
  client: IMetricHistorySource;
  runId: string;
  metric: string;
  rendermime: IRenderMimeRegistry | null;
  /** Changes when the view is refreshed, so the history is read again. */
  generation: number;
}

/**
 * A small chart of one metric over steps, drawn only when the metric was logged at more
 * than one step (a single value is already in the table).
 */
export function RunDetailMetricChart({
  client,
  runId,
  metric,
  rendermime,
  generation
}: IRunDetailMetricChartProps): JSX.Element | null {
  const [history, setHistory] = useState<IMetricHistory | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client
      .getMetricHistory(runId, metric)
      .then(found => {
        if (current) {
          setHistory(found);
          setError(null);
        }
      })
      .catch((reason: Error) => {
        if (current) {
          setError(reason.message);
        }
      });
    return () => {
      current = false;
    };
  }, [client, runId, metric, generation]);

  const spec = useMemo(
    () =>
      history && history.points.length > 1
        ? historySpec(metric, [{ label: metric, points: history.points }], {
            height: 140,
            legend: false
          })
        : null,
    [history, metric]
  );

  if (error !== null) {
    return (
      <ErrorMessage
        message={`The history of ${metric} could not be read: ${error}`}
      />
    );
  }
  if (spec === null || history === null) {
    return null;
  }
  return (
    <div className="jp-MlopsRunDetail-chart" data-metric={metric}>
      <h4 className="jp-MlopsRunDetail-chartTitle">
        {metric}
        <span className="jp-MlopsRunDetail-note">
          {' '}
          ({formatCount(history.count)} points
          {history.downsampled ? ', downsampled' : ''})
        </span>
      </h4>
      <VegaLite
        spec={spec}
        rendermime={rendermime}
        label={`${metric} over steps`}
      />
    </div>
  );
}
