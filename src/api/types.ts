/**
 * The REST API's bodies and queries under the names the frontend uses: the types
 * generated from the server's OpenAPI document (./schema.ts, by `jlpm generate:api`), so
 * the server's pydantic models stay their one home. Times are integer milliseconds since
 * the epoch.
 */
import { components, operations } from './schema';

type Schemas = components['schemas'];

/** The query parameters of an operation. */
type QueryOf<K extends keyof operations> = NonNullable<
  operations[K]['parameters']['query']
>;

/** Where the server's store lives. */
export type IStoreInfo = Schemas['StoreInfo'];

/** What the store holds. */
export type IStoreCounts = Schemas['StoreCounts'];

/** `GET status`: the server's version, its store and what the store holds. */
export type IStatus = Schemas['DescribeStatus'];

/** An experiment with its run count. */
export type IExperimentSummary = Schemas['ExperimentSummary'];

/** `GET experiments`. */
export type IListExperiments = Schemas['ListExperiments'];

/** A run as a row of the runs table. */
export type IRunSummary = Schemas['RunSummary'];

/** The query of `GET runs`. */
export type IListRunsQuery = QueryOf<'listRuns'>;

/** The param, metric and tag keys present in a page. */
export type IRunColumns = Schemas['RunColumns'];

/** `GET runs`: a page of runs. */
export type IListRuns = Schemas['ListRuns'];

/** The query of `GET runs/count`. */
export type ICountRunsQuery = QueryOf<'countRuns'>;

/** `GET runs/count`: how many runs match, up to a bound unless asked for the exact count. */
export type ICountRuns = Schemas['CountRuns'];

/** An artifact a run recorded. */
export type IArtifactInfo = Schemas['ArtifactInfo'];

/** The Python environment a run ran in. */
export type IEnvironmentInfo = Schemas['EnvironmentInfo'];

/** A dataset version a run read or wrote, with the version before it. */
export type IRunDataset = Schemas['RunDataset'];

/** `GET runs/{id}`: everything recorded about one run. */
export type IRunDetail = Schemas['DescribeRun'];

/** `PATCH runs/{id}`: fields left out are not changed. */
export type IUpdateRun = Schemas['UpdateRun'];

/** A point of a metric history; when downsampled, one bucket of steps. */
export type IMetricPoint = Schemas['MetricPoint'];

/** The query of `GET runs/{id}/metrics/{key}`. */
export type IMetricHistoryQuery = QueryOf<'getMetricHistory'>;

/** `GET runs/{id}/metrics/{key}`. */
export type IMetricHistory = Schemas['DescribeMetricHistory'];

/** `POST runs/compare`: the runs, and how their histories are sampled. */
export type ICompareRuns = Schemas['CompareRuns'];

/** One key across compared runs: one value per run, null where a run lacks it. */
export type ICompareRow = Schemas['CompareRow'];

/** One metric's latest values across compared runs. */
export type ICompareMetricRow = Schemas['CompareMetricRow'];

/** One run's history of a metric, in a comparison. */
export type IRunHistory = Schemas['RunHistory'];

/** A run's code against the first run's. */
export type ICodeDiff = Schemas['CodeDiff'];

/** A package whose version differs between compared runs. */
export type IPackageRow = Schemas['PackageRow'];

/** The compared runs' environments. */
export type IEnvironmentComparison = Schemas['EnvironmentComparison'];

/** A dataset version named in another answer. */
export type IDatasetVersionRef = Schemas['DatasetVersionRef'];

/** One input dataset across compared runs: per run, the versions it read. */
export type ICompareDatasetRow = Schemas['CompareDatasetRow'];

/** `POST runs/compare`: runs side by side. */
export type IRunComparison = Schemas['DescribeRunComparison'];

/** A dataset with its number of versions. */
export type IDatasetSummary = Schemas['DatasetSummary'];

/** `GET datasets`. */
export type IListDatasets = Schemas['ListDatasets'];

/** A dataset version in a list. */
export type IDatasetVersionSummary = Schemas['DatasetVersionSummary'];

/** `GET datasets/{name}/versions`: a dataset's versions, oldest first. */
export type IListDatasetVersions = Schemas['ListDatasetVersions'];

/** A column of a dataset version's schema. */
export type IColumnType = Schemas['ColumnType'];

/**
 * One column's profile: kind, counts, nulls, distinct values, min, max, mean, std,
 * quantiles, a histogram or top values. The document leaves its fields open, as they
 * vary with the column's kind.
 */
export type IColumnProfile = Record<string, any>;

/** `GET dataset-versions/{id}`, its profile read field by field. */
export type IDatasetVersionDetail = Omit<
  Schemas['DescribeDatasetVersion'],
  'profile'
> & {
  profile: Record<string, IColumnProfile>;
};

/*
 * The parts of a dataset diff and a lineage graph that the document leaves as open
 * objects (the server's models declare them as dicts), as the frontend reads them.
 */

/** How one profile field of a column changed between two versions. */
export interface IFieldChange {
  from: any;
  to: any;
  /** For numbers: `to - from`. */
  change?: number;
}

/** The drift and changes of one column between two versions. */
export interface IColumnDiff {
  /** Its profile in version a; null when the column is new. */
  a?: IColumnProfile | null;
  /** Its profile in version b; null when the column was removed. */
  b?: IColumnProfile | null;
  /**
   * The profile fields that changed, and under `values_added` / `values_removed` the
   * values that appeared or vanished (when both profiles list every value).
   */
  changes?: Record<string, IFieldChange | string[]>;
  /** The drift statistics and whether they call it drifted; null when not computed. */
  drift?: Record<string, any> | null;
}

/** A count in both versions and its change; null where unknown. */
export interface ICountChange {
  a: number | null;
  b: number | null;
  change: number | null;
}

/** The columns added, removed and retyped between two versions. */
export interface ISchemaChanges {
  added?: string[];
  removed?: string[];
  type_changed?: { name: string; from: string; to: string }[];
}

/** `GET dataset-versions/diff`: version b against version a. */
export type IDatasetDiff = Omit<
  Schemas['DescribeDatasetDiff'],
  'schema_changes' | 'rows' | 'n_columns' | 'columns'
> & {
  schema_changes: ISchemaChanges;
  rows: ICountChange;
  n_columns: ICountChange;
  columns: Record<string, IColumnDiff>;
};

/** The kinds of lineage nodes. */
export type LineageKind =
  operations['getLineage']['parameters']['path']['kind'];

/** A node of a lineage graph: id (`kind:id`), kind, label and its kind's fields. */
export interface ILineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  [field: string]: any;
}

/** An edge of a lineage graph, pointing the way data flows (input, output, derived). */
export type ILineageEdge = Schemas['LineageEdge'];

/** `GET lineage/{kind}/{id}`. */
export type ILineage = Omit<Schemas['DescribeLineage'], 'nodes'> & {
  nodes: ILineageNode[];
};

/** The query of `GET lineage/{kind}/{id}`. */
export type ILineageQuery = QueryOf<'getLineage'>;

/** A pipeline parameter: its name, type, default and help, read from the notebook. */
export type IParameterInfo = Schemas['ParameterInfo'];

/** A pipeline version: its notebook snapshot and parameter schema. */
export type IPipelineVersion = Schemas['DescribePipelineVersion'];

/** A pipeline with its counts of versions and jobs. */
export type IPipelineSummary = Schemas['PipelineSummary'];

/** `POST pipelines`: the notebook to promote. */
export type IPromotePipeline = Schemas['PromotePipeline'];

/** `POST pipelines/{name}/jobs`: the parameters, version, timeout and retries. */
export type IRunPipeline = Schemas['RunPipeline'];

/** `POST pipelines/{name}/sweeps`: a grid of parameter values. */
export type ICreateSweep = Schemas['CreateSweep'];

/** A sweep and its jobs. */
export type ISweep = Schemas['DescribeSweep'];

/** A job: one execution of a pipeline version. */
export type IJob = Schemas['DescribeJob'];

/** The cell a running job is at. */
export type IJobProgress = Schemas['JobProgress'];

/** The query of `GET jobs`. */
export type IListJobsQuery = QueryOf<'listJobs'>;

/** `GET jobs`: a page of jobs, newest first. */
export type IListJobs = Schemas['ListJobs'];

/** `GET pipelines`. */
export type IListPipelines = Schemas['ListPipelines'];

/** `GET pipelines/{name}/versions`: oldest first. */
export type IListPipelineVersions = Schemas['ListPipelineVersions'];

/** `GET jobs/{id}/log`. */
export type IJobLog = Schemas['DescribeJobLog'];

/** `POST jobs/{id}/output`: where the output notebook was written. */
export type ISavedJobOutput = Schemas['SavedJobOutput'];

/** `POST jobs/{id}/rerun`: the parameters to change. */
export type IRerunJob = Schemas['RerunJob'];

/** A cron schedule of a pipeline: the cron in words, its next three fires. */
export type ISchedule = Schemas['DescribeSchedule'];

/** `POST schedules`. */
export type ICreateSchedule = Schemas['CreateSchedule'];

/** `GET schedules`. */
export type IListSchedules = Schemas['ListSchedules'];

/** The query of `GET schedules`. */
export type IListSchedulesQuery = QueryOf<'listSchedules'>;

/** `GET cron/describe`: a cron in words and its next three fires. */
export type ICronDescription = Schemas['DescribeCron'];

/** A registered model as the models list shows it. */
export type IModelSummary = Schemas['ModelSummary'];

/** `GET models`: every model, and the store's rules for the approval gate. */
export type IListModels = Schemas['ListModels'];

/** A model version: source run, artifact, training data, aliases and stage. */
export type IModelVersion = Schemas['DescribeModelVersion'];

/** `GET models/{model}/versions`. */
export type IListModelVersions = Schemas['ListModelVersions'];

/** `PUT models/{model}/aliases/{alias}`. */
export type ISetModelAlias = Schemas['SetModelAlias'];

/** The status of a transition request. */
export type RequestStatus = Schemas['DescribeTransitionRequest']['status'];

/** One clause of an ease.ml/ci check: its estimate, interval and outcome. */
export interface ICiClause {
  text: string;
  estimate: number;
  low: number;
  high: number;
  threshold: number;
  tolerance: number;
  outcome: 'pass' | 'fail' | 'unknown';
  /** The examples this clause needs at the check's reliability. */
  examples_needed: number;
  /** The bound the size comes from (hoeffding or bennett). */
  bound: string;
}

/** What is left of a test set's budget after a check. */
export interface ICiBudget {
  steps: number;
  used: number;
  left: number;
  exhausted: boolean;
}

/**
 * An ease.ml/ci check's report as the frontend reads it (the document leaves it open):
 * the raw three-valued outcome, the mode's decision, per clause estimates and
 * intervals, the examples used and needed, the test set's budget after it, and the
 * error when a model's predict failed.
 */
export interface ICiReport {
  outcome: 'pass' | 'fail' | 'unknown';
  decision: 'pass' | 'fail';
  condition: string;
  settings: {
    reliability?: number;
    mode?: string;
    adaptivity?: string;
    steps?: number;
  };
  clauses: ICiClause[];
  estimates: Record<string, number>;
  examples_used: number;
  examples_needed: number;
  budget: ICiBudget | null;
  prediction_seconds?: number;
  check_seconds?: number;
  error: string | null;
  /** Whose predict raised: `new` or `old`. */
  failed_model?: string | null;
}

/** A request to move an alias, its check report and the decision on it. */
export type ITransitionRequest = Omit<
  Schemas['DescribeTransitionRequest'],
  'report'
> & {
  report: ICiReport | null;
};

/** `GET models/{model}`: a model with its versions and the requests waiting on it. */
export type IModelDetail = Omit<
  Schemas['DescribeModel'],
  'pending_requests'
> & {
  pending_requests: ITransitionRequest[];
};

/** `GET requests`. */
export type IListTransitionRequests = Omit<
  Schemas['ListTransitionRequests'],
  'requests'
> & {
  requests: ITransitionRequest[];
};

/** The query of `GET requests`. */
export type IListTransitionRequestsQuery = QueryOf<'listTransitionRequests'>;

/** `POST requests`: ask for an alias to move, with an optional ease.ml/ci check. */
export type ICreateTransitionRequest = Schemas['CreateTransitionRequest'];

/** `POST requests/{id}/approve` or `.../reject`. */
export type IDecideTransitionRequest = Schemas['DecideTransitionRequest'];

/** Something that happened to a model: who did it, when, and its details. */
export type IHistoryEvent = Schemas['HistoryEvent'];

/** `GET models/{model}/history`: oldest first. */
export type IModelHistory = Schemas['DescribeModelHistory'];

/** A feasibility study run and its report. */
export type IFeasibilityStudy = Schemas['FeasibilityStudy'];

/** `GET feasibility`. */
export type IListFeasibilityStudies = Schemas['ListFeasibilityStudies'];

/** The status of a retraining recommendation. */
export type RecommendationStatus = Schemas['DescribeRecommendation']['status'];

/**
 * One column's drift in a recommendation: its method (`psi+ks`, `js+chi2`, or null when
 * it could not be compared, with a `note` saying why), the figures of that method and
 * whether the rule calls it drifted, with the reasons.
 */
export interface IColumnDrift {
  method: string | null;
  psi?: number;
  ks_statistic?: number;
  ks_pvalue?: number;
  js_distance?: number;
  drifted: boolean;
  reasons: string[];
  note?: string | null;
}

/** A recommendation's drift as the frontend reads it (the document leaves it open). */
export interface IRecommendationDrift {
  columns: Record<string, IColumnDrift>;
  /** The rule's thresholds, as applied. */
  thresholds: Record<string, number>;
  /** The rows of the training and the new data, where known. */
  rows: { training?: number | null; new?: number | null };
}

/**
 * A retraining recommendation: retrain or keep a model version, judged by the drift of
 * new data against its training data, and the person's decision and what it did.
 */
export type IRecommendation = Omit<
  Schemas['DescribeRecommendation'],
  'drift'
> & {
  drift: IRecommendationDrift;
};

/** `GET recommendations`. */
export type IListRecommendations = Omit<
  Schemas['ListRecommendations'],
  'recommendations'
> & {
  recommendations: IRecommendation[];
};

/** The query of `GET recommendations`. */
export type IListRecommendationsQuery = QueryOf<'listRecommendations'>;

/** `POST recommendations/{id}/accept`. */
export type IAcceptRecommendation = Schemas['AcceptRecommendation'];

/** `POST recommendations/{id}/dismiss`. */
export type IDismissRecommendation = Schemas['DismissRecommendation'];

/** `POST models/{model}/drift`: the new data, and the version (or alias) to judge. */
export type ICheckModelDrift = Schemas['CheckModelDrift'];
