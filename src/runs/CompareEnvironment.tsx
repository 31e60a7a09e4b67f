import React from 'react';

import { IEnvironmentComparison } from '../api/types';
import {
  changedFromFirst,
  CompareTable,
  ICompareTableRow,
  MISSING_CELL
} from './CompareTable';

/** Properties of {@link CompareEnvironment}. */
export interface ICompareEnvironmentProps {
  environment: IEnvironmentComparison;
  /** The runs' column heads (`<th>` cells). */
  heads: JSX.Element;
  differencesOnly: boolean;
}

/** A row of values, some missing. */
function row(key: string, values: (string | null)[]): ICompareTableRow {
  const differs = new Set(values).size > 1;
  return {
    key,
    differs,
    changed: differs ? changedFromFirst(values) : undefined,
    cells: values.map(value => (value === null ? MISSING_CELL : value))
  };
}

/**
 * The runs' Python environments: the Python version and platform of each run, and the
 * packages whose versions differ (the server lists only those).
 */
export function CompareEnvironment({
  environment,
  heads,
  differencesOnly
}: ICompareEnvironmentProps): JSX.Element {
  const rows = [
    row('Python', environment.python_versions),
    row('Platform', environment.platforms),
    ...environment.packages.map(pkg => row(pkg.name, pkg.versions))
  ];
  const recorded = environment.python_versions.filter(v => v !== null).length;
  if (recorded === 0) {
    return (
      <p className="jp-MlopsCompare-empty">
        These runs recorded no environment.
      </p>
    );
  }
  return (
    <>
      <p className="jp-MlopsCompare-note">
        {environment.same
          ? 'Every run ran in the same Python environment.'
          : recorded < environment.python_versions.length
            ? 'Some runs recorded no environment.'
            : environment.packages.length > 0
              ? `${environment.packages.length} ${environment.packages.length === 1 ? 'package differs' : 'packages differ'}; packages installed alike are not listed.`
              : 'The environments differ, but no package version does.'}
      </p>
      <CompareTable
        label="Environment"
        keyTitle="Python, platform, package"
        heads={heads}
        rows={rows}
        differencesOnly={differencesOnly}
        empty=""
      />
    </>
  );
}
