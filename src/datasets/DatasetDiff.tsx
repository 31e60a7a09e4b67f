import { refreshIcon } from '@jupyterlab/ui-components';
import React, { useEffect, useMemo, useState } from 'react';

import { IDatasetDiff } from '../api/types';
import { IViewContext } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { datasetDiffTitle, ITitle } from '../shared/titles';
import { DatasetDiffColumn } from './DatasetDiffColumn';
import { DatasetDiffHeader } from './DatasetDiffHeader';
import { DatasetDiffSchema } from './DatasetDiffSchema';
import { DatasetDiffSummary } from './DatasetDiffSummary';
import { versionLabels } from './diffText';

/** Properties of {@link DatasetDiff}. */
export interface IDatasetDiffProps {
  context: IViewContext;
  /** The reference version's id. */
  a: number;
  /** The current version's id. */
  b: number;
  /** Called with the dataset's name and versions once known (the tab's title). */
  onTitle?: (title: ITitle) => void;
}

function schemaChangeOf(
  diff: IDatasetDiff,
  name: string
): 'added' | 'removed' | 'type_changed' | null {
  const changes = diff.schema_changes;
  if (changes.added?.includes(name)) {
    return 'added';
  }
  if (changes.removed?.includes(name)) {
    return 'removed';
  }
  if (changes.type_changed?.some(change => change.name === name)) {
    return 'type_changed';
  }
  return null;
}

/**
 * Version b of a dataset against version a: counts, schema changes, each column's
 * profiles side by side with its drift statistics and figure, drifted columns first
 * to the eye (highlighted) and on demand alone.
 */
export function DatasetDiff({
  context,
  a,
  b,
  onTitle
}: IDatasetDiffProps): JSX.Element {
  const { client, commands, rendermime } = context;
  const [diff, setDiff] = useState<IDatasetDiff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const [onlyDrifted, setOnlyDrifted] = useState(false);

  useEffect(() => {
    let current = true;
    setLoading(true);
    client
      .diffDatasetVersions(a, b)
      .then(found => {
        if (current) {
          setDiff(found);
          setError(null);
        }
      })
      .catch(reason => {
        if (current) {
          setError(reason instanceof Error ? reason.message : String(reason));
        }
      })
      .finally(() => {
        if (current) {
          setLoading(false);
        }
      });
    return () => {
      current = false;
    };
  }, [client, a, b, reloads]);

  const tabTitle = diff ? datasetDiffTitle(diff.a, diff.b) : null;
  const tabLabel = tabTitle?.label;
  useEffect(() => {
    if (tabTitle) {
      onTitle?.(tabTitle);
    }
    // Its text says when the title changed: tabTitle itself is new every render.
  }, [tabLabel, onTitle]);

  const labels = useMemo(
    () => (diff ? versionLabels(diff.a, diff.b) : { a: 'A', b: 'B' }),
    [diff]
  );
  const drifted = useMemo(() => new Set(diff?.drifted_columns ?? []), [diff]);
  const names = diff ? Object.keys(diff.columns) : [];
  const shown = onlyDrifted ? names.filter(name => drifted.has(name)) : names;

  return (
    <div className="jp-MlopsDatasetDiff">
      <div className="jp-MlopsDatasetDiff-toolbar">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-MlopsDatasetDiff-button"
          aria-label="Refresh"
          title="Compare the versions again"
          onClick={() => setReloads(n => n + 1)}
        >
          <refreshIcon.react tag="span" />
        </button>
        {diff && (
          <label className="jp-MlopsDatasetDiff-filter">
            <input
              type="checkbox"
              className="jp-mod-styled"
              checked={onlyDrifted}
              onChange={event => setOnlyDrifted(event.target.checked)}
            />{' '}
            Only drifted columns ({drifted.size})
          </label>
        )}
        {loading && diff && (
          <span className="jp-MlopsDatasetDiff-loading" role="status">
            Loading ...
          </span>
        )}
      </div>
      <ErrorMessage message={error} />
      {!diff && loading && (
        <p className="jp-MlopsDatasetDiff-placeholder">Loading ...</p>
      )}
      {diff && (
        <>
          <DatasetDiffHeader diff={diff} labels={labels} commands={commands} />
          <div className="jp-MlopsDatasetDiff-overview">
            <DatasetDiffSchema changes={diff.schema_changes} />
            <DatasetDiffSummary diff={diff} />
          </div>
          <section className="jp-MlopsDatasetDiff-columns" aria-label="Columns">
            <h3 className="jp-MlopsDatasetDiff-sectionTitle">
              Columns ({shown.length}
              {onlyDrifted ? ` of ${names.length}` : ''})
            </h3>
            {shown.length === 0 && (
              <p className="jp-MlopsDatasetDiff-none">
                {onlyDrifted
                  ? 'No column drifted.'
                  : 'Neither version has columns.'}
              </p>
            )}
            {shown.map(name => (
              <DatasetDiffColumn
                key={name}
                name={name}
                diff={diff.columns[name]}
                labels={labels}
                thresholds={diff.thresholds}
                drifted={drifted.has(name)}
                schema={schemaChangeOf(diff, name)}
                rendermime={rendermime}
              />
            ))}
          </section>
        </>
      )}
    </div>
  );
}
