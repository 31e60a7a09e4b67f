import { IColumnDiff } from '../api/types';
import {
  driftChartSpec,
  frequencySpec,
  histogramOverlaySpec,
  OTHER_VALUES
} from '../datasets/driftCharts';

const labels = { a: 'A: v1', b: 'B: v2' };

type Row = Record<string, any>;
const rowsOf = (spec: Record<string, any>): Row[] => spec.data.values;

describe('histogramOverlaySpec', () => {
  it('given two histograms with the same bins, then each bar is its share of its version', () => {
    const spec: Row = histogramOverlaySpec('age', [
      { label: labels.a, histogram: { edges: [0, 10, 20], counts: [3, 1] } },
      { label: labels.b, histogram: { edges: [0, 10, 20], counts: [10, 30] } }
    ]);
    const rows = rowsOf(spec);
    expect(rows).toHaveLength(4);
    const a = rows.filter(r => r.version === labels.a);
    expect(a.map(r => r.height)).toEqual([0.75, 0.25]);
    const b = rows.filter(r => r.version === labels.b);
    expect(b.map(r => r.height)).toEqual([0.25, 0.75]);
    expect(b.map(r => r.count)).toEqual([10, 30]);
    // Overlaid, not stacked; both versions in the legend, a first.
    expect(spec.encoding.y.stack).toBeNull();
    expect(spec.encoding.color.scale.domain).toEqual([labels.a, labels.b]);
    expect(spec.encoding.y.title).toBe('Share of values');
    expect(spec.$schema).toMatch(/vega-lite\/v5/);
  });

  it('given two histograms, then each bar is a translucent fill with a solid outline of its version\u2019s colour, so both read where they overlap and on a dark background', () => {
    const spec: Row = histogramOverlaySpec('age', [
      { label: labels.a, histogram: { edges: [0, 10, 20], counts: [3, 1] } },
      { label: labels.b, histogram: { edges: [0, 10, 20], counts: [10, 30] } }
    ]);
    expect(spec.mark).toMatchObject({ type: 'rect', strokeOpacity: 1 });
    expect(spec.mark.fillOpacity).toBeLessThan(0.6);
    expect(spec.mark.opacity).toBeUndefined();
    expect(spec.encoding.stroke).toMatchObject({
      field: 'version',
      scale: { domain: [labels.a, labels.b] },
      legend: null
    });
  });

  it('given bins of another width, then heights are scaled to the first version\u2019s bins', () => {
    const spec: Row = histogramOverlaySpec('x', [
      { label: labels.a, histogram: { edges: [0, 10], counts: [5] } },
      { label: labels.b, histogram: { edges: [0, 5, 10], counts: [5, 5] } }
    ]);
    const b = rowsOf(spec).filter(r => r.version === labels.b);
    // Half of b's values in a bin half as wide: as high as all of a's in one.
    expect(b.map(r => r.height)).toEqual([1, 1]);
    expect(b.map(r => r.share)).toEqual([0.5, 0.5]);
    expect(spec.encoding.y.title).toMatch(/A: v1/);
  });

  it('given a column with a single value, then its zero-width bin still gets a width', () => {
    const spec: Row = histogramOverlaySpec('constant', [
      { label: labels.a, histogram: { edges: [3, 3], counts: [7] } }
    ]);
    const [row] = rowsOf(spec);
    expect(row.end).toBeGreaterThan(row.start);
    expect(row.height).toBe(1);
    expect(spec.encoding.y.title).toBe('Share of values');
  });

  it('given a time column, then the axis is temporal', () => {
    const spec: Row = histogramOverlaySpec(
      'when',
      [
        {
          label: labels.a,
          histogram: {
            edges: ['2024-01-01T00:00:00', '2024-01-02T00:00:00'],
            counts: [4]
          }
        }
      ],
      true
    );
    expect(spec.encoding.x.type).toBe('temporal');
    expect(rowsOf(spec)[0].start).toBe(Date.parse('2024-01-01T00:00:00'));
  });
});

describe('frequencySpec', () => {
  it('given counts in both versions, then shares are side by side in the given order', () => {
    const spec: Row = frequencySpec(
      'city',
      [
        { value: 'Paris', a: 6, b: 2 },
        { value: 'Lyon', a: 4, b: 2 },
        { value: null, a: 0, b: 4 }
      ],
      labels
    );
    const rows = rowsOf(spec);
    expect(rows).toHaveLength(6);
    expect(
      rows.find(r => r.value === 'Paris' && r.version === labels.a)!.share
    ).toBe(0.6);
    expect(
      rows.find(r => r.value === OTHER_VALUES && r.version === labels.b)!.share
    ).toBe(0.5);
    expect(spec.encoding.yOffset.field).toBe('version');
    expect(spec.encoding.y.sort).toEqual({
      field: 'order',
      op: 'min',
      order: 'ascending'
    });
  });
});

describe('driftChartSpec', () => {
  const numeric = (edges: number[], counts: number[]) => ({
    kind: 'numeric',
    dtype: 'float64',
    histogram: { edges, counts }
  });

  it('given a numeric column in both versions, then its histograms are overlaid', () => {
    const diff: IColumnDiff = {
      a: numeric([0, 1, 2], [1, 1]),
      b: numeric([0, 1, 2], [2, 0]),
      drift: { method: 'psi+ks', drifted: true }
    };
    const chart = driftChartSpec('age', diff, labels)!;
    expect(chart.kind).toBe('histogram');
    expect(new Set(rowsOf(chart.spec).map(r => r.version))).toEqual(
      new Set([labels.a, labels.b])
    );
  });

  it('given a categorical column with drift buckets, then the buckets are drawn', () => {
    const diff: IColumnDiff = {
      a: {
        kind: 'categorical',
        top_values: [{ value: 'x', count: 1 }],
        other: 0
      },
      b: {
        kind: 'categorical',
        top_values: [{ value: 'y', count: 1 }],
        other: 0
      },
      drift: {
        method: 'js+chi2',
        buckets: [
          { value: 'x', a: 1, b: 0 },
          { value: 'y', a: 0, b: 1 }
        ]
      }
    };
    const chart = driftChartSpec('c', diff, labels)!;
    expect(chart.kind).toBe('frequencies');
    expect(rowsOf(chart.spec).map(r => r.value)).toEqual(['x', 'x', 'y', 'y']);
  });

  it('given a column only in version b, then its values are drawn for b alone', () => {
    const diff: IColumnDiff = {
      a: null,
      b: {
        kind: 'categorical',
        top_values: [
          { value: 'A', count: 3 },
          { value: 'B', count: 1 }
        ],
        other: 2
      },
      drift: null
    };
    const chart = driftChartSpec('segment', diff, labels)!;
    const rows = rowsOf(chart.spec);
    expect(new Set(rows.map(r => r.version))).toEqual(new Set([labels.b]));
    expect(rows.map(r => r.value)).toEqual(['A', 'B', OTHER_VALUES]);
  });

  it('given a column with nothing to draw, then there is no chart', () => {
    expect(
      driftChartSpec(
        'empty',
        { a: { kind: 'numeric', histogram: { edges: [], counts: [] } } },
        labels
      )
    ).toBeNull();
    expect(
      driftChartSpec('odd', { a: { kind: 'unknown' } }, labels)
    ).toBeNull();
  });
});
