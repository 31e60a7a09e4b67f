import { Signal } from '@lumino/signaling';

import { IRunDetail, IRunSummary } from '../api/types';
import { DEFAULT_METRIC_COLUMNS, keyField } from '../runs/runsKeys';
import { RunsModel } from '../runs/runsModel';
import { orderByText, quoteKey } from '../runs/runsQuery';
import {
  FakeRunsClient,
  held,
  makeRun,
  makeRuns,
  settle,
  untilIdle
} from './runsFixtures';

function modelOf(
  client: FakeRunsClient,
  options: { pageSize?: number; refreshInterval?: number } = {}
): RunsModel {
  return new RunsModel({
    client,
    pageSize: options.pageSize ?? 100,
    refreshInterval: options.refreshInterval ?? 0
  });
}

describe('RunsModel paging', () => {
  it('given 10,000 runs, when first shown, then the first page is shown before its count arrives, and the count asked apart', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const { gate, open } = held();
    client.countGate = gate;
    const model = modelOf(client, { pageSize: 200 });
    model.setVisible(true);
    await settle(10);

    expect(client.queries).toEqual([{ page_size: 200 }]);
    expect(model.rows).toHaveLength(200);
    expect(model.rows[0].name).toBe('sweep-9999');
    expect(model.counting).toBe(true);
    expect(model.total).toBeNull();
    expect(model.rowCount).toBe(201);

    open();
    await untilIdle(model);
    expect(client.countRuns).toHaveBeenCalledTimes(1);
    expect(client.countRuns.mock.calls[0][0]).toEqual({});
    expect(model.total).toBe(10_000);
    expect(model.totalComplete).toBe(true);
    expect(model.rowCount).toBe(10_000);
    model.dispose();
  });

  it('given more runs than the count stops at, then the count reads as a bound, and a request completes it', async () => {
    const client = new FakeRunsClient(makeRuns(1500));
    client.countLimit = 1000;
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);

    expect(model.total).toBe(1000);
    expect(model.totalComplete).toBe(false);
    // The scrollbar spans the bound at least.
    expect(model.rowCount).toBe(1000);

    const { gate, open } = held();
    client.countGate = gate;
    const completing = model.completeCount();
    expect(model.countingExact).toBe(true);
    open();
    await completing;

    expect(client.countRuns.mock.calls[1][0]).toEqual({ exact: true });
    expect(model.countingExact).toBe(false);
    expect(model.total).toBe(1500);
    expect(model.totalComplete).toBe(true);
    expect(model.rowCount).toBe(1500);
    model.dispose();
  });

  it('given the bounded count on its way, when the exact one is asked, then the bounded answer does not replace it', async () => {
    const client = new FakeRunsClient(makeRuns(1500));
    client.countLimit = 1000;
    const { gate, open } = held();
    client.countGate = gate;
    const model = modelOf(client);
    await model.load();

    const completing = model.completeCount();
    open();
    await completing;
    await untilIdle(model);

    expect(client.countRuns).toHaveBeenCalledTimes(2);
    expect(model.total).toBe(1500);
    expect(model.totalComplete).toBe(true);
    model.dispose();
  });

  it('given the first page, when the table reaches its end, then the next page is fetched with its token and appended', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const model = modelOf(client);
    await model.load();

    model.ensureRows(150);
    await untilIdle(model);

    expect(client.queries[1]).toMatchObject({
      page_size: 100,
      page_token: '100'
    });
    expect(client.queries[1].reverse).toBeUndefined();
    expect(model.rows).toHaveLength(200);
    expect(model.rows[150].name).toBe('sweep-849');
    model.dispose();
  });

  it('given rows still in view, when nothing further is wanted, then no page is fetched', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const model = modelOf(client);
    await model.load();

    model.ensureRows(40);
    await untilIdle(model);

    expect(client.queries).toHaveLength(1);
    model.dispose();
  });

  it('given 10,000 runs, when a row far down is wanted, then the pages in between come in requests of 1000 and each is shown as it arrives', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const model = modelOf(client, { pageSize: 200 });
    await model.load();
    await untilIdle(model);
    const seen: number[] = [];
    model.changed.connect(() => seen.push(model.rows.length));

    model.ensureRows(4_500);
    await untilIdle(model);

    const sizes = client.queries.slice(1).map(query => query.page_size);
    expect(sizes).toEqual([1000, 1000, 1000, 1000, 301]);
    expect(model.rows[4_500].name).toBe('sweep-5499');
    // Rows were shown page by page, not all at the end.
    expect(new Set(seen).size).toBeGreaterThan(3);
    model.dispose();
  });

  it('given a long walk down, when the user scrolls back up, then it stops after the page on its way', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const model = modelOf(client, { pageSize: 200 });
    await model.load();
    await untilIdle(model);

    model.ensureRows(4_000);
    model.ensureRows(50);
    await untilIdle(model);

    expect(client.queries).toHaveLength(2);
    expect(model.rows.length).toBeLessThan(2000);
    model.dispose();
  });

  it('given a page that fails, when scrolling on, then it is not asked again and again, its message is shown, and a refresh resumes', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const model = modelOf(client);
    await model.load();
    client.failWith = new Error('Cannot reach the Jupyter server: offline');

    model.ensureRows(150);
    await untilIdle(model);
    model.ensureRows(160);
    model.ensureRows(170);
    await untilIdle(model);

    expect(client.queries).toHaveLength(2);
    expect(model.error).toBe('Cannot reach the Jupyter server: offline');
    expect(model.rows).toHaveLength(100);

    client.failWith = null;
    await model.refresh();
    await untilIdle(model);
    expect(model.error).toBeNull();
    expect(model.rows).toHaveLength(200);
    model.dispose();
  });
});

describe('RunsModel ordering', () => {
  it('given keys with other characters, then they are written in backticks', () => {
    expect(quoteKey('accuracy')).toBe('accuracy');
    expect(quoteKey('f1_macro2')).toBe('f1_macro2');
    expect(quoteKey('val-loss')).toBe('`val-loss`');
    expect(quoteKey('top 5.acc')).toBe('`top 5.acc`');
    expect(quoteKey('odd`key')).toBeNull();
    expect(keyField({ kind: 'metrics', key: 'val-loss' })).toBe(
      'metrics.`val-loss`'
    );
    expect(orderByText({ field: 'metrics.`val-loss`', direction: 'ASC' })).toBe(
      'metrics.`val-loss` ASC'
    );
  });

  it('given the default order, when a metric is sorted twice, then order_by is DESC then ASC and the first page is asked again', async () => {
    const client = new FakeRunsClient(makeRuns(300));
    const model = modelOf(client);
    await model.load();
    expect(client.queries[0].order_by).toBeUndefined();

    await model.sortBy('metrics.accuracy');
    expect(client.queries[1]).toEqual({
      order_by: 'metrics.accuracy DESC',
      page_size: 100
    });
    expect(client.queries[1].page_token).toBeUndefined();

    await model.sortBy('metrics.accuracy');
    expect(client.queries[2].order_by).toBe('metrics.accuracy ASC');
    expect(model.query.sort).toEqual({
      field: 'metrics.accuracy',
      direction: 'ASC'
    });
    model.dispose();
  });

  it('given a name column, when sorted, then it starts A to Z', async () => {
    const client = new FakeRunsClient(makeRuns(10));
    const model = modelOf(client);
    await model.load();

    await model.sortBy('name');
    await model.sortBy('start_time');

    expect(client.queries[1].order_by).toBe('name ASC');
    // Newest first is the server's own default: it needs no order_by.
    expect(model.query.sort).toEqual({
      field: 'start_time',
      direction: 'DESC'
    });
    expect(client.queries[2].order_by).toBeUndefined();
    model.dispose();
  });

  it('given sorted rows, when the next page is fetched, then it keeps the order', async () => {
    const client = new FakeRunsClient(makeRuns(500));
    const model = modelOf(client);
    await model.sortBy('metrics.`val-loss`');

    model.ensureRows(150);
    await untilIdle(model);

    expect(client.queries[1]).toMatchObject({
      order_by: 'metrics.`val-loss` DESC',
      page_token: '100'
    });
    model.dispose();
  });
});

describe('RunsModel filter', () => {
  it('given rows shown, when the server refuses a filter, then its message is kept inline and the rows and query stay', async () => {
    const client = new FakeRunsClient(makeRuns(300));
    const model = modelOf(client);
    await model.load();
    const before = model.rows;

    await model.setQuery({ filter: 'metrics.accuracy >> 0.9' });
    await untilIdle(model);

    expect(model.filterError).toBe(
      "expected a number or a quoted string at position 18, found '>'"
    );
    expect(model.error).toBeNull();
    expect(model.rows).toBe(before);
    expect(model.query.filter).toBe('');
    expect(model.total).toBe(300);
    model.dispose();
  });

  it('given a refused filter, when a good one is applied, then the message goes and the matching runs show', async () => {
    const runs = makeRuns(50).map((run, i) =>
      i % 10 === 0 ? { ...run, status: 'failed' } : run
    );
    const client = new FakeRunsClient(runs);
    const model = modelOf(client);
    await model.load();
    await model.setQuery({ filter: 'metrics.accuracy >> 0.9' });

    await model.setQuery({ filter: "status = 'failed'" });

    expect(model.filterError).toBeNull();
    expect(model.rows).toHaveLength(5);
    expect(model.total).toBe(5);
    expect(model.query.filter).toBe("status = 'failed'");
    expect(model.emptyStore).toBe(false);
    model.dispose();
  });

  it('given a filter matching nothing, then the store is not called empty', async () => {
    const client = new FakeRunsClient(makeRuns(20));
    const model = modelOf(client);
    await model.setQuery({ filter: "params.model = 'none'" });

    expect(model.rows).toHaveLength(0);
    expect(model.emptyStore).toBe(false);
    model.dispose();
  });

  it('given an unreachable server, when loading, then its message is the error', async () => {
    const client = new FakeRunsClient([]);
    client.failWith = new Error('Cannot reach the Jupyter server: refused');
    const model = modelOf(client);

    await model.load();

    expect(model.error).toBe('Cannot reach the Jupyter server: refused');
    expect(model.loaded).toBe(false);
    model.dispose();
  });

  it('given the stale toggle, then only stale runs are asked for', async () => {
    const client = new FakeRunsClient([
      makeRun(2, { stale_reasons: ['dataset train has a newer version (v3)'] }),
      makeRun(1)
    ]);
    const model = modelOf(client);

    const asked = model.setQuery({ staleOnly: true });
    // The toggle shows what was asked at once, before the answer.
    expect(model.requestedQuery.staleOnly).toBe(true);
    expect(model.query.staleOnly).toBe(false);
    await asked;

    expect(client.queries[0].stale).toBe(true);
    expect(model.query.staleOnly).toBe(true);
    expect(model.rows.map(run => run.name)).toEqual(['sweep-2']);
    model.dispose();
  });
});

describe('RunsModel live refresh', () => {
  it('given loaded pages, when new runs arrive and a running run finishes, then the refresh adds them at the top, updates the status and keeps the rows below', async () => {
    const runs = makeRuns(500);
    runs[3] = { ...runs[3], status: 'running', duration: null };
    const client = new FakeRunsClient(runs);
    const model = modelOf(client);
    await model.load();
    model.ensureRows(199);
    await untilIdle(model);
    model.ensureRows(299);
    await untilIdle(model);
    expect(model.rows).toHaveLength(300);

    client.runs = [
      makeRun(501, { name: 'new-b' }),
      makeRun(500, { name: 'new-a' }),
      ...runs.map((run, i) => (i === 3 ? { ...run, status: 'finished' } : run))
    ];
    await model.refresh();

    expect(model.rows.slice(0, 3).map(run => run.name)).toEqual([
      'new-b',
      'new-a',
      'sweep-499'
    ]);
    expect(model.rows.find(run => run.id === runs[3].id)?.status).toBe(
      'finished'
    );
    expect(model.rows).toHaveLength(302);
    expect(new Set(model.rows.map(run => run.id)).size).toBe(302);
    expect(model.total).toBe(502);
    // The next page still follows the last row loaded.
    model.ensureRows(350);
    await untilIdle(model);
    const last = client.queries[client.queries.length - 1];
    expect(last.page_token).toBe('300');
    expect(new Set(model.rows.map(run => run.id)).size).toBe(model.rows.length);
    model.dispose();
  });

  it('given a counted first page, when refreshed with two new runs, then the refresh does not count again and the total grows by two', async () => {
    const client = new FakeRunsClient(makeRuns(500));
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);
    client.runs = [makeRun(502), makeRun(501), ...client.runs];

    await model.refresh();

    expect(client.countRuns).toHaveBeenCalledTimes(1);
    expect(model.total).toBe(502);
    model.dispose();
  });

  it('given more new runs than a page, when refreshed, then the table starts again from the fresh page', async () => {
    const client = new FakeRunsClient(makeRuns(150));
    const model = modelOf(client);
    await model.load();
    model.ensureRows(120);
    await untilIdle(model);

    client.runs = [
      ...Array.from({ length: 120 }, (_, i) =>
        makeRun(1000 - i, { name: `fresh-${i}` })
      ),
      ...client.runs
    ];
    await model.refresh();

    expect(model.rows).toHaveLength(100);
    expect(model.rows[0].name).toBe('fresh-0');
    expect(model.hasMore).toBe(true);
    model.ensureRows(150);
    await untilIdle(model);
    expect(model.rows[100].name).toBe('fresh-100');
    model.dispose();
  });

  it('given a visible section, when the interval passes, then it refreshes; when hidden, then it stops', async () => {
    jest.useFakeTimers();
    try {
      const client = new FakeRunsClient(makeRuns(20));
      const model = modelOf(client, { refreshInterval: 1.5 });
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(10);
      const first = client.queries.length;
      expect(model.loaded).toBe(true);

      await jest.advanceTimersByTimeAsync(1600);
      expect(client.queries.length).toBeGreaterThan(first);
      expect(model.polling).toBe(true);

      model.setVisible(false);
      await jest.advanceTimersByTimeAsync(0);
      const hidden = client.queries.length;
      await jest.advanceTimersByTimeAsync(10_000);
      expect(client.queries.length).toBe(hidden);
      expect(model.polling).toBe(false);

      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(10);
      expect(client.queries.length).toBe(hidden + 1);
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('given a refresh interval of 0, when visible, then it never polls', async () => {
    jest.useFakeTimers();
    try {
      const client = new FakeRunsClient(makeRuns(20));
      const model = modelOf(client, { refreshInterval: 0 });
      model.setVisible(true);
      await jest.advanceTimersByTimeAsync(10_000);

      expect(client.queries).toHaveLength(1);
      expect(model.polling).toBe(false);

      model.setRefreshInterval(2);
      await jest.advanceTimersByTimeAsync(10);
      expect(model.polling).toBe(true);
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('RunsModel columns and selection', () => {
  it('given pages with metrics, then the first metrics are the columns shown until the user chooses', async () => {
    const client = new FakeRunsClient([
      makeRun(1, {
        metrics: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 },
        params: { lr: '0.1' },
        tags: { team: 'x' }
      })
    ]);
    const model = modelOf(client);
    await model.load();

    expect(model.visibleKeys.map(column => column.key)).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'].slice(0, DEFAULT_METRIC_COLUMNS)
    );
    expect(model.keys).toEqual({
      params: ['lr'],
      metrics: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      tags: ['team']
    });

    model.toggleKey({ kind: 'params', key: 'lr' });
    model.toggleKey({ kind: 'metrics', key: 'a' });
    expect(
      model.visibleKeys.map(column => `${column.kind}.${column.key}`)
    ).toEqual([
      'metrics.b',
      'metrics.c',
      'metrics.d',
      'metrics.e',
      'params.lr'
    ]);
    model.dispose();
  });

  it('given loaded rows, when one is ticked then another with Shift, then the range between is selected', async () => {
    const client = new FakeRunsClient(makeRuns(20));
    const model = modelOf(client);
    await model.load();

    model.toggleSelected(2);
    model.toggleSelected(6, true);

    expect(model.selected).toEqual([2, 3, 4, 5, 6].map(i => model.rows[i].id));
    model.toggleSelected(4);
    expect(model.isSelected(model.rows[4].id)).toBe(false);
    model.clearSelection();
    expect(model.selected).toEqual([]);
    model.dispose();
  });
});

describe('RunsModel and edits made elsewhere', () => {
  /** A client whose edits the model hears of, as the real client announces them. */
  function editingClient(runs = makeRuns(30)) {
    const client = new FakeRunsClient(runs);
    const runChanged = new Signal<any, IRunDetail>({});
    return Object.assign(client, { runChanged });
  }

  function detailOf(run: IRunSummary, fields: Partial<IRunDetail> = {}) {
    return {
      ...run,
      execution_count: null,
      code: null,
      code_hash: null,
      heartbeat: null,
      error: null,
      note: null,
      environment: null,
      artifacts: [],
      datasets: [],
      ...fields
    } as IRunDetail;
  }

  it('given a run renamed through the client, then its row shows the new name at once', async () => {
    const client = editingClient();
    const model = modelOf(client);
    await model.load();
    const run = model.rows[3];
    client.runChanged.emit(
      detailOf(run, { name: 'baseline', tags: { a: '1' } })
    );
    expect(model.rows[3].name).toBe('baseline');
    expect(model.rows[3].tags).toEqual({ a: '1' });
    expect(client.queries).toHaveLength(1);
    model.dispose();
  });

  it('given a selected run deleted, then it leaves the rows, the count and the selection; restored, it is back where it was', async () => {
    const client = editingClient();
    const model = modelOf(client);
    await model.load();
    model.toggleSelected(3);
    model.toggleSelected(4);
    const run = model.rows[3];
    client.runChanged.emit(detailOf(run, { deleted_at: 1 }));
    expect(model.rows.map(r => r.id)).not.toContain(run.id);
    expect(model.total).toBe(29);
    expect(model.selected).toEqual([model.rows[3].id]);

    client.runChanged.emit(detailOf(run, { deleted_at: null }));
    expect(model.rows[3].id).toBe(run.id);
    expect(model.total).toBe(30);
    model.dispose();
  });

  it('given deleted runs shown, when one is deleted, then it stays, marked deleted', async () => {
    const client = editingClient();
    const model = modelOf(client);
    await model.setQuery({ includeDeleted: true });
    expect(client.queries[0]).toMatchObject({ include_deleted: true });
    const run = model.rows[0];
    client.runChanged.emit(detailOf(run, { deleted_at: 5 }));
    expect(model.rows[0].deleted_at).toBe(5);
    model.dispose();
  });

  it('given a run not loaded, when it changes, then nothing is shown or asked', async () => {
    const client = editingClient();
    const model = modelOf(client);
    await model.load();
    const seen = jest.fn();
    model.changed.connect(seen);
    client.runChanged.emit(detailOf(makeRun(999)));
    expect(seen).not.toHaveBeenCalled();
    model.dispose();
  });

  it('given the model disposed, then edits are no longer heard', async () => {
    const client = editingClient();
    const model = modelOf(client);
    await model.load();
    model.dispose();
    expect(() => client.runChanged.emit(detailOf(makeRun(1)))).not.toThrow();
  });
});
