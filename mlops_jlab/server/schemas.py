"""Request and response bodies of the REST API, named by operation.

A request model (``ListRunsQuery``, ``UpdateRun``, ``CompareRuns``) is what a handler parses
a query string or body into; a response model (``DescribeRun``, ``ListRuns``, ...) is what it
answers. The OpenAPI document is generated from these classes and the route table in
:mod:`mlops_jlab.server.routes`, so the two cannot drift apart.

Times are integer milliseconds since the epoch, as the store keeps them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from mlops_jlab.rules import (
    BIGINT_MAX,
    BIGINT_MIN,
    COMPARE_MAX_RUNS,
    COMPARE_MIN_RUNS,
    KEY_LENGTH,
    KEY_PATTERN,
    MAX_NOTE_LENGTH,
    MAX_VALUE_LENGTH,
    TEXT_PATTERN,
)
from mlops_jlab.store.search import COUNT_LIMIT

MAX_TAGS_PER_UPDATE = 1000


# The pattern also refuses blank keys: the schema says all the API checks.
Key = Annotated[str, Field(min_length=1, max_length=KEY_LENGTH, pattern=KEY_PATTERN)]
Text = Annotated[str, Field(max_length=MAX_VALUE_LENGTH, pattern=TEXT_PATTERN)]


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A whole number in a strict body: JSON Schema's "integer" takes 3.0 as 3, so the API does;
# text ("3") and fractions stay refused.
WholeNumber = Annotated[int, BeforeValidator(_whole)]


def _keys_named(described: dict[str, Any]) -> None:
    """A mapping keyed by :data:`Key` as JSON Schema says it: every key (propertyNames)
    fits the pattern and the lengths. Pydantic writes the pattern as ``patternProperties``,
    which leaves keys that do not match it allowed, though the API refuses them."""
    for pattern, values in described.pop("patternProperties", {}).items():
        described["additionalProperties"] = values
        described.setdefault("propertyNames", {})["pattern"] = pattern


def optional(schema: dict[str, Any] | None = None, keys: bool = False, **kwargs: Any) -> Any:
    """A field that may be left out but, when given, must be of its type (not null): its
    schema then says exactly what a client may send (plus ``schema``). ``keys``: it maps
    :data:`Key` keys to values."""

    def adjust(described: dict[str, Any]) -> None:
        described.pop("default", None)
        described.update(schema or {})
        if keys:
            _keys_named(described)

    return Field(None, json_schema_extra=adjust, **kwargs)


class Request(BaseModel):
    # A misspelt field is a mistake to report, not a value to drop silently.
    model_config = ConfigDict(extra="forbid")


class Body(Request):
    """A JSON request body: each value must be of its field's JSON type. A query string is
    all text, so its models convert "true" and "10"; a body that says ``"deleted": "yes"``
    or ``0`` where a boolean belongs, or ``"10"`` where a number does, is a mistake to
    report, not a value to guess."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- errors -----------------------------------------------------------------------------


class ErrorMessage(BaseModel):
    """Every 4xx and 5xx answer: what went wrong and what to do about it."""

    message: str
    token: str | None = Field(None, description="A filter's offending token (syntax errors).")
    position: int | None = Field(None, description="Its position in the filter, from 0.")


# --- status -----------------------------------------------------------------------------


class StoreInfo(BaseModel):
    kind: str
    url: str
    artifacts: str
    source: str


class StoreCounts(BaseModel):
    experiments: int
    runs: int
    datasets: int
    models: int


class DescribeStatus(BaseModel):
    """``GET status``: the server's version, its store and what the store holds."""

    version: str
    store: StoreInfo
    counts: StoreCounts


# --- runs -------------------------------------------------------------------------------


class RunSummary(BaseModel):
    """A run as a row of the runs table: attributes, and the params, latest metric values
    and tags the request selected."""

    id: str
    name: str
    experiment: str
    status: str
    kind: str
    start_time: int
    end_time: int | None
    duration: float | None = Field(description="Seconds from start to end; null while running.")
    user: str | None
    notebook_path: str | None
    cell_id: str | None
    parent_id: str | None
    job_id: str | None
    git_commit: str | None
    deleted_at: int | None = Field(description="When the run was deleted; null if it is not.")
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]
    stale_reasons: list[str] = Field(
        description="Why the run is stale (a dataset it read has a newer version, its cell's "
        "code changed); empty when it is not."
    )


class RunSelection(Request):
    """Which runs a listing or a count is about (``GET runs``, ``GET runs/count``)."""

    # No length limits of their own: the query language bounds its comparisons, and the
    # server's header size bounds the query string.
    filter: str = Field(
        "", description="The query language, e.g. `metrics.acc > 0.9 AND params.model = 'rf'`."
    )
    experiment: str | None = Field(
        None, max_length=KEY_LENGTH, pattern=TEXT_PATTERN, description="Only this experiment."
    )
    include_deleted: bool = Field(False, description="Also list deleted runs.")
    stale: bool = Field(
        False,
        description="Only stale runs: a dataset they read has a newer version, or their "
        "cell's code has changed since.",
    )


class ListRunsQuery(RunSelection):
    """``GET runs``: a filtered, ordered page of runs. It never counts (``GET runs/count``
    does)."""

    order_by: str = Field(
        "", description="Fields with ASC or DESC, comma-separated; default `start_time DESC`."
    )
    reverse: bool = Field(
        False,
        description="Read from the end of the order backwards: the last runs first (by "
        "default the oldest), runs without a sort key before the others, and "
        "`next_page_token` continuing toward the start. A token is for the direction it "
        "came from.",
    )
    page_size: int | None = Field(
        None, ge=1, description="Runs per page; the server's default and maximum apply."
    )
    page_token: str | None = Field(None, description="`next_page_token` of the previous page.")
    params: str = Field(
        "*",
        pattern=TEXT_PATTERN,
        description="Param keys to include, comma-separated; `*` for all, empty for none.",
    )
    metrics: str = Field("*", pattern=TEXT_PATTERN, description="Metric keys, like `params`.")
    tags: str = Field("*", pattern=TEXT_PATTERN, description="Tag keys, like `params`.")


class CountRunsQuery(RunSelection):
    """``GET runs/count``: how many runs match, stopping at a bound unless asked not to."""

    limit: int = Field(
        COUNT_LIMIT,
        ge=1,
        description="Count up to this many runs; past it the answer is `complete: false` "
        "(at least `total` runs match).",
    )
    exact: bool = Field(
        False, description="Count every matching run, however long it takes (no `limit`)."
    )


class CountRuns(BaseModel):
    total: int = Field(description="How many runs match (at least this many when incomplete).")
    complete: bool = Field(
        description="False when the count stopped at `limit`: at least `total` runs match."
    )
    is_estimate: bool = Field(
        description="Whether `total` is an estimate (stale=true only). Counting every stale "
        "run means examining every run: the count is exact when a first page's walk examined "
        "every matching run, and otherwise the number of runs the filter matches times the "
        "share of stale runs among those the walk examined."
    )


class RunColumns(BaseModel):
    """The param, metric and tag keys present in a page: the table's columns."""

    params: list[str]
    metrics: list[str]
    tags: list[str]


class ListRuns(BaseModel):
    runs: list[RunSummary]
    next_page_token: str | None = Field(description="Pass as page_token for the next page.")
    columns: RunColumns
    warnings: list[str] = Field(
        default_factory=list,
        description="Why a filter may match nothing: each param, metric or tag it names "
        "that no run has, with the closest keys that exist.",
    )


class ArtifactInfo(BaseModel):
    name: str
    digest: str
    kind: str
    size: int
    media_type: str
    created_at: int


class EnvironmentInfo(BaseModel):
    hash: str
    python_version: str
    platform: str
    packages: int = Field(description="How many packages were installed.")


class RunDataset(BaseModel):
    """A dataset version a run read or wrote, with the version before it to diff against."""

    direction: Literal["input", "output"] = Field(
        description="input: the run read it; output: the run wrote it."
    )
    id: int = Field(description="The version's id (`GET dataset-versions/{id}`).")
    dataset: str = Field(description="The dataset's name.")
    version: int = Field(description="Its number within the dataset, from 1.")
    fingerprint: str
    role: str | None = Field(description="train, dev, test or realtime.")
    n_rows: int | None
    n_columns: int | None
    previous_id: int | None = Field(
        description="The dataset's version recorded just before this one (diff it with "
        "`GET dataset-versions/diff?a={previous_id}&b={id}`); null for its first."
    )


class DescribeRun(RunSummary):
    """``GET runs/{run_id}``: everything recorded about one run, deleted or not."""

    execution_count: int | None
    code: str | None
    code_hash: str | None
    heartbeat: int | None
    error: str | None
    note: str | None
    environment: EnvironmentInfo | None
    artifacts: list[ArtifactInfo]
    datasets: list[RunDataset] = Field(
        description="The dataset versions the run read and wrote, in the order recorded."
    )


class UpdateRun(Body):
    """``PATCH runs/{run_id}``: rename, set or remove tags, write a note, delete or restore.
    Fields left out are not changed."""

    name: Key = optional(description="The run's new name.")
    note: Annotated[str, Field(max_length=MAX_NOTE_LENGTH, pattern=TEXT_PATTERN)] | None = Field(
        None, description="A note on the run; null removes it."
    )
    tags: dict[Key, Text | None] = optional(
        description="Tags to set; a null value removes the tag.",
        schema={"maxProperties": MAX_TAGS_PER_UPDATE},
        keys=True,
    )
    deleted: bool = optional(
        description="true deletes the run (it can be restored), false restores it."
    )

    @field_validator("tags")
    @classmethod
    def _few_tags(cls, tags: dict[str, str | None] | None) -> dict[str, str | None] | None:
        if tags is not None and len(tags) > MAX_TAGS_PER_UPDATE:
            raise ValueError(f"at most {MAX_TAGS_PER_UPDATE} tags per update, not {len(tags)}")
        return tags


# --- experiments ------------------------------------------------------------------------


class ExperimentSummary(BaseModel):
    id: int
    name: str
    description: str | None
    created_at: int
    runs: int = Field(description="Runs not deleted.")
    last_run_at: int | None = Field(description="Start of its latest run.")


class ListExperiments(BaseModel):
    experiments: list[ExperimentSummary]


# --- metric histories -------------------------------------------------------------------


class MetricPoint(BaseModel):
    """A logged point, or when downsampled the points of one bucket of steps: ``step`` is
    the bucket's first step, ``value`` the mean, ``min``/``max`` the envelope."""

    step: int
    value: float
    time: int = Field(description="When it was logged (a bucket: its latest point).")
    min: float | None = None
    max: float | None = None
    count: int | None = Field(None, description="Points in the bucket.")


class GetMetricHistoryQuery(Request):
    """``GET runs/{run_id}/metrics/{key}``."""

    max_points: int | None = Field(
        None, ge=10, description="Longer histories are downsampled to at most this many points."
    )
    min_step: int | None = Field(
        None, ge=BIGINT_MIN, le=BIGINT_MAX, description="Only steps from this one (to zoom in)."
    )
    max_step: int | None = Field(
        None, ge=BIGINT_MIN, le=BIGINT_MAX, description="Only steps up to this one."
    )


class DescribeMetricHistory(BaseModel):
    run_id: str
    key: str
    count: int = Field(description="Points logged (within min_step..max_step).")
    downsampled: bool
    points: list[MetricPoint]


# --- compare ----------------------------------------------------------------------------


class CompareRuns(Body):
    """``POST runs/compare``: 2 to 50 runs side by side."""

    run_ids: list[Annotated[str, Field(min_length=1, max_length=64, pattern=KEY_PATTERN)]] = Field(
        min_length=COMPARE_MIN_RUNS,
        max_length=COMPARE_MAX_RUNS,
        description="Run ids, in the order to show them.",
    )
    max_points: int | None = Field(
        None, ge=10, description="Each metric history is downsampled to at most this many points."
    )
    history_keys: list[Key] | None = Field(
        None, max_length=1000, description="Metrics whose histories to include; null for all."
    )


class CompareRow(BaseModel):
    """One key across the compared runs: one value per run (null where a run lacks it)."""

    key: str
    values: list[str | None]
    differs: bool


class CompareMetricRow(BaseModel):
    key: str
    values: list[float | None]
    differs: bool


class RunHistory(BaseModel):
    run_id: str
    count: int
    downsampled: bool
    points: list[MetricPoint]


class CodeDiff(BaseModel):
    run_id: str
    same: bool
    diff: str | None = Field(description="Unified diff against the first run; null if too long.")


class PackageRow(BaseModel):
    name: str
    versions: list[str | None]


class EnvironmentComparison(BaseModel):
    same: bool = Field(description="Every run ran in the same Python environment.")
    python_versions: list[str | None]
    platforms: list[str | None]
    packages: list[PackageRow] = Field(description="Packages whose version is not the same.")


class CompareDatasetRow(BaseModel):
    """One dataset the compared runs read: per run, the versions it read (empty if none)."""

    dataset: str
    versions: list[list[DatasetVersionRef]]
    differs: bool


class DatasetVersionRef(BaseModel):
    id: int
    version: int
    fingerprint: str
    role: str | None
    n_rows: int | None


class DescribeRunComparison(BaseModel):
    runs: list[RunSummary]
    labels: list[str] = Field(description="Name and id start of each run, for column heads.")
    params: list[CompareRow]
    tags: list[CompareRow]
    metrics: list[CompareMetricRow] = Field(description="Latest values.")
    histories: dict[str, list[RunHistory]]
    code_diffs: list[CodeDiff]
    environment: EnvironmentComparison
    datasets: list[CompareDatasetRow] = Field(
        description="Input datasets side by side: per dataset, the versions each run read."
    )


# --- datasets ---------------------------------------------------------------------------


class DatasetSummary(BaseModel):
    name: str
    source: str | None = Field(description="Where it was first read from (path or URL).")
    versions: int
    latest_at: int = Field(description="When its latest version was recorded.")


class ListDatasets(BaseModel):
    """``GET datasets``: every dataset, by name."""

    datasets: list[DatasetSummary]


class DatasetVersionSummary(BaseModel):
    id: int
    dataset: str = Field(description="The dataset's name.")
    version: int = Field(description="Its number within the dataset, from 1.")
    fingerprint: str = Field(description="Full-content fingerprint (xxh3-128).")
    role: str | None = Field(description="train, dev, test or realtime.")
    n_rows: int | None
    n_columns: int | None
    parent_version_id: int | None = Field(description="The version it was derived from.")
    created_at: int


class ListDatasetVersions(BaseModel):
    """``GET datasets/{name}/versions``: a dataset's versions, oldest first."""

    name: str
    versions: list[DatasetVersionSummary]


class DatasetVersionName(BaseModel):
    id: int
    dataset: str = Field(description="The dataset's name.")
    version: int


class ColumnType(BaseModel):
    name: str
    dtype: str


class DescribeDatasetVersion(DatasetVersionSummary):
    """``GET dataset-versions/{version_id}``: a version with its schema and profile."""

    source: str | None = Field(description="The file or URL it was read from or written to.")
    columns: list[ColumnType] = Field(description="The schema: each column's name and dtype.")
    profile: dict[str, dict[str, Any]] = Field(
        description="Per column: kind, counts, nulls, distinct values, min, max, mean, std, "
        "quantiles, a histogram or top values (not the full value counts drift is computed "
        "from, which the Python API gives)."
    )
    written_by: list[str] = Field(description="Runs that wrote this version.")
    read_by: int = Field(description="How many runs read it.")
    same_content: list[DatasetVersionName] = Field(
        description="Versions of other datasets with the same content (the same fingerprint): "
        "one content recorded under several names, e.g. a file and a variable."
    )


class DiffDatasetVersionsQuery(Request):
    """``GET dataset-versions/diff``: version ``b`` against version ``a``."""

    a: int = Field(ge=1, le=2**31 - 1, description="The reference version's id.")
    b: int = Field(ge=1, le=2**31 - 1, description="The current version's id.")
    psi_threshold: float | None = Field(
        None, gt=0, le=100, description="PSI from which a numeric column drifted (0.2)."
    )
    ks_alpha: float | None = Field(
        None, gt=0, lt=1, description="Kolmogorov-Smirnov p-value under which it drifted (0.05)."
    )
    js_threshold: float | None = Field(
        None, gt=0, le=1, description="Jensen-Shannon distance from which a label column drifted."
    )


class DescribeDatasetDiff(BaseModel):
    a: DatasetVersionSummary
    b: DatasetVersionSummary
    schema_changes: dict[str, Any] = Field(
        description="`added` and `removed` column names, `type_changed` [{name, from, to}]."
    )
    rows: dict[str, Any] = Field(description="{a, b, change}.")
    n_columns: dict[str, Any] = Field(description="{a, b, change}.")
    columns: dict[str, Any] = Field(
        description="Per column: profiles of a and b, the fields that changed, the drift."
    )
    drifted_columns: list[str]
    thresholds: dict[str, float]
    exact: bool = Field(description="False: statistics estimated from the stored profiles.")


# --- lineage ----------------------------------------------------------------------------


class GetLineageQuery(Request):
    """``GET lineage/{kind}/{node_id}``."""

    direction: Literal["up", "down", "both"] = Field(
        "both", description="What the node came from (up), what came of it (down), or both."
    )
    depth: int | None = Field(
        None, ge=0, le=1000, description="Edges to follow from the node; all when left out."
    )


class LineageEdge(BaseModel):
    source: str
    target: str
    kind: str = Field(
        description="input (entity -> run), output (run -> entity), derived (parent version "
        "-> version), registry (model version -> registry event), pipeline (pipeline version "
        "-> job) or job (job -> run)."
    )


class DescribeLineage(BaseModel):
    root: str = Field(description="The node asked for, as `kind:id`.")
    nodes: list[dict[str, Any]] = Field(
        description="Each node: id, kind, label and its kind's fields (a run's status and "
        "stale reasons, a version's dataset, number and rows, ...)."
    )
    edges: list[LineageEdge]
