import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import {
  deleteIcon,
  editIcon,
  refreshIcon,
  undoIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';
import React, { useCallback, useEffect, useState } from 'react';

import { IRunDetail, IUpdateRun } from '../api/types';
import { CommandIDs } from '../shared/commands';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import {
  formatCount,
  formatDuration,
  formatNumber,
  formatTime
} from '../shared/format';
import { InlineEditor } from '../shared/InlineEditor';
import { deleteWithUndo, IRunDeleteClient } from './runActions';
import { RunDetailArtifacts } from './RunDetailArtifacts';
import { RunBadges } from './RunDetailBadges';
import { RunDetailDatasets } from './RunDetailDatasets';
import { RunDetailKeyValues } from './RunDetailKeyValues';
import {
  IMetricHistorySource,
  RunDetailMetricChart
} from './RunDetailMetricChart';
import { noteUpdate, parseTags, tagChanges, tagsText } from './runEdits';

/** What the run detail view asks of the API client (a stand-in in tests). */
export interface IRunDetailSource
  extends IMetricHistorySource, IRunDeleteClient {
  getRun(runId: string): Promise<IRunDetail>;
  updateRun(runId: string, update: IUpdateRun): Promise<IRunDetail>;
  artifactUrl(digest: string): string;
  /** Runs edited elsewhere (the panel's context menu): the view follows. */
  readonly runChanged?: ISignal<any, IRunDetail>;
}

/** Properties of {@link RunDetail}. */
export interface IRunDetailProps {
  client: IRunDetailSource;
  commands: Pick<CommandRegistry, 'execute'>;
  rendermime: IRenderMimeRegistry | null;
  runId: string;
  /** Called with the run's name whenever it is known or changes (the tab's title). */
  onName?: (name: string) => void;
}

/** What is being edited in place. */
type Editing = 'name' | 'tags' | 'note' | null;

const TAGS_HINT =
  'One tag per line as key=value; remove a line to remove its tag. Ctrl+Enter saves.';

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
  runId,
  onName
}: IRunDetailProps): JSX.Element {
  const [run, setRun] = useState<IRunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [actionError, setActionError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [busy, setBusy] = useState(false);
  // Bumped by Refresh so the metric charts read their histories again.
  const [generation, setGeneration] = useState(0);

  // An edit made elsewhere (the panel's context menu, another view) shows here too.
  useEffect(() => {
    const signal = client.runChanged;
    if (!signal) {
      return;
    }
    const follow = (_: unknown, changed: IRunDetail) => {
      if (changed.id === runId) {
        setRun(changed);
      }
    };
    signal.connect(follow);
    return () => {
      signal.disconnect(follow);
    };
  }, [client, runId]);

  const name = run?.name;
  useEffect(() => {
    if (name !== undefined) {
      onName?.(name);
    }
  }, [name, onName]);

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

  /** Send an edit; the run answered replaces the one shown and the editor closes. */
  const update = async (change: IUpdateRun): Promise<void> => {
    setRun(await client.updateRun(runId, change));
    setEditing(null);
  };

  const saveTags = async (text: string): Promise<void> => {
    const parsed = parseTags(text);
    if (parsed.error !== null) {
      throw new Error(parsed.error);
    }
    const changes = tagChanges(run?.tags ?? {}, parsed.tags);
    if (Object.keys(changes).length === 0) {
      setEditing(null);
      return;
    }
    await update({ tags: changes });
  };

  /** Delete (with Undo offered) or restore the run. */
  const setDeleted = async (deleted: boolean): Promise<void> => {
    setActionError(null);
    setBusy(true);
    try {
      setRun(
        deleted
          ? await deleteWithUndo(client, runId)
          : await client.restoreRun(runId)
      );
      setEditing(null);
    } catch (reason) {
      setActionError(messageOf(reason));
    } finally {
      setBusy(false);
    }
  };

  const deleted = run !== null && run.deleted_at !== null;
  const editable = run !== null && !deleted;
  const editButton = (what: Exclude<Editing, null>, label: string) =>
    editable &&
    editing !== what && (
      <button
        type="button"
        className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRunDetail-edit"
        title={label}
        aria-label={label}
        onClick={() => setEditing(what)}
      >
        <editIcon.react tag="span" className="jp-MlopsRunDetail-icon" />
        Edit
      </button>
    );

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
        <div className="jp-MlopsRunDetail-heading">
          {editing === 'name' && run ? (
            <InlineEditor
              label="Run name"
              value={run.name}
              saveLabel="Rename"
              onSave={text =>
                // A name of spaces goes as typed, so the server says why it is refused.
                update({ name: text.trim() === '' ? text : text.trim() })
              }
              onCancel={() => setEditing(null)}
            />
          ) : (
            <h2 className="jp-MlopsRunDetail-title">
              {run ? run.name : `Run ${runId.slice(0, 8)}`}
            </h2>
          )}
          {editable && editing !== 'name' && (
            <button
              type="button"
              className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRunDetail-edit"
              title="Rename the run"
              aria-label="Rename the run"
              onClick={() => setEditing('name')}
            >
              <editIcon.react tag="span" className="jp-MlopsRunDetail-icon" />
            </button>
          )}
        </div>
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
        {run !== null && !deleted && (
          <button
            type="button"
            className="jp-Button jp-mod-styled jp-mod-reject jp-MlopsRunDetail-delete"
            title="Delete the run: it leaves the lists, and can be restored"
            disabled={busy}
            onClick={() => void setDeleted(true)}
          >
            <deleteIcon.react tag="span" className="jp-MlopsRunDetail-icon" />
            Delete
          </button>
        )}
      </div>
      <ErrorMessage message={error} />
      <ErrorMessage message={actionError} />
      {loading && run === null && error === null && (
        <p className="jp-MlopsRunDetail-loading">Loading ...</p>
      )}
      {run !== null && (
        <>
          {deleted && (
            <div className="jp-MlopsRunDetail-deleted" role="note">
              <span>
                This run was deleted {formatTime(run.deleted_at!)}: the panel no
                longer lists it.
              </span>
              <button
                type="button"
                className="jp-Button jp-mod-styled jp-mod-accept"
                disabled={busy}
                onClick={() => void setDeleted(false)}
              >
                <undoIcon.react tag="span" className="jp-MlopsRunDetail-icon" />
                Restore
              </button>
            </div>
          )}
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
            <h3>Datasets</h3>
            <RunDetailDatasets
              datasets={run.datasets}
              onShowVersion={dataset =>
                execute(CommandIDs.showDatasetVersion, {
                  dataset: dataset.dataset,
                  versionId: dataset.id
                })
              }
              onDiff={dataset =>
                execute(CommandIDs.diffDatasetVersions, {
                  a: dataset.previous_id!,
                  b: dataset.id
                })
              }
            />
          </section>

          <section className="jp-MlopsRunDetail-section">
            <div className="jp-MlopsRunDetail-sectionHead">
              <h3>Tags</h3>
              {editButton('tags', 'Edit the tags')}
            </div>
            {editing === 'tags' ? (
              <InlineEditor
                label="Tags, one key=value per line"
                value={tagsText(run.tags)}
                multiline
                hint={TAGS_HINT}
                onSave={saveTags}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <RunDetailKeyValues
                label="Tags"
                keyTitle="Tag"
                valueTitle="Value"
                entries={sorted(run.tags)}
                empty="No tags."
              />
            )}
          </section>

          <section className="jp-MlopsRunDetail-section">
            <div className="jp-MlopsRunDetail-sectionHead">
              <h3>Note</h3>
              {editButton('note', run.note ? 'Edit the note' : 'Write a note')}
            </div>
            {editing === 'note' ? (
              <InlineEditor
                label="Note"
                value={run.note ?? ''}
                multiline
                hint="Ctrl+Enter saves; an empty note removes it."
                onSave={text => update(noteUpdate(text))}
                onCancel={() => setEditing(null)}
              />
            ) : run.note ? (
              <p className="jp-MlopsRunDetail-noteText">{run.note}</p>
            ) : (
              <p className="jp-MlopsRunDetail-empty">No note.</p>
            )}
          </section>

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
