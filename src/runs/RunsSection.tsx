import { refreshIcon } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useMemo, useState } from 'react';

import { COMPARE_MAX, COMPARE_MIN } from '../api/limits';
import { CommandIDs, ICommandRunner } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatAtLeast, formatCount } from '../shared/format';
import { useSignal } from '../shared/useSignal';
import { runColumns } from './runColumns';
import { RunsColumnChooser } from './RunsColumnChooser';
import { RunsEmpty } from './RunsEmpty';
import { RunsModel } from './runsModel';
import { RunsTable } from './RunsTable';

/** Properties of {@link RunsSection}. */
export interface IRunsSectionProps {
  model: RunsModel;
  commands: ICommandRunner;
}

// An example that matches runs of the demo's store, so trying it shows what filters do.
const FILTER_EXAMPLE =
  "metrics.accuracy > 0.95 AND params.model = 'random-forest'";

/**
 * `10,000 runs`, `1 run`, `100,000+ runs` when the count stopped at its bound, `~900 runs`
 * for an estimate, `200+ runs` while the count is unknown.
 */
function countText(model: RunsModel): string {
  if (model.total !== null) {
    const about = model.totalIsEstimate ? '~' : '';
    const one = model.total === 1 && model.totalComplete;
    const total = formatAtLeast(model.total, model.totalComplete);
    return `${about}${total} ${one ? 'run' : 'runs'}`;
  }
  return `${formatAtLeast(model.rows.length, !model.hasMore)} runs`;
}

/**
 * The count of the runs shown: a button completing it when it stopped at its bound, and
 * a note while a count is on its way.
 */
function RunsCount({ model }: { model: RunsModel }): JSX.Element {
  const text = model.loaded ? countText(model) : '';
  const bounded = model.total !== null && !model.totalComplete;
  return (
    <span className="jp-MlopsRuns-count" aria-live="polite">
      {bounded && !model.countingExact ? (
        <button
          className="jp-MlopsRuns-countMore"
          title="Count every matching run (may take a while)"
          onClick={() => void model.completeCount()}
        >
          {text}
        </button>
      ) : (
        text
      )}
      {model.loaded && model.counting && (
        <span className="jp-MlopsRuns-counting" role="status">
          {' '}
          counting…
        </span>
      )}
    </span>
  );
}

/**
 * The side panel's Runs section: a filter in the query language, the count, a stale
 * toggle, the column chooser, Refresh and Compare above the virtualized runs table.
 * A refused filter's message stays under the box and the rows shown stay.
 */
export function RunsSection({
  model,
  commands
}: IRunsSectionProps): JSX.Element {
  useSignal(model.changed);
  const [draft, setDraft] = useState(model.query.filter);
  const applied = model.query.filter;
  // A filter applied elsewhere (a restored state) shows in the box.
  useEffect(() => setDraft(applied), [applied]);

  const visibleKeys = model.visibleKeys;
  const columns = useMemo(() => runColumns(visibleKeys), [visibleKeys]);
  const selected = model.selected;
  const canCompare =
    selected.length >= COMPARE_MIN && selected.length <= COMPARE_MAX;

  const openRun = useCallback(
    (runId: string) => void commands.execute(CommandIDs.openRun, { runId }),
    [commands]
  );
  const openLineage = useCallback(
    (runId: string) =>
      void commands.execute(CommandIDs.openLineage, {
        kind: 'run',
        nodeId: runId
      }),
    [commands]
  );

  const onFilterKey = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void model.setQuery({ filter: draft.trim() });
    } else if (event.key === 'Escape') {
      setDraft(applied);
      model.clearFilterError();
    }
  };

  // An empty store has nothing to filter, sort or compare: only its how-to shows.
  const empty = model.emptyStore;
  let body: React.ReactNode = null;
  if (!model.loaded) {
    body = model.querying ? (
      <p className="jp-MlopsPanel-hint jp-MlopsRuns-loading">Loading runs…</p>
    ) : null;
  } else if (empty) {
    body = <RunsEmpty />;
  } else if (model.rows.length === 0) {
    body = (
      <p className="jp-MlopsPanel-hint jp-MlopsRuns-noMatch" role="status">
        {model.query.staleOnly && !applied
          ? 'No stale runs.'
          : 'No runs match this filter.'}
      </p>
    );
  } else {
    body = (
      <RunsTable
        model={model}
        columns={columns}
        onOpen={openRun}
        onLineage={openLineage}
      />
    );
  }

  return (
    <div
      className={`jp-MlopsRuns${model.querying ? ' jp-mod-busy' : ''}`}
      aria-label="Runs"
      role="region"
    >
      {!empty && (
        <>
          <div className="jp-MlopsRuns-filterBar">
            <input
              className="jp-mod-styled jp-MlopsRuns-filter"
              type="text"
              aria-label="Filter runs"
              placeholder={FILTER_EXAMPLE}
              title={`Filter in the query language, applied on Enter; e.g. ${FILTER_EXAMPLE}`}
              spellCheck={false}
              aria-invalid={model.filterError !== null}
              aria-describedby={
                model.filterError !== null
                  ? 'mlops-jlab-runs-filter-error'
                  : undefined
              }
              value={draft}
              onChange={event => setDraft(event.target.value)}
              onKeyDown={onFilterKey}
            />
          </div>
          {model.filterError === null && model.warnings.length > 0 && (
            <ul className="jp-MlopsRuns-filterWarnings" role="status">
              {model.warnings.map(warning => (
                <li key={warning}>{warning}</li>
              ))}
            </ul>
          )}
          {model.filterError !== null && (
            <div className="jp-MlopsRuns-filterError">
              <ErrorMessage
                message={model.filterError}
                id="mlops-jlab-runs-filter-error"
              />
            </div>
          )}
        </>
      )}
      <div className="jp-MlopsRuns-toolbar">
        <RunsCount model={model} />
        {!empty && (
          <>
            <label
              className="jp-MlopsRuns-toggle"
              title="Only runs whose input data has a newer version, or whose cell changed"
            >
              <input
                type="checkbox"
                checked={model.requestedQuery.staleOnly}
                onChange={event =>
                  void model.setQuery({ staleOnly: event.target.checked })
                }
              />
              Stale only
            </label>
            <label
              className="jp-MlopsRuns-toggle"
              title="Also list deleted runs, to restore them (their context menu)"
            >
              <input
                type="checkbox"
                checked={model.requestedQuery.includeDeleted}
                onChange={event =>
                  void model.setQuery({ includeDeleted: event.target.checked })
                }
              />
              Deleted
            </label>
            <RunsColumnChooser model={model} />
          </>
        )}
        <button
          className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRuns-iconButton"
          aria-label="Refresh runs"
          title="Refresh runs"
          onClick={() => void model.refresh().catch(() => undefined)}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      {!empty && (
        <div className="jp-MlopsRuns-selectionBar">
          <span className="jp-MlopsRuns-selectionCount">
            {selected.length === 0
              ? 'Tick runs to compare them'
              : `${formatCount(selected.length)} selected`}
          </span>
          {selected.length > 0 && (
            <button
              className="jp-Button jp-mod-minimal jp-mod-small"
              onClick={() => model.clearSelection()}
              aria-label="Clear the selection"
            >
              Clear
            </button>
          )}
          <button
            className="jp-Button jp-mod-styled jp-mod-accept jp-MlopsRuns-compare"
            disabled={!canCompare}
            title={
              canCompare
                ? `Compare the ${selected.length} selected runs`
                : `Select ${COMPARE_MIN} to ${COMPARE_MAX} runs to compare them`
            }
            onClick={() =>
              void commands.execute(CommandIDs.compareRuns, {
                runIds: [...selected]
              })
            }
          >
            Compare
          </button>
        </div>
      )}
      <ErrorMessage message={model.error} />
      {body}
    </div>
  );
}
