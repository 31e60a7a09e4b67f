import { shareIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { IModelVersion } from '../api/types';
import { formatRelative, formatTime } from '../shared/format';

/** Properties of {@link ModelVersions}. */
export interface IModelVersionsProps {
  versions: readonly IModelVersion[];
  /** The aliases that move only through an approved request. */
  protectedAliases: readonly string[];
  onRun(runId: string): void;
  onDataset(dataset: string, versionId: number): void;
  onLineage(modelVersionId: number): void;
}

/** `wine.csv` of `wine.csv@v2`. */
export function datasetOf(label: string): string {
  const at = label.lastIndexOf('@v');
  return at > 0 ? label.slice(0, at) : label;
}

/**
 * A model's versions, newest first: number, aliases and stage, when, the run it came
 * from (opens the run), the dataset version it was trained on (shows it in the Datasets
 * section) and a Lineage button.
 */
export function ModelVersions({
  versions,
  protectedAliases,
  onRun,
  onDataset,
  onLineage
}: IModelVersionsProps): JSX.Element {
  if (versions.length === 0) {
    return <p className="jp-MlopsPanel-hint">No versions.</p>;
  }
  const now = Date.now();
  return (
    <ul className="jp-MlopsModels-versions" aria-label="Versions">
      {[...versions].reverse().map(version => {
        const training = version.training_dataset;
        const trainingId = version.training_dataset_version_id;
        return (
          <li
            key={version.id}
            className="jp-MlopsModels-version"
            data-model-version={version.version}
          >
            <div className="jp-MlopsModels-versionHead">
              <span className="jp-MlopsModels-versionNumber">
                v{version.version}
              </span>
              {version.aliases.map(alias => (
                <span
                  key={alias}
                  className={`jp-MlopsModels-alias${
                    protectedAliases.includes(alias) ? ' jp-mod-protected' : ''
                  }`}
                  data-alias={alias}
                  title={
                    protectedAliases.includes(alias)
                      ? `${alias}: moves only through an approved request`
                      : alias
                  }
                >
                  {alias}
                </span>
              ))}
              {version.stage && !version.aliases.includes(version.stage) && (
                <span
                  className="jp-MlopsModels-alias"
                  data-stage={version.stage}
                >
                  {version.stage}
                </span>
              )}
              <span
                className="jp-MlopsModels-muted"
                title={formatTime(version.created_at)}
              >
                {formatRelative(version.created_at, now)}
              </span>
              <button
                className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsModels-lineage"
                aria-label={`Lineage of v${version.version} of ${version.model}`}
                title="Lineage"
                onClick={() => onLineage(version.id)}
              >
                <shareIcon.react tag="span" />
                <span>Lineage</span>
              </button>
            </div>
            <div className="jp-MlopsModels-versionLinks">
              {version.run_id !== null && (
                <button
                  className="jp-MlopsModels-link"
                  aria-label={`Open run ${version.run_id.slice(0, 8)}, the source of v${version.version}`}
                  title={`The run it was registered from: ${version.run_id}`}
                  onClick={() => onRun(version.run_id!)}
                >
                  run <code>{version.run_id.slice(0, 8)}</code>
                </button>
              )}
              {training !== null && trainingId !== null && (
                <button
                  className="jp-MlopsModels-link"
                  aria-label={`Show ${training}, the training data of v${version.version}`}
                  title="The dataset version it was trained on"
                  onClick={() => onDataset(datasetOf(training), trainingId)}
                >
                  trained on {training}
                </button>
              )}
              {version.artifact_name && (
                <span className="jp-MlopsModels-muted">
                  {version.artifact_name}
                </span>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
