import { Signal } from '@lumino/signaling';

import { IRunDetail, IRunSummary } from '../api/types';
import { RunsModel } from '../runs/runsModel';
import {
  FakeRunsClient,
  held,
  makeRun,
  makeRuns,
  settle,
  untilIdle
} from './runsFixtures';

function modelOf(client: FakeRunsClient, pageSize = 100): RunsModel {
  return new RunsModel({ client, pageSize, refreshInterval: 0 });
}

/** The names of the table's rows `from..to`, '-' where not loaded. */
function namesAt(model: RunsModel, from: number, to: number): string[] {
  const names: string[] = [];
  for (let i = from; i <= to; i++) {
    names.push(model.rowAt(i)?.name ?? '-');
  }
  return names;
}

describe('RunsModel cancels what the user left', () => {
  it('given a count on its way, when five filter edits follow quickly, then only the last edit has requests open, and the aborted ones are no error', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const { gate, open } = held();
    client.countGate = gate;
    const model = modelOf(client);
    await model.load();
    expect(client.open.map(request => request.kind)).toEqual(['count']);

    client.gate = gate;
    const edits = ['s', 'st', 'sta', 'stat', "status = 'failed'"].map(filter =>
      model.setQuery({ filter })
    );

    expect(client.open.map(request => request.query)).toEqual([
      { page_size: 100, filter: "status = 'failed'" }
    ]);
    expect(client.asked.every(request => request.signal)).toBe(true);
    open();
    await Promise.all(edits);
    await untilIdle(model);

    expect(model.error).toBeNull();
    expect(model.filterError).toBeNull();
    expect(model.query.filter).toBe("status = 'failed'");
    expect(model.total).toBe(0);
    model.dispose();
  });

  it('given pages and a count on their way, when the model is disposed, then every request is aborted', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const { gate } = held();
    client.countGate = gate;
    const model = modelOf(client);
    await model.load();
    client.gate = gate;
    model.ensureRows(500);
    model.jumpToEnd();

    model.dispose();

    expect(client.asked.length).toBeGreaterThan(1);
    expect(client.open).toEqual([]);
  });

  it('given a refused filter, then the count of the rows still shown is asked again', async () => {
    const client = new FakeRunsClient(makeRuns(300));
    const { gate, open } = held();
    client.countGate = gate;
    const model = modelOf(client);
    await model.load();
    client.countGate = null;

    await model.setQuery({ filter: 'metrics.accuracy >> 0.9' });
    open();
    await untilIdle(model);

    expect(model.filterError).not.toBeNull();
    expect(model.total).toBe(300);
    expect(client.countRuns).toHaveBeenCalledTimes(2);
    model.dispose();
  });
});

describe('RunsModel jumps to the end', () => {
  it('given 10,000 runs, when End is pressed, then the last page is asked once with reverse=true and shown at the end, no page between', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const model = modelOf(client, 200);
    await model.load();
    await untilIdle(model);

    model.jumpToEnd();
    await untilIdle(model);
    // The view at the end wants nothing more.
    model.ensureRows(9_900, 10_099);
    await untilIdle(model);

    expect(client.queries.slice(1)).toEqual([
      { page_size: 200, reverse: true }
    ]);
    expect(model.rowCount).toBe(10_000);
    expect(namesAt(model, 9_997, 9_999)).toEqual([
      'sweep-2',
      'sweep-1',
      'sweep-0'
    ]);
    expect(model.rowAt(9_800)?.name).toBe('sweep-199');
    expect(model.rowAt(9_799)).toBeUndefined();
    expect(model.rowAt(199)?.name).toBe('sweep-9800');
    model.dispose();
  });

  it('given the end shown, when scrolling up, then the pages before it are asked in reverse with its token', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const model = modelOf(client, 200);
    await model.load();
    await untilIdle(model);
    model.jumpToEnd();
    await untilIdle(model);

    model.ensureRows(9_650, 9_750);
    await untilIdle(model);

    expect(client.queries[2]).toEqual({
      page_size: 200,
      page_token: 'r200',
      reverse: true
    });
    expect(model.rowAt(9_650)?.name).toBe('sweep-349');
    expect(model.tailLength).toBe(400);
    model.dispose();
  });

  it('given the count not known yet, when End is pressed, then the last runs show after the first ones, and move to the end when counted', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const { gate, open } = held();
    client.countGate = gate;
    const model = modelOf(client);
    await model.load();

    model.jumpToEnd();
    await settle(10);
    expect(client.queries[1]).toEqual({ page_size: 100, reverse: true });
    expect(model.rowCount).toBe(201);
    expect(model.rowAt(200)?.name).toBe('sweep-0');
    expect(model.rowAt(100)).toBeUndefined();

    open();
    await untilIdle(model);
    expect(model.rowCount).toBe(10_000);
    expect(model.rowAt(9_999)?.name).toBe('sweep-0');
    model.dispose();
  });

  it('given an exact count, when a row nearer the end is wanted, then it is loaded from the end upward', async () => {
    const client = new FakeRunsClient(makeRuns(10_000));
    const model = modelOf(client, 200);
    await model.load();
    await untilIdle(model);

    model.ensureRows(9_000, 9_050);
    await untilIdle(model);

    expect(client.queries.slice(1)).toEqual([
      { page_size: 1000, reverse: true }
    ]);
    expect(model.rowAt(9_000)?.name).toBe('sweep-999');
    model.dispose();
  });

  it('given a count that stopped at its bound, when a row down the list is wanted, then it is loaded from the start', async () => {
    const client = new FakeRunsClient(makeRuns(3000));
    client.countLimit = 1000;
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);

    model.ensureRows(600, 700);
    await untilIdle(model);

    expect(client.queries.slice(1).every(query => !query.reverse)).toBe(true);
    expect(model.rowAt(700)?.name).toBe('sweep-2299');
    model.dispose();
  });

  it('given a head and a tail, when they meet, then they join into one list in order and the count is exact', async () => {
    const client = new FakeRunsClient(makeRuns(500));
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);
    model.jumpToEnd();
    await untilIdle(model);

    model.ensureRows(250, 300);
    await untilIdle(model);
    expect(model.tailLength).toBe(250);
    model.ensureRows(100, 260);
    await untilIdle(model);

    expect(model.hasMore).toBe(false);
    expect(model.tailLength).toBe(0);
    expect(model.rows.map(run => run.name)).toEqual(
      makeRuns(500).map(run => run.name)
    );
    expect(model.total).toBe(500);
    expect(model.totalComplete).toBe(true);
    // Nothing is asked once everything is loaded.
    const asked = client.queries.length;
    model.jumpToEnd();
    model.ensureRows(0, 499);
    await untilIdle(model);
    expect(client.queries).toHaveLength(asked);
    model.dispose();
  });

  it('given a short list, when End is pressed, then the reversed page overlaps the first and they join at once', async () => {
    const client = new FakeRunsClient(makeRuns(150));
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);

    model.jumpToEnd();
    await untilIdle(model);

    expect(model.rows).toHaveLength(150);
    expect(model.rows[149].name).toBe('sweep-0');
    expect(model.hasMore).toBe(false);
    model.dispose();
  });
});

describe('RunsModel with a tail', () => {
  function editingClient(runs: IRunSummary[]) {
    const client = new FakeRunsClient(runs);
    const runChanged = new Signal<any, IRunDetail>({});
    return Object.assign(client, { runChanged });
  }

  function detailOf(run: IRunSummary, fields: Partial<IRunDetail>): IRunDetail {
    return { ...run, ...fields } as IRunDetail;
  }

  async function atEnd(client: FakeRunsClient): Promise<RunsModel> {
    const model = modelOf(client);
    await model.load();
    await untilIdle(model);
    model.jumpToEnd();
    await untilIdle(model);
    return model;
  }

  it('given the tail shown, when a run of it is renamed, deleted and restored, then its row follows and the count too', async () => {
    const client = editingClient(makeRuns(1000));
    const model = await atEnd(client);
    const run = model.rowAt(997)!;

    client.runChanged.emit(detailOf(run, { name: 'renamed' }));
    expect(model.rowAt(997)?.name).toBe('renamed');

    client.runChanged.emit(detailOf(run, { deleted_at: 5 }));
    expect(model.total).toBe(999);
    expect(model.rowAt(998)?.name).toBe('sweep-0');
    expect(model.rowAt(997)?.name).toBe('sweep-1');

    client.runChanged.emit(detailOf(run, { deleted_at: null }));
    expect(model.total).toBe(1000);
    expect(namesAt(model, 997, 999)).toEqual(['sweep-2', 'sweep-1', 'sweep-0']);
    model.dispose();
  });

  it('given the tail shown, when runs of it are ticked with Shift, then the range is selected', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const model = await atEnd(client);

    model.toggleSelected(999);
    model.toggleSelected(997, true);

    expect([...model.selected].sort()).toEqual([
      'run00000',
      'run00001',
      'run00002'
    ]);
    model.dispose();
  });

  it('given the tail shown, when a refresh brings new runs, then they join the top and the tail stays at the end', async () => {
    const client = new FakeRunsClient(makeRuns(1000));
    const model = await atEnd(client);

    client.runs = [makeRun(1001), makeRun(1000), ...client.runs];
    await model.refresh();

    expect(model.rows[0].name).toBe('sweep-1001');
    expect(model.total).toBe(1002);
    expect(model.rowAt(1001)?.name).toBe('sweep-0');
    expect(model.tailLength).toBe(100);
    model.dispose();
  });

  it('given the tail shown, when Stale only is ticked, then the new rows start from the top again', async () => {
    const runs = makeRuns(1000).map((run, i) =>
      i % 2 ? { ...run, stale_reasons: ['dataset train has v2'] } : run
    );
    const client = new FakeRunsClient(runs);
    const model = await atEnd(client);

    await model.setQuery({ staleOnly: true });
    await untilIdle(model);

    expect(model.tailLength).toBe(0);
    expect(model.total).toBe(500);
    expect(model.rowAt(0)?.name).toBe('sweep-998');
    expect(model.rowAt(499)).toBeUndefined();
    model.dispose();
  });
});
