"""A tracked cell's dataset profiles: made once per content, off the cell's thread, from the
data the cell read (whatever the next cells do to it), and never lost with the version.

Cells run as Run All runs them: every request sent at once, so the kernel runs them back to
back with no idle time between them, on a store that starts empty."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from mlops_jlab.datasets.profiling import describe
from mlops_jlab.store import reads
from mlops_jlab.tracking import Tracker
from mlops_jlab.tracking.drafts import VersionDraft, profile_counts
from tests.dataset_frames import stored
from tests.kernels import Kernel, project_tracker

ROWS = 10_000


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return tmp_path_factory.mktemp("profiles")


@pytest.fixture(scope="module")
def store(project):
    tracker = project_tracker(project)
    yield tracker
    tracker.store.dispose()


@pytest.fixture(scope="module")
def kernel(project, store):
    env = {**store.location.environment(), "JPY_SESSION_NAME": str(project / "profiles.ipynb")}
    kernel = Kernel(project, env)
    loaded = kernel.run("%load_ext mlops_jlab\nimport pandas as pd\nimport mlops_jlab as ml")
    assert loaded.status == "ok", loaded.outputs
    yield kernel
    kernel.stop()


def write_table(path, seed: int) -> pd.DataFrame:
    """A 10k-row CSV like the benchmark's; returns the frame pandas reads back from it."""
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {
            "x": rng.random(ROWS),
            "y": rng.integers(0, 100, ROWS),
            "label": rng.choice(["a", "b", "c"], ROWS),
        }
    ).to_csv(path, index=False)
    return pd.read_csv(path)


def run_all(kernel: Kernel, cells: list[str]) -> list:
    """Send every cell at once, as Run All does, then collect what each showed."""
    sent = [kernel.send(cell) for cell in cells]
    return [kernel.collect(msg_id) for msg_id in sent]


def settle(kernel: Kernel) -> None:
    """Every run the kernel queued is written (a read in the kernel waits for them)."""
    assert kernel.run("ml.flush()").status == "ok"


def versions(store: Tracker, name: str) -> list[dict]:
    with store.store.read() as conn:
        return reads.dataset_versions(conn, name)


def counts(kernel: Kernel) -> tuple[int, int, int]:
    return tuple(
        kernel.value(
            "tuple(__import__('mlops_jlab.tracking.drafts').tracking.drafts.profile_counts())"
        )
    )


def test_the_next_cell_sees_the_version_whole_and_a_mutation_does_not_change_it(
    kernel, store, project
):
    # Given a CSV the store has never seen
    original = write_table(project / "first.csv", seed=1)
    expected = stored(describe(original))
    # When a tracked cell reads it, the very next cell asks for the version through the
    # API, and the one after that changes every value of the frame the first cell read
    shown = run_all(
        kernel,
        [
            "%%track --name read-first\ndf = pd.read_csv('first.csv')",
            "import json\nv = ml.get_dataset_version('first.csv')\n"
            "print(json.dumps({k: v[k] for k in ('n_rows', 'n_columns', 'schema', 'profile')}))",
            "df.loc[:, 'x'] = -1.0\ndf['label'] = 'z'",
        ],
    )
    assert [cell.status for cell in shown] == ["ok", "ok", "ok"], shown
    # Then the next cell saw the version with its schema, counts and full profile
    seen = json.loads(shown[1].stdout)
    assert seen == {key: expected[key] for key in ("n_rows", "n_columns", "schema", "profile")}
    # And the store keeps that profile of the data as read, not of the changed frame
    settle(kernel)
    [version] = versions(store, "first.csv")
    assert version["profile"] == expected["profile"]
    assert version["n_rows"] == ROWS and version["schema"] == expected["schema"]
    assert kernel.value("float(df['x'].max())") == -1.0  # the user's change stands


def test_a_version_is_never_written_without_its_profile(kernel, store, project):
    # Given a new CSV and a reader polling the store as the REST API reads it
    expected = stored(describe(write_table(project / "polled.csv", seed=2)))
    # When a tracked cell reads it and a mutation follows at once
    sent = [
        kernel.send("%%track --name read-polled\npolled = pd.read_csv('polled.csv')"),
        kernel.send("polled['y'] = polled['y'] * 1000"),
    ]
    found: list[dict] = []
    deadline = time.monotonic() + 60  # against a hang only: the kernel writes within a second
    while not found and time.monotonic() < deadline:
        found = versions(store, "polled.csv")
    # Then the first time the version can be read at all, its profile is whole
    assert found[0]["profile"] == expected["profile"]
    assert [kernel.collect(msg_id).status for msg_id in sent] == ["ok", "ok"]


def test_two_hundred_reads_of_the_same_content_profile_it_once(kernel, store, project):
    # Given a CSV the store has never seen
    write_table(project / "repeated.csv", seed=3)
    before = counts(kernel)
    # When 200 tracked cells in a row read it
    cell = "%%track --metrics n\nframe = pd.read_csv('repeated.csv')\nn = len(frame)"
    shown = run_all(kernel, [cell] * 200)
    assert {execution.status for execution in shown} == {"ok"}
    settle(kernel)
    # Then its profile was computed once, and every run read the one version
    computed, reused, failed = (a - b for a, b in zip(counts(kernel), before, strict=True))
    assert (computed, reused, failed) == (1, 0, 0)
    [version] = versions(store, "repeated.csv")
    assert version["profile"]["x"]["count"] == ROWS
    runs = store.runs("metrics.n = 10000")
    assert len(runs) == 200 and set(runs["status"]) == {"finished"}


def test_the_same_content_under_another_name_reuses_the_stored_profile(kernel, store, project):
    # Given a file a tracked cell read, written to the store, and a copy of it
    write_table(project / "original.csv", seed=4)
    assert kernel.run("%%track --name original\no = pd.read_csv('original.csv')").status == "ok"
    settle(kernel)
    (project / "copy.csv").write_bytes((project / "original.csv").read_bytes())
    before = counts(kernel)
    # When a tracked cell reads the copy
    assert kernel.run("%%track --name read-copy\nc = pd.read_csv('copy.csv')").status == "ok"
    settle(kernel)
    # Then the copy's version keeps the same profile, which was not computed again
    computed, reused, _failed = (a - b for a, b in zip(counts(kernel), before, strict=True))
    assert (computed, reused) == (0, 1)
    [copy], [first] = versions(store, "copy.csv"), versions(store, "original.csv")
    assert copy["profile"] == first["profile"] and copy["schema"] == first["schema"]


def test_a_column_that_cannot_be_profiled_keeps_the_version_and_the_run(kernel, store, project):
    # Given a parquet file with a list column, which pandas reads as an arrow list (a dtype
    # whose values cannot be counted)
    pd.DataFrame({"id": [1, 2, 3], "tags": [[1], [2, 3], []]}).to_parquet(project / "tags.parquet")
    code = (
        "t = pd.read_parquet('tags.parquet', dtype_backend='pyarrow')\n"
        "print(t.shape, [str(d) for d in t.dtypes])\n"
    )
    # When the same cell runs plain and tracked, in a row
    plain, tracked = run_all(kernel, [f"pass\n{code}", f"%%track --name tags\n{code}"])
    # Then the tracked cell behaves exactly as the plain one
    assert tracked.status == plain.status == "ok"
    assert tracked.outputs == plain.outputs
    # And the run finished, reading a version that keeps its schema and counts, the other
    # column's profile, and why the list column has none
    settle(kernel)
    runs = store.runs("name = 'tags'")
    assert list(runs["status"]) == ["finished"]
    [version] = versions(store, "tags.parquet")
    assert version["n_rows"] == 3 and [c["name"] for c in version["schema"]] == ["id", "tags"]
    assert version["profile"]["id"]["kind"] == "numeric"
    assert version["profile"]["id"]["max"] == 3
    assert "value_counts" in version["profile"]["tags"]["error"]


def test_a_profile_that_fails_whole_leaves_an_empty_one():
    # Given a draft of a version whose content fails to be profiled at all
    class Broken(pd.DataFrame):
        def items(self):
            raise RuntimeError("cannot iterate")

    draft = VersionDraft("broken", "0" * 32, content=Broken({"a": [1]}))
    failed = profile_counts().failed
    # When it is described, then it has an empty description and the failure is counted
    assert draft.description() == {}
    assert profile_counts().failed == failed + 1
    assert not draft.undescribed
