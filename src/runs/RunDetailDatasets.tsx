import React from 'react';

import { IRunDataset } from '../api/types';
import { formatCount } from '../shared/format';

/** Properties of {@link RunDetailDatasets}. */
export interface IRunDetailDatasetsProps {
  datasets: IRunDataset[];
  /** Show a version (its schema and profile) in the panel. */
  onShowVersion(dataset: IRunDataset): void;
  /** Diff a version against the one before it. */
  onDiff(dataset: IRunDataset): void;
}

/** `1,204 × 30`, `1,204 rows`, or empty when the shape is unknown. */
function shape(dataset: IRunDataset): string {
  if (dataset.n_rows === null) {
    return '';
  }
  const rows = formatCount(dataset.n_rows);
  return dataset.n_columns === null
    ? `${rows} rows`
    : `${rows} × ${formatCount(dataset.n_columns)}`;
}

/**
 * The dataset versions a run read and wrote: which way, the dataset and its version (a
 * link showing it in the panel), its role and shape, and a link to its diff with the
 * version before it.
 */
export function RunDetailDatasets({
  datasets,
  onShowVersion,
  onDiff
}: IRunDetailDatasetsProps): JSX.Element {
  if (datasets.length === 0) {
    return (
      <p className="jp-MlopsRunDetail-empty">
        No datasets recorded: the run read and wrote none that was tracked.
      </p>
    );
  }
  return (
    <div className="jp-MlopsRunDetail-scroll">
      <table
        className="jp-MlopsRunDetail-table jp-MlopsRunDetail-datasets"
        aria-label="Datasets"
      >
        <thead>
          <tr>
            <th scope="col">Used as</th>
            <th scope="col">Dataset</th>
            <th scope="col">Version</th>
            <th scope="col">Role</th>
            <th scope="col">Rows × columns</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {datasets.map(dataset => (
            <tr
              key={`${dataset.direction}-${dataset.id}`}
              data-version-id={dataset.id}
              data-direction={dataset.direction}
            >
              <td className="jp-MlopsRunDetail-direction">
                {dataset.direction === 'input' ? 'read' : 'wrote'}
              </td>
              <th
                scope="row"
                className="jp-MlopsRunDetail-key"
                title={dataset.dataset}
              >
                {dataset.dataset}
              </th>
              <td>
                <button
                  type="button"
                  className="jp-MlopsRunDetail-link"
                  title={`Show version ${dataset.version} of ${dataset.dataset} in the MLOps panel (fingerprint ${dataset.fingerprint})`}
                  onClick={() => onShowVersion(dataset)}
                >
                  v{dataset.version}
                </button>
              </td>
              <td>{dataset.role ?? ''}</td>
              <td className="jp-MlopsRunDetail-number">{shape(dataset)}</td>
              <td>
                {dataset.previous_id === null ? (
                  <span className="jp-MlopsRunDetail-muted">first version</span>
                ) : (
                  <button
                    type="button"
                    className="jp-MlopsRunDetail-link"
                    title={`Diff version ${dataset.version} of ${dataset.dataset} against version ${dataset.version - 1}`}
                    onClick={() => onDiff(dataset)}
                  >
                    diff with v{dataset.version - 1}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
