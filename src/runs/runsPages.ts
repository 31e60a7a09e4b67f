/**
 * The runs loaded so far: a prefix of the whole ordered list, grown one keyset page at a
 * time, and merged with a fresh first page when the table refreshes.
 */
import { MAX_PAGE_SIZE } from '../api/limits';
import { IListRuns, IRunSummary } from '../api/types';

/**
 * The fewest runs a page asks for: fewer would mean a request every few rows scrolled
 * (the panel's settings say the same).
 */
const MIN_PAGE_SIZE = 10;

/** Runs per page unless the settings say otherwise (their default). */
const DEFAULT_PAGE_SIZE = 200;

/** A page size within {@link MIN_PAGE_SIZE}..{@link MAX_PAGE_SIZE}. */
function clampPageSize(size: number): number {
  if (!Number.isFinite(size)) {
    return DEFAULT_PAGE_SIZE;
  }
  return Math.min(MAX_PAGE_SIZE, Math.max(MIN_PAGE_SIZE, Math.round(size)));
}

/**
 * The loaded prefix of the runs: its rows in order, the token of the page after it and
 * how many runs match when known.
 */
export class RunPages {
  constructor(pageSize: number = DEFAULT_PAGE_SIZE) {
    this._pageSize = clampPageSize(pageSize);
  }

  /** The runs loaded so far, in order. */
  get rows(): readonly IRunSummary[] {
    return this._rows;
  }

  /** How many runs match, when known. */
  get total(): number | null {
    return this._total;
  }

  /** Whether {@link total} is the server's estimate (stale runs not all examined yet). */
  get totalIsEstimate(): boolean {
    return this._estimate;
  }

  /** Why the first page's filter may match nothing: keys no run has. */
  get warnings(): readonly string[] {
    return this._warnings;
  }

  /**
   * The table's row count: every matching run when counted, else what is known so far;
   * an estimated count may be short, so a page token still adds a row to load more.
   */
  get rowCount(): number {
    const known = this._rows.length + (this._token !== null ? 1 : 0);
    if (this._total !== null) {
      return Math.max(this._total, this._estimate ? known : this._rows.length);
    }
    return known;
  }

  /** The token of the page after the loaded runs; null when none follows. */
  get token(): string | null {
    return this._token;
  }

  /**
   * Counts replacements of the rows: a page asked for before one is dropped, as it
   * follows rows that are gone.
   */
  get generation(): number {
    return this._generation;
  }

  /** Runs per request while scrolling. */
  get pageSize(): number {
    return this._pageSize;
  }

  /** Runs per request while scrolling (clamped to 10..the server's largest page). */
  setPageSize(size: number): void {
    this._pageSize = clampPageSize(size);
  }

  /**
   * How many runs the next request asks for to load the row at `index`: a page, or
   * more to reach a far row in fewer requests.
   */
  sizeFor(index: number): number {
    const gap = index + 1 - this._rows.length;
    return Math.min(MAX_PAGE_SIZE, Math.max(this._pageSize, gap));
  }

  /** A new first page replaces every row. */
  replace(page: IListRuns): void {
    this._restart(page, null);
  }

  /** The next page follows the rows. */
  append(page: IListRuns): void {
    for (const run of page.runs) {
      // A run whose sort value changed between two pages may come twice: once is enough.
      if (!this._ids.has(run.id)) {
        this._ids.add(run.id);
        this._rows.push(run);
      }
    }
    this._token = page.next_page_token;
    if (this._token === null) {
      this._total = this._rows.length;
      this._estimate = false;
    }
  }

  /**
   * Merge a fresh first page: it replaces the rows up to the last of its runs already
   * loaded; the rows loaded after that one follow, and so does their page token.
   */
  merge(page: IListRuns): void {
    const fresh = page.runs;
    const position = new Map<string, number>();
    this._rows.forEach((run, index) => position.set(run.id, index));
    let last = -1;
    for (let i = fresh.length - 1; i >= 0 && last < 0; i--) {
      last = position.get(fresh[i].id) ?? -1;
    }
    const added = fresh.filter(run => !position.has(run.id)).length;
    const total = this._total === null ? null : this._total + added;
    if (
      page.next_page_token === null ||
      last < 0 ||
      last >= this._rows.length - 1
    ) {
      // The fresh page covers every loaded run (or none of them): it is the new start.
      this._restart(page, total);
      return;
    }
    const freshIds = new Set(fresh.map(run => run.id));
    const rest = this._rows
      .slice(last + 1)
      .filter(run => !freshIds.has(run.id));
    this._rows = [...fresh, ...rest];
    this._ids = new Set(this._rows.map(run => run.id));
    this._total = total;
    this._warnings = page.warnings ?? [];
  }

  /** Show a run's new name, tags or state where it is loaded; false when it is not. */
  update(run: IRunSummary): boolean {
    const index = this._rows.findIndex(row => row.id === run.id);
    if (index < 0) {
      return false;
    }
    this._rows = [...this._rows];
    this._rows[index] = run;
    return true;
  }

  /**
   * Take a run out of the loaded rows (it was deleted); its index, or -1 when it was not
   * loaded. The pages after the rows are keyset pages, so they follow on unchanged.
   */
  remove(runId: string): number {
    const index = this._rows.findIndex(row => row.id === runId);
    if (index < 0) {
      return -1;
    }
    this._rows = this._rows.filter(row => row.id !== runId);
    this._ids.delete(runId);
    if (this._total !== null) {
      this._total = Math.max(0, this._total - 1);
    }
    return index;
  }

  /** Put a run back at `index` (a delete undone), unless it is loaded already. */
  insert(run: IRunSummary, index: number): void {
    if (this._ids.has(run.id)) {
      this.update(run);
      return;
    }
    const at = Math.max(0, Math.min(index, this._rows.length));
    this._rows = [...this._rows.slice(0, at), run, ...this._rows.slice(at)];
    this._ids.add(run.id);
    if (this._total !== null) {
      this._total += 1;
    }
  }

  /** Start the rows again from a first page, `total` runs matching as far as known. */
  private _restart(page: IListRuns, total: number | null): void {
    this._generation++;
    this._rows = [];
    this._ids = new Set();
    this._token = null;
    this._total = total;
    this._estimate = false;
    this._warnings = page.warnings ?? [];
    this.append(page);
  }

  private _pageSize: number;
  private _rows: IRunSummary[] = [];
  private _ids = new Set<string>();
  private _token: string | null = null;
  private _total: number | null = null;
  private _estimate = false;
  private _warnings: readonly string[] = [];
  private _generation = 0;
}
