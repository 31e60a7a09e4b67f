/**
 * What the runs table asks `GET runs` for: a filter in the query language, an order and
 * whether only stale runs, written as the request of one page.
 */
import { ICountRunsQuery, IListRunsQuery } from '../api/types';

/** A sort direction of the query language. */
export type SortDirection = 'ASC' | 'DESC';

/** One sort key: a field of the query language and its direction. */
export interface ISort {
  /** `start_time`, `name`, `metrics.accuracy`, ``metrics.`val-loss` ``... */
  field: string;
  direction: SortDirection;
}

/**
 * What the table shows: a filter, an order, whether only stale runs, and whether deleted
 * runs too (to restore them).
 */
export interface IRunsQuery {
  filter: string;
  sort: ISort;
  staleOnly: boolean;
  includeDeleted: boolean;
}

/** The server's own default order, newest first. */
export const DEFAULT_SORT: ISort = { field: 'start_time', direction: 'DESC' };

/** Every run, newest first. */
export const ALL_RUNS: IRunsQuery = {
  filter: '',
  sort: DEFAULT_SORT,
  staleOnly: false,
  includeDeleted: false
};

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

/** The `order_by` of a sort: `start_time DESC`, ``metrics.`val-loss` ASC``. */
export function orderByText(sort: ISort): string {
  return `${sort.field} ${sort.direction}`;
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

/** The sort after a click on `field`: the same field again flips its direction. */
export function nextSort(current: ISort, field: string): ISort {
  if (current.field !== field) {
    return { field, direction: defaultDirection(field) };
  }
  return { field, direction: current.direction === 'ASC' ? 'DESC' : 'ASC' };
}

/**
 * The request of one page of `query`: `size` runs after `token` (null for the first
 * page), from the end of the list upward when `reverse`. Defaults the server applies are
 * left out.
 */
export function pageRequest(
  query: IRunsQuery,
  size: number,
  token: string | null,
  reverse = false
): IListRunsQuery {
  const request: IListRunsQuery = { page_size: size, ...matching(query) };
  const order = orderByText(query.sort);
  if (order !== orderByText(DEFAULT_SORT)) {
    request.order_by = order;
  }
  if (token !== null) {
    request.page_token = token;
  }
  if (reverse) {
    request.reverse = true;
  }
  return request;
}

/**
 * The request of the count of `query`'s runs: up to the server's bound, or every match
 * when `exact` (however long that takes).
 */
export function countRequest(
  query: IRunsQuery,
  exact = false
): ICountRunsQuery {
  const request: ICountRunsQuery = matching(query);
  if (exact) {
    request.exact = true;
  }
  return request;
}

/** Which runs `query` lists, as both `GET runs` and `GET runs/count` take it. */
function matching(query: IRunsQuery): {
  filter?: string;
  stale?: boolean;
  include_deleted?: boolean;
} {
  const request: {
    filter?: string;
    stale?: boolean;
    include_deleted?: boolean;
  } = {};
  if (query.filter) {
    request.filter = query.filter;
  }
  if (query.staleOnly) {
    request.stale = true;
  }
  if (query.includeDeleted) {
    request.include_deleted = true;
  }
  return request;
}

/** Whether a failed request was a 400: the server refused the query itself. */
export function isRefused(reason: unknown): boolean {
  return (reason as { status?: number } | null)?.status === 400;
}

/**
 * Whether a request failed because it was aborted (the query moved on, or the table
 * closed): not an error to show.
 */
export function isAborted(reason: unknown): boolean {
  return (reason as { name?: string } | null)?.name === 'AbortError';
}
