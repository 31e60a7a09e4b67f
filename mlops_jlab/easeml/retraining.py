"""Retraining recommendations (Ease.ML day 2): the drift of new data against the dataset
version a model was trained on, per column, and the rule that turns it into ``retrain`` or
``keep``, with its reasons in words.

The statistics are those of :func:`mlops_jlab.datasets.drift.diff` on the two versions'
stored descriptions (the training data itself is not kept): the population stability
index (PSI) and the Kolmogorov-Smirnov test for numeric and datetime columns, the
Jensen-Shannon distance for the others. The rule, with its thresholds in
:data:`RULE`, says "retrain" when at least one column shared by both drifted:

- PSI at least ``psi`` (0.2: a significant shift), when both sides have at least
  ``min_rows`` rows (on fewer, ten bins are too noisy to read);
- or a KS test significant at ``ks_alpha`` shared over the columns compared
  (Bonferroni: ``ks_alpha / m``, so that unchanged data with many columns is not flagged by
  chance) with a statistic of at least ``ks_statistic`` (a difference of CDFs that large
  matters; on large samples a tiny one is significant too);
- or a Jensen-Shannon distance at least ``js`` (0.1) between the value frequencies.

Columns the new data lacks or whose type changed are named in the reasons but decide
nothing by themselves: a label column is absent from data a deployed model sees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

RETRAIN = "retrain"
KEEP = "keep"
ACTIONS = (RETRAIN, KEEP)


@dataclass(frozen=True)
class DriftRule:
    """The thresholds of the rule (see the module's description)."""

    psi: float = 0.2
    ks_alpha: float = 0.05
    ks_statistic: float = 0.1
    js: float = 0.1
    min_rows: int = 50


RULE = DriftRule()


@dataclass
class Judgement:
    """What the rule says of new data against the training data.

    Attributes
    ----------
    action
        ``retrain`` or ``keep``.
    reasons
        Why, in words naming the columns and their figures.
    columns
        Per column compared: ``method`` (``psi+ks``, ``js+chi2`` or None when it could not
        be compared), ``psi``, ``ks_statistic``, ``ks_pvalue``, ``js_distance`` (those of
        its method), ``drifted``, ``reasons``, and ``note`` when it was not compared.
    thresholds
        The rule's thresholds, with ``ks_alpha_per_column`` as applied.
    """

    action: str
    reasons: list[str]
    columns: dict[str, dict[str, Any]]
    thresholds: dict[str, Any]
    rows: dict[str, int | None] = field(default_factory=dict)

    @property
    def drifted(self) -> list[str]:
        return [name for name, column in self.columns.items() if column["drifted"]]

    def to_dict(self) -> dict[str, Any]:
        """What a recommendation stores as its drift."""
        return {"columns": self.columns, "thresholds": self.thresholds, "rows": self.rows}


def judge(training: Mapping[str, Any], new: Mapping[str, Any], rule: DriftRule = RULE) -> Judgement:
    """Judge new data against the training data by the drift of each column they share.

    Parameters
    ----------
    training, new
        Dataset version descriptions as the store keeps them (``schema``, ``n_rows``,
        ``n_columns``, ``profile``) or DataFrames.
    rule
        The thresholds.

    Returns
    -------
    Judgement
        ``retrain`` when a column drifted by the rule, else ``keep``, with the reasons.
    """
    from mlops_jlab.datasets import drift

    shared = _shared_columns(training, new)
    per_column = rule.ks_alpha / max(len(shared), 1)
    found = drift.diff(
        training, new, psi_threshold=rule.psi, ks_alpha=per_column, js_threshold=rule.js
    )
    rows = {"training": found["rows"]["a"], "new": found["rows"]["b"]}
    enough_rows = all(count is not None and count >= rule.min_rows for count in rows.values())
    columns: dict[str, dict[str, Any]] = {}
    for name, compared in found["columns"].items():
        if compared["drift"] is not None:
            columns[name] = _column(name, compared["drift"], rule, per_column, enough_rows)
    drifted = [column for column in columns.values() if column["drifted"]]
    reasons = [reason for column in drifted for reason in column["reasons"]]
    if not drifted:
        reasons.append(_calm(columns))
    if shared and not enough_rows:
        reasons.append(
            f"PSI not read: {rows['new']} new and {rows['training']} training rows, fewer "
            f"than {rule.min_rows} on a side"
        )
    schema = found["schema"]
    for name in schema["removed"]:
        reasons.append(f"column {name} of the training data is not in the new data")
    for name in schema["added"]:
        reasons.append(f"column {name} is new (the model was not trained on it)")
    for change in schema["type_changed"]:
        reasons.append(
            f"column {change['name']} changed type from {change['from']} to {change['to']}"
        )
    thresholds = {**asdict(rule), "ks_alpha_per_column": per_column}
    return Judgement(RETRAIN if drifted else KEEP, reasons, columns, thresholds, rows)


def _shared_columns(training: Any, new: Any) -> list[str]:
    def names(side: Any) -> list[str]:
        if hasattr(side, "columns"):
            return [str(name) for name in side.columns]
        return [column.get("name") for column in side.get("schema") or []]

    theirs = set(names(new))
    return [name for name in names(training) if name in theirs]


def _column(
    name: str, found: Mapping[str, Any], rule: DriftRule, per_column: float, enough_rows: bool
) -> dict[str, Any]:
    """One column's figures and whether they drifted by the rule."""
    method = found.get("method")
    column: dict[str, Any] = {"method": method, "drifted": False, "reasons": []}
    if method is None:
        column["note"] = found.get("reason")
        return column
    figures = []
    if method == "psi+ks":
        psi, pvalue = found["psi"], found["ks_pvalue"]
        # The smallest statistic the stored sketches allow, as the p-value is taken at
        statistic = found["ks_statistic_range"][0]
        column.update(psi=psi, ks_statistic=found["ks_statistic"], ks_pvalue=pvalue)
        if enough_rows and psi >= rule.psi:
            figures.append(f"PSI {psi:.3g} >= {rule.psi:g}")
        if pvalue < per_column and statistic >= rule.ks_statistic:
            figures.append(
                f"KS statistic {found['ks_statistic']:.3g} >= {rule.ks_statistic:g} "
                f"(p-value {pvalue:.3g} < {per_column:.3g})"
            )
    else:
        distance = found["js_distance"]
        column.update(js_distance=distance)
        if distance >= rule.js:
            figures.append(f"Jensen-Shannon distance {distance:.3g} >= {rule.js:g}")
    if figures:
        column["drifted"] = True
        column["reasons"] = [f"column {name} drifted: {'; '.join(figures)}"]
    return column


def _calm(columns: Mapping[str, Mapping[str, Any]]) -> str:
    """Why nothing drifted: the largest figures found."""
    if not columns:
        return "no column of the training data could be compared with the new data"
    largest = []
    for key, label in (("psi", "PSI"), ("ks_statistic", "KS statistic"), ("js_distance", "JS")):
        figures = [(column[key], name) for name, column in columns.items() if key in column]
        if figures:
            value, name = max(figures)
            largest.append(f"{label} {value:.3g} ({name})")
    shown = f"; the largest: {', '.join(largest)}" if largest else ""
    return f"no column drifted beyond the thresholds{shown}"
