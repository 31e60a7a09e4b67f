import { shareIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { ErrorMessage } from '../shared/ErrorMessage';
import { formatCount, formatRelative, formatTime } from '../shared/format';
import { DatasetsModel } from './datasetsModel';
import { DatasetVersionDetail } from './DatasetVersionDetail';

/** Properties of {@link DatasetVersions}. */
export interface IDatasetVersionsProps {
  model: DatasetsModel;
  name: string;
  /** Open a version's lineage graph. */
  onLineage(versionId: number): void;
}

/**
 * The versions of one dataset, newest first: version number, rows and columns, role,
 * date and a short fingerprint. A click (or Enter) shows a version's schema and profile
 * under it; its checkbox ticks it for a diff; its Lineage button opens its graph.
 */
export function DatasetVersions({
  model,
  name,
  onLineage
}: IDatasetVersionsProps): JSX.Element {
  const state = model.versionsOf(name);
  if (!state || (state.loading && state.versions === null)) {
    return <p className="jp-MlopsPanel-hint">Loading versions…</p>;
  }
  if (state.error !== null) {
    return <ErrorMessage message={state.error} />;
  }
  const versions = state.versions ?? [];
  if (versions.length === 0) {
    return <p className="jp-MlopsPanel-hint">No versions.</p>;
  }
  const now = Date.now();
  return (
    <ul
      className="jp-MlopsDatasets-versions"
      aria-label={`Versions of ${name}`}
    >
      {versions.map(version => {
        const selected = model.selectedVersion === version.id;
        const ticked = model.isTicked(version.id);
        const shape = [
          version.n_rows !== null ? `${formatCount(version.n_rows)} rows` : '',
          version.n_columns !== null ? `${version.n_columns} cols` : ''
        ]
          .filter(Boolean)
          .join(' × ');
        return (
          <li key={version.id}>
            <div
              className={`jp-MlopsDatasets-version${selected ? ' jp-mod-selected' : ''}`}
              data-version-id={version.id}
            >
              <input
                type="checkbox"
                className="jp-MlopsDatasets-tick"
                aria-label={`Tick version ${version.version} of ${name} for a diff`}
                title="Tick two versions to diff them"
                checked={ticked}
                onChange={() => model.toggleTicked(version.id)}
              />
              <button
                className="jp-MlopsDatasets-versionMain"
                aria-expanded={selected}
                aria-label={`Version ${version.version} of ${name}: show its schema`}
                onClick={() => void model.select(version.id)}
              >
                <span className="jp-MlopsDatasets-versionNumber">
                  v{version.version}
                </span>
                {version.role && (
                  <span className="jp-MlopsDatasets-role">{version.role}</span>
                )}
                <span className="jp-MlopsDatasets-shape">{shape}</span>
                <span
                  className="jp-MlopsDatasets-date"
                  title={formatTime(version.created_at)}
                >
                  {formatRelative(version.created_at, now)}
                </span>
                <code
                  className="jp-MlopsDatasets-fingerprint"
                  title={`Fingerprint ${version.fingerprint}`}
                >
                  {version.fingerprint.slice(0, 8)}
                </code>
              </button>
              <button
                className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsDatasets-lineage"
                aria-label={`Lineage of version ${version.version} of ${name}`}
                title="Lineage"
                onClick={() => onLineage(version.id)}
              >
                <shareIcon.react tag="span" />
                <span className="jp-MlopsDatasets-lineageLabel">Lineage</span>
              </button>
            </div>
            {selected && (
              <DatasetVersionDetail
                detail={model.detail}
                loading={model.detailLoading}
                error={model.detailError}
              />
            )}
          </li>
        );
      })}
    </ul>
  );
}
