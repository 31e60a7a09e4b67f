/**
 * Interfaces mirroring the server's response models (mlops_jlab/server/models.py).
 * Times are integer milliseconds since the epoch.
 */

/** Where the server's store lives. */
export interface IStoreInfo {
  kind: string;
  url: string;
  artifacts: string;
  source: string;
}

/** What the store holds. */
export interface IStoreCounts {
  experiments: number;
  runs: number;
  datasets: number;
  models: number;
}

/** `GET status`: the server's version, its store and what the store holds. */
export interface IStatus {
  version: string;
  store: IStoreInfo;
  counts: IStoreCounts;
}

/** A run as a row of the runs table. */
export interface IRunSummary {
  id: string;
  name: string;
  experiment: string;
  status: string;
  kind: string;
  start_time: number;
  end_time: number | null;
  /** Seconds from start to end; null while running. */
  duration: number | null;
  user: string | null;
  notebook_path: string | null;
  cell_id: string | null;
  parent_id: string | null;
  job_id: string | null;
  git_commit: string | null;
  deleted_at: number | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  /** Why the run is stale; empty when it is not. */
  stale_reasons: string[];
}

/** The query of `GET runs`. */
export interface IListRunsQuery {
  filter?: string;
  order_by?: string;
  page_size?: number;
  page_token?: string | null;
  experiment?: string;
  /** Param keys, comma-separated; `*` for all, empty for none. */
  params?: string;
  metrics?: string;
  tags?: string;
  count?: boolean;
  include_deleted?: boolean;
  stale?: boolean;
}

/** The param, metric and tag keys present in a page. */
export interface IRunColumns {
  params: string[];
  metrics: string[];
  tags: string[];
}

/** `GET runs`: a page of runs. */
export interface IListRuns {
  runs: IRunSummary[];
  next_page_token: string | null;
  total: number | null;
  columns: IRunColumns;
}

/** An artifact a run recorded. */
export interface IArtifactInfo {
  name: string;
  digest: string;
  kind: string;
  size: number;
  media_type: string;
  created_at: number;
}

/** The Python environment a run ran in. */
export interface IEnvironmentInfo {
  hash: string;
  python_version: string;
  platform: string;
  packages: number;
}

/** `GET runs/{id}`: everything recorded about one run. */
export interface IRunDetail extends IRunSummary {
  execution_count: number | null;
  code: string | null;
  code_hash: string | null;
  heartbeat: number | null;
  error: string | null;
  note: string | null;
  environment: IEnvironmentInfo | null;
  artifacts: IArtifactInfo[];
}

/** `PATCH runs/{id}`: fields left out are not changed. */
export interface IUpdateRun {
  name?: string;
  note?: string | null;
  tags?: Record<string, string | null>;
  deleted?: boolean;
}

/** An experiment with its run count. */
export interface IExperimentSummary {
  id: number;
  name: string;
  description: string | null;
  created_at: number;
  runs: number;
  last_run_at: number | null;
}

/** A point of a metric history; when downsampled, one bucket of steps. */
export interface IMetricPoint {
  step: number;
  value: number;
  time: number;
  min?: number | null;
  max?: number | null;
  count?: number | null;
}

/** `GET runs/{id}/metrics/{key}`. */
export interface IMetricHistory {
  run_id: string;
  key: string;
  count: number;
  downsampled: boolean;
  points: IMetricPoint[];
}

/** One key across compared runs: one value per run, null where a run lacks it. */
export interface ICompareRow {
  key: string;
  values: (string | null)[];
  differs: boolean;
}

/** One metric's latest values across compared runs. */
export interface ICompareMetricRow {
  key: string;
  values: (number | null)[];
  differs: boolean;
}

/** One run's history of a metric, in a comparison. */
export interface IRunHistory {
  run_id: string;
  count: number;
  downsampled: boolean;
  points: IMetricPoint[];
}

/** A run's code against the first run's. */
export interface ICodeDiff {
  run_id: string;
  same: boolean;
  /** Unified diff against the first run; null if too long. */
  diff: string | null;
}

/** A package whose version differs between compared runs. */
export interface IPackageRow {
  name: string;
  versions: (string | null)[];
}

/** The compared runs' environments. */
export interface IEnvironmentComparison {
  same: boolean;
  python_versions: (string | null)[];
  platforms: (string | null)[];
  packages: IPackageRow[];
}

/** A dataset version named in another answer. */
export interface IDatasetVersionRef {
  id: number;
  version: number;
  fingerprint: string;
  role: string | null;
  n_rows: number | null;
}

/** One input dataset across compared runs: per run, the versions it read. */
export interface ICompareDatasetRow {
  dataset: string;
  versions: IDatasetVersionRef[][];
  differs: boolean;
}

/** `POST runs/compare`. */
export interface IRunComparison {
  runs: IRunSummary[];
  /** Name and id start of each run, for column heads. */
  labels: string[];
  params: ICompareRow[];
  tags: ICompareRow[];
  metrics: ICompareMetricRow[];
  histories: Record<string, IRunHistory[]>;
  code_diffs: ICodeDiff[];
  environment: IEnvironmentComparison;
  datasets: ICompareDatasetRow[];
}

/** A dataset with its number of versions. */
export interface IDatasetSummary {
  name: string;
  source: string | null;
  versions: number;
  latest_at: number;
}

/** A dataset version in a list. */
export interface IDatasetVersionSummary {
  id: number;
  dataset: string;
  version: number;
  fingerprint: string;
  role: string | null;
  n_rows: number | null;
  n_columns: number | null;
  parent_version_id: number | null;
  created_at: number;
}

/** A column of a dataset version's schema. */
export interface IColumnType {
  name: string;
  dtype: string;
}

/**
 * One column's profile: kind, counts, nulls, distinct values, min, max, mean, std,
 * quantiles, a histogram or top values (fields vary with the kind).
 */
export type IColumnProfile = Record<string, any>;

/** `GET dataset-versions/{id}`. */
export interface IDatasetVersionDetail extends IDatasetVersionSummary {
  source: string | null;
  columns: IColumnType[];
  profile: Record<string, IColumnProfile>;
  written_by: string[];
  read_by: number;
}

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

/** `GET dataset-versions/diff`: version b against version a. */
export interface IDatasetDiff {
  a: IDatasetVersionSummary;
  b: IDatasetVersionSummary;
  schema_changes: {
    added?: string[];
    removed?: string[];
    type_changed?: { name: string; from: string; to: string }[];
  };
  rows: { a: number | null; b: number | null; change: number | null };
  n_columns: { a: number | null; b: number | null; change: number | null };
  columns: Record<string, IColumnDiff>;
  drifted_columns: string[];
  thresholds: Record<string, number>;
  exact: boolean;
}

/** The kinds of lineage nodes. */
export type LineageKind =
  'run' | 'dataset_version' | 'artifact' | 'model_version';

/** A node of a lineage graph: id (`kind:id`), kind, label and its kind's fields. */
export interface ILineageNode {
  id: string;
  kind: LineageKind;
  label: string;
  [field: string]: any;
}

/** An edge of a lineage graph, pointing the way data flows. */
export interface ILineageEdge {
  source: string;
  target: string;
  kind: 'input' | 'output' | 'derived' | string;
}

/** `GET lineage/{kind}/{id}`. */
export interface ILineage {
  root: string;
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

/** The query of `GET lineage/{kind}/{id}`. */
export interface ILineageQuery {
  direction?: 'up' | 'down' | 'both';
  depth?: number;
}
