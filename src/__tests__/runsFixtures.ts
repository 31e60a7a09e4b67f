/**
 * Runs and a fake `GET runs` for the runs model and section tests: a store of runs
 * answered in keyset pages, as the server answers them.
 */
import { APIError } from '../api/request';
import { RunsModel } from '../runs/runsModel';
import {
  ICountRuns,
  ICountRunsQuery,
  IListRuns,
  IListRunsQuery,
  IRunSummary
} from '../api/types';

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

/** A request the fake client was asked, with the signal it carried. */
export interface IAsked {
  kind: 'page' | 'count';
  query: IListRunsQuery | ICountRunsQuery;
  signal: AbortSignal | undefined;
  /** Whether it was answered (or failed). */
  done: boolean;
}

/** How an aborted request fails: as the real client's does. */
function aborted(): APIError {
  const error = new APIError('The request was aborted', 0);
  error.name = 'AbortError';
  return error;
}

/**
 * Wait for `gate` (when set), failing at once when `signal` aborts, as a fetch does.
 */
async function answer<T>(
  gate: Promise<void> | null,
  signal: AbortSignal | undefined,
  make: () => T
): Promise<T> {
  if (signal?.aborted) {
    throw aborted();
  }
  if (gate) {
    await new Promise<void>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(aborted()));
      void gate.then(resolve);
    });
  }
  if (signal?.aborted) {
    throw aborted();
  }
  return make();
}

/**
 * A fake client answering `listRuns` from `runs` in keyset pages (the page token is the
 * index of the next run, `r`-prefixed in the reversed walk) and `countRuns` up to
 * `countLimit`. A filter other than '' matches nothing unless it is
 * `status = 'failed'`; `bad` filters are refused with a 400 naming a position. Every
 * request and its signal are recorded.
 */
export class FakeRunsClient {
  constructor(public runs: IRunSummary[]) {}

  /** Every page query asked, in order. */
  readonly queries: IListRunsQuery[] = [];

  /** Every request asked (pages and counts), in order, with its signal. */
  readonly asked: IAsked[] = [];

  /** When set, the next calls fail with this error. */
  failWith: Error | null = null;

  /** When set, each page's answer waits for this promise. */
  gate: Promise<void> | null = null;

  /** When set, each count's answer waits for this promise. */
  countGate: Promise<void> | null = null;

  /** When set, a count of stale runs is answered as an estimate, as a large store does. */
  estimateStale = false;

  /** Where a count not `exact` stops. */
  countLimit = 100_000;

  /** The requests asked neither answered nor aborted. */
  get open(): IAsked[] {
    return this.asked.filter(
      request => !request.done && !request.signal?.aborted
    );
  }

  listRuns = jest.fn(
    async (
      query: IListRunsQuery,
      options: { signal?: AbortSignal } = {}
    ): Promise<IListRuns> => {
      this.queries.push({ ...query });
      const asked: IAsked = {
        kind: 'page',
        query,
        signal: options.signal,
        done: false
      };
      this.asked.push(asked);
      return answer(this.gate, options.signal, () => this._page(query)).finally(
        () => (asked.done = true)
      );
    }
  );

  countRuns = jest.fn(
    async (
      query: ICountRunsQuery,
      options: { signal?: AbortSignal } = {}
    ): Promise<ICountRuns> => {
      const asked: IAsked = {
        kind: 'count',
        query,
        signal: options.signal,
        done: false
      };
      this.asked.push(asked);
      return answer(this.countGate, options.signal, () => {
        if (this.failWith) {
          throw this.failWith;
        }
        const total = this._matching(query).length;
        const complete = Boolean(query.exact) || total <= this.countLimit;
        return {
          total: complete ? total : this.countLimit,
          complete,
          is_estimate: Boolean(query.stale && this.estimateStale)
        };
      }).finally(() => (asked.done = true));
    }
  );

  private _matching(query: {
    filter?: string;
    stale?: boolean;
  }): IRunSummary[] {
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
    return matching;
  }

  private _page(query: IListRunsQuery): IListRuns {
    if (this.failWith) {
      throw this.failWith;
    }
    const matching = this._matching(query);
    const reverse = Boolean(query.reverse);
    const token = query.page_token ?? null;
    if (token !== null && token.startsWith('r') !== reverse) {
      throw new APIError('the page token is of the other direction', 400);
    }
    const list = reverse ? [...matching].reverse() : matching;
    const start = token !== null ? Number(token.replace('r', '')) : 0;
    const size = query.page_size ?? 100;
    const page = list.slice(start, start + size);
    const next =
      start + size < list.length
        ? `${reverse ? 'r' : ''}${start + size}`
        : null;
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
  }
}

/** Let pending promises settle. */
export async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    await Promise.resolve();
  }
}

/** Let every page the model is walking through, and its count, arrive. */
export async function untilIdle(model: RunsModel): Promise<void> {
  for (
    let i = 0;
    i < 100 && (model.fetchingMore || model.querying || model.counting);
    i++
  ) {
    await settle();
  }
}

/** A promise and the function that resolves it, to hold answers back. */
export function held(): { gate: Promise<void>; open: () => void } {
  let open = () => undefined as void;
  const gate = new Promise<void>(resolve => (open = resolve));
  return { gate, open };
}
