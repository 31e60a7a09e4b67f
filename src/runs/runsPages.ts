/**
 * The runs loaded so far: a head (keyset pages from the start of the ordered list) and,
 * once the table jumped to its end, a tail (pages of `GET runs?reverse=true`, from the
 * last run upward), merged with a fresh first page when the table refreshes. Head and
 * tail join into one list when they meet.
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

/** How many runs match, as `GET runs/count` answered. */
export interface IRunsCount {
  total: number;
  /** False when the count stopped at its bound: at least `total` runs match. */
  complete: boolean;
  /** Whether `total` is an estimate (the stale runs are not all examined yet). */
  isEstimate: boolean;
}

/** The next page to load: from the head onward, or from the tail upward. */
export interface IPageWanted {
  reverse: boolean;
  /** The page token to continue from; null for the tail's first page. */
  token: string | null;
  size: number;
}

/** Where a run taken out of the rows stood: in the head or the tail, at an index. */
export interface IRunPlace {
  tail: boolean;
  index: number;
}

/**
 * The loaded runs: the head's rows in order with the token of the page after them, the
 * tail's rows (last run first) with the token of the page before them, and how many runs
 * match when known. The table's row `i` is the head's `i`-th run, or the tail's run
 * counted back from the end of {@link rowCount}, or not loaded yet (the gap between).
 */
export class RunPages {
  constructor(pageSize: number = DEFAULT_PAGE_SIZE) {
    this._pageSize = clampPageSize(pageSize);
  }

  /** The head: the runs loaded from the start, in order. */
  get rows(): readonly IRunSummary[] {
    return this._rows;
  }

  /** The tail: the runs loaded from the end, the last run first. */
  get tail(): readonly IRunSummary[] {
    return this._tail;
  }

  /** How many runs match, when known (at least this many when not {@link complete}). */
  get total(): number | null {
    return this._count?.total ?? null;
  }

  /** Whether {@link total} counts every match (the count did not stop at its bound). */
  get complete(): boolean {
    return this._count?.complete ?? false;
  }

  /** Whether {@link total} is the server's estimate (stale runs not all examined yet). */
  get totalIsEstimate(): boolean {
    return this._count?.isEstimate ?? false;
  }

  /** Why the first page's filter may match nothing: keys no run has. */
  get warnings(): readonly string[] {
    return this._warnings;
  }

  /** Whether runs are missing between the head and the tail (or after the head). */
  get hasGap(): boolean {
    return this._token !== null;
  }

  /**
   * The table's row count: every matching run when counted exactly, else what is known
   * so far (the loaded runs, and a row for the runs not loaded yet), and at least a
   * bounded or estimated count.
   */
  get rowCount(): number {
    const loaded = this._rows.length + this._tail.length;
    const known = loaded + (this.hasGap ? 1 : 0);
    const count = this._count;
    if (count === null) {
      return known;
    }
    if (count.complete && !count.isEstimate) {
      return Math.max(count.total, loaded);
    }
    return Math.max(count.total, known);
  }

  /** The run at the table's row `index`; undefined when not loaded. */
  rowAt(index: number): IRunSummary | undefined {
    if (index < this._rows.length) {
      return this._rows[index];
    }
    const fromEnd = this.rowCount - 1 - index;
    return fromEnd >= 0 ? this._tail[fromEnd] : undefined;
  }

  /** The token of the page after the head; null when none follows. */
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
   * The page to load so that the rows `first..last` are loaded, or null when they are.
   * A keyset page continues from a loaded run only, so reaching a row in the middle
   * still walks every page between it and the nearer loaded end (the keyset's price);
   * the end of the list itself is asked directly (`reverse=true`). The end is the
   * nearer one only once the count is exact (otherwise a row's distance from the end is
   * unknown) or when the end itself is wanted (`toEnd`, or the last row of a count).
   */
  wanted(first: number, last: number, toEnd = false): IPageWanted | null {
    if (!this.hasGap) {
      return null;
    }
    const count = this.rowCount;
    const exact =
      this._count !== null && this._count.complete && !this._count.isEstimate;
    const gapStart = this._rows.length;
    const gapEnd = count - this._tail.length;
    const from = Math.max(first, gapStart);
    // Without a tail and an exact count, the runs not loaded reach past the rows shown.
    const to =
      this._tail.length > 0 || exact ? Math.min(last, gapEnd - 1) : last;
    const endWanted =
      this._tail.length === 0 &&
      (toEnd || (this._count !== null && last >= count - 1));
    if (from > to && !endWanted) {
      return null;
    }
    const fromHead = to + 1 - gapStart;
    const fromTail = gapEnd - from;
    const reverse =
      endWanted ||
      (this._tail.length > 0 && fromTail < fromHead) ||
      (exact && fromTail < fromHead);
    // A walk that reaches the other end asks one run more, of the other end: the run
    // both hold is how the two are seen to meet.
    const missing = endWanted
      ? this._pageSize
      : reverse
        ? fromTail + (from === gapStart ? 1 : 0)
        : fromHead + (to === gapEnd - 1 ? 1 : 0);
    return {
      reverse,
      token: reverse ? this._tailToken : this._token,
      size: Math.min(MAX_PAGE_SIZE, Math.max(this._pageSize, missing))
    };
  }

  /** A new first page replaces every row; the count is asked apart ({@link setCount}). */
  replace(page: IListRuns): void {
    this._restart(page, null);
  }

  /** How many runs match, as counted; the loaded runs know better once they are all. */
  setCount(count: IRunsCount): void {
    if (this.hasGap) {
      this._count = { ...count };
    }
  }

  /** The next page follows the head. */
  append(page: IListRuns): void {
    for (const run of page.runs) {
      // A run whose sort value changed between two pages may come twice: once is enough.
      if (!this._ids.has(run.id)) {
        this._ids.add(run.id);
        this._rows.push(run);
      }
    }
    this._token = page.next_page_token;
    this._joinIfMet(page.runs);
  }

  /** A page of the reversed list (last run first) extends the tail upward. */
  extendTail(page: IListRuns): void {
    if (!this.hasGap) {
      return;
    }
    for (const run of page.runs) {
      if (!this._tailIds.has(run.id)) {
        this._tailIds.add(run.id);
        this._tail.push(run);
      }
    }
    this._tailToken = page.next_page_token;
    this._tailStarted = true;
    this._joinIfMet(page.runs);
  }

  /**
   * Merge a fresh first page: it replaces the head up to the last of its runs already
   * loaded; the rows loaded after that one follow, and so do their page token and the
   * tail. Runs it brings that were not loaded add to the count.
   */
  merge(page: IListRuns): void {
    const fresh = page.runs;
    const position = new Map<string, number>();
    this._rows.forEach((run, index) => position.set(run.id, index));
    let last = -1;
    for (let i = fresh.length - 1; i >= 0 && last < 0; i--) {
      last = position.get(fresh[i].id) ?? -1;
    }
    const added = fresh.filter(
      run => !position.has(run.id) && !this._tailIds.has(run.id)
    ).length;
    const count =
      this._count === null
        ? null
        : { ...this._count, total: this._count.total + added };
    if (
      page.next_page_token === null ||
      last < 0 ||
      last >= this._rows.length - 1
    ) {
      // The fresh page covers every loaded run of the head (or none of them): it is the
      // new start, and the tail is asked again if wanted.
      this._restart(page, count);
      return;
    }
    const freshIds = new Set(fresh.map(run => run.id));
    const rest = this._rows
      .slice(last + 1)
      .filter(run => !freshIds.has(run.id));
    this._rows = [...fresh, ...rest];
    this._ids = new Set(this._rows.map(run => run.id));
    this._count = count;
    this._warnings = page.warnings ?? [];
    this._joinIfMet(fresh);
  }

  /** Show a run's new name, tags or state where it is loaded; false when it is not. */
  update(run: IRunSummary): boolean {
    const place = this._placeOf(run.id);
    if (place === null) {
      return false;
    }
    const rows = [...(place.tail ? this._tail : this._rows)];
    rows[place.index] = run;
    if (place.tail) {
      this._tail = rows;
    } else {
      this._rows = rows;
    }
    return true;
  }

  /**
   * Take a run out of the loaded rows (it was deleted); where it stood, or null when it
   * was not loaded. The pages after the head and before the tail are keyset pages, so
   * they follow on unchanged.
   */
  remove(runId: string): IRunPlace | null {
    const place = this._placeOf(runId);
    if (place === null) {
      return null;
    }
    if (place.tail) {
      this._tail = this._tail.filter(row => row.id !== runId);
      this._tailIds.delete(runId);
    } else {
      this._rows = this._rows.filter(row => row.id !== runId);
      this._ids.delete(runId);
    }
    if (this._count !== null) {
      this._count = {
        ...this._count,
        total: Math.max(0, this._count.total - 1)
      };
    }
    return place;
  }

  /** Put a run back where it stood (a delete undone), unless it is loaded already. */
  insert(run: IRunSummary, place: IRunPlace): void {
    if (this._ids.has(run.id) || this._tailIds.has(run.id)) {
      this.update(run);
      return;
    }
    const rows = place.tail ? this._tail : this._rows;
    const at = Math.max(0, Math.min(place.index, rows.length));
    const next = [...rows.slice(0, at), run, ...rows.slice(at)];
    if (place.tail) {
      this._tail = next;
      this._tailIds.add(run.id);
    } else {
      this._rows = next;
      this._ids.add(run.id);
    }
    if (this._count !== null) {
      this._count = { ...this._count, total: this._count.total + 1 };
    }
  }

  /** Where a loaded run is: in the head or the tail, at an index; null when not loaded. */
  private _placeOf(runId: string): IRunPlace | null {
    if (this._ids.has(runId)) {
      return { tail: false, index: this._rows.findIndex(r => r.id === runId) };
    }
    if (this._tailIds.has(runId)) {
      return { tail: true, index: this._tail.findIndex(r => r.id === runId) };
    }
    return null;
  }

  /**
   * Join the head and the tail into one list once they meet: a run of `runs` (the page
   * just added to either) is in the other, or either reaches across the whole list.
   * Then nothing is missing, and the count is the list's length.
   */
  private _joinIfMet(runs: readonly IRunSummary[]): void {
    if (this._token === null) {
      this._dropTail();
      this._countLoaded();
      return;
    }
    if (!this._tailStarted) {
      return;
    }
    const met =
      this._tailToken === null ||
      runs.some(run => this._ids.has(run.id) && this._tailIds.has(run.id));
    if (!met) {
      return;
    }
    for (let i = this._tail.length - 1; i >= 0; i--) {
      const run = this._tail[i];
      if (!this._ids.has(run.id)) {
        this._ids.add(run.id);
        this._rows.push(run);
      }
    }
    this._token = null;
    this._dropTail();
    this._countLoaded();
  }

  /** Every run is loaded: the count is exactly how many. */
  private _countLoaded(): void {
    this._count = {
      total: this._rows.length,
      complete: true,
      isEstimate: false
    };
  }

  private _dropTail(): void {
    this._tail = [];
    this._tailIds = new Set();
    this._tailToken = null;
    this._tailStarted = false;
  }

  /** Start the rows again from a first page, counted as far as known. */
  private _restart(page: IListRuns, count: IRunsCount | null): void {
    this._generation++;
    this._rows = [];
    this._ids = new Set();
    this._token = null;
    this._dropTail();
    this._count = count;
    this._warnings = page.warnings ?? [];
    this.append(page);
  }

  private _pageSize: number;
  private _rows: IRunSummary[] = [];
  private _ids = new Set<string>();
  private _token: string | null = null;
  private _tail: IRunSummary[] = [];
  private _tailIds = new Set<string>();
  private _tailToken: string | null = null;
  /** Whether a tail page arrived (its token null then means it reached the start). */
  private _tailStarted = false;
  private _count: IRunsCount | null = null;
  private _warnings: readonly string[] = [];
  private _generation = 0;
}
