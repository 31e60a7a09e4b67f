import { IKeyColumn, keyColumnId, keyField, RunKeyKind } from './runsKeys';

/** What a column of the runs table shows. */
export type RunColumnKind =
  | 'select'
  | 'status'
  | 'name'
  | 'experiment'
  | 'start'
  | 'duration'
  | 'stale'
  | 'actions'
  | RunKeyKind;

/** A column of the runs table. */
export interface IRunColumn {
  /** Unique among the columns (`name`, `metrics.accuracy`). */
  id: string;
  kind: RunColumnKind;
  /** The header's text, its accessible name. */
  label: string;
  /** The header's tooltip. */
  title: string;
  /** The query language's field to sort by, or null if it cannot be sorted. */
  sortField: string | null;
  /** Width in pixels. */
  width: number;
  /** The param, metric or tag key, for key columns. */
  key?: string;
  /**
   * Whether the column stays in view while the table scrolls sideways (the leading
   * ones: the checkbox and the name).
   */
  frozen?: boolean;
}

/** The columns every table has, before and after the chosen keys. */
const LEADING: IRunColumn[] = [
  {
    id: 'select',
    kind: 'select',
    label: 'Selected',
    title: 'Tick runs to compare them (Shift-click ticks a range)',
    sortField: null,
    width: 28,
    frozen: true
  },
  {
    id: 'name',
    kind: 'name',
    label: 'Name',
    title: 'Sort by name',
    sortField: 'name',
    width: 150,
    frozen: true
  },
  {
    id: 'stale',
    kind: 'stale',
    label: 'Stale',
    title:
      'Stale: a dataset read has a newer version, or the cell changed since',
    sortField: null,
    width: 44
  },
  {
    id: 'status',
    kind: 'status',
    label: 'Status',
    title: 'Sort by status',
    sortField: 'status',
    width: 76
  },
  {
    id: 'experiment',
    kind: 'experiment',
    label: 'Experiment',
    title: 'Sort by experiment',
    sortField: 'experiment',
    width: 110
  },
  {
    id: 'start',
    kind: 'start',
    label: 'Started',
    title: 'Sort by start time',
    sortField: 'start_time',
    width: 86
  },
  {
    id: 'duration',
    kind: 'duration',
    label: 'Duration',
    title: 'Sort by duration',
    sortField: 'duration',
    width: 78
  }
];

const TRAILING: IRunColumn[] = [
  {
    id: 'actions',
    kind: 'actions',
    label: 'Actions',
    title: 'Open the lineage of a run',
    sortField: null,
    width: 36
  }
];

const KIND_NAMES: Record<RunKeyKind, string> = {
  params: 'Param',
  metrics: 'Metric',
  tags: 'Tag'
};

/** The table's columns with these key columns between the fixed ones. */
export function runColumns(keys: readonly IKeyColumn[]): IRunColumn[] {
  const chosen = keys.map(column => {
    const field = keyField(column);
    return {
      id: keyColumnId(column),
      kind: column.kind,
      label: column.key,
      title: `${KIND_NAMES[column.kind]} ${column.key}${field ? ': click to sort' : ''}`,
      sortField: field,
      width: column.kind === 'metrics' ? 92 : 96,
      key: column.key
    };
  });
  return [...LEADING, ...chosen, ...TRAILING];
}

/**
 * Where each frozen column sticks, in pixels from the table's left edge; the columns
 * that scroll have none.
 */
export function frozenOffsets(
  columns: readonly IRunColumn[]
): (number | null)[] {
  let left = 0;
  return columns.map(column => {
    if (!column.frozen) {
      return null;
    }
    const offset = left;
    left += column.width;
    return offset;
  });
}

/** The table's full width. */
export function tableWidth(columns: readonly IRunColumn[]): number {
  return columns.reduce((sum, column) => sum + column.width, 0);
}
