import React from 'react';

/** A row of a {@link CompareTable}: a key and one cell per run. */
export interface ICompareTableRow {
  key: string;
  /** Whether the runs' values are not all the same. */
  differs: boolean;
  /** One cell per run. */
  cells: React.ReactNode[];
  /** Per cell: whether it differs from the first run's (highlighted). */
  changed?: boolean[];
  /** Per cell: extra class names (e.g. the best value of a metric). */
  cellClasses?: string[];
}

/** Properties of {@link CompareTable}. */
export interface ICompareTableProps {
  /** The table's accessible name (e.g. "Params"). */
  label: string;
  /** The head of the key column (e.g. "Param"). */
  keyTitle: string;
  /** The runs' column heads (`<th>` cells). */
  heads: JSX.Element;
  rows: ICompareTableRow[];
  /** Hide the rows whose values are all the same. */
  differencesOnly: boolean;
  /** What to say when there are no rows at all. */
  empty: string;
}

/**
 * A table of keys by runs: one row per key, differing rows marked (`jp-mod-differs`) and
 * their changed cells highlighted; with "Differences only" the equal rows are hidden and
 * counted, so a user knows they exist.
 */
export function CompareTable({
  label,
  keyTitle,
  heads,
  rows,
  differencesOnly,
  empty
}: ICompareTableProps): JSX.Element {
  if (rows.length === 0) {
    return <p className="jp-MlopsCompare-empty">{empty}</p>;
  }
  const shown = differencesOnly ? rows.filter(row => row.differs) : rows;
  const hidden = rows.length - shown.length;
  return (
    <>
      <div className="jp-MlopsCompare-scroll">
        <table className="jp-MlopsCompare-table" aria-label={label}>
          <thead>
            <tr>
              <th scope="col" className="jp-MlopsCompare-keyHead">
                {keyTitle}
              </th>
              {heads}
            </tr>
          </thead>
          <tbody>
            {shown.map(row => (
              <tr
                key={row.key}
                data-key={row.key}
                className={row.differs ? 'jp-mod-differs' : undefined}
              >
                <th scope="row" className="jp-MlopsCompare-key">
                  {row.key}
                </th>
                {row.cells.map((cell, index) => {
                  const classes = ['jp-MlopsCompare-cell'];
                  if (row.changed?.[index]) {
                    classes.push('jp-mod-changed');
                  }
                  if (row.cellClasses?.[index]) {
                    classes.push(row.cellClasses[index]);
                  }
                  return (
                    <td key={index} className={classes.join(' ')}>
                      {cell}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hidden > 0 && (
        <p className="jp-MlopsCompare-hidden">
          {hidden === rows.length ? 'All ' : ''}
          {hidden} {hidden === 1 ? 'row' : 'rows'} with the same value in every
          run {hidden === 1 ? 'is' : 'are'} hidden.
        </p>
      )}
    </>
  );
}

/** A run's missing value: a dash, named by its tooltip. */
export const MISSING_CELL = (
  <span className="jp-MlopsCompare-missing" title="Not recorded">
    –
  </span>
);

/** Per cell: whether it differs from the first run's value. */
export function changedFromFirst<T>(values: T[]): boolean[] {
  return values.map((value, index) => index > 0 && value !== values[0]);
}
