import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { useMemo } from 'react';

import { ICompareMetricRow, ICompareRow } from '../api/types';
import { VegaLite } from '../shared/VegaLite';
import {
  IParallelAxis,
  isNumericColumn,
  numericValue,
  parallelCoordinatesSpec
} from './runCharts';

/** Properties of {@link CompareParallel}. */
export interface ICompareParallelProps {
  labels: string[];
  params: ICompareRow[];
  metrics: ICompareMetricRow[];
  rendermime: IRenderMimeRegistry | null;
}

/**
 * The axes of the parallel coordinates: the numeric params, then the latest metrics, each
 * only when the runs have at least two different values (an axis where every run agrees
 * says nothing); `constant` counts those left out.
 */
export function parallelAxes(
  params: ICompareRow[],
  metrics: ICompareMetricRow[]
): { axes: IParallelAxis[]; constant: number } {
  const numericParams = params.filter(row => isNumericColumn(row.values));
  const metricKeys = new Set(metrics.map(row => row.key));
  const candidates: IParallelAxis[] = [
    ...numericParams.map(row => ({
      label: metricKeys.has(row.key) ? `${row.key} (param)` : row.key,
      values: row.values.map(numericValue)
    })),
    ...metrics.map(row => ({ label: row.key, values: row.values }))
  ];
  // One value (in every run, or in the only run that has the key) draws no line.
  const varies = (axis: IParallelAxis) =>
    new Set(axis.values.filter(v => v !== null)).size > 1;
  const axes = candidates.filter(varies);
  return { axes, constant: candidates.length - axes.length };
}

/**
 * Parallel coordinates of three or more runs over their numeric params and latest
 * metrics: how settings lead to results at a glance.
 */
export function CompareParallel({
  labels,
  params,
  metrics,
  rendermime
}: ICompareParallelProps): JSX.Element | null {
  const { spec, constant } = useMemo(() => {
    const { axes, constant } = parallelAxes(params, metrics);
    return { spec: parallelCoordinatesSpec(labels, axes), constant };
  }, [labels, params, metrics]);

  if (spec === null) {
    return (
      <p className="jp-MlopsCompare-empty">
        No numeric param or metric differs between these runs.
      </p>
    );
  }
  return (
    <div className="jp-MlopsCompare-parallel">
      <p className="jp-MlopsCompare-note">
        Each axis runs from its lowest value (bottom) to its highest (top).
        {constant > 0 &&
          ` ${constant} numeric ${constant === 1 ? 'key' : 'keys'} with a single value ${constant === 1 ? 'is' : 'are'} left out.`}
      </p>
      <VegaLite
        spec={spec}
        rendermime={rendermime}
        label="Parallel coordinates: one line per run across its numeric params and metrics"
      />
    </div>
  );
}
