import React, { useEffect, useState } from 'react';

import { IJob, IPipelineVersion } from '../api/types';
import { CommandIDs, ICommandRunner } from '../shared/commands';
import { ErrorMessage, messageOf } from '../shared/ErrorMessage';
import { formatTime } from '../shared/format';
import { isActive, JobsModel } from './jobsModel';
import {
  jobDuration,
  jobRunsFilter,
  parametersText,
  statusLabel
} from './jobText';
import { ParameterForm } from './ParameterForm';
import { FieldValues, initialValue, readForm } from './parameters';
import { JobsCommandIDs } from './commands';

/** Properties of {@link RunAgainForm}. */
interface IRunAgainProps {
  job: IJob;
  version: IPipelineVersion;
  onRun(parameters: Record<string, unknown>): Promise<void>;
  onClose(): void;
}

/** The form of "Run again": the job's parameters to edit, checked before sending. */
function RunAgainForm({
  job,
  version,
  onRun,
  onClose
}: IRunAgainProps): JSX.Element {
  const [initial] = useState<FieldValues>(() =>
    Object.fromEntries(
      version.parameters.map(p => [p.name, initialValue(p, job.parameters)])
    )
  );
  const [fields, setFields] = useState<FieldValues>(initial);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { values, errors } = readForm(version.parameters, fields, initial);
  const invalid = Object.keys(errors).length > 0;
  return (
    <form
      className="jp-MlopsJobs-rerun"
      aria-label="Run again with these parameters"
      onSubmit={event => {
        event.preventDefault();
        if (invalid || busy) {
          return;
        }
        setBusy(true);
        setRefusal(null);
        onRun(values).then(onClose, reason => {
          setBusy(false);
          setRefusal(messageOf(reason));
        });
      }}
    >
      <ParameterForm
        schema={version.parameters}
        fields={fields}
        errors={errors}
        idPrefix={`rerun-${job.id}`}
        onChange={(name, value) => setFields({ ...fields, [name]: value })}
      />
      <ErrorMessage message={refusal} />
      <div className="jp-MlopsJobs-actions">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject"
          onClick={onClose}
        >
          Cancel
        </button>
        <button
          type="submit"
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={invalid || busy}
        >
          Run
        </button>
      </div>
    </form>
  );
}

/** Properties of {@link JobDetail}. */
export interface IJobDetailProps {
  model: JobsModel;
  job: IJob;
  commands: ICommandRunner;
}

/**
 * A job's detail: its parameters, times, the failing cell of a failed job (index,
 * source and error), the log, and what can be done: open the output notebook, cancel,
 * run again with edited parameters, list its runs.
 */
export function JobDetail({
  model,
  job,
  commands
}: IJobDetailProps): JSX.Element {
  const [error, setError] = useState<string | null>(null);
  const [rerunning, setRerunning] = useState(false);
  useEffect(() => {
    setError(null);
    setRerunning(false);
  }, [job.id]);
  const act = (action: Promise<unknown>) => {
    setError(null);
    action.catch(reason => setError(messageOf(reason)));
  };
  const version = model.versionOf(job);
  const versionsState = model.versionsOf(job.pipeline);
  const over = !isActive(job);
  const failed = job.error !== null || job.failing_cell !== null;
  return (
    <section
      className="jp-MlopsJobs-detail"
      aria-label={`Job ${job.id.slice(0, 8)}`}
    >
      <dl className="jp-MlopsJobs-facts">
        <dt>Job</dt>
        <dd>
          <code title={job.id}>{job.id.slice(0, 8)}</code>
          {job.attempt > 1 && ` (attempt ${job.attempt} of ${job.retries + 1})`}
        </dd>
        <dt>Pipeline</dt>
        <dd>
          {job.pipeline}
          {job.version !== null && ` v${job.version}`}
        </dd>
        <dt>Status</dt>
        <dd>{statusLabel(job.status)}</dd>
        <dt>Parameters</dt>
        <dd className="jp-MlopsJobs-parameters">
          {parametersText(job.parameters)}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(job.created_at)}</dd>
        {job.started_at !== null && (
          <>
            <dt>Duration</dt>
            <dd>{jobDuration(job)}</dd>
          </>
        )}
      </dl>
      {failed && (
        <div className="jp-MlopsJobs-failure" role="note">
          <p className="jp-MlopsJobs-failureTitle">
            {job.failing_cell !== null
              ? `Failed in cell ${job.failing_cell + 1} (index ${job.failing_cell})`
              : 'Failed'}
          </p>
          {job.failing_source && (
            <pre className="jp-MlopsJobs-source">{job.failing_source}</pre>
          )}
          {job.error && <pre className="jp-MlopsJobs-error">{job.error}</pre>}
        </div>
      )}
      <div className="jp-MlopsJobs-actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={job.output_digest === null}
          title={
            job.output_digest === null
              ? 'The output notebook is written once the job has run'
              : failed
                ? 'Open the output notebook at the failing cell'
                : 'Open the output notebook'
          }
          onClick={() =>
            act(
              commands.execute(JobsCommandIDs.openJobOutput, { jobId: job.id })
            )
          }
        >
          Open output
        </button>
        {!over && (
          <button
            className="jp-Button jp-mod-styled jp-mod-warn"
            disabled={job.cancel_requested}
            onClick={() => act(model.cancel(job.id))}
          >
            {job.cancel_requested ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
        <button
          className="jp-Button jp-mod-styled"
          aria-expanded={rerunning}
          onClick={() => {
            setRerunning(!rerunning);
            void model.loadVersions(job.pipeline);
          }}
        >
          Run again…
        </button>
        {over && (
          <button
            className="jp-Button jp-mod-styled"
            title={`Show the runs of this job in the Runs tab (${jobRunsFilter(job.id)})`}
            onClick={() =>
              act(
                commands.execute(CommandIDs.filterRuns, {
                  filter: jobRunsFilter(job.id)
                })
              )
            }
          >
            Its runs
          </button>
        )}
      </div>
      <ErrorMessage message={error} />
      {rerunning &&
        (version !== null ? (
          <RunAgainForm
            job={job}
            version={version}
            onRun={async parameters => {
              await model.rerun(job.id, parameters);
            }}
            onClose={() => setRerunning(false)}
          />
        ) : versionsState?.error ? (
          <ErrorMessage message={versionsState.error} />
        ) : (
          <p className="jp-MlopsJobs-hint">Loading its parameters…</p>
        ))}
      <details className="jp-MlopsJobs-logBox" open={!over || failed}>
        <summary>Log (stdout and stderr)</summary>
        <ErrorMessage message={model.logError} />
        <pre className="jp-MlopsJobs-log" tabIndex={0} aria-label="Job log">
          {model.log === null
            ? 'Loading…'
            : model.log === ''
              ? 'Nothing printed.'
              : model.log}
        </pre>
      </details>
    </section>
  );
}
