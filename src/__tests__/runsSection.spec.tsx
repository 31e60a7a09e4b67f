import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { RunsModel } from '../runs/runsModel';
import { RunsSection } from '../runs/RunsSection';
import { CommandIDs } from '../shared/commands';
import {
  FakeRunsClient,
  held,
  makeRun,
  makeRuns,
  settle
} from './runsFixtures';

// jsdom lays nothing out: give the table's scroller the size of a side panel, so the
// virtualizer paints the rows a user would see.
const sizes = {
  clientHeight: Object.getOwnPropertyDescriptor(
    HTMLElement.prototype,
    'clientHeight'
  ),
  clientWidth: Object.getOwnPropertyDescriptor(
    HTMLElement.prototype,
    'clientWidth'
  )
};

beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get() {
      return (this as HTMLElement).classList.contains('jp-MlopsRuns-scroller')
        ? 520
        : 0;
    }
  });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
    configurable: true,
    get() {
      return (this as HTMLElement).classList.contains('jp-MlopsRuns-scroller')
        ? 400
        : 0;
    }
  });
});

afterAll(() => {
  for (const [name, descriptor] of Object.entries(sizes)) {
    if (descriptor) {
      Object.defineProperty(HTMLElement.prototype, name, descriptor);
    }
  }
});

interface IRendered {
  client: FakeRunsClient;
  model: RunsModel;
  commands: { execute: jest.Mock };
  container: HTMLElement;
}

async function renderSection(
  client: FakeRunsClient = new FakeRunsClient(makeRuns(10_000))
): Promise<IRendered> {
  const model = new RunsModel({ client, pageSize: 100, refreshInterval: 0 });
  const commands = { execute: jest.fn(async () => undefined) };
  let container: HTMLElement = document.body;
  await act(async () => {
    ({ container } = render(<RunsSection model={model} commands={commands} />));
  });
  await act(async () => {
    model.setVisible(true);
    await settle(10);
  });
  return { client, model, commands, container };
}

function paintedRows(container: HTMLElement): HTMLElement[] {
  return Array.from(
    container.querySelectorAll<HTMLElement>('[role="row"][data-run-id]')
  );
}

describe('RunsSection', () => {
  afterEach(() => jest.clearAllMocks());

  it('given 10,000 runs, when shown, then the count and only the rows in view are painted', async () => {
    const { container, model } = await renderSection();

    expect(container.querySelector('.jp-MlopsRuns-count')?.textContent).toBe(
      (10000).toLocaleString() + ' runs'
    );
    const rows = paintedRows(container);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(100);
    expect(rows[0].dataset.runId).toBe('run09999');
    expect(within(rows[0]).getByText('sweep-9999')).toBeTruthy();
    expect(
      screen
        .getByRole('columnheader', { name: 'Name' })
        .getAttribute('aria-sort')
    ).toBe('none');
    expect(
      screen
        .getByRole('columnheader', { name: 'Started' })
        .getAttribute('aria-sort')
    ).toBe('descending');
    model.dispose();
  });

  it('given a typo in the filter, when Enter is pressed, then the server message shows under the box and the rows stay', async () => {
    const { container, model } = await renderSection();
    const before = paintedRows(container).length;
    const box = screen.getByLabelText('Filter runs');

    fireEvent.change(box, { target: { value: 'metrics.accuracy >> 0.9' } });
    await act(async () => {
      fireEvent.keyDown(box, { key: 'Enter' });
      await settle();
    });

    const error = container.querySelector('.jp-MlopsRuns-filterError');
    expect(within(error as HTMLElement).getByRole('alert').textContent).toBe(
      "expected a number or a quoted string at position 18, found '>'"
    );
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(box.getAttribute('aria-describedby')).toBe(
      within(error as HTMLElement).getByRole('alert').id
    );
    expect(paintedRows(container)).toHaveLength(before);
    model.dispose();
  });

  it('given a filter matching nothing, when applied, then it says so', async () => {
    const { container, model } = await renderSection();
    const box = screen.getByLabelText('Filter runs');

    fireEvent.change(box, { target: { value: "params.model = 'svm'" } });
    await act(async () => {
      fireEvent.keyDown(box, { key: 'Enter' });
      await settle();
    });

    expect(screen.getByText('No runs match this filter.')).toBeTruthy();
    expect(paintedRows(container)).toHaveLength(0);
    model.dispose();
  });

  it('given a filter on a metric no run has, when applied, then the closest metric is named under the box', async () => {
    const { model, container } = await renderSection();
    const box = screen.getByLabelText('Filter runs');

    fireEvent.change(box, { target: { value: 'metrics.acc > 0.5' } });
    await act(async () => {
      fireEvent.keyDown(box, { key: 'Enter' });
      await settle();
    });

    const hint = container.querySelector('.jp-MlopsRuns-filterWarnings');
    expect(hint?.textContent).toBe(
      "no run has the metric 'acc'; did you mean metrics.accuracy?"
    );
    expect(screen.getByText('No runs match this filter.')).toBeTruthy();
    model.dispose();
  });

  it('given a store too large to count its stale runs, when Stale only is on, then the count reads as an estimate', async () => {
    const runs = makeRuns(300).map((run, index) =>
      index % 2
        ? { ...run, stale_reasons: ['read data.csv v1; v2 is newer'] }
        : run
    );
    const client = new FakeRunsClient(runs);
    client.estimateStale = true;
    const { model, container } = await renderSection(client);

    await act(async () => {
      fireEvent.click(screen.getByLabelText(/Stale only/));
      await settle(10);
    });

    const count = container.querySelector('.jp-MlopsRuns-count');
    expect(count?.textContent).toBe('~150 runs');
    model.dispose();
  });

  it('given an empty store, then it shows how to track a first run', async () => {
    const { model } = await renderSection(new FakeRunsClient([]));

    expect(screen.getByText(/No runs yet/)).toBeTruthy();
    expect(screen.getByText('%load_ext mlops_jlab')).toBeTruthy();
    expect(screen.getByText(/ml\.start_run/)).toBeTruthy();
    model.dispose();
  });

  it('given an unreachable server, then its message is shown, not a blank panel', async () => {
    const client = new FakeRunsClient([]);
    client.failWith = new Error('Cannot reach the Jupyter server: refused');
    const { model } = await renderSection(client);

    expect(screen.getByRole('alert').textContent).toBe(
      'Cannot reach the Jupyter server: refused'
    );
    model.dispose();
  });

  it('given one run ticked, then Compare is disabled; at two it compares them', async () => {
    const { container, commands, model } = await renderSection();
    const compare = screen.getByRole('button', { name: 'Compare' });
    expect((compare as HTMLButtonElement).disabled).toBe(true);

    const rows = paintedRows(container);
    await act(async () => {
      fireEvent.click(within(rows[0]).getByRole('checkbox'));
    });
    expect((compare as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('1 selected')).toBeTruthy();

    await act(async () => {
      fireEvent.click(within(rows[2]).getByRole('checkbox'));
    });
    expect((compare as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(compare);
    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.compareRuns, {
      runIds: ['run09999', 'run09997']
    });
    // Ticking a box does not open the run.
    expect(commands.execute).toHaveBeenCalledTimes(1);
    model.dispose();
  });

  it('given a run, when its row is clicked or Enter pressed on it, then it opens', async () => {
    const { container, commands, model } = await renderSection();
    const rows = paintedRows(container);

    fireEvent.click(within(rows[1]).getByText('sweep-9998'));
    fireEvent.keyDown(rows[3], { key: 'Enter' });

    expect(commands.execute.mock.calls).toEqual([
      [CommandIDs.openRun, { runId: 'run09998' }],
      [CommandIDs.openRun, { runId: 'run09996' }]
    ]);
    model.dispose();
  });

  it('given a focused row, when Space is pressed, then it is selected', async () => {
    const { container, model } = await renderSection();

    await act(async () => {
      fireEvent.keyDown(paintedRows(container)[1], { key: ' ' });
    });

    expect(model.selected).toEqual(['run09998']);
    expect(paintedRows(container)[1].getAttribute('aria-selected')).toBe(
      'true'
    );
    model.dispose();
  });

  it('given the lineage action of a row, when clicked, then the run lineage opens', async () => {
    const { container, commands, model } = await renderSection();

    fireEvent.click(
      within(paintedRows(container)[0]).getByRole('button', {
        name: 'Lineage of run sweep-9999'
      })
    );

    expect(commands.execute).toHaveBeenCalledWith(CommandIDs.openLineage, {
      kind: 'run',
      nodeId: 'run09999'
    });
    model.dispose();
  });

  it('given a metric column, when its header is clicked twice, then the server is asked DESC then ASC and aria-sort follows', async () => {
    const { client, model } = await renderSection();
    const header = () => screen.getByRole('columnheader', { name: 'val-loss' });

    await act(async () => {
      fireEvent.click(within(header()).getByRole('button'));
      await settle();
    });
    expect(client.queries[client.queries.length - 1].order_by).toBe(
      'metrics.`val-loss` DESC'
    );
    expect(header().getAttribute('aria-sort')).toBe('descending');

    await act(async () => {
      fireEvent.click(within(header()).getByRole('button'));
      await settle();
    });
    expect(client.queries[client.queries.length - 1].order_by).toBe(
      'metrics.`val-loss` ASC'
    );
    expect(header().getAttribute('aria-sort')).toBe('ascending');
    expect(
      screen
        .getByRole('columnheader', { name: 'Started' })
        .getAttribute('aria-sort')
    ).toBe('none');
    model.dispose();
  });

  it('given the column chooser, when a param is ticked and a metric unticked, then the columns follow', async () => {
    const { model } = await renderSection();
    expect(screen.getByRole('columnheader', { name: 'accuracy' })).toBeTruthy();
    expect(screen.queryByRole('columnheader', { name: 'depth' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Columns' }));
    const dialog = screen.getByRole('dialog', { name: 'Choose columns' });
    await act(async () => {
      fireEvent.click(within(dialog).getByLabelText('depth'));
      fireEvent.click(within(dialog).getByLabelText('accuracy'));
    });

    expect(screen.getByRole('columnheader', { name: 'depth' })).toBeTruthy();
    expect(screen.queryByRole('columnheader', { name: 'accuracy' })).toBeNull();

    fireEvent.change(within(dialog).getByLabelText('Search column keys'), {
      target: { value: 'val' }
    });
    expect(within(dialog).queryByLabelText('depth')).toBeNull();
    expect(within(dialog).getByLabelText('val-loss')).toBeTruthy();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    model.dispose();
  });

  it('given a stale run, then its badge names why', async () => {
    const client = new FakeRunsClient([
      makeRun(1, {
        stale_reasons: [
          'dataset train has a newer version (v3)',
          "the cell's code changed"
        ]
      })
    ]);
    const { model } = await renderSection(client);

    expect(
      screen.getByRole('img', {
        name: "Stale: dataset train has a newer version (v3); the cell's code changed"
      })
    ).toBeTruthy();
    model.dispose();
  });

  it('given a run name with markup, then it is shown as text', async () => {
    const client = new FakeRunsClient([
      makeRun(1, { name: '<img src=x onerror=alert(1)>' })
    ]);
    const { container, model } = await renderSection(client);

    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    model.dispose();
  });
});

describe('RunsSection keyboard', () => {
  it('given more runs than the count stops at, then it reads "1,000+ runs", and a click counts them all, saying a count is on its way', async () => {
    const client = new FakeRunsClient(makeRuns(1500));
    client.countLimit = 1000;
    const { model, container } = await renderSection(client);
    const count = () => container.querySelector('.jp-MlopsRuns-count');
    expect(count()?.textContent).toBe(`${(1000).toLocaleString()}+ runs`);

    const { gate, open } = held();
    client.countGate = gate;
    await act(async () => {
      fireEvent.click(within(count() as HTMLElement).getByRole('button'));
      await settle();
    });
    expect(client.countRuns).toHaveBeenLastCalledWith(
      { exact: true },
      { signal: expect.any(AbortSignal) }
    );
    expect(within(count() as HTMLElement).getByRole('status').textContent).toBe(
      ' counting…'
    );

    await act(async () => {
      open();
      await settle(10);
    });
    expect(count()?.textContent).toBe(`${(1500).toLocaleString()} runs`);
    model.dispose();
  });

  it('given the table focused, when End is pressed, then the last run is asked from the end directly; Home goes back to the first', async () => {
    const { container, model, client } = await renderSection();
    const grid = screen.getByRole('grid', { name: 'Runs' });

    // On the table itself (no row focused), as on a row.
    await act(async () => {
      grid.focus();
      fireEvent.keyDown(grid, { key: 'End', ctrlKey: true });
      await settle(10);
    });

    // jsdom scrolls nothing: the browser tests see the last row painted.
    expect(client.queries.slice(1)).toEqual([
      { page_size: 100, reverse: true }
    ]);
    expect(model.rowAt(model.rowCount - 1)?.id).toBe('run00000');

    await act(async () => {
      fireEvent.keyDown(grid, { key: 'Home' });
      await settle(10);
    });
    expect(paintedRows(container)[0].dataset.runId).toBe('run09999');
    expect(client.queries).toHaveLength(2);
    model.dispose();
  });

  it('given End pressed, when a filter is typed and applied, then the focus stays in the filter box', async () => {
    const runs = makeRuns(1000);
    runs[10] = { ...runs[10], status: 'failed' };
    const { model } = await renderSection(new FakeRunsClient(runs));
    const grid = screen.getByRole('grid', { name: 'Runs' });
    await act(async () => {
      grid.focus();
      fireEvent.keyDown(grid, { key: 'End' });
      await settle(10);
    });

    const box = screen.getByLabelText('Filter runs');
    await act(async () => {
      box.focus();
      fireEvent.change(box, { target: { value: "status = 'failed'" } });
      fireEvent.keyDown(box, { key: 'Enter' });
      await settle(10);
    });

    expect(model.rowCount).toBe(1);
    expect(document.activeElement).toBe(box);
    model.dispose();
  });

  it('given the focused row filtered away, when the table takes the focus, then the first row in view gets it', async () => {
    const runs = makeRuns(50);
    runs[10] = { ...runs[10], status: 'failed' };
    const { container, model } = await renderSection(new FakeRunsClient(runs));
    const grid = screen.getByRole('grid', { name: 'Runs' });
    const first = paintedRows(container)[0];
    expect(first.tabIndex).toBe(0);
    expect(grid.tabIndex).toBe(-1);

    await act(async () => {
      fireEvent.keyDown(first, { key: 'ArrowDown' });
    });
    expect(document.activeElement).toBe(paintedRows(container)[1]);

    const box = screen.getByLabelText('Filter runs');
    fireEvent.change(box, { target: { value: "status = 'failed'" } });
    await act(async () => {
      fireEvent.keyDown(box, { key: 'Enter' });
      await settle();
    });
    // One run matches: the focused second row is gone, the table is the tab stop.
    expect(paintedRows(container)).toHaveLength(1);
    expect(grid.tabIndex).toBe(0);
    await act(async () => {
      grid.focus();
    });
    expect(document.activeElement).toBe(paintedRows(container)[0]);
    expect(paintedRows(container)[0].tabIndex).toBe(0);
    model.dispose();
  });
});

describe('RunsSection in a narrow panel', () => {
  afterEach(() => jest.clearAllMocks());

  it('given the table, then the checkbox and the name come first and stay in view while it scrolls sideways', async () => {
    const { model } = await renderSection();
    const headers = screen.getAllByRole('columnheader');
    expect(headers.slice(0, 4).map(h => h.textContent)).toEqual([
      'Selected',
      'Name',
      'Stale',
      'Status'
    ]);
    const frozen = headers.filter(h => h.classList.contains('jp-mod-frozen'));
    expect(frozen.map(h => [h.textContent, h.style.left])).toEqual([
      ['Selected', '0px'],
      ['Name', '28px']
    ]);
    const [row] = paintedRows(document.body);
    const name = row.querySelector<HTMLElement>('.jp-mod-name')!;
    expect(name.classList.contains('jp-mod-frozen')).toBe(true);
    expect(name.style.left).toBe('28px');
    model.dispose();
  });

  it('given a name cut short, then the whole cell holds the full name and the id as its tooltip', async () => {
    const long = 'gradient-boosting-learning_rate0.2-n_estimators60-refreshed';
    const { model } = await renderSection(
      new FakeRunsClient([makeRun(1, { name: long })])
    );
    const cell = paintedRows(document.body)[0].querySelector(
      '[role="gridcell"].jp-mod-name'
    )!;
    expect(cell.getAttribute('title')).toBe(`${long}\nrun00001`);
    model.dispose();
  });

  it('given a header cell, when clicked beside its label, then it sorts too', async () => {
    const { client, model } = await renderSection();
    await act(async () => {
      fireEvent.click(screen.getByRole('columnheader', { name: 'Name' }));
      await settle();
    });
    expect(client.queries[client.queries.length - 1].order_by).toBe('name ASC');
    model.dispose();
  });

  it('given Deleted ticked, then deleted runs are asked for too and read as deleted', async () => {
    const client = new FakeRunsClient([
      makeRun(2),
      makeRun(1, { deleted_at: 1_700_000_500_000 })
    ]);
    const { model } = await renderSection(client);
    await act(async () => {
      fireEvent.click(screen.getByRole('checkbox', { name: 'Deleted' }));
      await settle();
    });
    expect(client.queries[client.queries.length - 1].include_deleted).toBe(
      true
    );
    const deleted = paintedRows(document.body).find(
      row => row.dataset.deleted === 'true'
    );
    expect(deleted?.dataset.runId).toBe('run00001');
    expect(deleted?.querySelector('.jp-mod-name')?.getAttribute('title')).toBe(
      'sweep-1 (deleted)\nrun00001'
    );
    model.dispose();
  });
});
