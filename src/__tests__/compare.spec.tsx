import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { IRunComparison, IRunSummary } from '../api/types';
import { Compare } from '../runs/Compare';
import { parallelAxes } from '../runs/CompareParallel';
import { VEGALITE_MIME } from '../shared/charts';
import { CommandIDs } from '../shared/commands';

function run(id: string, name: string, extra: Partial<IRunSummary> = {}) {
  return {
    id,
    name,
    experiment: 'exp',
    status: 'finished',
    kind: 'cell',
    start_time: 0,
    end_time: 1000,
    duration: 1,
    user: null,
    notebook_path: null,
    cell_id: null,
    parent_id: null,
    job_id: null,
    git_commit: null,
    deleted_at: null,
    params: {},
    metrics: {},
    tags: {},
    stale_reasons: [],
    ...extra
  } as IRunSummary;
}

function comparison(runCount = 3): IRunComparison {
  const runs = [
    run('r1', 'alpha'),
    run('r2', 'beta', { stale_reasons: ['dataset iris has a newer version'] }),
    run('r3', 'gamma', { status: 'failed' })
  ].slice(0, runCount);
  const pick = <T,>(values: T[]) => values.slice(0, runCount);
  return {
    runs,
    labels: pick(['alpha (r1)', 'beta (r2)', 'gamma (r3)']),
    params: [
      { key: 'lr', values: pick(['0.1', '0.2', '0.3']), differs: true },
      { key: 'seed', values: pick(['7', '7', '7']), differs: false },
      { key: 'optimizer', values: pick(['adam', 'adam', null]), differs: true }
    ],
    tags: [{ key: 'team', values: pick(['ml', 'ml', 'ml']), differs: false }],
    metrics: [
      { key: 'accuracy', values: pick([0.8, 0.9, 0.85]), differs: true },
      { key: 'val_loss', values: pick([0.5, 0.3, 0.4]), differs: true }
    ],
    histories: {
      val_loss: runs.map(r => ({
        run_id: r.id,
        count: 2,
        downsampled: false,
        points: [
          { step: 0, value: 1, time: 0 },
          { step: 1, value: 0.5, time: 1 }
        ]
      })),
      accuracy: runs.map(r => ({
        run_id: r.id,
        count: 1,
        downsampled: false,
        points: [{ step: 0, value: 0.9, time: 0 }]
      }))
    },
    code_diffs: runs.slice(1).map((r, i) =>
      i === 0
        ? {
            run_id: r.id,
            same: false,
            diff: '--- alpha (r1)\n+++ beta (r2)\n@@ -1,2 +1,2 @@\n x = 1\n-lr = 0.1\n+lr = 0.2'
          }
        : { run_id: r.id, same: true, diff: '' }
    ),
    environment: {
      same: false,
      python_versions: pick(['3.11.4', '3.11.4', '3.12.1']),
      platforms: pick(['linux', 'linux', 'linux']),
      packages: [
        { name: 'numpy', versions: pick(['1.26.0', '1.26.0', '2.0.0']) }
      ]
    },
    datasets: [
      {
        dataset: 'iris',
        versions: pick([
          [
            {
              id: 11,
              version: 1,
              fingerprint: 'f1',
              role: 'train',
              n_rows: 150
            }
          ],
          [
            {
              id: 12,
              version: 2,
              fingerprint: 'f2',
              role: 'train',
              n_rows: 140
            }
          ],
          [
            {
              id: 12,
              version: 2,
              fingerprint: 'f2',
              role: 'train',
              n_rows: 140
            }
          ]
        ]),
        differs: true
      }
    ]
  };
}

/** A stand-in for JupyterLab's renderers: records the specs it is asked to draw. */
function fakeRendermime() {
  const specs: any[] = [];
  return {
    specs,
    registry: {
      mimeTypes: [VEGALITE_MIME],
      createRenderer: () => ({
        node: document.createElement('div'),
        renderModel: async (model: any) => {
          specs.push(model.data[VEGALITE_MIME]);
        },
        dispose: () => undefined
      })
    } as any
  };
}

async function show(
  compareRuns: (ids: string[]) => Promise<IRunComparison>,
  runIds = ['r1', 'r2', 'r3']
) {
  const client = { compareRuns: jest.fn(compareRuns) };
  const commands = { execute: jest.fn(async () => undefined) };
  const rendermime = fakeRendermime();
  let result: ReturnType<typeof render> | undefined;
  await act(async () => {
    result = render(
      <Compare
        client={client}
        commands={commands as any}
        rendermime={rendermime.registry}
        runIds={runIds}
      />
    );
  });
  return { client, commands, rendermime, container: result!.container };
}

function paramKeys(container: HTMLElement): string[] {
  const table = container.querySelector('table[aria-label="Params"]')!;
  return Array.from(table.querySelectorAll('tbody tr')).map(row =>
    row.getAttribute('data-key')!
  );
}

describe('Compare', () => {
  it('given three runs, then their labels head the columns with their badges', async () => {
    const { container } = await show(async () => comparison());
    expect(container.querySelector('.jp-MlopsCompare')).not.toBeNull();
    const table = screen.getByRole('table', { name: 'Params' });
    const heads = within(table).getAllByRole('columnheader');
    expect(heads.map(h => h.querySelector('button')?.textContent)).toEqual([
      undefined,
      'alpha (r1)',
      'beta (r2)',
      'gamma (r3)'
    ]);
    expect(within(heads[2]).getByText('stale').title).toBe(
      'dataset iris has a newer version'
    );
    expect(within(heads[3]).getByText('failed')).toBeTruthy();
  });

  it('given the Differences only toggle, when it is checked and unchecked, then equal params hide and come back', async () => {
    const { container } = await show(async () => comparison());
    expect(paramKeys(container)).toEqual(['lr', 'seed', 'optimizer']);
    const toggle = screen.getByLabelText('Differences only');
    await act(async () => {
      fireEvent.click(toggle);
    });
    expect(paramKeys(container)).toEqual(['lr', 'optimizer']);
    // The user is told what is hidden: one param here, the only tag there.
    const section = (name: string) =>
      screen.getByRole('table', { name }).closest('section')!;
    expect(
      within(section('Params')).getByText(
        '1 row with the same value in every run is hidden.'
      )
    ).toBeTruthy();
    expect(
      within(section('Tags')).getByText(
        'All 1 row with the same value in every run is hidden.'
      )
    ).toBeTruthy();
    await act(async () => {
      fireEvent.click(toggle);
    });
    expect(paramKeys(container)).toEqual(['lr', 'seed', 'optimizer']);
  });

  it('given differing params, then their rows are marked and changed cells highlighted', async () => {
    const { container } = await show(async () => comparison());
    const row = (key: string) =>
      container.querySelector(
        `table[aria-label="Params"] tr[data-key="${key}"]`
      )!;
    expect(row('lr').classList.contains('jp-mod-differs')).toBe(true);
    expect(row('seed').classList.contains('jp-mod-differs')).toBe(false);
    const cells = row('lr').querySelectorAll('td');
    expect(cells[0].classList.contains('jp-mod-changed')).toBe(false);
    expect(cells[1].classList.contains('jp-mod-changed')).toBe(true);
    // A missing value shows as a dash, not as an empty cell.
    expect(row('optimizer').querySelectorAll('td')[2].textContent).toBe('–');
  });

  it('given metrics, then the best of each row is bold: highest accuracy, lowest loss', async () => {
    await show(async () => comparison());
    const table = screen.getByRole('table', { name: 'Metrics' });
    const best = (key: string) =>
      Array.from(table.querySelectorAll(`tr[data-key="${key}"] td`)).findIndex(
        cell => cell.classList.contains('jp-mod-best')
      );
    expect(best('accuracy')).toBe(1);
    expect(best('val_loss')).toBe(1);
    expect(
      table.querySelector('tr[data-key="val_loss"] td.jp-mod-best strong')
        ?.textContent
    ).toBe('0.3 (best)');
  });

  it('given histories, then a chart is drawn for each metric logged at more than one step', async () => {
    const { container, rendermime } = await show(async () => comparison());
    const charts = container.querySelectorAll('.jp-MlopsCompare-chart');
    expect(Array.from(charts).map(c => c.getAttribute('data-metric'))).toEqual([
      'val_loss'
    ]);
    expect(container.querySelectorAll('figure.jp-MlopsChart').length).toBe(2);
    const history = rendermime.specs.find(
      s => s.description === 'val_loss over steps'
    );
    expect(new Set(history.data.values.map((v: any) => v.run))).toEqual(
      new Set(['alpha (r1)', 'beta (r2)', 'gamma (r3)'])
    );
  });

  it('given three runs, then parallel coordinates are drawn', async () => {
    await show(async () => comparison(3));
    expect(screen.getByText('Parallel coordinates')).toBeTruthy();
    expect(
      screen.getByLabelText(/Parallel coordinates: one line per run/)
    ).toBeTruthy();
  });

  it('given two runs, then there are no parallel coordinates', async () => {
    await show(async () => comparison(2), ['r1', 'r2']);
    expect(screen.queryByText('Parallel coordinates')).toBeNull();
  });

  it('given a code diff, then added, removed and header lines are classed; same code is said', async () => {
    await show(async () => comparison());
    const region = screen.getByLabelText('Code diff');
    const line = (text: string) =>
      Array.from(region.querySelectorAll('.jp-MlopsCompare-diffLine')).find(
        l => l.textContent === text
      )!;
    expect(line('+lr = 0.2').classList.contains('jp-mod-added')).toBe(true);
    expect(line('-lr = 0.1').classList.contains('jp-mod-removed')).toBe(true);
    expect(line('@@ -1,2 +1,2 @@').classList.contains('jp-mod-hunk')).toBe(
      true
    );
    expect(line(' x = 1').classList.contains('jp-mod-context')).toBe(true);
    expect(within(region).getByText('Same code')).toBeTruthy();
  });

  it('given input datasets, then versions are buttons that open their lineage', async () => {
    const { commands } = await show(async () => comparison());
    const table = screen.getByRole('table', { name: 'Input datasets' });
    expect(
      table
        .querySelector('tr[data-key="iris"]')!
        .classList.contains('jp-mod-differs')
    ).toBe(true);
    const first = within(table).getByText('iris v1 (150 rows)');
    await act(async () => {
      fireEvent.click(first);
    });
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'dataset_version',
      nodeId: '11'
    });
  });

  it('given environments, then the differing package and Python version are shown', async () => {
    await show(async () => comparison());
    const table = screen.getByRole('table', { name: 'Environment' });
    expect(table.querySelector('tr[data-key="numpy"]')!.textContent).toContain(
      '2.0.0'
    );
    expect(
      table
        .querySelector('tr[data-key="Python"]')!
        .classList.contains('jp-mod-differs')
    ).toBe(true);
  });

  it('given a column head, when it is clicked, then the run opens', async () => {
    const { commands } = await show(async () => comparison());
    const table = screen.getByRole('table', { name: 'Params' });
    await act(async () => {
      fireEvent.click(within(table).getByText('beta (r2)'));
    });
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openRun, {
      runId: 'r2'
    });
  });

  it('given a deleted run, then the server message is shown, and Refresh recovers', async () => {
    let fail = true;
    const { client } = await show(async () => {
      if (fail) {
        throw new Error('Run r3 not found');
      }
      return comparison();
    });
    expect(screen.getByRole('alert').textContent).toBe('Run r3 not found');
    expect(screen.queryByRole('table')).toBeNull();
    fail = false;
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Refresh the comparison'));
    });
    expect(client.compareRuns).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('table', { name: 'Params' })).toBeTruthy();
  });

  it('given a slow server, then a loading line is shown', async () => {
    const client = {
      compareRuns: jest.fn(() => new Promise<IRunComparison>(() => undefined))
    };
    render(
      <Compare
        client={client}
        commands={{ execute: jest.fn() } as any}
        rendermime={null}
        runIds={['r1', 'r2']}
      />
    );
    expect(screen.getByText('Loading ...')).toBeTruthy();
  });

  it('given values with markup, then they are rendered as text', async () => {
    const hostile = comparison();
    hostile.params[0].values[0] = '<img src=x onerror=alert(1)>';
    const { container } = await show(async () => hostile);
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
  });

  it('given params and metrics, then parallel axes are the numeric keys with two or more values', () => {
    const { axes, constant } = parallelAxes(
      [
        { key: 'lr', values: ['0.1', '0.2', '0.3'], differs: true },
        { key: 'seed', values: ['7', '7', '7'], differs: false },
        { key: 'optimizer', values: ['adam', 'sgd', 'adam'], differs: true },
        { key: 'acc', values: ['1', '2', '3'], differs: true }
      ],
      [
        { key: 'acc', values: [0.8, 0.9, 0.7], differs: true },
        { key: 'staged', values: [null, null, 0.9], differs: true }
      ]
    );
    expect(axes.map(a => a.label)).toEqual(['lr', 'acc (param)', 'acc']);
    expect(axes[0].values).toEqual([0.1, 0.2, 0.3]);
    // seed (one value) and staged (one run) are left out; optimizer is no number
    expect(constant).toBe(2);
  });

  it('given a theme change, then each chart is drawn again, once', async () => {
    const { container, rendermime } = await show(async () => comparison());
    const drawn = rendermime.specs.length;
    await act(async () => {
      document.body.dataset.jpThemeLight = 'false';
      await new Promise(resolve => setTimeout(resolve, 0));
    });
    expect(rendermime.specs.length).toBe(2 * drawn);
    container.querySelectorAll('figure.jp-MlopsChart').forEach(figure => {
      expect(figure.firstElementChild!.childElementCount).toBe(1);
    });
    delete document.body.dataset.jpThemeLight;
  });
});
