import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { IRequestOptions } from './request';

import {
  ICheckModelDrift,
  ICompareRuns,
  ICreateSchedule,
  ICronDescription,
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
  IFeasibilityStudy,
  IHistoryEvent,
  ILineage,
  ILineageQuery,
  IListJobs,
  IListJobsQuery,
  IListModels,
  IListRecommendationsQuery,
  ICountRuns,
  ICountRunsQuery,
  IListRuns,
  IListRunsQuery,
  IListTransitionRequestsQuery,
  IMetricHistory,
  IMetricHistoryQuery,
  IPipelineSummary,
  IPipelineVersion,
  IModelDetail,
  IModelVersion,
  IRecommendation,
  IRunComparison,
  IRunDetail,
  IRunPipeline,
  IStatus,
  ISweep,
  ITransitionRequest,
  IUpdateRun,
  LineageKind
} from './types';

/**
 * A client of the mlops-jlab REST API: one method per endpoint. Every method rejects with
 * an error carrying the server's message and status.
 */
export interface IMlopsClient {
  /** The server's version, its store and what the store holds. */
  getStatus(): Promise<IStatus>;

  /** Every experiment with its run count. */
  listExperiments(): Promise<IExperimentSummary[]>;

  /** A filtered, ordered page of runs (from the end of the order with `reverse`). */
  listRuns(
    query?: IListRunsQuery,
    options?: IRequestOptions
  ): Promise<IListRuns>;

  /** How many runs match, up to a bound unless asked for the exact count. */
  countRuns(
    query?: ICountRunsQuery,
    options?: IRequestOptions
  ): Promise<ICountRuns>;

  /** Everything recorded about one run. */
  getRun(runId: string): Promise<IRunDetail>;

  /** Rename a run, set or remove its tags, write a note, delete or restore it. */
  updateRun(runId: string, update: IUpdateRun): Promise<IRunDetail>;

  /** Delete a run softly: it leaves the lists and can be restored. */
  deleteRun(runId: string): Promise<IRunDetail>;

  /** Undo a delete. */
  restoreRun(runId: string): Promise<IRunDetail>;

  /**
   * Emitted with a run as the server answered after an edit through this client (a
   * rename, tags, a note, a delete or a restore), so every view of the run can follow.
   */
  readonly runChanged: ISignal<IMlopsClient, IRunDetail>;

  /** Runs side by side. */
  compareRuns(
    runIds: string[],
    options?: Omit<ICompareRuns, 'run_ids'>
  ): Promise<IRunComparison>;

  /** A metric's history; long ones downsampled with min/max envelopes. */
  getMetricHistory(
    runId: string,
    key: string,
    query?: IMetricHistoryQuery
  ): Promise<IMetricHistory>;

  /** Every dataset with its number of versions. */
  listDatasets(): Promise<IDatasetSummary[]>;

  /** A dataset's versions, oldest first. */
  listDatasetVersions(name: string): Promise<IDatasetVersionSummary[]>;

  /** A dataset version with its schema, profile and the runs that used it. */
  getDatasetVersion(versionId: number): Promise<IDatasetVersionDetail>;

  /** Version `b` against version `a`: schema, counts, profiles and drift. */
  diffDatasetVersions(a: number, b: number): Promise<IDatasetDiff>;

  /** What a node came from and what came of it. */
  getLineage(
    kind: LineageKind,
    nodeId: string,
    query?: ILineageQuery
  ): Promise<ILineage>;

  /** Every pipeline with its counts of versions and jobs. */
  listPipelines(): Promise<IPipelineSummary[]>;

  /** Promote a notebook (its path under the server's root) to a pipeline version. */
  promotePipeline(
    notebookPath: string,
    name?: string
  ): Promise<IPipelineVersion>;

  /** A pipeline's latest version. */
  getPipeline(name: string): Promise<IPipelineVersion>;

  /** A pipeline's versions, oldest first. */
  listPipelineVersions(name: string): Promise<IPipelineVersion[]>;

  /** Run a pipeline as a job in the server's executor. */
  runPipeline(name: string, request?: IRunPipeline): Promise<IJob>;

  /** One job per combination of a grid, `max_parallel` at a time. */
  createSweep(name: string, request: ICreateSweep): Promise<ISweep>;

  /** A page of jobs, newest first. */
  listJobs(query?: IListJobsQuery): Promise<IListJobs>;

  /** A job. */
  getJob(jobId: string): Promise<IJob>;

  /** What a job's notebook printed, stdout and stderr. */
  getJobLog(jobId: string): Promise<string>;

  /** Write a job's output notebook to a new file under the server's root; its path. */
  saveJobOutput(jobId: string, path: string): Promise<string>;

  /** Cancel a queued or running job. */
  cancelJob(jobId: string): Promise<IJob>;

  /** Run a job's pipeline version again, with the parameters given changed. */
  rerunJob(jobId: string, parameters: Record<string, unknown>): Promise<IJob>;

  /** A sweep and its jobs. */
  getSweep(sweepId: string): Promise<ISweep>;

  /** Every schedule (of one pipeline, when named). */
  listSchedules(query?: IListSchedulesQuery): Promise<ISchedule[]>;

  /** Schedule a pipeline on a cron in a timezone. */
  createSchedule(request: ICreateSchedule): Promise<ISchedule>;

  /** Stop a schedule firing until it is resumed. */
  pauseSchedule(scheduleId: number): Promise<ISchedule>;

  /** Let a paused schedule fire again. */
  resumeSchedule(scheduleId: number): Promise<ISchedule>;

  /** A cron in words and its next three fires in a timezone. */
  describeCron(cron: string, timezone?: string): Promise<ICronDescription>;

  /** Every registered model with its latest version and aliases, and the gate's rules. */
  listModels(): Promise<IListModels>;

  /** A model with its versions and the requests waiting on it. */
  getModel(name: string): Promise<IModelDetail>;

  /** A model's versions, oldest first. */
  listModelVersions(name: string): Promise<IModelVersion[]>;

  /** One model version: source run, artifact, training data, aliases. */
  getModelVersion(name: string, version: number): Promise<IModelVersion>;

  /** Point an unprotected alias or stage at a version (a protected one is refused). */
  setModelAlias(
    name: string,
    alias: string,
    version: number
  ): Promise<IModelVersion>;

  /** Remove an unprotected alias. */
  deleteModelAlias(name: string, alias: string): Promise<IModelDetail>;

  /** Everything that happened to a model, oldest first. */
  getModelHistory(name: string): Promise<IHistoryEvent[]>;

  /** Transition requests, newest first (of one status or model, if asked). */
  listTransitionRequests(
    query?: IListTransitionRequestsQuery
  ): Promise<ITransitionRequest[]>;

  /** Ask for an alias to move, with an optional ease.ml/ci check. */
  createTransitionRequest(
    request: ICreateTransitionRequest
  ): Promise<ITransitionRequest>;

  /** One request with its check report and decision. */
  getTransitionRequest(requestId: number): Promise<ITransitionRequest>;

  /** Approve a pending request: its alias moves. */
  approveTransitionRequest(
    requestId: number,
    comment?: string
  ): Promise<ITransitionRequest>;

  /** Reject a pending request, saying why. */
  rejectTransitionRequest(
    requestId: number,
    comment: string
  ): Promise<ITransitionRequest>;

  /**
   * Retraining recommendations, newest first (of one model or status, if asked); the
   * server first makes those that new training data calls for.
   */
  listRecommendations(
    query?: IListRecommendationsQuery
  ): Promise<IRecommendation[]>;

  /** One recommendation with its reasons, per-column drift and decision. */
  getRecommendation(recommendationId: number): Promise<IRecommendation>;

  /** Accept a pending recommendation: to retrain, a job starts (or the version is tagged). */
  acceptRecommendation(
    recommendationId: number,
    comment?: string
  ): Promise<IRecommendation>;

  /** Dismiss a pending recommendation, saying why. */
  dismissRecommendation(
    recommendationId: number,
    reason: string
  ): Promise<IRecommendation>;

  /** Judge a version of a model on a recorded dataset version: a pending recommendation. */
  checkModelDrift(
    name: string,
    check: ICheckModelDrift
  ): Promise<IRecommendation>;

  /** Feasibility study runs with their reports, newest first. */
  listFeasibilityStudies(): Promise<IFeasibilityStudy[]>;

  /** The URL that downloads an artifact (authenticated by the session's cookie). */
  artifactUrl(digest: string): string;
}

/**
 * The mlops-jlab REST API client that every plugin of the extension shares; other
 * extensions can require it to read the same store.
 */
export const IMlopsClient = new Token<IMlopsClient>(
  'mlops-jlab:IMlopsClient',
  'A client of the mlops-jlab REST API: runs, metrics, datasets and lineage of the store the Jupyter server reads.'
);
