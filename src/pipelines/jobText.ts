/**
 * How the Jobs section words a job: its status, its progress and how long it ran.
 */
import { IJob } from '../api/types';
import { formatDuration } from '../shared/format';

/** A status as a reader says it. */
export function statusLabel(status: string): string {
  return status === 'timed_out' ? 'timed out' : status;
}

/**
 * How long a job ran (until now while it runs), or how long it has waited while queued;
 * empty when it never started.
 */
export function jobDuration(job: IJob, now: number = Date.now()): string {
  if (job.started_at === null) {
    return job.status === 'queued'
      ? `waiting ${formatDuration((now - job.created_at) / 1000)}`
      : '';
  }
  const end = job.ended_at ?? now;
  return formatDuration((end - job.started_at) / 1000);
}

/** `cell 3 of 7` while it runs; empty otherwise. */
export function progressText(job: IJob): string {
  if (job.status !== 'running' || !job.progress) {
    return '';
  }
  return `cell ${job.progress.cell} of ${job.progress.cells}`;
}

/** The share of cells done while it runs (0 to 1), or null. */
export function progressFraction(job: IJob): number | null {
  if (job.status !== 'running' || !job.progress || job.progress.cells <= 0) {
    return null;
  }
  return Math.min(1, Math.max(0, (job.progress.cell - 1) / job.progress.cells));
}

/** The runs filter that lists a job's runs (the runs query language's `job_id`). */
export function jobRunsFilter(jobId: string): string {
  return `job_id = '${jobId}'`;
}

/** A job's parameters in one line: `lr=0.1, depth=3`, or `defaults`. */
export function parametersText(parameters: Record<string, unknown>): string {
  const entries = Object.entries(parameters);
  if (entries.length === 0) {
    return 'defaults';
  }
  return entries
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ');
}

/** The file name the output notebook of a job is written to under the server's root. */
export function outputPath(job: IJob): string {
  const safe = job.pipeline.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${safe}-job-${job.id.slice(0, 8)}.ipynb`;
}
