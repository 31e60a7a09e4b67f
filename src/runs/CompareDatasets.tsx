import React from 'react';

import { ICompareDatasetRow, IDatasetVersionRef } from '../api/types';
import { formatCount } from '../shared/format';
import { CompareTable, ICompareTableRow, MISSING_CELL } from './CompareTable';

/** Properties of {@link CompareDatasets}. */
export interface ICompareDatasetsProps {
  datasets: ICompareDatasetRow[];
  /** The runs' column heads (`<th>` cells). */
  heads: JSX.Element;
  differencesOnly: boolean;
  /** Open the lineage graph of a dataset version. */
  onOpenVersion: (versionId: number) => void;
}

/** `name vN (rows)`: a version as the table shows it. */
export function versionText(name: string, version: IDatasetVersionRef): string {
  const rows =
    version.n_rows === null
      ? ''
      : ` (${formatCount(version.n_rows)} ${version.n_rows === 1 ? 'row' : 'rows'})`;
  return `${name} v${version.version}${rows}`;
}

/** A version's identity, to tell which cells differ from the first run's. */
function versionsKey(versions: IDatasetVersionRef[]): string {
  return versions
    .map(v => v.id)
    .sort((a, b) => a - b)
    .join(',');
}

/**
 * The input datasets side by side: per dataset, the versions each run read, each a button
 * that opens the version's lineage; rows where the runs read different versions are
 * highlighted.
 */
export function CompareDatasets({
  datasets,
  heads,
  differencesOnly,
  onOpenVersion
}: ICompareDatasetsProps): JSX.Element {
  const rows: ICompareTableRow[] = datasets.map(row => {
    const keys = row.versions.map(versionsKey);
    return {
      key: row.dataset,
      differs: row.differs,
      changed: keys.map((key, index) => index > 0 && key !== keys[0]),
      cells: row.versions.map(versions =>
        versions.length === 0 ? (
          MISSING_CELL
        ) : (
          <ul className="jp-MlopsCompare-versions">
            {versions.map(version => (
              <li key={version.id}>
                <button
                  type="button"
                  className="jp-MlopsCompare-versionLink"
                  title={`Open the lineage of this version (fingerprint ${version.fingerprint.slice(0, 12)}${version.role ? `, role ${version.role}` : ''})`}
                  onClick={() => onOpenVersion(version.id)}
                >
                  {versionText(row.dataset, version)}
                </button>
              </li>
            ))}
          </ul>
        )
      )
    };
  });
  return (
    <CompareTable
      label="Input datasets"
      keyTitle="Dataset"
      heads={heads}
      rows={rows}
      differencesOnly={differencesOnly}
      empty="These runs recorded no input dataset."
    />
  );
}
