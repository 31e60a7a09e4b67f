import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IJob,
  IListJobs,
  IListJobsQuery,
  IPipelineSummary,
  IPipelineVersion,
  ISchedule
} from '../api/types';
import { messageOf } from '../shared/ErrorMessage';

/** What the jobs model needs of the API client (the real one, or a stand-in in tests). */
export interface IJobsClient {
  listPipelines(): Promise<IPipelineSummary[]>;
  listPipelineVersions(name: string): Promise<IPipelineVersion[]>;
  listJobs(query?: IListJobsQuery): Promise<IListJobs>;
  getJobLog(jobId: string): Promise<string>;
  cancelJob(jobId: string): Promise<IJob>;
  rerunJob(jobId: string, parameters: Record<string, unknown>): Promise<IJob>;
  listSchedules(): Promise<ISchedule[]>;
  pauseSchedule(scheduleId: number): Promise<ISchedule>;
  resumeSchedule(scheduleId: number): Promise<ISchedule>;
}

/** The statuses of a job that is not over yet. */
const ACTIVE = new Set(['queued', 'running']);

/** Whether a job is queued or running. */
export function isActive(job: IJob): boolean {
  return ACTIVE.has(job.status);
}

/** Jobs listed: the newest page is what the section shows. */
const JOBS_PAGE = 100;

/** Seconds between refreshes while a job is queued or running. */
const DEFAULT_INTERVAL = 1.5;

/** The longest wait between refreshes while the server keeps failing, in ms. */
const MAX_BACKOFF = 60 * 1000;

/** A pipeline's versions as fetched: loading, then a list or an error. */
export interface IPipelineVersionsState {
  loading: boolean;
  versions: IPipelineVersion[] | null;
  error: string | null;
}

/** Options of {@link JobsModel}. */
export interface IJobsModelOptions {
  client: IJobsClient;
  /** Seconds between refreshes while a job is queued or running; default 1.5. */
  interval?: number;
}

/**
 * The Jobs section's data: the pipelines (with the versions of those expanded), the
 * newest jobs, the job selected and its log. While the section is on screen and a job is
 * queued or running, the jobs (and the selected job's log) are fetched again every
 * interval; otherwise nothing is asked.
 */
export class JobsModel {
  constructor(options: IJobsModelOptions) {
    this._client = options.client;
    const interval = Math.max(0.05, options.interval ?? DEFAULT_INTERVAL);
    this._poll = new Poll({
      auto: false,
      factory: () => this.refresh(),
      frequency: {
        interval: Math.round(interval * 1000),
        backoff: true,
        max: MAX_BACKOFF
      },
      name: 'mlops-jlab:jobs',
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Every pipeline, or null before the first answer. */
  get pipelines(): readonly IPipelineSummary[] | null {
    return this._pipelines;
  }

  /** The newest jobs, or null before the first answer. */
  get jobs(): readonly IJob[] | null {
    return this._jobs;
  }

  /** Every schedule, or null before the first answer. */
  get schedules(): readonly ISchedule[] | null {
    return this._schedules;
  }

  /** Whether more jobs exist than are listed. */
  get more(): boolean {
    return this._more;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** Why the jobs or pipelines could not be listed. */
  get error(): string | null {
    return this._error;
  }

  /** Whether the section refreshes itself: on screen, with a job queued or running. */
  get polling(): boolean {
    const phase = this._poll.state.phase;
    return phase !== 'stopped' && phase !== 'constructed';
  }

  /** The selected job's id. */
  get selectedId(): string | null {
    return this._selectedId;
  }

  /** The selected job as last listed (or as an action answered). */
  get selected(): IJob | null {
    if (this._selectedId === null) {
      return null;
    }
    return (
      this._jobs?.find(job => job.id === this._selectedId) ??
      this._extra.get(this._selectedId) ??
      null
    );
  }

  /** The selected job's log, once fetched. */
  get log(): string | null {
    return this._log;
  }

  /** Why the log could not be fetched. */
  get logError(): string | null {
    return this._logError;
  }

  /** Whether a pipeline's versions are shown. */
  isExpanded(name: string): boolean {
    return this._expanded.has(name);
  }

  /** A pipeline's versions, once asked for. */
  versionsOf(name: string): IPipelineVersionsState | undefined {
    return this._versions.get(name);
  }

  /** Whether the section is on screen: it loads then, and refreshes only then. */
  setVisible(visible: boolean): void {
    this._visible = visible;
    if (visible && this._jobs === null && !this._loading) {
      void this.refresh();
    }
    this._schedule();
  }

  /** Fetch the pipelines, the jobs and the selected job's log again. */
  async refresh(): Promise<void> {
    this._loading = true;
    this._emit();
    let failed: unknown = null;
    try {
      const [pipelines, page, schedules] = await Promise.all([
        this._client.listPipelines(),
        this._client.listJobs({ page_size: JOBS_PAGE }),
        this._client.listSchedules()
      ]);
      this._forgetStaleVersions(pipelines);
      this._pipelines = pipelines;
      this._schedules = schedules;
      this._jobs = page.jobs;
      this._more = page.next_page_token !== null;
      for (const job of page.jobs) {
        this._extra.delete(job.id);
      }
      this._error = null;
    } catch (reason) {
      this._error = messageOf(reason);
      failed = reason;
    } finally {
      this._loading = false;
    }
    if (this._selectedId !== null) {
      await this._fetchLog(this._selectedId);
    }
    this._schedule();
    this._emit();
    if (failed !== null) {
      // The poll backs off while the server fails.
      throw failed;
    }
  }

  /** Show a job's detail and log; selecting it again hides them. */
  async select(jobId: string | null): Promise<void> {
    if (jobId === null || jobId === this._selectedId) {
      this._selectedId = null;
      this._log = null;
      this._logError = null;
      this._emit();
      return;
    }
    this._selectedId = jobId;
    this._log = null;
    this._logError = null;
    this._emit();
    await this._fetchLog(jobId);
    this._emit();
  }

  /**
   * Show a job that was just started (from the notebook's dialog or here), selected,
   * and refresh the list so it is in it.
   */
  async reveal(job: IJob | string): Promise<void> {
    const jobId = typeof job === 'string' ? job : job.id;
    if (typeof job !== 'string') {
      this._extra.set(job.id, job);
    }
    if (this._selectedId !== jobId) {
      this._selectedId = jobId;
      this._log = null;
    }
    this._emit();
    await this.refresh().catch(() => undefined);
  }

  /** Cancel a queued or running job; rejects with the server's message. */
  async cancel(jobId: string): Promise<void> {
    const job = await this._client.cancelJob(jobId);
    this._replace(job);
    this._schedule();
  }

  /** Run a job again with the parameters given changed; the new job is selected. */
  async rerun(
    jobId: string,
    parameters: Record<string, unknown>
  ): Promise<IJob> {
    const job = await this._client.rerunJob(jobId, parameters);
    await this.reveal(job);
    return job;
  }

  /** Pause a schedule, or resume it; rejects with the server's message. */
  async setPaused(scheduleId: number, paused: boolean): Promise<void> {
    const schedule = paused
      ? await this._client.pauseSchedule(scheduleId)
      : await this._client.resumeSchedule(scheduleId);
    this._schedules = (this._schedules ?? []).map(known =>
      known.id === schedule.id ? schedule : known
    );
    this._emit();
  }

  /** Show or hide a pipeline's versions (fetched the first time). */
  async toggleExpanded(name: string): Promise<void> {
    if (this._expanded.has(name)) {
      this._expanded.delete(name);
      this._emit();
      return;
    }
    this._expanded.add(name);
    this._emit();
    await this.loadVersions(name);
  }

  /** Fetch a pipeline's versions unless they are known (or being fetched). */
  async loadVersions(name: string): Promise<void> {
    const state = this._versions.get(name);
    if (state && (state.loading || state.error === null)) {
      return;
    }
    this._versions.set(name, { loading: true, versions: null, error: null });
    this._emit();
    try {
      const versions = await this._client.listPipelineVersions(name);
      // Newest first: the version most likely wanted is at the top.
      this._versions.set(name, {
        loading: false,
        versions: versions.slice().reverse(),
        error: null
      });
    } catch (reason) {
      this._versions.set(name, {
        loading: false,
        versions: null,
        error: messageOf(reason)
      });
    }
    this._emit();
  }

  /** The version a job ran, once its pipeline's versions are fetched. */
  versionOf(job: IJob): IPipelineVersion | null {
    const versions = this._versions.get(job.pipeline)?.versions ?? [];
    return versions.find(version => version.version === job.version) ?? null;
  }

  dispose(): void {
    this._poll.dispose();
  }

  /** Versions fetched before a pipeline was promoted again are fetched anew. */
  private _forgetStaleVersions(pipelines: IPipelineSummary[]): void {
    for (const pipeline of pipelines) {
      const known = this._versions.get(pipeline.name)?.versions;
      if (known && known.length !== pipeline.versions) {
        this._versions.delete(pipeline.name);
        if (this._expanded.has(pipeline.name)) {
          void this.loadVersions(pipeline.name);
        }
      }
    }
  }

  private _replace(job: IJob): void {
    if (this._jobs) {
      this._jobs = this._jobs.map(known => (known.id === job.id ? job : known));
    }
    this._extra.set(job.id, job);
    this._emit();
  }

  private async _fetchLog(jobId: string): Promise<void> {
    try {
      const log = await this._client.getJobLog(jobId);
      if (this._selectedId === jobId) {
        this._log = log;
        this._logError = null;
      }
    } catch (reason) {
      if (this._selectedId === jobId) {
        this._logError = messageOf(reason);
      }
    }
  }

  /** Poll while on screen and some job is not over; stop otherwise. */
  private _schedule(): void {
    if (this._poll.isDisposed) {
      return;
    }
    const extra = this._selectedId ? this._extra.get(this._selectedId) : null;
    const active =
      (this._jobs ?? []).some(isActive) || (extra ? isActive(extra) : false);
    if (this._visible && active) {
      if (!this.polling) {
        void this._poll.start();
      }
    } else if (this.polling) {
      void this._poll.stop();
    }
  }

  private _emit(): void {
    this._changed.emit();
  }

  private readonly _client: IJobsClient;
  private readonly _poll: Poll;
  private readonly _changed = new Signal<this, void>(this);
  private _visible = false;
  private _pipelines: IPipelineSummary[] | null = null;
  private _jobs: IJob[] | null = null;
  private _schedules: ISchedule[] | null = null;
  private _more = false;
  private _loading = false;
  private _error: string | null = null;
  private _selectedId: string | null = null;
  // Jobs known from an action's answer that the last list did not hold yet.
  private _extra = new Map<string, IJob>();
  private _log: string | null = null;
  private _logError: string | null = null;
  private _expanded = new Set<string>();
  private _versions = new Map<string, IPipelineVersionsState>();
}
