import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { refreshIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import React, { useCallback, useEffect, useState } from 'react';

import { IRunDetail } from '../api/types';
import { CommandIDs } from '../shared/commands';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import {
  formatCount,
  formatDuration,
  formatNumber,
  formatTime
} from '../shared/format';
import { RunDetailArtifacts } from './RunDetailArtifacts';
import { RunBadges } from './RunDetailBadges';
import { RunDetailKeyValues } from './RunDetailKeyValues';
import {
  IMetricHistorySource,
  RunDetailMetricChart
} from './RunDetailMetricChart';

/** What the run detail view asks of the API client (a stand-in in tests). */
export interface IRunDetailSource extends IMetricHistorySource {
  getRun(runId: string): Promise<IRunDetail>;
  artifactUrl(digest: string): string;
}

/** Properties of {@link RunDetail}. */
export interface IRunDetailProps {
  client: IRunDetailSource;
  commands: Pick<CommandRegistry, 'execute'>;
  rendermime: IRenderMimeRegistry | null;
  runId: string;
}

/** Entries of a record sorted by key. */
function sorted<T>(record: Record<string, T>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0
  );
}

/**
 * Everything one run recorded: its status, where it came from (notebook and cell, git,
 * parent, job), params, metrics with their charts, tags, note, error, code, environment
 * and artifacts (figures shown inline). "Open cell" and "Lineage" lead on.
 */
export function RunDetail({
  client,
  commands,
  rendermime,
  runId
}: IRunDetailProps): JSX.Element {
  const [run, setRun] = useState<IRunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [actionError, setActionError] = useState<string | null>(null);
  // Bumped by Refresh so the metric charts read their histories again.
  const [generation, setGeneration] = useState(0);

  const load = useCallback(async () => {
    setLoading(true);
    try {
      setRun(await client.getRun(runId));
      setError(null);
    } catch (reason) {
      setRun(null);
      setError(messageOf(reason));
    } finally {
      setLoading(false);
    }
  }, [client, runId]);

  useEffect(() => {
    void load();
  }, [load]);

  const refresh = () => {
    setGeneration(n => n + 1);
    void load();
  };

  const execute = (id: string, args: ReadonlyPartialJSONObject) => {
    setActionError(null);
    commands.execute(id, args).catch(reason => {
      setActionError(messageOf(reason));
    });
  };

  const canOpenCell = !!run?.notebook_path && !!run?.cell_id;
  const openCellTitle = !run
    ? ''
    : canOpenCell
      ? `Open ${run.notebook_path} at the cell that made this run`
      : run.notebook_path
        ? 'The notebook did not say which cell made this run'
        : 'This run was not made by a notebook cell';

  return (
    <div className="jp-MlopsRunDetail" data-run-id={runId}>
      <div className="jp-MlopsRunDetail-toolbar">
        <h2 className="jp-MlopsRunDetail-title">
          {run ? run.name : `Run ${runId.slice(0, 8)}`}
        </h2>
        {run && (
          <RunBadges
            status={run.status}
            staleReasons={run.stale_reasons}
            deletedAt={run.deleted_at}
          />
        )}
        <span className="jp-MlopsRunDetail-spacer" />
        {/* The wrapper carries the tooltip: a disabled button shows none in some browsers. */}
        <span title={openCellTitle}>
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-accept"
            disabled={!canOpenCell}
            onClick={() =>
              run &&
              execute(CommandIDs.openCell, {
                path: run.notebook_path!,
                cellId: run.cell_id!
              })
            }
          >
            Open cell
          </button>
        </span>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject"
          title="Open the lineage graph of this run"
          onClick={() =>
            execute(CommandIDs.openLineage, { kind: 'run', nodeId: runId })
          }
        >
          Lineage
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject jp-MlopsRunDetail-refresh"
          aria-label="Refresh the run"
          title="Refresh the run"
          onClick={refresh}
          disabled={loading}
        >
          <refreshIcon.react tag="span" className="jp-MlopsRunDetail-icon" />
          Refresh
        </button>
      </div>
      <ErrorMessage message={error} />
      <ErrorMessage message={actionError} />
      {loading && run === null && error === null && (
        <p className="jp-MlopsRunDetail-loading">Loading ...</p>
      )}
      {run !== null && (
        <>
          {run.stale_reasons.length > 0 && (
            <div className="jp-MlopsRunDetail-stale" role="note">
              <strong>This run is stale:</strong>
              <ul>
                {run.stale_reasons.map(reason => (
                  <li key={reason}>{reason}</li>
                ))}
              </ul>
            </div>
          )}
          <dl className="jp-MlopsRunDetail-facts" aria-label="Run">
            <dt>Id</dt>
            <dd className="jp-MlopsRunDetail-mono">{run.id}</dd>
            <dt>Experiment</dt>
            <dd>{run.experiment}</dd>
            <dt>Kind</dt>
            <dd>{run.kind}</dd>
            {run.user && (
              <>
                <dt>User</dt>
                <dd>{run.user}</dd>
              </>
            )}
            <dt>Started</dt>
            <dd>{formatTime(run.start_time)}</dd>
            <dt>Ended</dt>
            <dd>
              {run.end_time === null ? 'not yet' : formatTime(run.end_time)}
            </dd>
            <dt>Duration</dt>
            <dd>
              {run.duration === null ? 'running' : formatDuration(run.duration)}
            </dd>
            {run.status === 'running' && run.heartbeat !== null && (
              <>
                <dt>Last heartbeat</dt>
                <dd>{formatTime(run.heartbeat)}</dd>
              </>
            )}
            {run.notebook_path && (
              <>
                <dt>Notebook</dt>
                <dd className="jp-MlopsRunDetail-mono">{run.notebook_path}</dd>
              </>
            )}
            {run.cell_id && (
              <>
                <dt>Cell</dt>
                <dd className="jp-MlopsRunDetail-mono">{run.cell_id}</dd>
              </>
            )}
            {run.execution_count !== null && (
              <>
                <dt>Execution count</dt>
                <dd>[{run.execution_count}]</dd>
              </>
            )}
            {run.git_commit && (
              <>
                <dt>Git commit</dt>
                <dd className="jp-MlopsRunDetail-mono" title={run.git_commit}>
                  {run.git_commit.slice(0, 12)}
                </dd>
              </>
            )}
            {run.parent_id && (
              <>
                <dt>Parent run</dt>
                <dd>
                  <button
                    type="button"
                    className="jp-MlopsRunDetail-link"
                    title="Open the parent run"
                    onClick={() =>
                      execute(CommandIDs.openRun, { runId: run.parent_id! })
                    }
                  >
                    {run.parent_id}
                  </button>
                </dd>
              </>
            )}
            {run.job_id && (
              <>
                <dt>Job</dt>
                <dd className="jp-MlopsRunDetail-mono">{run.job_id}</dd>
              </>
            )}
            {run.deleted_at !== null && (
              <>
                <dt>Deleted</dt>
                <dd>{formatTime(run.deleted_at)}</dd>
              </>
            )}
          </dl>

          {run.error && (
            <section className="jp-MlopsRunDetail-section">
              <h3>Error</h3>
              <pre className="jp-MlopsRunDetail-error" aria-label="Error">
                {run.error}
              </pre>
            </section>
          )}

          <section className="jp-MlopsRunDetail-section">
            <h3>Params</h3>
            <RunDetailKeyValues
              label="Params"
              keyTitle="Param"
              valueTitle="Value"
              entries={sorted(run.params)}
              empty="No params."
            />
          </section>

          <section className="jp-MlopsRunDetail-section">
            <h3>Metrics</h3>
            <RunDetailKeyValues
              label="Metrics"
              keyTitle="Metric"
              valueTitle="Latest value"
              entries={sorted(run.metrics).map(([key, value]) => [
                key,
                <span key={key} title={String(value)}>
                  {formatNumber(value)}
                </span>
              ])}
              empty="No metrics."
            />
            <div className="jp-MlopsRunDetail-charts">
              {Object.keys(run.metrics)
                .sort()
                .map(key => (
                  <RunDetailMetricChart
                    key={key}
                    client={client}
                    runId={run.id}
                    metric={key}
                    rendermime={rendermime}
                    generation={generation}
                  />
                ))}
            </div>
          </section>

          <section className="jp-MlopsRunDetail-section">
            <h3>Tags</h3>
            <RunDetailKeyValues
              label="Tags"
              keyTitle="Tag"
              valueTitle="Value"
              entries={sorted(run.tags)}
              empty="No tags."
            />
          </section>

          {run.note && (
            <section className="jp-MlopsRunDetail-section">
              <h3>Note</h3>
              <p className="jp-MlopsRunDetail-noteText">{run.note}</p>
            </section>
          )}

          <section className="jp-MlopsRunDetail-section">
            <h3>Artifacts</h3>
            <RunDetailArtifacts
              artifacts={run.artifacts}
              urlOf={digest => client.artifactUrl(digest)}
            />
          </section>

          {run.code !== null && (
            <section className="jp-MlopsRunDetail-section">
              <h3>Code</h3>
              <pre
                className="jp-MlopsRunDetail-code"
                aria-label="Code"
                title={run.code_hash ? `Code hash ${run.code_hash}` : undefined}
              >
                {run.code}
              </pre>
            </section>
          )}

          <section className="jp-MlopsRunDetail-section">
            <h3>Environment</h3>
            {run.environment === null ? (
              <p className="jp-MlopsRunDetail-empty">
                No environment recorded.
              </p>
            ) : (
              <dl className="jp-MlopsRunDetail-facts" aria-label="Environment">
                <dt>Python</dt>
                <dd>{run.environment.python_version}</dd>
                <dt>Platform</dt>
                <dd>{run.environment.platform}</dd>
                <dt>Packages</dt>
                <dd>{formatCount(run.environment.packages)} installed</dd>
                <dt>Hash</dt>
                <dd className="jp-MlopsRunDetail-mono">
                  {run.environment.hash.slice(0, 16)}
                </dd>
              </dl>
            )}
          </section>
        </>
      )}
    </div>
  );
}
