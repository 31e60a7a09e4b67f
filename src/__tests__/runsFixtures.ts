/**
 * Runs and a fake `GET runs` for the runs model and section tests: a store of runs
 * answered in keyset pages, as the server answers them.
 */
import { APIError } from '../api/request';
import { IListRuns, IListRunsQuery, IRunSummary } from '../api/types';

/** A run as the server lists it. */
export function makeRun(
  index: number,
  fields: Partial<IRunSummary> = {}
): IRunSummary {
  return {
    id: `run${String(index).padStart(5, '0')}`,
    name: `sweep-${index}`,
    experiment: 'sweep',
    status: 'finished',
    kind: 'script',
    start_time: 1_700_000_000_000 + index * 1000,
    end_time: 1_700_000_000_000 + index * 1000 + 1500,
    duration: 1.5,
    user: 'ada',
    notebook_path: null,
    cell_id: null,
    parent_id: null,
    job_id: null,
    git_commit: null,
    deleted_at: null,
    params: { model: 'rf', depth: String(index % 7) },
    metrics: { accuracy: 0.5 + (index % 50) / 100, 'val-loss': 0.3 },
    tags: {},
    stale_reasons: [],
    ...fields
  };
}

/** `n` runs, the newest (highest index) first, as the default order lists them. */
export function makeRuns(n: number): IRunSummary[] {
  return Array.from({ length: n }, (_, i) => makeRun(n - 1 - i));
}

/**
 * A fake client answering `listRuns` from `runs` in keyset pages: the page token is
 * the index of the next run. A filter other than '' matches nothing unless it is
 * `status = 'failed'`; `bad` filters are refused with a 400 naming a position.
 */
export class FakeRunsClient {
  constructor(public runs: IRunSummary[]) {}

  /** Every query asked, in order. */
  readonly queries: IListRunsQuery[] = [];

  /** When set, the next calls fail with this error. */
  failWith: Error | null = null;

  /** When set, each answer waits for this promise. */
  gate: Promise<void> | null = null;

  /** When set, a count of stale runs is answered as an estimate, as a large store does. */
  estimateStale = false;

  listRuns = jest.fn(async (query: IListRunsQuery): Promise<IListRuns> => {
    this.queries.push({ ...query });
    if (this.gate) {
      await this.gate;
    }
    if (this.failWith) {
      throw this.failWith;
    }
    if (query.filter && query.filter.includes('>>')) {
      throw new APIError(
        "expected a number or a quoted string at position 18, found '>'",
        400
      );
    }
    let matching = this.runs;
    if (query.filter) {
      matching =
        query.filter === "status = 'failed'"
          ? this.runs.filter(run => run.status === 'failed')
          : [];
    }
    if (query.stale) {
      matching = matching.filter(run => run.stale_reasons.length > 0);
    }
    const start = query.page_token ? Number(query.page_token) : 0;
    const size = query.page_size ?? 100;
    const page = matching.slice(start, start + size);
    const next = start + size < matching.length ? String(start + size) : null;
    const keys = (field: 'params' | 'metrics' | 'tags') =>
      [...new Set(page.flatMap(run => Object.keys(run[field])))].sort();
    const unknownKey = query.filter?.startsWith('metrics.acc ');
    return {
      runs: page,
      next_page_token: next,
      warnings: unknownKey
        ? ["no run has the metric 'acc'; did you mean metrics.accuracy?"]
        : [],
      columns: {
        params: keys('params'),
        metrics: keys('metrics'),
        tags: keys('tags')
      }
    };
  });
}

/** Let pending promises settle. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    await Promise.resolve();
  }
}
