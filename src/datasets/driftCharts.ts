/**
 * Vega-Lite specifications of the dataset diff's drift figures: the two versions'
 * histograms of a numeric or time column overlaid, and the value frequencies of a
 * categorical, boolean or text column side by side. Pure: the data is inlined, and the
 * versions' colours are the categories' (the view gives them from the theme).
 */
import { IColumnDiff, IColumnProfile } from '../api/types';
import { VEGALITE_SCHEMA, VegaLiteSpec } from '../shared/charts';

/** Chart sizes in pixels. */
const WIDTH = 320;
const HISTOGRAM_HEIGHT = 130;
const BAR_STEP = 9;

/** How the two versions are named in the charts' legends. */
export interface IVersionLabels {
  a: string;
  b: string;
}

/** One side of an overlaid histogram: a version's label and its profile's histogram. */
export interface IHistogramSide {
  label: string;
  histogram: { edges: (number | string)[]; counts: number[] };
}

/** A value's count in each version, as the diff's buckets give them. */
export interface IFrequencyRow {
  /** The value; null for all values outside the top lists. */
  value: string | null;
  a: number | null;
  b: number | null;
}

/** Text for the bucket holding every value outside the top lists. */
export const OTHER_VALUES = '(all other values)';

function isHistogram(
  value: unknown
): value is { edges: (number | string)[]; counts: number[] } {
  const h = value as { edges?: unknown; counts?: unknown } | null;
  return (
    !!h &&
    Array.isArray(h.edges) &&
    Array.isArray(h.counts) &&
    h.counts.length > 0 &&
    h.edges.length === h.counts.length + 1
  );
}

/**
 * Two (or one) histograms overlaid: each bar is the share of its version's values in the
 * bin (scaled to the first version's bin width where the bins differ), so versions of
 * different sizes and ranges compare. Time columns (edges as ISO text) get a time axis.
 */
export function histogramOverlaySpec(
  column: string,
  sides: IHistogramSide[],
  temporal = false
): VegaLiteSpec {
  const toNumber = (edge: number | string): number =>
    temporal ? Date.parse(String(edge)) : Number(edge);
  // A column with one distinct value has one bin of width 0: give it a visible width.
  const spans = sides.flatMap(side => {
    const edges = side.histogram.edges.map(toNumber);
    return [edges[0], edges[edges.length - 1]];
  });
  const low = Math.min(...spans);
  const high = Math.max(...spans);
  const fallbackWidth =
    high > low ? (high - low) / 40 : Math.abs(low) / 100 || 1;
  // Each bin's range, a zero-width one widened so it shows.
  const bins = sides.map(side => {
    const edges = side.histogram.edges.map(toNumber);
    return side.histogram.counts.map((count, i) => {
      let start = edges[i];
      let end = edges[i + 1];
      if (!(end > start)) {
        start -= fallbackWidth / 2;
        end = start + fallbackWidth;
      }
      return { start, end, count };
    });
  });
  // Heights are densities in units of the first version's bin width: a bar of that width
  // is as high as its share of values, and narrower or wider bins compare fairly.
  const firstWidths = bins[0]
    .map(bin => bin.end - bin.start)
    .sort((x, y) => x - y);
  const unit = firstWidths[Math.floor(firstWidths.length / 2)];
  const sameBins = bins.every(side =>
    side.every(bin => Math.abs(bin.end - bin.start - unit) <= unit * 0.01)
  );
  const values: Record<string, unknown>[] = [];
  sides.forEach((side, s) => {
    const total = bins[s].reduce((sum, bin) => sum + bin.count, 0) || 1;
    for (const { start, end, count } of bins[s]) {
      const share = count / total;
      values.push({
        version: side.label,
        start,
        end,
        count,
        share,
        height: (share * unit) / (end - start)
      });
    }
  });
  const axisType = temporal ? 'temporal' : 'quantitative';
  return {
    $schema: VEGALITE_SCHEMA,
    description: `Distribution of ${column} in each version`,
    width: WIDTH,
    height: HISTOGRAM_HEIGHT,
    background: 'transparent',
    data: { values },
    // Translucent fills with solid outlines: where the versions overlap both still show,
    // and each bar has an edge that reads on a dark background too.
    mark: { type: 'rect', fillOpacity: 0.45, strokeOpacity: 1, strokeWidth: 1 },
    encoding: {
      x: {
        field: 'start',
        type: axisType,
        title: column,
        // Time scales have no zero to leave out.
        scale: temporal ? { nice: false } : { zero: false, nice: false },
        axis: { labelOverlap: true, tickCount: 6 }
      },
      x2: { field: 'end' },
      y: {
        field: 'height',
        type: 'quantitative',
        title: sameBins
          ? 'Share of values'
          : `Share per bin of ${sides[0].label}`,
        stack: null,
        axis: { format: '.0%', tickCount: 4 }
      },
      y2: { datum: 0 },
      color: {
        field: 'version',
        type: 'nominal',
        title: null,
        sort: sides.map(side => side.label),
        scale: { domain: sides.map(side => side.label) },
        legend: { orient: 'top', direction: 'horizontal' }
      },
      stroke: {
        field: 'version',
        type: 'nominal',
        sort: sides.map(side => side.label),
        scale: { domain: sides.map(side => side.label) },
        legend: null
      },
      tooltip: [
        { field: 'version', type: 'nominal', title: 'Version' },
        {
          field: 'start',
          type: axisType,
          title: 'From',
          ...(temporal ? {} : { format: ',.4~g' })
        },
        {
          field: 'end',
          type: axisType,
          title: 'To',
          ...(temporal ? {} : { format: ',.4~g' })
        },
        { field: 'count', type: 'quantitative', title: 'Values', format: ',' },
        { field: 'share', type: 'quantitative', title: 'Share', format: '.1%' }
      ]
    }
  };
}

/**
 * The share of each value in both versions as horizontal bars side by side, in the order
 * given (the diff lists version a's most frequent values first).
 */
export function frequencySpec(
  column: string,
  rows: IFrequencyRow[],
  labels: IVersionLabels
): VegaLiteSpec {
  const totalA = rows.reduce((sum, row) => sum + (row.a ?? 0), 0) || 1;
  const totalB = rows.reduce((sum, row) => sum + (row.b ?? 0), 0) || 1;
  const hasA = rows.some(row => row.a !== null);
  const hasB = rows.some(row => row.b !== null);
  const shown = [...(hasA ? [labels.a] : []), ...(hasB ? [labels.b] : [])];
  const values: Record<string, unknown>[] = [];
  rows.forEach((row, order) => {
    const value = row.value === null ? OTHER_VALUES : row.value;
    if (hasA) {
      values.push({
        value,
        order,
        version: labels.a,
        count: row.a ?? 0,
        share: (row.a ?? 0) / totalA
      });
    }
    if (hasB) {
      values.push({
        value,
        order,
        version: labels.b,
        count: row.b ?? 0,
        share: (row.b ?? 0) / totalB
      });
    }
  });
  return {
    $schema: VEGALITE_SCHEMA,
    description: `Frequencies of the values of ${column} in each version`,
    width: WIDTH - 80,
    height: { step: BAR_STEP * Math.max(1, shown.length) + 4 },
    background: 'transparent',
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'value',
        type: 'nominal',
        title: null,
        sort: { field: 'order', op: 'min', order: 'ascending' },
        axis: { labelLimit: 110 }
      },
      yOffset: { field: 'version', sort: shown },
      x: {
        field: 'share',
        type: 'quantitative',
        title: 'Share of values',
        axis: { format: '.0%', tickCount: 4 }
      },
      color: {
        field: 'version',
        type: 'nominal',
        title: null,
        sort: shown,
        scale: { domain: shown },
        legend: { orient: 'top', direction: 'horizontal' }
      },
      tooltip: [
        { field: 'value', type: 'nominal', title: 'Value' },
        { field: 'version', type: 'nominal', title: 'Version' },
        { field: 'count', type: 'quantitative', title: 'Count', format: ',' },
        { field: 'share', type: 'quantitative', title: 'Share', format: '.1%' }
      ]
    }
  };
}

/** Kinds profiled by the counts of their values. */
const LABEL_KINDS = new Set(['boolean', 'categorical', 'text', 'other']);

function topValueRows(
  a: IColumnProfile | null | undefined,
  b: IColumnProfile | null | undefined
): IFrequencyRow[] {
  const list = (profile: IColumnProfile | null | undefined) =>
    Array.isArray(profile?.top_values)
      ? (profile!.top_values as { value: string; count: number }[])
      : null;
  const topA = list(a);
  const topB = list(b);
  const order: string[] = [];
  for (const item of [...(topA ?? []), ...(topB ?? [])]) {
    if (!order.includes(item.value)) {
      order.push(item.value);
    }
  }
  const countIn = (
    top: { value: string; count: number }[] | null,
    value: string
  ) =>
    top === null ? null : (top.find(item => item.value === value)?.count ?? 0);
  const rows: IFrequencyRow[] = order.map(value => ({
    value,
    a: countIn(topA, value),
    b: countIn(topB, value)
  }));
  const otherA = topA === null ? null : Number(a?.other ?? 0);
  const otherB = topB === null ? null : Number(b?.other ?? 0);
  if ((otherA ?? 0) > 0 || (otherB ?? 0) > 0) {
    rows.push({ value: null, a: otherA, b: otherB });
  }
  return rows;
}

/**
 * The drift figure of one column of a diff, or null when there is nothing to draw (no
 * histogram, no values): numeric and time columns get their histograms overlaid, the
 * others their value frequencies. Columns present in one version only are drawn alone.
 */
export function driftChartSpec(
  column: string,
  diff: IColumnDiff,
  labels: IVersionLabels
): { spec: VegaLiteSpec; kind: 'histogram' | 'frequencies' } | null {
  const a = diff.a ?? null;
  const b = diff.b ?? null;
  const kind = (b ?? a)?.kind;
  if (kind === 'numeric' || kind === 'datetime') {
    const sides: IHistogramSide[] = [];
    if (a && isHistogram(a.histogram) && (a.kind === kind || !b)) {
      sides.push({ label: labels.a, histogram: a.histogram });
    }
    if (b && isHistogram(b.histogram) && b.kind === kind) {
      sides.push({ label: labels.b, histogram: b.histogram });
    }
    return sides.length > 0
      ? {
          spec: histogramOverlaySpec(column, sides, kind === 'datetime'),
          kind: 'histogram'
        }
      : null;
  }
  if (kind && LABEL_KINDS.has(kind)) {
    const buckets = diff.drift?.buckets;
    const rows: IFrequencyRow[] = Array.isArray(buckets)
      ? buckets.map(
          (bucket: { value: string | null; a: number; b: number }) => ({
            value: bucket.value,
            a: bucket.a,
            b: bucket.b
          })
        )
      : topValueRows(
          a && LABEL_KINDS.has(a.kind) ? a : null,
          b && LABEL_KINDS.has(b.kind) ? b : null
        );
    return rows.length > 0
      ? { spec: frequencySpec(column, rows, labels), kind: 'frequencies' }
      : null;
  }
  return null;
}
