import { ISignal, Signal } from '@lumino/signaling';

import {
  ICountRuns,
  ICountRunsQuery,
  IListRuns,
  IListRunsQuery,
  IRunColumns,
  IRunDetail,
  IRunSummary
} from '../api/types';
import { messageOf } from '../shared/ErrorMessage';
import { IKeyColumn, RunKeys } from './runsKeys';
import { IPageWanted, IRunPlace, RunPages } from './runsPages';
import { RunsPoll } from './runsPoll';
import {
  ALL_RUNS,
  countRequest,
  IRunsQuery,
  isAborted,
  isRefused,
  nextSort,
  pageRequest
} from './runsQuery';
import { RunSelection } from './runsSelection';

/** A request's options: its signal aborts it (the query moved on). */
export interface IRunsRequestOptions {
  signal?: AbortSignal;
}

/** What the runs model needs of the API client (the real one, or a stand-in in tests). */
export interface IRunsClient {
  listRuns(
    query: IListRunsQuery,
    options?: IRunsRequestOptions
  ): Promise<IListRuns>;
  countRuns(
    query: ICountRunsQuery,
    options?: IRunsRequestOptions
  ): Promise<ICountRuns>;
  /** Runs edited through the client (renamed, tagged, deleted, restored), shown at once. */
  readonly runChanged?: ISignal<any, IRunDetail>;
}

/** A run's row from the run whole: what the table shows of it. */
export function summaryOf(run: IRunDetail): IRunSummary {
  return {
    id: run.id,
    name: run.name,
    experiment: run.experiment,
    status: run.status,
    kind: run.kind,
    start_time: run.start_time,
    end_time: run.end_time,
    duration: run.duration,
    user: run.user,
    notebook_path: run.notebook_path,
    cell_id: run.cell_id,
    parent_id: run.parent_id,
    job_id: run.job_id,
    git_commit: run.git_commit,
    deleted_at: run.deleted_at,
    params: run.params,
    metrics: run.metrics,
    tags: run.tags,
    stale_reasons: run.stale_reasons
  };
}

/** Options of {@link RunsModel}. */
export interface IRunsModelOptions {
  client: IRunsClient;
  /** Runs per request while scrolling (10 to the server's largest page). */
  pageSize?: number;
  /** Seconds between refreshes while visible; 0 turns live refresh off. */
  refreshInterval?: number;
}

/**
 * The runs table's data: the loaded runs of a filtered, ordered list, fetched page by
 * page from `GET runs` as the table scrolls (from the start, and from the end once the
 * table jumps there), counted apart by `GET runs/count`, refreshed by a poll while
 * visible, with the key columns shown and the runs selected.
 *
 * The rows never wait for the count: a first page is shown as it arrives, and the count
 * is asked right after. Every request of a query carries the query's abort signal: a new
 * query, or the model's disposal, cancels what the previous one still had on its way.
 */
export class RunsModel {
  constructor(options: IRunsModelOptions) {
    this._client = options.client;
    this._pages = new RunPages(options.pageSize);
    this._poll = new RunsPoll(() => this.refresh(), options.refreshInterval);
    options.client.runChanged?.connect(this._onRunChanged, this);
  }

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The runs loaded from the start of the list, in order. */
  get rows(): readonly IRunSummary[] {
    return this._pages.rows;
  }

  /** How many runs are loaded from the end of the list (after a jump to it). */
  get tailLength(): number {
    return this._pages.tail.length;
  }

  /** The run at the table's row `index`; undefined while not loaded. */
  rowAt(index: number): IRunSummary | undefined {
    return this._pages.rowAt(index);
  }

  /** How many runs match, when known (at least this many when not complete). */
  get total(): number | null {
    return this._pages.total;
  }

  /** Whether {@link total} counts every match (it did not stop at the count's bound). */
  get totalComplete(): boolean {
    return this._pages.complete;
  }

  /** Whether the count is on its way. */
  get counting(): boolean {
    return this._counting !== null;
  }

  /** Whether the count of every match, asked by {@link completeCount}, is on its way. */
  get countingExact(): boolean {
    return this._counting === 'exact';
  }

  /** Whether {@link total} is an estimate (the stale runs are not all examined yet). */
  get totalIsEstimate(): boolean {
    return this._pages.totalIsEstimate;
  }

  /** Why the filter shown may match nothing: the keys it names that no run has. */
  get warnings(): readonly string[] {
    return this._pages.warnings;
  }

  /** The table's row count: every matching run when counted, else what is known so far. */
  get rowCount(): number {
    return this._pages.rowCount;
  }

  /** Whether runs are not loaded yet (after the first ones, or before the last ones). */
  get hasMore(): boolean {
    return this._pages.hasGap;
  }

  /** Whether a first page has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Whether a first page is on its way (the first, or for a new filter or order). */
  get querying(): boolean {
    return this._pending !== null;
  }

  /** Whether further pages are on their way. */
  get fetchingMore(): boolean {
    return this._pumping;
  }

  /** The last failure that is not the filter's, as the server worded it. */
  get error(): string | null {
    return this._error;
  }

  /** Why the server refused the last filter typed (it names the token and position). */
  get filterError(): string | null {
    return this._filterError;
  }

  /** The filter, order and stale toggle of the rows shown. */
  get query(): Readonly<IRunsQuery> {
    return this._query;
  }

  /** The query last asked for: the one on its way, else the one shown. */
  get requestedQuery(): Readonly<IRunsQuery> {
    return this._pending ?? this._query;
  }

  /** Whether the store has no runs at all (not merely none matching). */
  get emptyStore(): boolean {
    return (
      this._loaded &&
      this.rows.length === 0 &&
      this._query.filter === '' &&
      !this._query.staleOnly &&
      !this._query.includeDeleted
    );
  }

  /** Every param, metric and tag key seen in the pages loaded so far, sorted. */
  get keys(): Readonly<IRunColumns> {
    return this._keys.keys;
  }

  /** The key columns shown, in order. */
  get visibleKeys(): readonly IKeyColumn[] {
    return this._keys.visible;
  }

  /** The selected runs' ids, in the order they were selected. */
  get selected(): readonly string[] {
    return this._selection.ids;
  }

  /** Whether a run is selected. */
  isSelected(runId: string): boolean {
    return this._selection.has(runId);
  }

  /** Runs per request while scrolling. */
  get pageSize(): number {
    return this._pages.pageSize;
  }

  /** Seconds between refreshes; 0 when off. */
  get refreshInterval(): number {
    return this._poll.interval;
  }

  /** Whether the live refresh is scheduled (visible, and an interval set). */
  get polling(): boolean {
    return this._poll.polling;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._controller.abort();
    this._poll.dispose();
    Signal.clearData(this);
  }

  /** Load the first page of the current query (again). */
  load(): Promise<void> {
    return this.setQuery({});
  }

  /**
   * Show another filter, order or stale toggle: its first page replaces the rows.
   * If the server refuses it, the rows and the query shown stay, and the refusal is
   * kept in {@link filterError} (a filter) or {@link error} (anything else).
   */
  async setQuery(change: Partial<IRunsQuery>): Promise<void> {
    const next: IRunsQuery = { ...this._query, ...change };
    const ticket = ++this._queryTicket;
    this._cancelRequests();
    const signal = this._controller.signal;
    this._pending = next;
    this._emit();
    let page: IListRuns;
    try {
      page = await this._client.listRuns(
        pageRequest(next, this._pages.pageSize, null),
        { signal }
      );
    } catch (reason) {
      if (ticket !== this._queryTicket || this._disposed) {
        return;
      }
      this._pending = null;
      if (isRefused(reason) && next.filter !== this._query.filter) {
        this._filterError = messageOf(reason);
      } else if (!isAborted(reason)) {
        this._error = messageOf(reason);
      }
      this._resume();
      this._emit();
      return;
    }
    if (ticket !== this._queryTicket || this._disposed) {
      return;
    }
    this._pending = null;
    this._query = next;
    this._filterError = null;
    this._error = null;
    this._pageFailed = false;
    this._wantEnd = false;
    this._loaded = true;
    this._pages.replace(page);
    this._removed.clear();
    this._keys.learn(page.columns);
    this._selection.forgetAnchor();
    this._emit();
    if (this._pages.hasGap) {
      void this._count(false);
    }
  }

  /** Sort by a field: the same field again flips its direction. */
  sortBy(field: string): Promise<void> {
    return this.setQuery({ sort: nextSort(this._query.sort, field) });
  }

  /** Forget a refused filter's message (the user is typing another). */
  clearFilterError(): void {
    if (this._filterError !== null) {
      this._filterError = null;
      this._emit();
    }
  }

  /**
   * Make sure the table's rows `first..last` are loaded (the rows in view, plus some
   * around): the pages between them and the nearer loaded end are fetched one after
   * another, and each is shown as it arrives. Scrolling back changes the goal and stops a
   * long walk early.
   */
  ensureRows(first: number, last = first): void {
    this._wantFirst = first;
    this._wantLast = last;
    if (last < this.rowCount - 1) {
      this._wantEnd = false;
    }
    this._startPump();
  }

  /**
   * Load the end of the list (the last runs of the order) directly, without the pages
   * between: the table shows them at the end of its rows.
   */
  jumpToEnd(): void {
    this._wantEnd = true;
    this._startPump();
  }

  /**
   * Count every run the query matches, however long it takes: the count shown stopped at
   * its bound ("100,000+").
   */
  completeCount(): Promise<void> {
    if (
      !this._loaded ||
      this.querying ||
      this._counting === 'exact' ||
      (this.total !== null && this.totalComplete)
    ) {
      return Promise.resolve();
    }
    return this._count(true);
  }

  /**
   * Fetch the first page of the current query again and merge it into the rows: new runs
   * appear in their place (at the top in the default order), known ones are updated, and
   * the runs loaded beyond it stay. Rejects when the request fails (the poll backs off).
   */
  async refresh(): Promise<void> {
    if (!this._loaded) {
      if (!this.querying) {
        await this.load();
      }
      return;
    }
    if (this.querying || this._pumping) {
      return;
    }
    const generation = this._pages.generation;
    const ticket = this._queryTicket;
    let page: IListRuns;
    try {
      // Not counted again: with a broad filter or "stale only" a count is a scan of the
      // store, every interval. The runs the page brings that were not there are added.
      page = await this._client.listRuns(
        pageRequest(this._query, this._pages.pageSize, null),
        { signal: this._controller.signal }
      );
    } catch (reason) {
      if (isAborted(reason)) {
        return;
      }
      if (!this._disposed && ticket === this._queryTicket) {
        this._error = messageOf(reason);
        this._emit();
      }
      throw reason;
    }
    if (
      this._disposed ||
      generation !== this._pages.generation ||
      ticket !== this._queryTicket ||
      this.querying
    ) {
      return;
    }
    this._pages.merge(page);
    this._keys.learn(page.columns);
    this._selection.forgetAnchor();
    this._error = null;
    const failed = this._pageFailed;
    this._pageFailed = false;
    this._emit();
    if (failed) {
      // A page that failed before is asked again now that the server answers.
      this._startPump();
    }
  }

  /**
   * Whether the section is on screen: the live refresh runs only then (and stands by
   * while the browser tab is hidden). The first showing loads the first page.
   */
  setVisible(visible: boolean): void {
    if (visible && !this._loaded && !this.querying) {
      void this.load();
    }
    this._poll.setVisible(visible && !this._disposed);
  }

  /** Runs per request while scrolling (clamped to 10..the server's largest page). */
  setPageSize(size: number): void {
    this._pages.setPageSize(size);
  }

  /** Seconds between refreshes while visible; 0 turns live refresh off. */
  setRefreshInterval(seconds: number): void {
    this._poll.setInterval(seconds);
  }

  /** Show these key columns, in this order (the user's choice from now on). */
  setVisibleKeys(columns: IKeyColumn[]): void {
    this._keys.show(columns);
    this._emit();
  }

  /** Show a key column if hidden, hide it if shown. */
  toggleKey(column: IKeyColumn): void {
    this._keys.toggle(column);
    this._emit();
  }

  /**
   * Select or unselect the run at `index`. With `range`, every loaded run from the last
   * one clicked to this one takes this one's new state (Shift-click).
   */
  toggleSelected(index: number, range = false): void {
    if (this._selection.toggle(i => this._pages.rowAt(i), index, range)) {
      this._emit();
    }
  }

  /** Unselect every run. */
  clearSelection(): void {
    this._selection.clear();
    this._emit();
  }

  /**
   * A run edited elsewhere: its row shows the edit; deleted, it leaves the table (unless
   * deleted runs are shown) and its selection, and a restore puts it back where it was.
   */
  private _onRunChanged(_: unknown, run: IRunDetail): void {
    if (this._disposed) {
      return;
    }
    const summary = summaryOf(run);
    if (run.deleted_at !== null && !this._query.includeDeleted) {
      const place = this._pages.remove(run.id);
      const unselected = this._selection.remove(run.id);
      if (place !== null) {
        this._removed.set(run.id, place);
      }
      if (place !== null || unselected) {
        this._emit();
      }
      return;
    }
    if (this._pages.update(summary)) {
      this._emit();
      return;
    }
    const place = this._removed.get(run.id);
    if (place !== undefined && run.deleted_at === null) {
      this._removed.delete(run.id);
      this._pages.insert(summary, place);
      this._emit();
    }
  }

  /** Walk the pages toward the wanted rows, unless a walk is on or nothing is wanted. */
  private _startPump(): void {
    if (
      !this._pumping &&
      this._loaded &&
      !this._pageFailed &&
      !this.querying &&
      this._nextPage() !== null
    ) {
      void this._pump();
    }
  }

  /** The next page toward the wanted rows; null when they are loaded. */
  private _nextPage(): IPageWanted | null {
    if (this._wantEnd) {
      // The view stays at the end while its rows arrive and the count grows.
      const last = Math.max(0, this.rowCount - 1);
      return this._pages.wanted(last, last, true);
    }
    return this._pages.wanted(this._wantFirst, this._wantLast);
  }

  /** Load pages from the nearer loaded end until the wanted rows are loaded. */
  private async _pump(): Promise<void> {
    this._pumping = true;
    this._emit();
    const ticket = this._queryTicket;
    try {
      let next = this._nextPage();
      while (
        next !== null &&
        !this._disposed &&
        !this.querying &&
        ticket === this._queryTicket
      ) {
        const generation = this._pages.generation;
        let page: IListRuns;
        try {
          page = await this._client.listRuns(
            pageRequest(this._query, next.size, next.token, next.reverse),
            { signal: this._controller.signal }
          );
        } catch (reason) {
          if (
            !isAborted(reason) &&
            generation === this._pages.generation &&
            ticket === this._queryTicket &&
            !this._disposed
          ) {
            // Not retried on every scroll: the refresh button or the next poll retries.
            this._pageFailed = true;
            this._error = messageOf(reason);
          }
          break;
        }
        if (
          generation === this._pages.generation &&
          ticket === this._queryTicket
        ) {
          if (next.reverse) {
            this._pages.extendTail(page);
          } else {
            this._pages.append(page);
          }
          this._keys.learn(page.columns);
          this._emit();
        }
        next = this._nextPage();
      }
    } finally {
      this._pumping = false;
      this._emit();
    }
  }

  /**
   * Ask how many runs the shown query matches: up to the server's bound, or every match
   * when `exact`. Shown when it arrives, unless the query moved on.
   */
  private async _count(exact: boolean): Promise<void> {
    const ticket = this._queryTicket;
    const kind = exact ? 'exact' : 'bounded';
    this._counting = kind;
    this._emit();
    try {
      const count = await this._client.countRuns(
        countRequest(this._query, exact),
        { signal: this._controller.signal }
      );
      // A bounded count arriving after the exact one was asked says less than it will.
      if (
        ticket === this._queryTicket &&
        !this._disposed &&
        this._counting === kind
      ) {
        this._pages.setCount({
          total: count.total,
          complete: count.complete,
          isEstimate: count.is_estimate
        });
      }
    } catch (reason) {
      if (
        !isAborted(reason) &&
        ticket === this._queryTicket &&
        !this._disposed
      ) {
        this._error = messageOf(reason);
      }
    } finally {
      if (ticket === this._queryTicket && this._counting === kind) {
        this._counting = null;
        this._emit();
      }
    }
  }

  /**
   * Abort every request of the query shown or on its way (pages, counts, refresh): a new
   * query replaces it, and the server stops working on them.
   */
  private _cancelRequests(): void {
    this._controller.abort();
    this._controller = new AbortController();
    this._counting = null;
  }

  /**
   * A new query failed, so the one shown stays: its count and pages, cancelled when the
   * new one was asked, are asked again.
   */
  private _resume(): void {
    if (!this._loaded) {
      return;
    }
    if (this._pages.hasGap && this.total === null) {
      void this._count(false);
    }
    this._startPump();
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private readonly _client: IRunsClient;
  private readonly _changed = new Signal<this, void>(this);
  private readonly _pages: RunPages;
  private readonly _poll: RunsPoll;
  private readonly _keys = new RunKeys();
  private readonly _selection = new RunSelection();
  private _disposed = false;
  private _loaded = false;
  private _query: IRunsQuery = ALL_RUNS;
  /** The query whose first page is on its way; null when none is. */
  private _pending: IRunsQuery | null = null;
  /** Counts queries asked: only the last one asked is shown. */
  private _queryTicket = 0;
  private _pumping = false;
  private _pageFailed = false;
  /** The table's rows to load: the rows in view and some around them. */
  private _wantFirst = 0;
  private _wantLast = 0;
  /** Whether the end of the list was asked for (End): it is loaded directly. */
  private _wantEnd = false;
  /** The abort signal of the shown query's requests (and of the query on its way). */
  private _controller = new AbortController();
  /** The count on its way: up to the bound, or exact; null when none is. */
  private _counting: 'bounded' | 'exact' | null = null;
  private _error: string | null = null;
  private _filterError: string | null = null;
  /** Where runs deleted from the table stood, to put them back if restored. */
  private readonly _removed = new Map<string, IRunPlace>();
}
