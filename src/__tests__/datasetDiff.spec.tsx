import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { MlopsClient } from '../api/client';
import { APIError } from '../api/request';
import { IDatasetDiff } from '../api/types';
import { DatasetDiff } from '../datasets/DatasetDiff';
import { VEGALITE_MIME } from '../shared/charts';
import { CommandIDs } from '../shared/commands';

/** A diff as the server answers it (sketches and quantiles left out). */
function customersDiff(): IDatasetDiff {
  const version = (id: number, number: number, rows: number) => ({
    id,
    dataset: 'customers',
    version: number,
    fingerprint: `${id}`.repeat(32).slice(0, 32),
    role: 'train',
    n_rows: rows,
    n_columns: 6,
    parent_version_id: id === 2 ? 1 : null,
    created_at: 1700000000000
  });
  return {
    a: version(1, 1, 2000),
    b: version(2, 2, 2300),
    schema_changes: {
      added: ['segment'],
      removed: ['legacy_flag'],
      type_changed: [{ name: 'zip', from: 'int64', to: 'str' }]
    },
    rows: { a: 2000, b: 2300, change: 300 },
    n_columns: { a: 6, b: 6, change: 0 },
    columns: {
      age: {
        a: {
          kind: 'numeric',
          dtype: 'float64',
          count: 2000,
          nulls: 0,
          null_fraction: 0,
          distinct: 65,
          distinct_exact: true,
          min: 1,
          max: 71,
          mean: 39.7225,
          std: 10.01,
          histogram: { edges: [0, 40, 80], counts: [1200, 800] }
        },
        b: {
          kind: 'numeric',
          dtype: 'float64',
          count: 2300,
          nulls: 0,
          null_fraction: 0,
          distinct: 76,
          distinct_exact: true,
          min: 8,
          max: 94,
          mean: 46.95,
          std: 11.94,
          histogram: { edges: [0, 50, 100], counts: [1000, 1300] }
        },
        changes: {
          count: { from: 2000, to: 2300, change: 300 },
          mean: { from: 39.7225, to: 46.95, change: 7.2275 }
        },
        drift: {
          method: 'psi+ks',
          exact: false,
          psi: 0.4448,
          ks_statistic: 0.268,
          ks_statistic_range: [0.248, 0.288],
          ks_pvalue: 1.74e-58,
          drifted: true,
          reasons: ['PSI 0.445 >= 0.2', 'KS p-value 1.74e-58 < 0.05']
        }
      },
      income: {
        a: { kind: 'numeric', dtype: 'float64', nulls: 0, mean: 24954.57 },
        b: {
          kind: 'numeric',
          dtype: 'float64',
          nulls: 51,
          null_fraction: 0.0222,
          mean: 25000.42
        },
        changes: { nulls: { from: 0, to: 51, change: 51 } },
        drift: {
          method: 'psi+ks',
          exact: false,
          psi: 0.0047,
          ks_statistic: 0.0198,
          ks_statistic_range: [0, 0.0398],
          ks_pvalue: 1,
          drifted: false,
          reasons: []
        }
      },
      city: {
        a: {
          kind: 'categorical',
          dtype: 'str',
          top_values: [
            { value: 'Paris', count: 790 },
            { value: 'Lyon', count: 613 }
          ],
          other: 0
        },
        b: {
          kind: 'categorical',
          dtype: 'str',
          top_values: [
            { value: 'Lyon', count: 593 },
            { value: 'Paris', count: 544 },
            { value: 'Marseille', count: 439 }
          ],
          other: 0
        },
        changes: { values_added: ['Marseille'] },
        drift: {
          method: 'js+chi2',
          exact: false,
          js_distance: 0.334,
          chi2: 478.5,
          chi2_pvalue: 2.98e-102,
          chi2_dof: 2,
          buckets: [
            { value: 'Paris', a: 790, b: 544 },
            { value: 'Lyon', a: 613, b: 593 },
            { value: 'Marseille', a: 0, b: 439 }
          ],
          drifted: true,
          reasons: ['JS distance 0.334 >= 0.1']
        }
      },
      zip: {
        a: { kind: 'numeric', dtype: 'int64', min: 10118 },
        b: {
          kind: 'text',
          dtype: 'str',
          top_values: [{ value: '10067', count: 2 }],
          other: 9
        },
        changes: {
          kind: { from: 'numeric', to: 'text' },
          dtype: { from: 'int64', to: 'str' }
        },
        drift: {
          method: null,
          drifted: false,
          reason: 'its kind changed from numeric to text'
        }
      },
      legacy_flag: {
        a: {
          kind: 'boolean',
          dtype: 'bool',
          top_values: [{ value: 'True', count: 3 }],
          other: 0
        },
        b: null,
        changes: {},
        drift: null
      },
      segment: {
        a: null,
        b: {
          kind: 'categorical',
          dtype: 'str',
          top_values: [{ value: 'A', count: 3 }],
          other: 0
        },
        changes: {},
        drift: null
      }
    },
    drifted_columns: ['age', 'city'],
    thresholds: {
      psi_threshold: 0.2,
      ks_alpha: 0.05,
      js_threshold: 0.1,
      psi_bins: 10,
      psi_epsilon: 0.0001,
      top_values: 20,
      ks_sketch_tolerance: 0.02
    },
    exact: false
  };
}

/** A renderer registry that accepts Vega-Lite and draws nothing. */
const rendermime = {
  mimeTypes: [VEGALITE_MIME],
  createRenderer: () => ({
    node: document.createElement('div'),
    renderModel: () => Promise.resolve(),
    dispose: () => undefined
  })
} as any;

/** Every chart scrolls into view as soon as it is observed. */
class VisibleAtOnce {
  constructor(private readonly callback: (entries: any[]) => void) {}
  observe(target: Element): void {
    this.callback([{ isIntersecting: true, target }]);
  }
  disconnect(): void {
    /* nothing observed */
  }
}

beforeEach(() => {
  (window as any).IntersectionObserver = VisibleAtOnce;
});

async function renderDiff(diffDatasetVersions: jest.Mock) {
  const client = { diffDatasetVersions } as unknown as MlopsClient;
  const commands = { execute: jest.fn(async () => undefined) };
  let container: HTMLElement | undefined;
  await act(async () => {
    container = render(
      <DatasetDiff
        context={{ client, commands: commands as any, rendermime }}
        a={1}
        b={2}
      />
    ).container;
  });
  return { container: container!, commands };
}

function column(container: HTMLElement, name: string): HTMLElement {
  const found = container.querySelector<HTMLElement>(`[data-column="${name}"]`);
  if (!found) {
    throw new Error(`no column ${name}`);
  }
  return found;
}

describe('DatasetDiff', () => {
  it('given two versions, then the header names them and the counts with their change', async () => {
    const fetch = jest.fn(async () => customersDiff());
    const { container } = await renderDiff(fetch);
    expect(fetch).toHaveBeenCalledWith(1, 2);
    expect(container.querySelector('.jp-MlopsDatasetDiff')).not.toBeNull();
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe(
      'customers v1 \u2192 v2'
    );
    expect(screen.getByText(/\+300, \+15%/)).toBeTruthy();
    expect(screen.getByText(/no change/)).toBeTruthy();
  });

  it('given schema changes, then added, removed and retyped columns are listed', async () => {
    await renderDiff(jest.fn(async () => customersDiff()));
    const schema = screen.getByLabelText('Schema changes');
    const added = schema.querySelector('[data-change="added"]')!;
    expect(within(added as HTMLElement).getByText('segment')).toBeTruthy();
    const removed = schema.querySelector('[data-change="removed"]')!;
    expect(
      within(removed as HTMLElement).getByText('legacy_flag')
    ).toBeTruthy();
    const retyped = schema.querySelector('[data-change="type_changed"]')!;
    expect(retyped.textContent).toContain('zip');
    expect(retyped.textContent).toContain('int64 \u2192 str');
  });

  it('given drifted columns, then they are highlighted with their statistics and thresholds', async () => {
    const { container } = await renderDiff(
      jest.fn(async () => customersDiff())
    );
    const age = column(container, 'age');
    expect(age.classList).toContain('jp-mod-drifted');
    expect(within(age).getByText('drifted')).toBeTruthy();
    const stats = within(age).getByRole('table', {
      name: 'Drift statistics of age'
    });
    expect(within(stats).getByText('0.445')).toBeTruthy();
    expect(within(stats).getByText(/drifted at \u2265 0.2/)).toBeTruthy();
    expect(within(stats).getByText('1.74e-58')).toBeTruthy();
    expect(within(stats).getByText('drifted below 0.05')).toBeTruthy();
    expect(within(age).getByText('estimated from profiles')).toBeTruthy();

    const city = column(container, 'city');
    expect(city.classList).toContain('jp-mod-drifted');
    expect(within(city).getByText('0.334')).toBeTruthy();
    expect(within(city).getByText(/drifted at \u2265 0.1/)).toBeTruthy();
    expect(within(city).getByText(/New values: Marseille/)).toBeTruthy();

    const income = column(container, 'income');
    expect(income.classList).not.toContain('jp-mod-drifted');
    expect(within(income).queryByText('drifted')).toBeNull();
  });

  it('given profiles, then they are side by side and the changed fields are marked', async () => {
    const { container } = await renderDiff(
      jest.fn(async () => customersDiff())
    );
    const age = column(container, 'age');
    const mean = age.querySelector('tr[data-field="mean"]')!;
    expect(mean.classList).toContain('jp-mod-changed');
    const cells = Array.from(mean.querySelectorAll('td')).map(
      td => td.textContent
    );
    expect(cells).toEqual(['39.723', '46.95', '+7.2275']);
    expect(age.querySelector('tr[data-field="kind"]')!.classList).not.toContain(
      'jp-mod-changed'
    );
    const nulls = column(container, 'income').querySelector(
      'tr[data-field="nulls"]'
    )!;
    expect(nulls.classList).toContain('jp-mod-changed');
    expect(nulls.textContent).toContain('51 (2.2%)');
  });

  it('given a column whose kind changed, then the reason for no statistics is shown', async () => {
    const { container } = await renderDiff(
      jest.fn(async () => customersDiff())
    );
    const zip = column(container, 'zip');
    expect(within(zip).getByText('type changed')).toBeTruthy();
    expect(
      within(zip).getByText(
        /No drift statistics: its kind changed from numeric to text/
      )
    ).toBeTruthy();
    expect(
      within(column(container, 'segment')).getByText('added')
    ).toBeTruthy();
    expect(
      within(column(container, 'legacy_flag')).getByText('removed')
    ).toBeTruthy();
  });

  it('given numeric and categorical columns, then each has a drift figure', async () => {
    const { container } = await renderDiff(
      jest.fn(async () => customersDiff())
    );
    expect(
      column(container, 'age').querySelector('figure.jp-MlopsChart')
    ).not.toBeNull();
    expect(
      column(container, 'city').querySelector('figure.jp-MlopsChart')
    ).not.toBeNull();
    expect(
      column(container, 'age')
        .querySelector('figure.jp-MlopsChart')!
        .getAttribute('aria-label')
    ).toMatch(/Histograms of age/);
  });

  it('given Only drifted columns, then the other columns are hidden', async () => {
    const { container } = await renderDiff(
      jest.fn(async () => customersDiff())
    );
    fireEvent.click(
      screen.getByRole('checkbox', { name: /Only drifted columns/ })
    );
    const shown = Array.from(container.querySelectorAll('[data-column]')).map(
      e => e.getAttribute('data-column')
    );
    expect(shown).toEqual(['age', 'city']);
  });

  it('given a version, when its Lineage button is pressed, then its lineage opens', async () => {
    const { commands } = await renderDiff(jest.fn(async () => customersDiff()));
    fireEvent.click(
      screen.getByRole('button', { name: 'Lineage of customers v2' })
    );
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'dataset_version',
      nodeId: '2'
    });
  });

  it('given an unknown version, then the server message is shown', async () => {
    await renderDiff(
      jest.fn(async () => {
        throw new APIError('there is no dataset version 2', 404);
      })
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'there is no dataset version 2'
    );
    expect(screen.queryByText('Loading ...')).toBeNull();
  });
});
