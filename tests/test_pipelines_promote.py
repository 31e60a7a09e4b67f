"""Promotion: a notebook becomes a pipeline version with its parameter schema."""

from __future__ import annotations

import json

import nbformat
import pytest

from mlops_jlab.errors import InvalidInputError, NotFoundError
from mlops_jlab.pipelines import parameters, promotion
from tests.pipeline_notebooks import notebook, training


def test_the_schema_comes_from_the_parameters_cell(tracker, tmp_path):
    # Given a notebook with a cell tagged parameters (one annotated, one with a comment)
    path = notebook(
        tmp_path / "train.ipynb",
        "x = 1",
        "print(lr)",
        parameters="lr = 0.1  # learning rate\ndepth: int = 3\nname = 'rf'\nlayers = [1, 2]\n"
        "seed = None",
    )
    # When it is promoted
    pipeline = promotion.promote(tracker, path)
    # Then each parameter has its type, default and help, and the cell is the tagged one
    described = {p["name"]: (p["type"], p["default"], p["help"]) for p in pipeline.parameters}
    assert described == {
        "lr": ("float", 0.1, "learning rate"),
        "depth": ("int", 3, ""),
        "name": ("str", "rf", ""),
        "layers": ("list", [1, 2], ""),
        "seed": ("any", None, ""),
    }
    assert pipeline.name == "train" and pipeline.version == 1 and pipeline.new
    assert pipeline.parameters_cell["how"] == "tagged"
    assert pipeline.parameters_cell["index"] == 1


def test_unchanged_notebook_keeps_its_version_and_a_change_makes_the_next(tracker, tmp_path):
    # Given a promoted notebook
    path = training(tmp_path / "train.ipynb")
    first = promotion.promote(tracker, path, "churn")
    # When it is promoted again after its cells ran (outputs and counts only changed)
    document = nbformat.read(str(path), as_version=4)
    document.cells[2].outputs = [nbformat.v4.new_output("stream", text="acc 0.3\n")]
    document.cells[2].execution_count = 7
    nbformat.write(document, str(path))
    again = promotion.promote(tracker, path, "churn")
    # Then it is the same version
    assert (again.version, again.snapshot_digest, again.new) == (1, first.snapshot_digest, False)
    # When its code changes
    document.cells[1].source = "lr = 0.2\ndepth = 3\nseed = 7"
    nbformat.write(document, str(path))
    changed = promotion.promote(tracker, path, "churn")
    # Then that is v2, with its own schema, and the snapshot is in the artifact store
    assert changed.version == 2 and changed.new
    assert [p["name"] for p in changed.parameters] == ["lr", "depth", "seed"]
    snapshot = json.loads(tracker.artifacts.get_bytes(changed.snapshot_digest))
    assert "".join(snapshot["cells"][1]["source"]).startswith("lr = 0.2")
    assert promotion.get_pipeline(tracker, "churn", 1).parameters == first.parameters


def test_without_a_parameters_cell_the_tracked_params_choose_one(tracker, tmp_path):
    # Given a notebook without a parameters cell, whose tracked cell recorded lr and depth
    path = notebook(
        tmp_path / "fit.ipynb",
        "import math",
        "%%track\nlr = 0.5\ndepth = 4\nscore = math.sqrt(lr * depth)",
    )
    where = tracker.project_path(path)
    with tracker.start_run("fit", notebook_path=where) as run:
        run.log_params({"lr": 0.5, "depth": 4})
    # When it is promoted
    pipeline = promotion.promote(tracker, path)
    # Then the user is told which cell was chosen, and the parameters are those it sets
    assert pipeline.parameters_cell["how"] == "inferred"
    assert "cell 2 was chosen" in pipeline.parameters_cell["note"]
    assert "cell 2 was chosen" in str(pipeline)
    assert [(p["name"], p["type"]) for p in pipeline.parameters] == [
        ("lr", "float"),
        ("depth", "int"),
    ]
    # and the snapshot sets them in a tagged cell before the code that uses them
    cells = json.loads(tracker.artifacts.get_bytes(pipeline.snapshot_digest))["cells"]
    assert cells[1]["metadata"]["tags"] == ["parameters"]
    assert "lr = 0.5" not in "".join(cells[2]["source"])


def test_a_notebook_with_nothing_to_infer_takes_no_parameters(tracker, tmp_path):
    path = notebook(tmp_path / "plain.ipynb", "print(1)")
    pipeline = promotion.promote(tracker, path)
    assert pipeline.parameters == [] and pipeline.parameters_cell["how"] == "none"
    assert "takes no parameters" in pipeline.parameters_cell["note"]


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "non-empty"), ("a\nb", "control characters"), ("x" * 300, "at most 250")],
)
def test_pipeline_names_follow_the_key_rules(tracker, tmp_path, name, message):
    path = training(tmp_path / "train.ipynb")
    with pytest.raises(InvalidInputError, match=message):
        promotion.promote(tracker, path, name)


def test_a_missing_or_broken_notebook_is_refused(tracker, tmp_path):
    with pytest.raises(InvalidInputError, match="no such notebook"):
        promotion.promote(tracker, tmp_path / "gone.ipynb")
    (tmp_path / "bad.ipynb").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not a notebook"):
        promotion.promote(tracker, tmp_path / "bad.ipynb")
    with pytest.raises(NotFoundError, match="no pipeline named"):
        promotion.get_pipeline(tracker, "nothing")


def test_parameters_are_checked_and_parsed_by_the_schema():
    schema = parameters.describe(
        {
            "lr": {"inferred_type_name": "None", "default": "0.1", "help": ""},
            "depth": {"inferred_type_name": "None", "default": "3", "help": ""},
            "fast": {"inferred_type_name": "None", "default": "False", "help": ""},
            "name": {"inferred_type_name": "None", "default": "'rf'", "help": ""},
        }
    )
    assert parameters.check(schema, {"lr": 1, "depth": 5}) == {"lr": 1.0, "depth": 5}
    with pytest.raises(InvalidInputError, match="parameter 'depth' takes a int"):
        parameters.check(schema, {"depth": "5"})
    with pytest.raises(InvalidInputError, match="unknown parameter 'alpha'"):
        parameters.check(schema, {"alpha": 1})
    parsed = parameters.parse(schema, ["lr=0.5", "depth=7", "fast=yes", "name=0.5"])
    assert parsed == {"lr": 0.5, "depth": 7, "fast": True, "name": "0.5"}
    with pytest.raises(InvalidInputError, match="parameter 'lr' takes a float"):
        parameters.parse(schema, ["lr=fast"])
