import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IListRuns,
  IListRunsQuery,
  IRunColumns,
  IRunSummary
} from '../api/types';

/** What the runs model needs of the API client (the real one, or a stand-in in tests). */
export interface IRunsClient {
  listRuns(query: IListRunsQuery): Promise<IListRuns>;
}

/** The kinds of keyed values a run has, as the query language prefixes them. */
export type RunKeyKind = 'params' | 'metrics' | 'tags';

/** A param, metric or tag key shown as a column. */
export interface IKeyColumn {
  kind: RunKeyKind;
  key: string;
}

/** A sort direction of the query language. */
export type SortDirection = 'ASC' | 'DESC';

/** One sort key: a field of the query language and its direction. */
export interface ISort {
  /** `start_time`, `name`, `metrics.accuracy`, ``metrics.`val-loss` ``... */
  field: string;
  direction: SortDirection;
}

/** What the table shows: a filter, an order, and whether only stale runs. */
export interface IRunsQuery {
  filter: string;
  sort: ISort;
  staleOnly: boolean;
}

/** The server's own default order, newest first. */
export const DEFAULT_SORT: ISort = { field: 'start_time', direction: 'DESC' };

/** The most runs one request may ask for (the server's default limit). */
export const MAX_PAGE_SIZE = 1000;

/** The fewest runs a page asks for. */
export const MIN_PAGE_SIZE = 10;

/** How many metric columns are shown before the user chooses. */
export const DEFAULT_METRIC_COLUMNS = 5;

const KEY_KINDS: RunKeyKind[] = ['params', 'metrics', 'tags'];

/** The id of a key column, unique across kinds (a param and a tag may share a key). */
export function keyColumnId(column: IKeyColumn): string {
  return `${column.kind}.${column.key}`;
}

/**
 * A key as the query language reads it: bare when made of letters, digits and `_`,
 * otherwise in backticks (`val-loss` becomes ``` `val-loss` ```). A key holding a
 * backtick cannot be written at all: null.
 */
export function quoteKey(key: string): string | null {
  if (/^[A-Za-z0-9_]+$/.test(key)) {
    return key;
  }
  if (key.includes('`') || key.length === 0) {
    return null;
  }
  return `\`${key}\``;
}

/** The query language's field of a key column (`metrics.accuracy`), or null if unsayable. */
export function keyField(column: IKeyColumn): string | null {
  const key = quoteKey(column.key);
  return key === null ? null : `${column.kind}.${key}`;
}

/** The `order_by` of a sort: `start_time DESC`, ``metrics.`val-loss` ASC``. */
export function orderByText(sort: ISort): string {
  return `${sort.field} ${sort.direction}`;
}

/** Whether a failed request was a 400: the server refused the query itself. */
function isBadRequest(reason: unknown): boolean {
  return (reason as { status?: number } | null)?.status === 400;
}

/** A failure's readable message. */
function messageOf(reason: unknown): string {
  if (reason instanceof Error && reason.message) {
    return reason.message;
  }
  return String(reason);
}

/** Options of {@link RunsModel}. */
export interface IRunsModelOptions {
  client: IRunsClient;
  /** Runs per request while scrolling (10 to 1000). */
  pageSize?: number;
  /** Seconds between refreshes while visible; 0 turns live refresh off. */
  refreshInterval?: number;
}

/**
 * The runs table's data: the loaded prefix of a filtered, ordered list of runs, fetched
 * page by page from `GET runs` as the table scrolls, refreshed by a poll while visible.
 *
 * Pages are keyset pages, so the loaded runs are always a prefix of the whole list and a
 * far jump loads every page in between (in requests of up to {@link MAX_PAGE_SIZE}).
 */
export class RunsModel {
  constructor(options: IRunsModelOptions) {
    this._client = options.client;
    this._pageSize = clampPageSize(options.pageSize ?? 200);
    this._interval = Math.max(0, options.refreshInterval ?? 1.5);
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: {
        interval: this._intervalMs(),
        backoff: true,
        max: 60 * 1000
      },
      name: 'mlops-jlab:runs',
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The runs loaded so far, in order. */
  get rows(): readonly IRunSummary[] {
    return this._rows;
  }

  /** How many runs match, when known. */
  get total(): number | null {
    return this._total;
  }

  /** The table's row count: every matching run when counted, else what is known so far. */
  get rowCount(): number {
    if (this._total !== null) {
      return Math.max(this._total, this._rows.length);
    }
    return this._rows.length + (this._token !== null ? 1 : 0);
  }

  /** Whether more runs follow the loaded ones. */
  get hasMore(): boolean {
    return this._token !== null;
  }

  /** Whether a first page has arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** Whether a first page is on its way (the first, or for a new filter or order). */
  get querying(): boolean {
    return this._querying;
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
      this._rows.length === 0 &&
      this._query.filter === '' &&
      !this._query.staleOnly
    );
  }

  /** Every param, metric and tag key seen in the pages loaded so far, sorted. */
  get keys(): Readonly<IRunColumns> {
    if (this._keysCache === null) {
      this._keysCache = {
        params: [...this._keys.params].sort(),
        metrics: [...this._keys.metrics].sort(),
        tags: [...this._keys.tags].sort()
      };
    }
    return this._keysCache;
  }

  /** The key columns shown, in order. */
  get visibleKeys(): readonly IKeyColumn[] {
    return this._visibleKeys;
  }

  /** The selected runs' ids, in the order they were selected. */
  get selected(): readonly string[] {
    return [...this._selected];
  }

  /** Whether a run is selected. */
  isSelected(runId: string): boolean {
    return this._selected.has(runId);
  }

  /** Runs per request while scrolling. */
  get pageSize(): number {
    return this._pageSize;
  }

  /** Seconds between refreshes; 0 when off. */
  get refreshInterval(): number {
    return this._interval;
  }

  /** Whether the live refresh is scheduled (visible, and an interval set). */
  get polling(): boolean {
    const phase = this._poll.state.phase;
    return phase !== 'stopped' && phase !== 'constructed';
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
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
    this._querying = true;
    this._pending = next;
    this._emit();
    let page: IListRuns;
    try {
      page = await this._client.listRuns(
        // A first page also counts the matching runs, so the scrollbar has its full
        // height at once (a few milliseconds next to the page itself).
        this._request(next, this._pageSize, null, true)
      );
    } catch (reason) {
      if (ticket !== this._queryTicket || this._disposed) {
        return;
      }
      this._querying = false;
      this._pending = null;
      if (isBadRequest(reason) && next.filter !== this._query.filter) {
        this._filterError = messageOf(reason);
      } else {
        this._error = messageOf(reason);
      }
      this._emit();
      return;
    }
    if (ticket !== this._queryTicket || this._disposed) {
      return;
    }
    this._querying = false;
    this._pending = null;
    this._query = next;
    this._filterError = null;
    this._error = null;
    this._pageFailed = false;
    this._loaded = true;
    this._replace(page);
    this._emit();
  }

  /** Sort by a field: the same field again flips its direction. */
  sortBy(field: string): Promise<void> {
    const current = this._query.sort;
    const direction: SortDirection =
      current.field === field
        ? current.direction === 'ASC'
          ? 'DESC'
          : 'ASC'
        : defaultDirection(field);
    return this.setQuery({ sort: { field, direction } });
  }

  /** Forget a refused filter's message (the user is typing another). */
  clearFilterError(): void {
    if (this._filterError !== null) {
      this._filterError = null;
      this._emit();
    }
  }

  /**
   * Make sure the runs up to `index` are loaded (the last row the table shows, plus some
   * ahead): the pages in between are fetched one after another, and each is shown as it
   * arrives. Scrolling back up lowers the goal and stops a long walk early.
   */
  ensureRows(index: number): void {
    this._wanted = index;
    if (
      !this._pumping &&
      this._loaded &&
      !this._pageFailed &&
      this._token !== null &&
      this._rows.length <= index
    ) {
      void this._pump();
    }
  }

  /**
   * Fetch the first page of the current query again and merge it into the rows: new runs
   * appear in their place (at the top in the default order), known ones are updated, and
   * the runs loaded beyond it stay. Rejects when the request fails (the poll backs off).
   */
  async refresh(): Promise<void> {
    if (!this._loaded) {
      if (!this._querying) {
        await this.load();
      }
      return;
    }
    if (this._querying || this._pumping) {
      return;
    }
    const generation = this._generation;
    const ticket = this._queryTicket;
    let page: IListRuns;
    try {
      // Not counted again: with a broad filter or "stale only" a count is a scan of the
      // store, every interval. The runs the page brings that were not there are added.
      page = await this._client.listRuns(
        this._request(this._query, this._pageSize, null)
      );
    } catch (reason) {
      if (!this._disposed && ticket === this._queryTicket) {
        this._error = messageOf(reason);
        this._emit();
      }
      throw reason;
    }
    if (
      this._disposed ||
      generation !== this._generation ||
      ticket !== this._queryTicket ||
      this._querying
    ) {
      return;
    }
    this._merge(page);
    this._error = null;
    const failed = this._pageFailed;
    this._pageFailed = false;
    this._emit();
    if (failed) {
      // A page that failed before is asked again now that the server answers.
      this.ensureRows(this._wanted);
    }
  }

  /**
   * Whether the section is on screen: the live refresh runs only then (and stands by
   * while the browser tab is hidden). The first showing loads the first page.
   */
  setVisible(visible: boolean): void {
    this._visible = visible;
    if (visible && !this._loaded && !this._querying) {
      void this.load();
    }
    this._schedule();
  }

  /** Runs per request while scrolling (clamped to 10..1000). */
  setPageSize(size: number): void {
    this._pageSize = clampPageSize(size);
  }

  /** Seconds between refreshes while visible; 0 turns live refresh off. */
  setRefreshInterval(seconds: number): void {
    const interval = Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
    if (interval === this._interval) {
      return;
    }
    this._interval = interval;
    if (interval > 0) {
      this._poll.frequency = {
        ...this._poll.frequency,
        interval: this._intervalMs()
      };
    }
    this._schedule();
  }

  /** Show these key columns, in this order (the user's choice from now on). */
  setVisibleKeys(columns: IKeyColumn[]): void {
    this._visibleKeys = columns.slice();
    this._columnsChosen = true;
    this._emit();
  }

  /** Show a key column if hidden, hide it if shown. */
  toggleKey(column: IKeyColumn): void {
    const id = keyColumnId(column);
    const shown = this._visibleKeys.some(c => keyColumnId(c) === id);
    this.setVisibleKeys(
      shown
        ? this._visibleKeys.filter(c => keyColumnId(c) !== id)
        : [...this._visibleKeys, column]
    );
  }

  /**
   * Select or unselect the run at `index`. With `range`, every loaded run from the last
   * one clicked to this one takes this one's new state (Shift-click).
   */
  toggleSelected(index: number, range = false): void {
    const run = this._rows[index];
    if (!run) {
      return;
    }
    const select = !this._selected.has(run.id);
    const anchor = this._anchor;
    if (range && anchor !== null && anchor !== index) {
      const [from, to] = anchor < index ? [anchor, index] : [index, anchor];
      for (let i = from; i <= to && i < this._rows.length; i++) {
        if (select) {
          this._selected.add(this._rows[i].id);
        } else {
          this._selected.delete(this._rows[i].id);
        }
      }
    } else if (select) {
      this._selected.add(run.id);
    } else {
      this._selected.delete(run.id);
    }
    this._anchor = index;
    this._emit();
  }

  /** Unselect every run. */
  clearSelection(): void {
    this._selected.clear();
    this._anchor = null;
    this._emit();
  }

  private _request(
    query: IRunsQuery,
    size: number,
    token: string | null,
    count = false
  ): IListRunsQuery {
    const request: IListRunsQuery = { page_size: size };
    if (query.filter) {
      request.filter = query.filter;
    }
    const order = orderByText(query.sort);
    if (order !== orderByText(DEFAULT_SORT)) {
      request.order_by = order;
    }
    if (query.staleOnly) {
      request.stale = true;
    }
    if (token !== null) {
      request.page_token = token;
    }
    if (count) {
      request.count = true;
    }
    return request;
  }

  /** Load pages after the loaded runs until the wanted row is loaded. */
  private async _pump(): Promise<void> {
    this._pumping = true;
    this._emit();
    try {
      while (
        !this._disposed &&
        this._token !== null &&
        this._rows.length <= this._wanted &&
        !this._querying
      ) {
        const generation = this._generation;
        const gap = this._wanted + 1 - this._rows.length;
        const size = Math.min(MAX_PAGE_SIZE, Math.max(this._pageSize, gap));
        let page: IListRuns;
        try {
          page = await this._client.listRuns(
            this._request(this._query, size, this._token)
          );
        } catch (reason) {
          if (generation === this._generation && !this._disposed) {
            // Not retried on every scroll: the refresh button or the next poll retries.
            this._pageFailed = true;
            this._error = messageOf(reason);
          }
          break;
        }
        if (generation !== this._generation) {
          continue;
        }
        this._append(page);
        this._emit();
      }
    } finally {
      this._pumping = false;
      this._emit();
    }
  }

  /** A new first page replaces every row. */
  private _replace(page: IListRuns): void {
    this._generation++;
    this._rows = [];
    this._ids = new Set();
    this._anchor = null;
    this._token = null;
    this._total = page.total;
    this._append(page);
  }

  /** The next page follows the rows. */
  private _append(page: IListRuns): void {
    for (const run of page.runs) {
      // A run whose sort value changed between two pages may come twice: once is enough.
      if (!this._ids.has(run.id)) {
        this._ids.add(run.id);
        this._rows.push(run);
      }
    }
    this._token = page.next_page_token;
    if (page.total !== null) {
      this._total = page.total;
    }
    if (this._token === null) {
      this._total = this._rows.length;
    }
    this._learnKeys(page.columns);
  }

  /**
   * Merge a fresh first page: it replaces the rows up to the last of its runs already
   * loaded; the rows loaded after that one follow, and so does their page token.
   */
  private _merge(page: IListRuns): void {
    const fresh = page.runs;
    const position = new Map<string, number>();
    this._rows.forEach((run, index) => position.set(run.id, index));
    let last = -1;
    for (let i = fresh.length - 1; i >= 0 && last < 0; i--) {
      last = position.get(fresh[i].id) ?? -1;
    }
    const added = fresh.filter(run => !position.has(run.id)).length;
    const total =
      page.total ?? (this._total === null ? null : this._total + added);
    if (
      page.next_page_token === null ||
      last < 0 ||
      last >= this._rows.length - 1
    ) {
      // The fresh page covers every loaded run (or none of them): it is the new start.
      this._generation++;
      this._rows = [];
      this._ids = new Set();
      this._token = null;
      this._total = total;
      this._append(page);
    } else {
      const freshIds = new Set(fresh.map(run => run.id));
      const rest = this._rows
        .slice(last + 1)
        .filter(run => !freshIds.has(run.id));
      this._rows = [...fresh, ...rest];
      this._ids = new Set(this._rows.map(run => run.id));
      this._total = total;
      this._learnKeys(page.columns);
    }
    this._anchor = null;
  }

  private _learnKeys(columns: IRunColumns): void {
    let added = false;
    for (const kind of KEY_KINDS) {
      for (const key of columns[kind]) {
        if (!this._keys[kind].has(key)) {
          this._keys[kind].add(key);
          added = true;
        }
      }
    }
    if (!added) {
      return;
    }
    this._keysCache = null;
    if (!this._columnsChosen && this._visibleKeys.length === 0) {
      // Until the user chooses, the first metrics are the columns worth seeing.
      this._visibleKeys = this.keys.metrics
        .slice(0, DEFAULT_METRIC_COLUMNS)
        .map(key => ({ kind: 'metrics', key }));
    }
  }

  private _schedule(): void {
    if (this._visible && this._interval > 0 && !this._disposed) {
      void this._poll.start();
    } else {
      void this._poll.stop();
    }
  }

  private _intervalMs(): number {
    // The poll needs some interval even while off; 1.5 s is the settings' default.
    return Math.round((this._interval > 0 ? this._interval : 1.5) * 1000);
  }

  private _emit(): void {
    if (!this._disposed) {
      this._changed.emit();
    }
  }

  private readonly _client: IRunsClient;
  private readonly _poll: Poll;
  private readonly _changed = new Signal<this, void>(this);
  private _pageSize: number;
  private _interval: number;
  private _visible = false;
  private _disposed = false;
  private _pending: IRunsQuery | null = null;
  private _query: IRunsQuery = {
    filter: '',
    sort: DEFAULT_SORT,
    staleOnly: false
  };
  private _rows: IRunSummary[] = [];
  private _ids = new Set<string>();
  private _token: string | null = null;
  private _total: number | null = null;
  private _loaded = false;
  private _querying = false;
  private _pumping = false;
  private _pageFailed = false;
  private _wanted = 0;
  /** Counts replacements of the rows: a page fetched for older rows is dropped. */
  private _generation = 0;
  /** Counts queries asked: only the last one asked is shown. */
  private _queryTicket = 0;
  private _error: string | null = null;
  private _filterError: string | null = null;
  private _keys = {
    params: new Set<string>(),
    metrics: new Set<string>(),
    tags: new Set<string>()
  };
  private _keysCache: IRunColumns | null = null;
  private _visibleKeys: IKeyColumn[] = [];
  private _columnsChosen = false;
  private _selected = new Set<string>();
  private _anchor: number | null = null;
}

/** Text fields read best A to Z; times, durations and values best highest first. */
function defaultDirection(field: string): SortDirection {
  return field === 'name' ||
    field === 'experiment' ||
    field === 'status' ||
    field.startsWith('params.') ||
    field.startsWith('tags.')
    ? 'ASC'
    : 'DESC';
}

function clampPageSize(size: number): number {
  if (!Number.isFinite(size)) {
    return 200;
  }
  return Math.min(MAX_PAGE_SIZE, Math.max(MIN_PAGE_SIZE, Math.round(size)));
}
