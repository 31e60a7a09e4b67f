import { ServerConnection } from '@jupyterlab/services';
import { URLExt } from '@jupyterlab/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { API_NAMESPACE, IRequestOptions, requestAPI } from './request';
import { IMlopsClient } from './token';
import {
  ICheckModelDrift,
  ICompareRuns,
  ICountRuns,
  ICountRunsQuery,
  ICreateSchedule,
  ICronDescription,
  IListSchedules,
  IListSchedulesQuery,
  ISchedule,
  ICreateSweep,
  ICreateTransitionRequest,
  IDatasetDiff,
  IDatasetSummary,
  IDatasetVersionDetail,
  IDatasetVersionSummary,
  IExperimentSummary,
  IJob,
  IJobLog,
  IFeasibilityStudy,
  IHistoryEvent,
  ILineage,
  ILineageQuery,
  IListDatasets,
  IListDatasetVersions,
  IListExperiments,
  IListJobs,
  IListJobsQuery,
  IListPipelines,
  IListPipelineVersions,
  IListFeasibilityStudies,
  IListModels,
  IListModelVersions,
  IListRecommendations,
  IListRecommendationsQuery,
  IListRuns,
  IListRunsQuery,
  IListTransitionRequests,
  IListTransitionRequestsQuery,
  IMetricHistory,
  IMetricHistoryQuery,
  IPipelineSummary,
  IPipelineVersion,
  IModelDetail,
  IModelHistory,
  IModelVersion,
  IRecommendation,
  IRunComparison,
  IRunDetail,
  IRunPipeline,
  ISavedJobOutput,
  IStatus,
  ISweep,
  ITransitionRequest,
  IUpdateRun,
  LineageKind
} from './types';

/** `?a=1&b=x` from the defined values of `query` (empty when none). */
function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A path segment with `/` and every other reserved character percent-encoded. */
const segment = encodeURIComponent;

/**
 * A typed client of the mlops-jlab REST API: one method per endpoint.
 * Every method rejects with an {@link APIError} carrying the server's message.
 */
export class MlopsClient implements IMlopsClient {
  constructor(private readonly settings?: ServerConnection.ISettings) {}

  /** Emitted with a run as the server answered it after this client edited it. */
  get runChanged(): ISignal<IMlopsClient, IRunDetail> {
    return this._runChanged;
  }

  /** Every pipeline with its counts of versions and jobs. */
  async listPipelines(): Promise<IPipelineSummary[]> {
    const body = await this.get<IListPipelines>('pipelines');
    return body.pipelines;
  }

  /** Promote a notebook (its path under the server's root) to a pipeline version. */
  promotePipeline(
    notebookPath: string,
    name?: string
  ): Promise<IPipelineVersion> {
    return this.send<IPipelineVersion>('pipelines', 'POST', {
      notebook_path: notebookPath,
      ...(name ? { name } : {})
    });
  }

  /** A pipeline's latest version. */
  getPipeline(name: string): Promise<IPipelineVersion> {
    return this.get<IPipelineVersion>(`pipelines/${segment(name)}`);
  }

  /** A pipeline's versions, oldest first. */
  async listPipelineVersions(name: string): Promise<IPipelineVersion[]> {
    const body = await this.get<IListPipelineVersions>(
      `pipelines/${segment(name)}/versions`
    );
    return body.versions;
  }

  /** Run a pipeline as a job in the server's executor. */
  runPipeline(name: string, request: IRunPipeline = {}): Promise<IJob> {
    return this.send<IJob>(`pipelines/${segment(name)}/jobs`, 'POST', request);
  }

  /** One job per combination of a grid, `max_parallel` at a time. */
  createSweep(name: string, request: ICreateSweep): Promise<ISweep> {
    return this.send<ISweep>(
      `pipelines/${segment(name)}/sweeps`,
      'POST',
      request
    );
  }

  /** A page of jobs, newest first. */
  listJobs(query: IListJobsQuery = {}): Promise<IListJobs> {
    return this.get<IListJobs>(`jobs${queryString({ ...query })}`);
  }

  /** A job. */
  getJob(jobId: string): Promise<IJob> {
    return this.get<IJob>(`jobs/${segment(jobId)}`);
  }

  /** What a job's notebook printed, stdout and stderr. */
  async getJobLog(jobId: string): Promise<string> {
    const body = await this.get<IJobLog>(`jobs/${segment(jobId)}/log`);
    return body.log;
  }

  /** Write a job's output notebook to a new file under the server's root; its path. */
  async saveJobOutput(jobId: string, path: string): Promise<string> {
    const body = await this.send<ISavedJobOutput>(
      `jobs/${segment(jobId)}/output`,
      'POST',
      { path }
    );
    return body.path;
  }

  /** Cancel a queued or running job. */
  cancelJob(jobId: string): Promise<IJob> {
    return requestAPI<IJob>(
      `jobs/${segment(jobId)}/cancel`,
      { method: 'POST' },
      this.settings
    );
  }

  /** Run a job's pipeline version again, with the parameters given changed. */
  rerunJob(jobId: string, parameters: Record<string, unknown>): Promise<IJob> {
    return this.send<IJob>(`jobs/${segment(jobId)}/rerun`, 'POST', {
      parameters
    });
  }

  /** A sweep and its jobs. */
  getSweep(sweepId: string): Promise<ISweep> {
    return this.get<ISweep>(`sweeps/${segment(sweepId)}`);
  }

  /** Every schedule (of one pipeline, when named). */
  async listSchedules(query: IListSchedulesQuery = {}): Promise<ISchedule[]> {
    const body = await this.get<IListSchedules>(
      `schedules${queryString({ ...query })}`
    );
    return body.schedules;
  }

  /** Schedule a pipeline on a cron in a timezone. */
  createSchedule(request: ICreateSchedule): Promise<ISchedule> {
    return this.send<ISchedule>('schedules', 'POST', request);
  }

  /** Stop a schedule firing until it is resumed. */
  pauseSchedule(scheduleId: number): Promise<ISchedule> {
    return this.send<ISchedule>(`schedules/${scheduleId}/pause`, 'POST', {});
  }

  /** Let a paused schedule fire again. */
  resumeSchedule(scheduleId: number): Promise<ISchedule> {
    return this.send<ISchedule>(`schedules/${scheduleId}/resume`, 'POST', {});
  }

  /** A cron in words and its next three fires in a timezone. */
  describeCron(cron: string, timezone?: string): Promise<ICronDescription> {
    return this.get<ICronDescription>(
      `cron/describe${queryString({ cron, timezone })}`
    );
  }

  /** The server's version, its store and what the store holds. */
  getStatus(): Promise<IStatus> {
    return this.get<IStatus>('status');
  }

  /** Every experiment with its run count. */
  async listExperiments(): Promise<IExperimentSummary[]> {
    const body = await this.get<IListExperiments>('experiments');
    return body.experiments;
  }

  /** A filtered, ordered page of runs. */
  listRuns(
    query: IListRunsQuery = {},
    options: IRequestOptions = {}
  ): Promise<IListRuns> {
    return this.get<IListRuns>(`runs${queryString({ ...query })}`, options);
  }

  /** How many runs match, up to a bound unless asked for the exact count. */
  countRuns(
    query: ICountRunsQuery = {},
    options: IRequestOptions = {}
  ): Promise<ICountRuns> {
    return this.get<ICountRuns>(
      `runs/count${queryString({ ...query })}`,
      options
    );
  }

  /** Everything recorded about one run. */
  getRun(runId: string): Promise<IRunDetail> {
    return this.get<IRunDetail>(`runs/${segment(runId)}`);
  }

  /** Rename a run, set or remove its tags, write a note, delete or restore it. */
  updateRun(runId: string, update: IUpdateRun): Promise<IRunDetail> {
    return this.changed(
      this.send<IRunDetail>(`runs/${segment(runId)}`, 'PATCH', update)
    );
  }

  /** Delete a run softly: it leaves the lists and can be restored. */
  deleteRun(runId: string): Promise<IRunDetail> {
    return this.changed(
      requestAPI<IRunDetail>(
        `runs/${segment(runId)}`,
        { method: 'DELETE' },
        this.settings
      )
    );
  }

  /** Undo a delete. */
  restoreRun(runId: string): Promise<IRunDetail> {
    return this.changed(
      requestAPI<IRunDetail>(
        `runs/${segment(runId)}/restore`,
        { method: 'POST' },
        this.settings
      )
    );
  }

  /** Runs side by side: `COMPARE_MIN` to `COMPARE_MAX` of them (./limits). */
  compareRuns(
    runIds: string[],
    options: Omit<ICompareRuns, 'run_ids'> = {}
  ): Promise<IRunComparison> {
    return this.send<IRunComparison>('runs/compare', 'POST', {
      run_ids: runIds,
      ...options
    });
  }

  /** A metric's history; long ones downsampled with min/max envelopes. */
  getMetricHistory(
    runId: string,
    key: string,
    query: IMetricHistoryQuery = {}
  ): Promise<IMetricHistory> {
    return this.get<IMetricHistory>(
      `runs/${segment(runId)}/metrics/${segment(key)}${queryString(query)}`
    );
  }

  /** Every dataset with its number of versions. */
  async listDatasets(): Promise<IDatasetSummary[]> {
    const body = await this.get<IListDatasets>('datasets');
    return body.datasets;
  }

  /** A dataset's versions, oldest first. */
  async listDatasetVersions(name: string): Promise<IDatasetVersionSummary[]> {
    const body = await this.get<IListDatasetVersions>(
      `datasets/${segment(name)}/versions`
    );
    return body.versions;
  }

  /** A dataset version with its schema, profile and the runs that used it. */
  getDatasetVersion(versionId: number): Promise<IDatasetVersionDetail> {
    return this.get<IDatasetVersionDetail>(`dataset-versions/${versionId}`);
  }

  /** Version `b` against version `a`: schema, counts, profiles and drift. */
  diffDatasetVersions(a: number, b: number): Promise<IDatasetDiff> {
    return this.get<IDatasetDiff>(
      `dataset-versions/diff${queryString({ a, b })}`
    );
  }

  /** What a node came from and what came of it. */
  getLineage(
    kind: LineageKind,
    nodeId: string,
    query: ILineageQuery = {}
  ): Promise<ILineage> {
    return this.get<ILineage>(
      `lineage/${kind}/${segment(nodeId)}${queryString({ ...query })}`
    );
  }

  /** Every registered model with its latest version and aliases, and the gate's rules. */
  listModels(): Promise<IListModels> {
    return this.get<IListModels>('models');
  }

  /** A model with its versions and the requests waiting on it. */
  getModel(name: string): Promise<IModelDetail> {
    return this.get<IModelDetail>(`models/${segment(name)}`);
  }

  /** A model's versions, oldest first. */
  async listModelVersions(name: string): Promise<IModelVersion[]> {
    const body = await this.get<IListModelVersions>(
      `models/${segment(name)}/versions`
    );
    return body.versions;
  }

  /** One model version: source run, artifact, training data, aliases. */
  getModelVersion(name: string, version: number): Promise<IModelVersion> {
    return this.get<IModelVersion>(
      `models/${segment(name)}/versions/${version}`
    );
  }

  /** Point an unprotected alias or stage at a version (a protected one answers 409). */
  setModelAlias(
    name: string,
    alias: string,
    version: number
  ): Promise<IModelVersion> {
    return this.send<IModelVersion>(
      `models/${segment(name)}/aliases/${segment(alias)}`,
      'PUT',
      { version }
    );
  }

  /** Remove an unprotected alias. */
  deleteModelAlias(name: string, alias: string): Promise<IModelDetail> {
    return requestAPI<IModelDetail>(
      `models/${segment(name)}/aliases/${segment(alias)}`,
      { method: 'DELETE' },
      this.settings
    );
  }

  /** Everything that happened to a model, oldest first. */
  async getModelHistory(name: string): Promise<IHistoryEvent[]> {
    const body = await this.get<IModelHistory>(
      `models/${segment(name)}/history`
    );
    return body.events;
  }

  /** Transition requests, newest first (of one status or model, if asked). */
  async listTransitionRequests(
    query: IListTransitionRequestsQuery = {}
  ): Promise<ITransitionRequest[]> {
    const body = await this.get<IListTransitionRequests>(
      `requests${queryString({ ...query })}`
    );
    return body.requests;
  }

  /** Ask for an alias to move, with an optional ease.ml/ci check. */
  createTransitionRequest(
    request: ICreateTransitionRequest
  ): Promise<ITransitionRequest> {
    return this.send<ITransitionRequest>('requests', 'POST', request);
  }

  /** One request with its check report and decision. */
  getTransitionRequest(requestId: number): Promise<ITransitionRequest> {
    return this.get<ITransitionRequest>(`requests/${requestId}`);
  }

  /** Approve a pending request: its alias moves. */
  approveTransitionRequest(
    requestId: number,
    comment?: string
  ): Promise<ITransitionRequest> {
    return this.send<ITransitionRequest>(
      `requests/${requestId}/approve`,
      'POST',
      comment ? { comment } : {}
    );
  }

  /** Reject a pending request, saying why. */
  rejectTransitionRequest(
    requestId: number,
    comment: string
  ): Promise<ITransitionRequest> {
    return this.send<ITransitionRequest>(
      `requests/${requestId}/reject`,
      'POST',
      { comment }
    );
  }

  /**
   * Retraining recommendations, newest first (of one model or status, if asked); the
   * server first makes those that new training data calls for.
   */
  async listRecommendations(
    query: IListRecommendationsQuery = {}
  ): Promise<IRecommendation[]> {
    const body = await this.get<IListRecommendations>(
      `recommendations${queryString({ ...query })}`
    );
    return body.recommendations;
  }

  /** One recommendation with its reasons, per-column drift and decision. */
  getRecommendation(recommendationId: number): Promise<IRecommendation> {
    return this.get<IRecommendation>(`recommendations/${recommendationId}`);
  }

  /** Accept a pending recommendation: to retrain, a job starts (or the version is tagged). */
  acceptRecommendation(
    recommendationId: number,
    comment?: string
  ): Promise<IRecommendation> {
    return this.send<IRecommendation>(
      `recommendations/${recommendationId}/accept`,
      'POST',
      comment ? { comment } : {}
    );
  }

  /** Dismiss a pending recommendation, saying why. */
  dismissRecommendation(
    recommendationId: number,
    reason: string
  ): Promise<IRecommendation> {
    return this.send<IRecommendation>(
      `recommendations/${recommendationId}/dismiss`,
      'POST',
      { reason }
    );
  }

  /** Judge a version of a model on a recorded dataset version: a pending recommendation. */
  checkModelDrift(
    name: string,
    check: ICheckModelDrift
  ): Promise<IRecommendation> {
    return this.send<IRecommendation>(
      `models/${segment(name)}/drift`,
      'POST',
      check
    );
  }

  /** Feasibility study runs with their reports, newest first. */
  async listFeasibilityStudies(): Promise<IFeasibilityStudy[]> {
    const body = await this.get<IListFeasibilityStudies>('feasibility');
    return body.studies;
  }

  /** The URL that downloads an artifact (authenticated by the session's cookie). */
  artifactUrl(digest: string): string {
    const settings = this.settings ?? ServerConnection.makeSettings();
    return URLExt.join(
      settings.baseUrl,
      API_NAMESPACE,
      'artifacts',
      segment(digest)
    );
  }

  /** The edited run, announced once the server has answered. */
  private async changed(edit: Promise<IRunDetail>): Promise<IRunDetail> {
    const run = await edit;
    this._runChanged.emit(run);
    return run;
  }

  private get<T>(endPoint: string, options: IRequestOptions = {}): Promise<T> {
    const init: RequestInit = options.signal ? { signal: options.signal } : {};
    return requestAPI<T>(endPoint, init, this.settings);
  }

  private send<T>(endPoint: string, method: string, body: unknown): Promise<T> {
    return requestAPI<T>(
      endPoint,
      { method, body: JSON.stringify(body) },
      this.settings
    );
  }

  private readonly _runChanged = new Signal<IMlopsClient, IRunDetail>(this);
}
