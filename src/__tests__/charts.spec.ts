import {
  bestIndices,
  historyData,
  historySpec,
  isNumericColumn,
  lowerIsBetter,
  normaliseAxes,
  numericValue,
  parallelCoordinatesSpec
} from '../runs/runCharts';

const labels = ['a (1)', 'b (2)', 'c (3)'];

/** The data of every layer of a spec, concatenated. */
function layerData(spec: Record<string, any>): Record<string, any>[] {
  return (spec.layer as any[]).flatMap(layer => layer.data?.values ?? []);
}

describe('historySpec', () => {
  it('given two runs, then the chart has one series per run coloured by label', () => {
    const spec = historySpec('loss', [
      {
        label: 'a (1)',
        points: [
          { step: 0, value: 1, time: 0 },
          { step: 1, value: 0.5, time: 1 }
        ]
      },
      { label: 'b (2)', points: [{ step: 0, value: 2, time: 0 }] }
    ]) as Record<string, any>;
    const rows = spec.data.values as { run: string }[];
    expect(new Set(rows.map(r => r.run))).toEqual(new Set(['a (1)', 'b (2)']));
    const line = spec.layer[spec.layer.length - 1];
    expect(line.mark.type).toBe('line');
    expect(line.encoding.color.field).toBe('run');
    expect(line.encoding.color.scale.domain).toEqual(['a (1)', 'b (2)']);
    // Whole histories have no envelope band.
    expect(spec.layer).toHaveLength(1);
  });

  it('given downsampled buckets, then their min to max is drawn as a band', () => {
    const spec = historySpec('acc', [
      {
        label: 'a',
        points: [
          { step: 0, value: 0.5, time: 0, min: 0.4, max: 0.6, count: 10 },
          { step: 10, value: 0.7, time: 1, min: 0.6, max: 0.8, count: 10 }
        ]
      }
    ]) as Record<string, any>;
    expect(spec.layer).toHaveLength(2);
    expect(spec.layer[0].mark.type).toBe('area');
    expect(spec.layer[0].encoding.y.field).toBe('min');
    expect(spec.layer[0].encoding.y2.field).toBe('max');
  });

  it('given points without min and max, then their rows say null', () => {
    expect(
      historyData([{ label: 'a', points: [{ step: 3, value: 1, time: 0 }] }])
    ).toEqual([{ run: 'a', step: 3, value: 1, min: null, max: null }]);
  });
});

describe('parallelCoordinatesSpec', () => {
  const axes = [
    { label: 'lr', values: [0.1, 0.2, 0.3] },
    { label: 'accuracy', values: [0.9, 0.8, null] }
  ];

  it('given two runs, then there is no parallel coordinates chart', () => {
    expect(parallelCoordinatesSpec(['a', 'b'], axes)).toBeNull();
  });

  it('given three runs, then each run is one coloured line across the axes', () => {
    const spec = parallelCoordinatesSpec(labels, axes) as Record<string, any>;
    expect(spec).not.toBeNull();
    const lines = spec.layer.find((l: any) => l.mark.type === 'line');
    expect(lines.encoding.color.field).toBe('run');
    expect(lines.encoding.detail.field).toBe('run');
    const rows = lines.data.values as { run: string; axis: string }[];
    expect(new Set(rows.map(r => r.run))).toEqual(new Set(labels));
    // A run lacking a value has no point on that axis.
    expect(rows.filter(r => r.axis === 'accuracy')).toHaveLength(2);
  });

  it('given axes of different ranges, then each is labelled with its real min and max', () => {
    const spec = parallelCoordinatesSpec(labels, axes) as Record<string, any>;
    const texts = layerData(spec)
      .filter(row => 'text' in row)
      .map(row => `${row.axis}:${row.end}:${row.text}`);
    expect(texts).toEqual(
      expect.arrayContaining([
        'lr:max:0.3',
        'lr:min:0.1',
        'accuracy:max:0.9',
        'accuracy:min:0.8'
      ])
    );
  });

  it('given no numeric axis, then there is no chart', () => {
    expect(parallelCoordinatesSpec(labels, [])).toBeNull();
  });
});

describe('normaliseAxes', () => {
  it('given values, then each axis runs from 0 at its min to 1 at its max', () => {
    const { rows, extents } = normaliseAxes(labels, [
      { label: 'trees', values: [100, 300, 200] }
    ]);
    expect(rows.map(r => r.norm)).toEqual([0, 1, 0.5]);
    expect(rows.map(r => r.value)).toEqual([100, 300, 200]);
    expect(extents).toEqual([{ axis: 'trees', min: 100, max: 300 }]);
  });

  it('given the same value in every run, then the lines cross the middle', () => {
    const { rows } = normaliseAxes(labels, [
      { label: 'seed', values: [7, 7, 7] }
    ]);
    expect(rows.map(r => r.norm)).toEqual([0.5, 0.5, 0.5]);
  });
});

describe('numeric params', () => {
  it('given texts, then only numbers read as numbers', () => {
    expect(numericValue('0.01')).toBe(0.01);
    expect(numericValue('1e-3')).toBe(0.001);
    expect(numericValue('adam')).toBeNull();
    expect(numericValue('')).toBeNull();
    expect(numericValue(null)).toBeNull();
    expect(isNumericColumn(['1', null, '3'])).toBe(true);
    expect(isNumericColumn(['1', 'two'])).toBe(false);
    expect(isNumericColumn([null, null])).toBe(false);
  });
});

describe('best metric values', () => {
  it('given a loss or an error, then lower is better; else higher', () => {
    expect(lowerIsBetter('val_loss')).toBe(true);
    expect(lowerIsBetter('test_error')).toBe(true);
    expect(lowerIsBetter('rmse')).toBe(true);
    expect(lowerIsBetter('val/mae')).toBe(true);
    expect(lowerIsBetter('accuracy')).toBe(false);
    expect(lowerIsBetter('f1')).toBe(false);
    expect(lowerIsBetter('roc_auc')).toBe(false);
  });

  it('given a row, then the best values are found, ties included, none among equals', () => {
    expect(bestIndices('accuracy', [0.8, 0.9, null])).toEqual([1]);
    expect(bestIndices('loss', [0.3, 0.1, 0.1])).toEqual([1, 2]);
    expect(bestIndices('loss', [0.3, 0.3])).toEqual([]);
    expect(bestIndices('loss', [0.3, null])).toEqual([]);
  });
});
