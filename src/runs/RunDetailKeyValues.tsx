import React from 'react';

/** Properties of {@link RunDetailKeyValues}. */
export interface IRunDetailKeyValuesProps {
  /** The table's accessible name (e.g. "Params"). */
  label: string;
  keyTitle: string;
  valueTitle: string;
  /** Key and value pairs, shown in this order. */
  entries: [string, React.ReactNode][];
  /** What to say when there are none. */
  empty: string;
}

/** A two-column table of a run's params, metrics or tags. */
export function RunDetailKeyValues({
  label,
  keyTitle,
  valueTitle,
  entries,
  empty
}: IRunDetailKeyValuesProps): JSX.Element {
  if (entries.length === 0) {
    return <p className="jp-MlopsRunDetail-empty">{empty}</p>;
  }
  return (
    <div className="jp-MlopsRunDetail-scroll">
      <table className="jp-MlopsRunDetail-table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">{keyTitle}</th>
            <th scope="col">{valueTitle}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key} data-key={key}>
              <th scope="row" className="jp-MlopsRunDetail-key">
                {key}
              </th>
              <td className="jp-MlopsRunDetail-value">{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
