import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import React, { useCallback, useEffect, useMemo, useState } from 'react';

import { ICompareRow, IRunComparison } from '../api/types';
import { CommandIDs } from '../shared/commands';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatNumber } from '../shared/format';
import { CompareCodeDiff } from './CompareCodeDiff';
import { CompareDatasets } from './CompareDatasets';
import { CompareEnvironment } from './CompareEnvironment';
import { CompareHistoryCharts } from './CompareHistoryCharts';
import { CompareParallel } from './CompareParallel';
import { CompareRunHeads } from './CompareRunHeads';
import {
  changedFromFirst,
  CompareTable,
  ICompareTableRow,
  MISSING_CELL
} from './CompareTable';
import { bestIndices, lowerIsBetter, PARALLEL_MIN_RUNS } from './runCharts';

/** What the compare view asks of the API client (a stand-in in tests). */
export interface ICompareSource {
  compareRuns(runIds: string[]): Promise<IRunComparison>;
}

/** Properties of {@link Compare}. */
export interface ICompareProps {
  client: ICompareSource;
  commands: Pick<CommandRegistry, 'execute'>;
  rendermime: IRenderMimeRegistry | null;
  runIds: string[];
  /** Called with the runs' names, in order, once they are known (the tab's title). */
  onNames?: (names: string[]) => void;
}

/** Rows of params or tags: values as text, missing ones as a dash. */
function textRows(rows: ICompareRow[]): ICompareTableRow[] {
  return rows.map(row => ({
    key: row.key,
    differs: row.differs,
    changed: row.differs ? changedFromFirst(row.values) : undefined,
    cells: row.values.map(value => (value === null ? MISSING_CELL : value))
  }));
}

/**
 * Runs side by side: params, latest metrics (the best marked), metric charts over steps,
 * parallel coordinates, tags, code diffs, input datasets and environments. Every table can
 * hide what is the same in every run.
 */
export function Compare({
  client,
  commands,
  rendermime,
  runIds,
  onNames
}: ICompareProps): JSX.Element {
  const [comparison, setComparison] = useState<IRunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [differencesOnly, setDifferencesOnly] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const idsKey = runIds.join('\n');

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setComparison(await client.compareRuns(idsKey.split('\n')));
      setError(null);
    } catch (reason) {
      setComparison(null);
      setError(messageOf(reason));
    } finally {
      setLoading(false);
    }
  }, [client, idsKey]);

  const namesKey = comparison?.runs.map(run => run.name).join('\n');
  useEffect(() => {
    if (namesKey !== undefined) {
      onNames?.(namesKey.split('\n'));
    }
  }, [namesKey, onNames]);

  useEffect(() => {
    void load();
  }, [load]);

  const execute = useCallback(
    (id: string, args: ReadonlyPartialJSONObject) => {
      setActionError(null);
      commands.execute(id, args).catch(reason => {
        setActionError(messageOf(reason));
      });
    },
    [commands]
  );
  const openRun = useCallback(
    (runId: string) => execute(CommandIDs.openRun, { runId }),
    [execute]
  );
  const openVersion = useCallback(
    (versionId: number) =>
      execute(CommandIDs.openLineage, {
        kind: 'dataset_version',
        nodeId: String(versionId)
      }),
    [execute]
  );

  const ids = useMemo(
    () => comparison?.runs.map(run => run.id) ?? [],
    [comparison]
  );
  const heads = comparison ? (
    <CompareRunHeads
      runs={comparison.runs}
      labels={comparison.labels}
      onOpenRun={openRun}
    />
  ) : null;

  const metricRows: ICompareTableRow[] = useMemo(
    () =>
      (comparison?.metrics ?? []).map(row => {
        const best = new Set(bestIndices(row.key, row.values));
        const direction = lowerIsBetter(row.key) ? 'lowest' : 'highest';
        return {
          key: row.key,
          differs: row.differs,
          changed: row.differs ? changedFromFirst(row.values) : undefined,
          cellClasses: row.values.map((_, index) =>
            best.has(index) ? 'jp-mod-best' : ''
          ),
          cells: row.values.map((value, index) =>
            value === null ? (
              MISSING_CELL
            ) : best.has(index) ? (
              <strong title={`Best: the ${direction} value`}>
                {formatNumber(value)}
                <span className="jp-MlopsCompare-bestMark"> (best)</span>
              </strong>
            ) : (
              <span title={String(value)}>{formatNumber(value)}</span>
            )
          )
        };
      }),
    [comparison]
  );

  return (
    <div className="jp-MlopsCompare">
      <div className="jp-MlopsCompare-toolbar">
        <h2 className="jp-MlopsCompare-title">
          Compare {comparison ? comparison.runs.length : runIds.length} runs
        </h2>
        <label className="jp-MlopsCompare-toggle">
          <input
            type="checkbox"
            aria-label="Differences only"
            checked={differencesOnly}
            onChange={event => setDifferencesOnly(event.target.checked)}
          />
          Differences only
        </label>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject jp-MlopsCompare-refresh"
          aria-label="Refresh the comparison"
          title="Refresh the comparison"
          onClick={() => void load()}
          disabled={loading}
        >
          <refreshIcon.react tag="span" className="jp-MlopsCompare-icon" />
          Refresh
        </button>
      </div>
      <ErrorMessage message={error} />
      <ErrorMessage message={actionError} />
      {loading && comparison === null && error === null && (
        <p className="jp-MlopsCompare-loading">Loading ...</p>
      )}
      {comparison !== null && heads !== null && (
        <>
          <section className="jp-MlopsCompare-section">
            <h3>Params</h3>
            <CompareTable
              label="Params"
              keyTitle="Param"
              heads={heads}
              rows={textRows(comparison.params)}
              differencesOnly={differencesOnly}
              empty="These runs recorded no params."
            />
          </section>
          <section className="jp-MlopsCompare-section">
            <h3>Latest metrics</h3>
            {comparison.metrics.length > 0 && (
              <p className="jp-MlopsCompare-note">
                In bold, the best value of each row: the lowest for losses and
                errors, the highest otherwise.
              </p>
            )}
            <CompareTable
              label="Metrics"
              keyTitle="Metric"
              heads={heads}
              rows={metricRows}
              differencesOnly={differencesOnly}
              empty="These runs recorded no metrics."
            />
          </section>
          <section className="jp-MlopsCompare-section">
            <h3>Metrics over steps</h3>
            <CompareHistoryCharts
              histories={comparison.histories}
              runIds={ids}
              labels={comparison.labels}
              rendermime={rendermime}
            />
          </section>
          {comparison.runs.length >= PARALLEL_MIN_RUNS && (
            <section className="jp-MlopsCompare-section">
              <h3>Parallel coordinates</h3>
              <CompareParallel
                labels={comparison.labels}
                params={comparison.params}
                metrics={comparison.metrics}
                rendermime={rendermime}
              />
            </section>
          )}
          <section className="jp-MlopsCompare-section">
            <h3>Tags</h3>
            <CompareTable
              label="Tags"
              keyTitle="Tag"
              heads={heads}
              rows={textRows(comparison.tags)}
              differencesOnly={differencesOnly}
              empty="These runs have no tags."
            />
          </section>
          <section className="jp-MlopsCompare-section">
            <h3>Code</h3>
            <CompareCodeDiff
              diffs={comparison.code_diffs}
              labels={comparison.labels}
              runIds={ids}
            />
          </section>
          <section className="jp-MlopsCompare-section">
            <h3>Input datasets</h3>
            <CompareDatasets
              datasets={comparison.datasets}
              heads={heads}
              differencesOnly={differencesOnly}
              onOpenVersion={openVersion}
            />
          </section>
          <section className="jp-MlopsCompare-section">
            <h3>Environment</h3>
            <CompareEnvironment
              environment={comparison.environment}
              heads={heads}
              differencesOnly={differencesOnly}
            />
          </section>
        </>
      )}
    </div>
  );
}
