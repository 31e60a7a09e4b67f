/**
 * Vega-Lite v5 specifications of the compare and run detail charts, and the small numeric
 * rules behind them. Pure functions: a spec depends only on its arguments, so a chart is
 * redrawn only when its data changes, and the specs can be tested without a browser.
 */

import { IMetricPoint } from '../api/types';
import { VEGALITE_SCHEMA, VegaLiteSpec } from '../shared/charts';
import { formatNumber } from '../shared/format';

/**
 * What every spec shares: a transparent background, so the chart sits on JupyterLab's own
 * layout colour in the light and the dark theme (the renderer picks Vega's dark theme for
 * the text and axes when JupyterLab's theme is dark).
 */
const CONFIG = {
  background: null,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 150 }
};

/** One run's points of a metric history. */
export interface IHistorySeries {
  /** The run's label (its legend entry and colour). */
  label: string;
  points: IMetricPoint[];
}

/** A row of a history chart's data. */
export interface IHistoryDatum {
  run: string;
  step: number;
  value: number;
  /** The bucket's extremes when the history was downsampled; null otherwise. */
  min: number | null;
  max: number | null;
}

/** The rows a history chart draws: one per point and run. */
export function historyData(series: IHistorySeries[]): IHistoryDatum[] {
  const rows: IHistoryDatum[] = [];
  for (const { label, points } of series) {
    for (const point of points) {
      rows.push({
        run: label,
        step: point.step,
        value: point.value,
        min: point.min ?? null,
        max: point.max ?? null
      });
    }
  }
  return rows;
}

/** Whether any point stands for a bucket of several points with a spread. */
function hasEnvelope(rows: IHistoryDatum[]): boolean {
  return rows.some(
    row => row.min !== null && row.max !== null && row.min !== row.max
  );
}

/**
 * A line chart of one metric over steps, one line per run coloured by its label. A
 * downsampled history also shows each bucket's min to max as a faint band, so the spikes
 * averaged away stay visible.
 */
export function historySpec(
  key: string,
  series: IHistorySeries[],
  options: {
    height?: number;
    legend?: boolean;
    /** Every run's label, so a run keeps its colour across charts; else the series'. */
    domain?: string[];
  } = {}
): VegaLiteSpec {
  const rows = historyData(series);
  const labels = options.domain ?? series.map(s => s.label);
  const color = {
    field: 'run',
    type: 'nominal',
    title: 'Run',
    // The order of the runs, not alphabetical, so colours match the table's columns.
    scale: { domain: labels },
    legend: options.legend === false ? null : { orient: 'bottom', columns: 2 }
  };
  // Steps are whole numbers: no ticks between them.
  const x = {
    field: 'step',
    type: 'quantitative',
    title: 'Step',
    axis: { tickMinStep: 1, format: 'd' }
  };
  const layers: Record<string, unknown>[] = [];
  if (hasEnvelope(rows)) {
    layers.push({
      mark: { type: 'area', opacity: 0.2 },
      transform: [{ filter: 'datum.min != null && datum.max != null' }],
      encoding: {
        x,
        y: { field: 'min', type: 'quantitative' },
        y2: { field: 'max' },
        // The lines' legend names the runs; the band's would show faint symbols.
        color: { ...color, legend: null }
      }
    });
  }
  layers.push({
    mark: { type: 'line', point: rows.length <= 60, strokeWidth: 1.5 },
    encoding: {
      x,
      y: {
        field: 'value',
        type: 'quantitative',
        // The chart's heading names the metric; a long name would not fit the axis.
        title: null,
        scale: { zero: false }
      },
      color,
      tooltip: [
        { field: 'run', title: 'Run' },
        { field: 'step', title: 'Step' },
        { field: 'value', title: key, format: '.6~g' }
      ]
    }
  });
  return {
    $schema: VEGALITE_SCHEMA,
    description: `${key} over steps`,
    width: 'container',
    height: options.height ?? 180,
    autosize: { type: 'fit', contains: 'padding' },
    config: CONFIG,
    data: { values: rows },
    layer: layers,
    // The band's legend is left out; shared, it would leave out the lines' one too.
    resolve: { legend: { color: 'independent' } }
  };
}

/** An axis of a parallel coordinates chart: a key and one value per run. */
export interface IParallelAxis {
  /** The axis' title (unique within the chart). */
  label: string;
  /** One value per run, null where a run lacks it. */
  values: (number | null)[];
}

/** A line's point on one axis: the run, the axis, its value scaled to 0..1 and the real one. */
export interface IParallelDatum {
  run: string;
  axis: string;
  /** 0 at the axis' minimum, 1 at its maximum, 0.5 when every run has the same value. */
  norm: number;
  value: number;
}

/** An axis' extremes, for its labels. */
export interface IParallelExtent {
  axis: string;
  min: number;
  max: number;
}

/**
 * Each value scaled to 0..1 within its axis, so axes of very different ranges (a learning
 * rate and a number of trees) share one chart. Missing values are left out.
 */
export function normaliseAxes(
  labels: string[],
  axes: IParallelAxis[]
): { rows: IParallelDatum[]; extents: IParallelExtent[] } {
  const rows: IParallelDatum[] = [];
  const extents: IParallelExtent[] = [];
  for (const axis of axes) {
    const present = axis.values.filter(
      (v): v is number => v !== null && Number.isFinite(v)
    );
    if (present.length === 0) {
      continue;
    }
    const min = Math.min(...present);
    const max = Math.max(...present);
    extents.push({ axis: axis.label, min, max });
    axis.values.forEach((value, index) => {
      if (value === null || !Number.isFinite(value)) {
        return;
      }
      rows.push({
        run: labels[index],
        axis: axis.label,
        norm: max === min ? 0.5 : (value - min) / (max - min),
        value
      });
    });
  }
  return { rows, extents };
}

/** The fewest runs parallel coordinates are drawn for: two runs are a table's job. */
export const PARALLEL_MIN_RUNS = 3;

/**
 * Parallel coordinates of runs: one vertical axis per numeric param or metric, scaled to
 * its own range, one line per run coloured by its label; each axis is labelled with its
 * real minimum (bottom) and maximum (top). Null for fewer than three runs or no axis.
 */
export function parallelCoordinatesSpec(
  labels: string[],
  axes: IParallelAxis[]
): VegaLiteSpec | null {
  if (labels.length < PARALLEL_MIN_RUNS) {
    return null;
  }
  const { rows, extents } = normaliseAxes(labels, axes);
  if (extents.length === 0) {
    return null;
  }
  const order = extents.map(e => e.axis);
  const x = {
    field: 'axis',
    type: 'nominal',
    sort: order,
    title: null,
    axis: {
      orient: 'top',
      labelAngle: 0,
      labelLimit: 120,
      labelPadding: 22,
      domain: false,
      ticks: false,
      // The vertical axes are the grid lines, so the theme colours them.
      grid: true,
      gridOpacity: 0.8
    }
  };
  const y = {
    type: 'quantitative',
    scale: { domain: [0, 1] },
    axis: null
  };
  const ticks = extents.flatMap(e => [
    { axis: e.axis, norm: 1, text: formatNumber(e.max), end: 'max' },
    { axis: e.axis, norm: 0, text: formatNumber(e.min), end: 'min' }
  ]);
  return {
    $schema: VEGALITE_SCHEMA,
    description: 'Parallel coordinates of the compared runs',
    width: Math.max(320, 110 * extents.length),
    height: 220,
    config: CONFIG,
    layer: [
      {
        data: { values: rows },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x,
          y: { ...y, field: 'norm' },
          color: {
            field: 'run',
            type: 'nominal',
            title: 'Run',
            scale: { domain: labels },
            legend: { orient: 'bottom', columns: 2 }
          },
          detail: { field: 'run' },
          tooltip: [
            { field: 'run', title: 'Run' },
            { field: 'axis', title: 'Axis' },
            { field: 'value', title: 'Value', format: '.6~g' }
          ]
        }
      },
      {
        data: { values: ticks.filter(t => t.end === 'max') },
        mark: {
          type: 'text',
          dy: -8,
          fontSize: 10,
          baseline: 'bottom'
        },
        encoding: { x, y: { ...y, field: 'norm' }, text: { field: 'text' } }
      },
      {
        data: { values: ticks.filter(t => t.end === 'min') },
        mark: {
          type: 'text',
          dy: 8,
          fontSize: 10,
          baseline: 'top'
        },
        encoding: { x, y: { ...y, field: 'norm' }, text: { field: 'text' } }
      }
    ]
  };
}

/** A param's value as a number, or null when it is not one. */
export function numericValue(value: string | null): number | null {
  if (value === null || value.trim() === '') {
    return null;
  }
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** Whether every value present reads as a number (and at least one is present). */
export function isNumericColumn(values: (string | null)[]): boolean {
  const present = values.filter(v => v !== null);
  return present.length > 0 && present.every(v => numericValue(v) !== null);
}

/** Metric names whose smaller values are better: losses, errors and their usual acronyms. */
const LOWER_IS_BETTER =
  /loss|error|perplexity|(^|[^a-z])(err|mse|mae|rmse|mape|msle|wer|cer)([^a-z]|$)/i;

/** Whether a smaller value of this metric is better (losses and errors); else larger. */
export function lowerIsBetter(key: string): boolean {
  return LOWER_IS_BETTER.test(key);
}

/**
 * The indices of a metric row's best values (several when tied), or none when fewer than
 * two runs have it or all are equal: a "best" among equals tells nothing.
 */
export function bestIndices(key: string, values: (number | null)[]): number[] {
  const present = values.filter(
    (v): v is number => v !== null && Number.isFinite(v)
  );
  if (present.length < 2) {
    return [];
  }
  const best = lowerIsBetter(key) ? Math.min(...present) : Math.max(...present);
  if (present.every(v => v === best)) {
    return [];
  }
  return values.flatMap((v, index) => (v === best ? [index] : []));
}
