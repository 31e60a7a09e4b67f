import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import React, { useCallback } from 'react';

import { CommandIDs, ICommandRunner } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatCount, formatRelative, formatTime } from '../shared/format';
import { useSignal } from '../shared/useSignal';
import { DatasetsModel } from './datasetsModel';
import { DatasetVersions } from './DatasetVersions';

/** Properties of {@link DatasetsSection}. */
export interface IDatasetsSectionProps {
  model: DatasetsModel;
  commands: ICommandRunner;
}

/**
 * The side panel's Datasets section: every dataset with its number of versions and the
 * latest one's date; expanding one lists its versions. Two ticked versions can be
 * diffed (the older against the newer).
 */
export function DatasetsSection({
  model,
  commands
}: IDatasetsSectionProps): JSX.Element {
  useSignal(model.changed);
  const pair = model.diffPair;
  const onLineage = useCallback(
    (versionId: number) =>
      void commands.execute(CommandIDs.openLineage, {
        kind: 'dataset_version',
        nodeId: String(versionId)
      }),
    [commands]
  );
  const datasets = model.datasets;
  // Nothing to tick or diff until there are datasets.
  const hasDatasets = datasets !== null && datasets.length > 0;
  const now = Date.now();

  let body: React.ReactNode;
  if (datasets === null) {
    body = model.loading ? (
      <p className="jp-MlopsPanel-hint">Loading datasets…</p>
    ) : null;
  } else if (datasets.length === 0) {
    body = (
      <div className="jp-MlopsDatasets-empty" role="note">
        <p>
          <strong>No datasets yet.</strong> A tracked cell (<code>%%track</code>
          ) records the data it reads or writes with pandas as dataset versions;
          inside a run, <code>ml.log_dataset(df, 'name')</code> records one by
          hand.
        </p>
      </div>
    );
  } else {
    body = (
      <ul className="jp-MlopsDatasets-list" aria-label="Datasets">
        {datasets.map(dataset => {
          const expanded = model.isExpanded(dataset.name);
          const Caret = expanded ? caretDownIcon : caretRightIcon;
          return (
            <li key={dataset.name}>
              <button
                className="jp-MlopsDatasets-dataset"
                data-dataset={dataset.name}
                aria-expanded={expanded}
                onClick={() => void model.toggleExpanded(dataset.name)}
              >
                <span className="jp-MlopsDatasets-caret" aria-hidden="true">
                  <Caret.react tag="span" />
                </span>
                <span
                  className="jp-MlopsDatasets-name"
                  title={dataset.source ?? dataset.name}
                >
                  {dataset.name}
                </span>
                <span className="jp-MlopsDatasets-count">
                  {formatCount(dataset.versions)}{' '}
                  {dataset.versions === 1 ? 'version' : 'versions'}
                </span>
                <span
                  className="jp-MlopsDatasets-date"
                  title={`Latest version: ${formatTime(dataset.latest_at)}`}
                >
                  {formatRelative(dataset.latest_at, now)}
                </span>
              </button>
              {expanded && (
                <DatasetVersions
                  model={model}
                  name={dataset.name}
                  onLineage={onLineage}
                />
              )}
            </li>
          );
        })}
      </ul>
    );
  }

  return (
    <div className="jp-MlopsDatasets" role="region" aria-label="Datasets">
      <div className="jp-MlopsDatasets-toolbar">
        {hasDatasets ? (
          <>
            <span className="jp-MlopsDatasets-tickCount">
              {model.ticked.length === 0
                ? 'Tick two versions to diff them'
                : `${model.ticked.length} of 2 ticked`}
            </span>
            <button
              className="jp-Button jp-mod-styled jp-mod-accept jp-MlopsDatasets-diff"
              disabled={pair === null}
              title={
                pair === null
                  ? 'Tick two versions to diff them'
                  : 'Diff the newer ticked version against the older'
              }
              onClick={() => {
                if (pair !== null) {
                  void commands.execute(CommandIDs.diffDatasetVersions, {
                    a: pair.a,
                    b: pair.b
                  });
                }
              }}
            >
              Diff
            </button>
          </>
        ) : (
          <span className="jp-MlopsDatasets-tickCount" />
        )}
        <button
          className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRuns-iconButton"
          aria-label="Refresh datasets"
          title="Refresh datasets"
          onClick={() => void model.load()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <ErrorMessage message={model.error} />
      {body}
    </div>
  );
}
