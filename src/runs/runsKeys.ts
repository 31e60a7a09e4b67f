/**
 * The param, metric and tag keys of the runs loaded, and which of them the table shows
 * as columns.
 */
import { IRunColumns } from '../api/types';
import { quoteKey } from './runsQuery';

/** The kinds of keyed values a run has, as the query language prefixes them. */
export type RunKeyKind = 'params' | 'metrics' | 'tags';

/** A param, metric or tag key shown as a column. */
export interface IKeyColumn {
  kind: RunKeyKind;
  key: string;
}

/** How many metric columns are shown before the user chooses. */
export const DEFAULT_METRIC_COLUMNS = 5;

const KEY_KINDS: RunKeyKind[] = ['params', 'metrics', 'tags'];

/** The id of a key column, unique across kinds (a param and a tag may share a key). */
export function keyColumnId(column: IKeyColumn): string {
  return `${column.kind}.${column.key}`;
}

/** The query language's field of a key column (`metrics.accuracy`), or null if unsayable. */
export function keyField(column: IKeyColumn): string | null {
  const key = quoteKey(column.key);
  return key === null ? null : `${column.kind}.${key}`;
}

/**
 * Every key seen in the pages loaded so far, and the key columns shown: the first metrics
 * until the user chooses, then the user's choice.
 */
export class RunKeys {
  /** Every param, metric and tag key seen, sorted. */
  get keys(): Readonly<IRunColumns> {
    if (this._sorted === null) {
      this._sorted = {
        params: [...this._seen.params].sort(),
        metrics: [...this._seen.metrics].sort(),
        tags: [...this._seen.tags].sort()
      };
    }
    return this._sorted;
  }

  /** The key columns shown, in order. */
  get visible(): readonly IKeyColumn[] {
    return this._visible;
  }

  /** Add the keys of a page. */
  learn(columns: IRunColumns): void {
    let added = false;
    for (const kind of KEY_KINDS) {
      for (const key of columns[kind]) {
        if (!this._seen[kind].has(key)) {
          this._seen[kind].add(key);
          added = true;
        }
      }
    }
    if (!added) {
      return;
    }
    this._sorted = null;
    if (!this._chosen && this._visible.length === 0) {
      // Until the user chooses, the first metrics are the columns worth seeing.
      this._visible = this.keys.metrics
        .slice(0, DEFAULT_METRIC_COLUMNS)
        .map(key => ({ kind: 'metrics', key }));
    }
  }

  /** Show these key columns, in this order (the user's choice from now on). */
  show(columns: IKeyColumn[]): void {
    this._visible = columns.slice();
    this._chosen = true;
  }

  /** Show a key column if hidden, hide it if shown. */
  toggle(column: IKeyColumn): void {
    const id = keyColumnId(column);
    const shown = this._visible.some(c => keyColumnId(c) === id);
    this.show(
      shown
        ? this._visible.filter(c => keyColumnId(c) !== id)
        : [...this._visible, column]
    );
  }

  private _seen = {
    params: new Set<string>(),
    metrics: new Set<string>(),
    tags: new Set<string>()
  };
  private _sorted: IRunColumns | null = null;
  private _visible: IKeyColumn[] = [];
  private _chosen = false;
}
