import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { IColumnDiff } from '../api/types';
import { VegaLite } from '../shared/VegaLite';
import { driftChartSpec, IVersionLabels } from './driftCharts';

/**
 * The colours of the two versions, from the theme: blue for the reference, orange for the
 * current one, both light enough to read on the dark theme's background.
 */
export const VERSION_COLORS = ['--jp-brand-color1', '--jp-warn-color1'];

/** Properties of {@link DatasetDiffChart}. */
export interface IDatasetDiffChartProps {
  column: string;
  diff: IColumnDiff;
  labels: IVersionLabels;
  rendermime: IRenderMimeRegistry | null;
}

/**
 * A column's drift figure, drawn once it scrolls near the view: a table of hundreds of
 * columns then draws only the charts a person looks at.
 */
export function DatasetDiffChart({
  column,
  diff,
  labels,
  rendermime
}: IDatasetDiffChartProps): JSX.Element | null {
  const chart = useMemo(
    () => driftChartSpec(column, diff, labels),
    [column, diff, labels]
  );
  const host = useRef<HTMLDivElement>(null);
  const [near, setNear] = useState(
    () => typeof IntersectionObserver === 'undefined'
  );
  useEffect(() => {
    if (near || !host.current) {
      return;
    }
    const observer = new IntersectionObserver(
      entries => {
        if (entries.some(entry => entry.isIntersecting)) {
          setNear(true);
          observer.disconnect();
        }
      },
      { rootMargin: '300px' }
    );
    observer.observe(host.current);
    return () => observer.disconnect();
  }, [near]);

  if (!chart) {
    return null;
  }
  const what =
    chart.kind === 'histogram'
      ? `Histograms of ${column}: ${labels.a} and ${labels.b} overlaid`
      : `Value frequencies of ${column}: ${labels.a} and ${labels.b} side by side`;
  return (
    <div ref={host} className="jp-MlopsDatasetDiff-chart">
      {near ? (
        <VegaLite
          spec={chart.spec}
          rendermime={rendermime}
          label={what}
          categoryColors={VERSION_COLORS}
        />
      ) : (
        <div
          className="jp-MlopsDatasetDiff-chartPlaceholder"
          aria-hidden="true"
        />
      )}
    </div>
  );
}
