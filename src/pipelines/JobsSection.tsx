import {
  caretDownIcon,
  caretRightIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import React from 'react';

import { IJob } from '../api/types';
import { RunsStatusBadge } from '../runs/RunsStatusBadge';
import { ICommandRunner } from '../shared/commands';
import { ErrorMessage } from '../shared/ErrorMessage';
import { formatCount, formatRelative, formatTime } from '../shared/format';
import { useSignal } from '../shared/useSignal';
import { JobDetail } from './JobDetail';
import { JobsModel } from './jobsModel';
import { SchedulesList } from './SchedulesList';
import {
  jobDuration,
  progressFraction,
  progressText,
  statusLabel
} from './jobText';

/** Properties of the Jobs section's parts. */
interface IJobsProps {
  model: JobsModel;
}

/** The pipelines, each with its versions and their parameters once expanded. */
function PipelinesList({ model }: IJobsProps): JSX.Element | null {
  const pipelines = model.pipelines;
  if (pipelines === null) {
    return null;
  }
  if (pipelines.length === 0) {
    return (
      <div className="jp-MlopsJobs-empty" role="note">
        <p>
          <strong>No pipelines yet.</strong> Press <em>Promote / run as job</em>{' '}
          in a notebook&apos;s toolbar (or run <code>%promote</code> in it) to
          make it a pipeline that runs with other parameters as a job.
        </p>
      </div>
    );
  }
  return (
    <ul className="jp-MlopsJobs-pipelines" aria-label="Pipelines">
      {pipelines.map(pipeline => {
        const expanded = model.isExpanded(pipeline.name);
        const Caret = expanded ? caretDownIcon : caretRightIcon;
        const state = model.versionsOf(pipeline.name);
        return (
          <li key={pipeline.name}>
            <button
              className="jp-MlopsJobs-pipeline"
              aria-expanded={expanded}
              data-pipeline={pipeline.name}
              onClick={() => void model.toggleExpanded(pipeline.name)}
            >
              <span className="jp-MlopsJobs-caret" aria-hidden="true">
                <Caret.react tag="span" />
              </span>
              <span
                className="jp-MlopsJobs-name"
                title={pipeline.notebook_path}
              >
                {pipeline.name}
              </span>
              <span className="jp-MlopsJobs-count">
                {formatCount(pipeline.versions)}{' '}
                {pipeline.versions === 1 ? 'version' : 'versions'},{' '}
                {formatCount(pipeline.jobs)}{' '}
                {pipeline.jobs === 1 ? 'job' : 'jobs'}
              </span>
            </button>
            {expanded && (
              <div className="jp-MlopsJobs-versions">
                <ErrorMessage message={state?.error ?? null} />
                {state?.loading && (
                  <p className="jp-MlopsJobs-hint">Loading versions…</p>
                )}
                {state?.versions?.map(version => (
                  <div className="jp-MlopsJobs-version" key={version.version}>
                    <div className="jp-MlopsJobs-versionHead">
                      <strong>v{version.version}</strong>{' '}
                      <span title={formatTime(version.created_at)}>
                        {formatRelative(version.created_at)}
                      </span>{' '}
                      <span className="jp-MlopsJobs-path">
                        {version.notebook_path}
                      </span>
                    </div>
                    {version.parameters.length === 0 ? (
                      <p className="jp-MlopsJobs-hint">No parameters.</p>
                    ) : (
                      <table className="jp-MlopsJobs-schema">
                        <thead>
                          <tr>
                            <th scope="col">Parameter</th>
                            <th scope="col">Type</th>
                            <th scope="col">Default</th>
                          </tr>
                        </thead>
                        <tbody>
                          {version.parameters.map(parameter => (
                            <tr
                              key={parameter.name}
                              title={parameter.help || undefined}
                            >
                              <td>{parameter.name}</td>
                              <td>{parameter.type}</td>
                              <td>
                                <code>{parameter.default_text}</code>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                  </div>
                ))}
              </div>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** Properties of {@link JobRow}. */
interface IJobRowProps {
  job: IJob;
  selected: boolean;
  now: number;
  onSelect(): void;
}

/** A job in the list: status, pipeline and version, when, how long, progress. */
function JobRow({ job, selected, now, onSelect }: IJobRowProps): JSX.Element {
  const fraction = progressFraction(job);
  return (
    <button
      className={`jp-MlopsJobs-job${selected ? ' jp-mod-selected' : ''}`}
      aria-pressed={selected}
      data-job-id={job.id}
      onClick={onSelect}
    >
      <span className="jp-MlopsJobs-jobStatus">
        <RunsStatusBadge status={statusLabel(job.status)} />
      </span>
      <span className="jp-MlopsJobs-name">
        {job.pipeline}
        {job.version !== null && (
          <span className="jp-MlopsJobs-dim"> v{job.version}</span>
        )}
      </span>
      <span
        className="jp-MlopsJobs-when"
        title={formatTime(job.started_at ?? job.created_at)}
      >
        {formatRelative(job.started_at ?? job.created_at, now)}
      </span>
      <span className="jp-MlopsJobs-duration">{jobDuration(job, now)}</span>
      {fraction !== null && (
        <span className="jp-MlopsJobs-progress">
          <progress
            value={fraction}
            max={1}
            aria-label={`Progress: ${progressText(job)}`}
          />
          <span className="jp-MlopsJobs-dim">{progressText(job)}</span>
        </span>
      )}
    </button>
  );
}

/** Properties of {@link JobsSection}. */
export interface IJobsSectionProps {
  model: JobsModel;
  commands: ICommandRunner;
}

/**
 * The side panel's Jobs section: the pipelines with their versions and parameter
 * schemas, the schedules, the newest jobs with live status and progress, and the selected job's detail
 * and log.
 */
export function JobsSection({
  model,
  commands
}: IJobsSectionProps): JSX.Element {
  useSignal(model.changed);
  const jobs = model.jobs;
  const selected = model.selected;
  const now = Date.now();
  return (
    <div className="jp-MlopsJobs" role="region" aria-label="Jobs">
      <div className="jp-MlopsJobs-toolbar">
        <span className="jp-MlopsJobs-title">
          {model.polling ? 'Jobs (live)' : 'Jobs'}
        </span>
        <button
          className="jp-Button jp-mod-minimal jp-mod-small jp-MlopsRuns-iconButton"
          title="Refresh the pipelines and jobs"
          aria-label="Refresh the pipelines and jobs"
          disabled={model.loading}
          onClick={() => void model.refresh().catch(() => undefined)}
        >
          <refreshIcon.react tag="span" />
        </button>
      </div>
      <ErrorMessage message={model.error} />
      {jobs === null && model.loading && (
        <p className="jp-MlopsJobs-hint">Loading jobs…</p>
      )}
      <h3 className="jp-MlopsJobs-heading">Pipelines</h3>
      <PipelinesList model={model} />
      <h3 className="jp-MlopsJobs-heading">Schedules</h3>
      <SchedulesList model={model} />
      <h3 className="jp-MlopsJobs-heading">Jobs</h3>
      {jobs !== null && jobs.length === 0 && (
        <p className="jp-MlopsJobs-hint">
          No jobs yet: run a pipeline from a notebook&apos;s toolbar.
        </p>
      )}
      {jobs !== null && jobs.length > 0 && (
        <ul className="jp-MlopsJobs-jobs" aria-label="Jobs, newest first">
          {jobs.map(job => (
            <li key={job.id}>
              <JobRow
                job={job}
                now={now}
                selected={job.id === model.selectedId}
                onSelect={() => void model.select(job.id)}
              />
              {job.id === model.selectedId && selected && (
                <JobDetail model={model} job={selected} commands={commands} />
              )}
            </li>
          ))}
        </ul>
      )}
      {selected !== null &&
        !(jobs ?? []).some(job => job.id === selected.id) && (
          <JobDetail model={model} job={selected} commands={commands} />
        )}
      {model.more && (
        <p className="jp-MlopsJobs-hint">
          Older jobs are not listed; <code>mlops_jlab.jobs()</code> lists them
          all.
        </p>
      )}
    </div>
  );
}
