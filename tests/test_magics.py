"""``%%track`` in a real kernel, driven as JupyterLab drives it."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from mlops_jlab.lineage import is_stale
from mlops_jlab.store.tables import Dataset, DatasetVersion, LineageEvent
from mlops_jlab.tracking import Tracker
from tests.kernels import Kernel, project_tracker

NOTEBOOK = "analysis.ipynb"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return tmp_path_factory.mktemp("project")


@pytest.fixture(scope="module")
def store(project):
    tracker = project_tracker(project)
    yield tracker
    tracker.store.dispose()


@pytest.fixture(scope="module")
def kernel(project, store):
    env = {
        **store.location.environment(),
        "JPY_SESSION_NAME": str(project / NOTEBOOK),
        "MPLBACKEND": "Agg",
    }
    kernel = Kernel(project, env)
    loaded = kernel.run("%load_ext mlops_jlab\nimport pandas as pd\nimport mlops_jlab as ml")
    assert loaded.status == "ok", loaded.outputs
    yield kernel
    kernel.stop()


def only_run(store: Tracker, name: str):
    """The one run named ``name``: a tracked cell's last write is made by the kernel's
    background thread just after the cell answers, so it is waited for."""
    deadline = time.monotonic() + 60
    found = store.runs(f"name = '{name}'")
    while found.empty and time.monotonic() < deadline:
        time.sleep(0.02)
        found = store.runs(f"name = '{name}'")
    assert len(found) == 1, found
    return store.get_run(found.run_id[0])


def settled(kernel: Kernel) -> None:
    """Every run the kernel recorded is written (reading in the kernel waits for them)."""
    assert kernel.run("_ = %runs -n 1").status == "ok"


def lineage(store: Tracker, run_id: str) -> list[tuple[str, str, str]]:
    """(direction, dataset name, fingerprint) of what the run read and wrote."""
    events, versions, datasets = (
        LineageEvent.__table__,
        DatasetVersion.__table__,
        Dataset.__table__,
    )
    with store.store.read() as conn:
        rows = conn.execute(
            sa.select(events.c.direction, datasets.c.name, versions.c.fingerprint)
            .join(versions, sa.cast(versions.c.id, sa.String) == events.c.entity_id)
            .join(datasets, datasets.c.id == versions.c.dataset_id)
            .where(events.c.run_id == run_id, events.c.entity_kind == "dataset_version")
            .order_by(events.c.direction, datasets.c.name)
        ).all()
    return [tuple(row) for row in rows]


def failing_lines(shown) -> list[str]:
    """Where a traceback points: each frame's line number and the line marked ``---->``."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(shown.error["traceback"]))
    return re.findall(r"line \d+|---->.*", text)


# -- transparency ---------------------------------------------------------------------


def test_a_tracked_cell_shows_and_binds_what_the_untracked_cell_does(kernel):
    # Given the same cell, once plain and once tracked
    body = "from IPython.display import display, HTML\nprint('out')\ndisplay(HTML('<b>x</b>'))\n"
    plain = kernel.run(f"pass\n{body}t1 = 6 * 7\nt1")
    tracked = kernel.run(f"%%track --name same-output\n{body}t2 = 6 * 7\nt2")
    # Then it prints, displays and returns the same, and binds its names in the notebook
    assert tracked.status == plain.status == "ok"
    assert tracked.shown() == plain.shown()
    assert kernel.value("(t1, t2)") == (42, 42)


def test_an_error_is_raised_with_the_same_traceback_and_the_run_fails(kernel, store):
    # Given a failing cell, plain (with a first line that does nothing) and tracked
    body = "def divide(a):\n    return a / 0\n\ndivide(1)\n"
    plain = kernel.run(f"pass\n{body}")
    tracked = kernel.run(f"%%track --name fails\n{body}")
    # Then the tracked cell fails as the plain one does, at the same line of the cell
    assert tracked.status == plain.status == "error"
    assert tracked.error["ename"] == "ZeroDivisionError"
    assert failing_lines(tracked) == failing_lines(plain)
    # And the run ended failed with the error recorded
    run = only_run(store, "fails")
    assert run.status == "failed"
    assert "ZeroDivisionError" in run.error and "divide" in run.error


def test_a_failed_run_keeps_the_user_s_frames_and_the_cell_as_written(kernel, store):
    # Given a tracked cell that fails on its first line of code
    tracked = kernel.run("%%track --name own-frames\n1 / 0\n")
    # Then the notebook's traceback shows the %%track line as the user wrote it, not a blank
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(tracked.error["traceback"]))
    assert "1 %%track --name own-frames" in text
    # And the stored error holds the cell's frame, named as the notebook names it, and none
    # of IPython's own frames or the kernel's temporary files
    run = only_run(store, "own-frames")
    assert run.status == "failed"
    assert 'File "Cell In[' in run.error and "1 / 0" in run.error
    assert "interactiveshell.py" not in run.error
    assert "ipykernel_" not in run.error
    assert run.error.rstrip().endswith("ZeroDivisionError: division by zero")


def test_ctrl_c_ends_the_run_interrupted(kernel, store):
    # Given a tracked cell that runs for a long time
    request = kernel.send("%%track --name long\nimport time\ntime.sleep(60)")
    time.sleep(2)
    # When the user interrupts the kernel
    kernel.interrupt()
    shown = kernel.collect(request)
    # Then the cell stops with KeyboardInterrupt and the run says so
    assert shown.error["ename"] == "KeyboardInterrupt"
    assert only_run(store, "long").status == "interrupted"


def test_top_level_await_and_other_cell_magics_work_inside(kernel, store):
    # Given tracked cells with top-level await and with another cell magic
    awaited = kernel.run("%%track --name awaits\nimport asyncio\nawait asyncio.sleep(0)\nw = 5\nw")
    captured = kernel.run("%%track --name magic-inside\n%%capture cap\nprint('hidden')")
    # Then both behave as untracked cells and are recorded
    assert awaited.status == "ok", awaited.outputs
    assert awaited.outputs[-1]["data"]["text/plain"] == "5", awaited.outputs
    assert captured.status == "ok" and captured.stdout == ""
    assert kernel.value("cap.stdout") == "hidden\n"
    assert only_run(store, "awaits").status == "finished"
    assert only_run(store, "magic-inside").status == "finished"


def test_bad_options_say_what_is_wrong_and_record_nothing(kernel, store):
    settled(kernel)
    before = len(store.runs())
    shown = kernel.run("%%track --colour red\nx = 1")
    assert shown.status == "error"
    assert "unrecognized arguments: --colour red" in shown.error["evalue"]
    tags = kernel.run("%%track --tags novalue\nx = 1")
    assert "key=value" in tags.error["evalue"]
    settled(kernel)
    assert len(store.runs()) == before


def test_when_the_store_cannot_record_the_cell_still_runs_with_a_one_line_warning(kernel, project):
    # Given a store that cannot be opened (its folder is a file)
    (project / "not-a-folder").write_text("")
    kernel.run(f"ml.set_store('sqlite:///{project / 'not-a-folder' / 'x.sqlite'}')")
    try:
        # When a tracked cell runs
        shown = kernel.run("%%track --name unrecorded\nz = 3\nprint(z)")
    finally:
        kernel.run("ml.set_store()")
    # Then the cell's work is done and one line says why it was not recorded
    assert shown.status == "ok" and shown.stdout == "3\n"
    warnings = shown.stderr.strip().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("mlops-jlab: this cell runs untracked")


# -- what a run records ---------------------------------------------------------------


def test_a_run_records_code_cell_notebook_params_and_metrics(kernel, store, project):
    # Given a tracked cell with literal assignments, log_metric calls and --metrics
    code = (
        "lr = 0.01\nlayers = [64, 32]\nname = 'rf'\nsteps = lr * 100\n"
        "for i in range(3):\n    ml.log_metric('loss', 1 / (i + 1))\nacc = 0.93"
    )
    shown = kernel.run(f"%%track --name basics --metrics acc --tags team=risk\n{code}", "cell-7")
    assert shown.status == "ok", shown.outputs
    run = only_run(store, "basics")
    # Then the run holds the code, where it ran and what it set
    assert run.code == code and run.code_hash
    assert run.cell_id == "cell-7"
    assert run.notebook_path == NOTEBOOK
    assert run.experiment == "analysis"
    assert run.execution_count > 0
    assert run.params == {"lr": "0.01", "layers": "[64, 32]", "name": "rf"}
    assert run.metrics == {"loss": pytest.approx(1 / 3), "acc": 0.93}
    assert run.tags == {"team": "risk"}
    assert len(store.metric_history(run.id, "loss")) == 3


def test_an_unnamed_run_is_named_by_its_notebook_and_first_line_of_code(kernel, store):
    # Given a tracked cell without --name, whose code starts after a comment
    shown = kernel.run("%%track\n# fit the baseline\nbaseline_fit = sum([1, 2, 3])\n")
    assert shown.status == "ok", shown.outputs
    # Then its run is named by the notebook and the cell's first line of code
    run = only_run(store, "analysis: baseline_fit = sum([1, 2, 3])")
    assert run.code.startswith("# fit the baseline")


def test_options_take_the_notebook_s_variables_as_other_magics_do(kernel, store):
    # Given variables a papermill job would inject, and a cell whose options name them
    kernel.run("depth = 4\nround_name = '-refreshed'")
    shown = kernel.run(
        "%%track --name rf-{depth}$round_name --tags depth={depth}\nfitted = depth * 2"
    )
    assert shown.status == "ok", shown.outputs
    # Then the run's name and tags hold their values
    assert only_run(store, "rf-4-refreshed").tags == {"depth": "4"}
    # And a brace that names no variable is kept as written
    assert kernel.run("%%track --name {no_such_variable}\nkept = 1").status == "ok"
    only_run(store, "{no_such_variable}")


def test_params_named_with_an_option_replace_literal_assignments(kernel, store):
    kernel.run("%%track --name chosen --params depth,extra\ndepth = 2 + 3\nextra = 'a'\nlr = 1")
    assert only_run(store, "chosen").params == {"depth": "5", "extra": "a"}


def test_files_read_and_written_become_dataset_versions(kernel, store, project):
    # Given data files in the project
    (project / "data").mkdir()
    (project / "data" / "raw.csv").write_text("a,b\n1,x\n2,y\n3,z\n")
    (project / "data" / "notes.txt").write_text("hello")
    # When a tracked cell reads them with pandas and open() and writes results
    code = (
        "raw = pd.read_csv('data/raw.csv')\n"
        "with open('data/notes.txt') as f:\n    notes = f.read()\n"
        "raw.to_parquet('data/clean.parquet')\n"
        "with open('data/report.txt', 'w') as f:\n    f.write(notes)\n"
    )
    assert kernel.run(f"%%track --name io\n{code}").status == "ok"
    run = only_run(store, "io")
    # Then each file is a version, input or output, named by its path in the project
    recorded = {(d, name) for d, name, _fp in lineage(store, run.id)}
    assert recorded == {
        ("INPUT", "data/raw.csv"),
        ("INPUT", "data/notes.txt"),
        ("OUTPUT", "data/clean.parquet"),
        ("OUTPUT", "data/report.txt"),
    }
    # And a file read through pandas keeps its schema and profile
    with store.store.read() as conn:
        schema, rows = conn.execute(
            sa.select(DatasetVersion.__table__.c.schema, DatasetVersion.__table__.c.n_rows)
            .join(Dataset.__table__)
            .where(Dataset.__table__.c.name == "data/raw.csv")
        ).one()
    assert [column["name"] for column in schema] == ["a", "b"] and rows == 3


def test_files_the_system_reads_for_a_library_are_not_datasets(kernel, store):
    # Given a cell whose library reads the system's configuration (mimetypes, as saving a
    # figure does) and Python's own files
    code = (
        "import mimetypes, os\n"
        "mimetypes.init(['/etc/mime.types'])\n"
        "with open(os.__file__) as f:\n    source = f.read()\n"
    )
    assert kernel.run(f"%%track --name system-files\n{code}").status == "ok"
    # Then the run read no dataset
    assert lineage(store, only_run(store, "system-files").id) == []


def test_a_changed_file_is_a_new_version_and_the_same_content_is_not(kernel, store, project):
    (project / "table.csv").write_text("v\n1\n2\n")
    kernel.run("%%track --name read-1\nt = pd.read_csv('table.csv')")
    kernel.run("%%track --name read-2\nt = pd.read_csv('table.csv')")
    (project / "table.csv").write_text("v\n1\n3\n")
    kernel.run("%%track --name read-3\nt = pd.read_csv('table.csv')")
    fingerprints = [
        {fp for d, name, fp in lineage(store, only_run(store, n).id) if name == "table.csv"}
        for n in ("read-1", "read-2", "read-3")
    ]
    assert fingerprints[0] == fingerprints[1] != fingerprints[2]


def test_dataframes_used_and_made_in_memory_are_versions_too(kernel, store):
    kernel.run("frame = pd.DataFrame({'x': [1.0, 2.0, None]})")
    kernel.run("%%track --name in-memory\nfilled = frame.fillna(0)\nframe['y'] = 1")
    recorded = [(d, name) for d, name, _fp in lineage(store, only_run(store, "in-memory").id)]
    # frame was read, then changed in place (a new version); filled was made
    scoped = f"{NOTEBOOK}:"  # variables are datasets of their notebook
    assert recorded == [
        ("INPUT", f"{scoped}frame"),
        ("OUTPUT", f"{scoped}filled"),
        ("OUTPUT", f"{scoped}frame"),
    ]


def test_the_same_variable_in_two_notebooks_is_two_datasets(kernel, store, project):
    # Given a notebook whose tracked cell makes X_train with 4 columns
    code = "%%track --name {name}\nX_train = pd.DataFrame({{{columns}}})"
    first = ", ".join(f"'c{i}': [1.0]" for i in range(4))
    kernel.run(code.format(name="iris-split", columns=first))
    # When another notebook makes its own X_train with 13 columns
    other = Kernel(
        project,
        {**store.location.environment(), "JPY_SESSION_NAME": str(project / "wine.ipynb")},
    )
    try:
        assert other.run("%load_ext mlops_jlab\nimport pandas as pd").status == "ok"
        wide = ", ".join(f"'w{i}': [2.0]" for i in range(13))
        assert other.run(code.format(name="wine-split", columns=wide)).status == "ok"
        other.run("import mlops_jlab as ml\nml.flush()")
    finally:
        other.stop()
    # Then each notebook's X_train is a dataset of its own, with its own first version
    iris = only_run(store, "iris-split")
    only_run(store, "wine-split")
    assert list(store.dataset_versions(f"{NOTEBOOK}:X_train")["n_columns"]) == [4]
    assert list(store.dataset_versions("wine.ipynb:X_train")["n_columns"]) == [13]
    # And the first notebook's run is not stale for what the other one did
    with store.read() as conn:
        assert is_stale(conn, iris.id) == []


def test_explicit_inputs_outputs_and_no_auto(kernel, store, project):
    (project / "given.csv").write_text("q\n1\n")
    kernel.run("left = pd.DataFrame({'k': [1]})")
    code = "right = left.assign(j=2)\nunused = pd.read_csv('given.csv')\nlr = 0.5"
    kernel.run(f"%%track --name explicit --no-auto --inputs left,given.csv --outputs right\n{code}")
    run = only_run(store, "explicit")
    recorded = {(d, name) for d, name, _fp in lineage(store, run.id)}
    assert recorded == {("INPUT", "left"), ("INPUT", "given.csv"), ("OUTPUT", "right")}
    assert run.params == {}


def test_figures_and_models_are_stored_as_artifacts(kernel, store):
    code = (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\n"
        "model = {'weights': [0.1, 0.2]}\n"
    )
    assert kernel.run(f"%%track --name artifacts --model model\n{code}").status == "ok"
    run = only_run(store, "artifacts")
    assert set(run.artifacts) == {"figure-1.png", "model.pkl"}
    assert store.artifacts.get_bytes(run.artifacts["figure-1.png"]).startswith(b"\x89PNG")
    kernel.run("plt.close('all')")


def test_what_cannot_be_recorded_warns_and_the_rest_is_kept(kernel, store):
    code = "lr = 0.1\nacc = 'high'\ngen = (i for i in range(3))"
    shown = kernel.run(f"%%track --name partial --metrics acc,missing --model gen\n{code}")
    assert shown.status == "ok"
    warnings = shown.stderr
    assert "metric" in warnings and "missing" in warnings and "gen" in warnings
    run = only_run(store, "partial")
    assert run.status == "finished" and run.params == {"lr": "0.1"}


def test_hooks_are_active_only_while_a_tracked_cell_runs(kernel, store, project):
    # Given pandas' own reader and writer
    (project / "untracked.csv").write_text("u\n1\n")
    kernel.run("own = (pd.read_csv, pd.DataFrame.to_csv)")
    # When a tracked cell has run
    kernel.run("%%track --name hooked\nh = pd.read_csv('untracked.csv')")
    # Then pandas is as it was, and untracked cells record nothing
    assert kernel.value("own == (pd.read_csv, pd.DataFrame.to_csv)") is True
    assert kernel.value("'to_csv' in pd.DataFrame.__dict__") is False
    settled(kernel)
    before = len(store.runs())
    kernel.run("u = pd.read_csv('untracked.csv')\nu.to_csv('copy.csv')")
    settled(kernel)
    assert len(store.runs()) == before


# -- the companion magics -------------------------------------------------------------


def test_track_config_sets_the_session_defaults(kernel, store):
    kernel.run("%track_config --experiment tuning --tags stage=dev")
    try:
        kernel.run("%%track --name configured\nq = 1")
    finally:
        kernel.run("%track_config --experiment analysis --tags ''")
    run = only_run(store, "configured")
    assert run.experiment == "tuning" and run.tags == {"stage": "dev"}


def test_runs_magic_returns_recent_runs_as_a_dataframe(kernel):
    kernel.run("%%track --name listed\nlisted_value = 1")
    shown = kernel.run("recent = %runs -n 3 name = 'listed'\nprint(list(recent.name))")
    assert shown.stdout.strip() == "['listed']"
    bad = kernel.run("%runs metrics.acc >")
    assert bad.status == "error" and "position" in bad.error["evalue"]


def test_quoted_options_are_split_as_a_shell_splits_them(kernel, store):
    # Given a tracked cell whose options hold spaces, quoted as in a shell
    shown = kernel.run(
        "%%track --name 'a b' --experiment \"my exp\" --tags 'team=risk ops'\nquoted = 1"
    )
    assert shown.status == "ok" and shown.stderr == "", shown.outputs
    # Then the run's name, experiment and tags are the words, without their quotes
    run = only_run(store, "a b")
    assert run.experiment == "my exp" and run.tags == {"team": "risk ops"}
    # And %runs takes quoted options too, while its filter keeps its own quotes
    listed = kernel.run("found = %runs --experiment 'my exp' name = 'a b'\nprint(list(found.name))")
    assert listed.stdout.strip() == "['a b']", listed.outputs
    # And a quote left open is a usage error that records nothing
    unclosed = kernel.run("%%track --name 'open\nnever = 1")
    assert unclosed.status == "error" and "close the quote" in unclosed.error["evalue"]
    settled(kernel)
    assert store.runs("name = 'open'").empty and store.runs('name = "\'open"').empty


def test_track_help_is_real(kernel):
    shown = kernel.run("%%track?")
    text = str(shown.outputs)
    assert "--model" in text and "Run the cell and record its execution" in text


def test_lineage_magic_walks_from_a_run_or_a_dataset(kernel, store, project):
    # Given a cell that writes a file and a cell that reads it and writes another
    kernel.run("%%track --name make-chain\npd.DataFrame({'c': [1, 2]}).to_csv('chain.csv')")
    kernel.run("%%track --name use-chain\nc = pd.read_csv('chain.csv')\nc.to_csv('used.csv')")
    reader = only_run(store, "use-chain").id
    # When the lineage of the reading run is asked for, by an id prefix
    up = kernel.run(f"%lineage {reader[:8]} --up").stdout
    # Then it shows the file it read and the run that wrote it
    assert up.splitlines()[0].startswith("run use-chain")
    assert "<- dataset chain.csv@v1" in up and "<- run make-chain" in up
    # And from the file's first version downstream: the reading run and what it wrote
    down = kernel.run("%lineage chain.csv@v1 --down").stdout
    assert "-> run use-chain" in down and "-> dataset used.csv@v1" in down
    # When the file changes, the reading run becomes stale
    kernel.run("%%track --name remake-chain\npd.DataFrame({'c': [3]}).to_csv('chain.csv')")
    stale = kernel.run(f"%lineage {reader} --up --depth 1").stdout
    assert "stale" in stale.splitlines()[0] and "chain.csv" in stale.splitlines()[0]
    # And a target that is neither a run nor a dataset says what to give
    unknown = kernel.run("%lineage no-such-thing")
    assert "neither a run id" in unknown.error["evalue"]


@pytest.mark.parametrize(
    ("write", "read", "file"),
    [
        ("to_json('t.json')", "read_json('t.json')", "t.json"),
        ("to_excel('t.xlsx', index=False)", "read_excel('t.xlsx')", "t.xlsx"),
        ("to_feather('t.feather')", "read_feather('t.feather')", "t.feather"),
        ("to_pickle('t.pkl')", "read_pickle('t.pkl')", "t.pkl"),
        ("to_parquet('t.parquet')", "read_parquet('t.parquet')", "t.parquet"),
    ],
)
def test_each_pandas_format_is_recorded_both_ways(kernel, store, write, read, file):
    kernel.run(f"%%track --name write-{file}\npd.DataFrame({{'n': [1, 2]}}).{write}")
    kernel.run(f"%%track --name read-{file}\nback = pd.{read}")
    written = lineage(store, only_run(store, f"write-{file}").id)
    read_back = lineage(store, only_run(store, f"read-{file}").id)
    assert [(d, n) for d, n, _ in written] == [("OUTPUT", file)]
    assert ("INPUT", file) in [(d, n) for d, n, _ in read_back]
    # The file read is the version written
    assert {fp for _, n, fp in written} <= {fp for _, n, fp in read_back if n == file}


def test_sql_tables_and_queries_are_datasets(kernel, store):
    code = (
        "import sqlite3\ncon = sqlite3.connect(':memory:')\n"
        "pd.DataFrame({'k': [1, 2, 3]}).to_sql('items', con, index=False)\n"
        "few = pd.read_sql('SELECT * FROM items WHERE k > 1', con)\n"
    )
    kernel.run(f"%%track --name sql\n{code}")
    recorded = {(d, n) for d, n, _ in lineage(store, only_run(store, "sql").id)}
    assert ("OUTPUT", "sql:items") in recorded
    assert any(d == "INPUT" and n.startswith("sql:query-") for d, n in recorded)


def test_datasets_named_with_a_role_keep_it(kernel, store):
    kernel.run("train_df = pd.DataFrame({'a': [1]})\ntest_df = pd.DataFrame({'a': [2]})")
    kernel.run("%%track --name roles --inputs train_df:train,test_df:test\nlen(train_df)")
    only_run(store, "roles")
    versions = {
        name: store.dataset_versions(name)["role"].iloc[-1] for name in ("train_df", "test_df")
    }
    assert versions == {"train_df": "train", "test_df": "test"}


def test_a_file_pandas_writes_keeps_the_role_its_option_gives(kernel, store, project):
    # Given a cell whose pandas writes a file that --outputs names with a role
    kernel.run(
        "%%track --name split-roles --outputs held_out.csv:test\n"
        "pd.DataFrame({'a': [1, 2]}).to_csv('held_out.csv', index=False)\n"
    )
    only_run(store, "split-roles")
    # Then the file's version has the role, and its rows (pandas saw them)
    version = store.dataset_versions("held_out.csv").iloc[-1]
    assert (version["role"], version["n_rows"]) == ("test", 2)


def test_compare_magic_shows_a_widget_of_the_runs(kernel, store):
    kernel.run("%%track --name cmp-a\nalpha = 1\nml.log_metric('score', 0.5)")
    kernel.run("%%track --name cmp-b\nalpha = 2\nml.log_metric('score', 0.7)")
    first, second = only_run(store, "cmp-a").id, only_run(store, "cmp-b").id
    shown = kernel.run(f"view = %compare {first[:8]} {second}\nview")
    widget = [o for o in shown.outputs if "application/vnd.jupyter.widget-view+json" in o["data"]]
    assert shown.status == "ok" and len(widget) == 1
    assert kernel.value("sorted(view.comparison.differing_params)") == ["alpha"]
    one = kernel.run(f"%compare {first}")
    assert one.status == "error" and "2 to 50 runs" in one.error["evalue"]


def test_a_frame_read_from_a_file_is_that_files_version_until_it_changes(kernel, store, project):
    # Given a cell that reads a file into a frame
    (project / "source.csv").write_text("s\n1\n2\n")
    kernel.run("%%track --name read-source\nsource = pd.read_csv('source.csv')")
    read = lineage(store, only_run(store, "read-source").id)
    # Then the frame is no dataset of its own: the file is
    assert [(d, n) for d, n, _ in read] == [("INPUT", "source.csv")]
    # When the file changes on disk and a later cell uses the frame
    (project / "source.csv").write_text("s\n9\n")
    kernel.run("%%track --name use-source\ntotal = source['s'].sum()")
    used = lineage(store, only_run(store, "use-source").id)
    # Then that cell read the version the frame holds, not what the file holds now
    assert used == read
    # When a cell changes the frame, it is a version of its own
    kernel.run("%%track --name change-source\nsource['s'] = source['s'] * 2")
    changed = [(d, n) for d, n, _ in lineage(store, only_run(store, "change-source").id)]
    assert changed == [("INPUT", "source.csv"), ("OUTPUT", f"{NOTEBOOK}:source")]


def test_a_frame_written_to_a_file_is_that_files_version_not_a_second_dataset(
    kernel, store, project
):
    # Given a cell that makes a frame and writes it to a file
    kernel.run(
        "%%track --name write-split\n"
        "split = pd.DataFrame({'x': [1, 2, 3]})\n"
        "split.to_csv('split.csv', index=False)\n"
    )
    written = lineage(store, only_run(store, "write-split").id)
    # Then the file is the cell's one output: the frame holding its rows is no other dataset
    assert [(d, n) for d, n, _ in written] == [("OUTPUT", "split.csv")]
    # And a later cell that uses the frame reads the file's version
    kernel.run("%%track --name use-split\ntotal = split['x'].sum()")
    used = lineage(store, only_run(store, "use-split").id)
    assert used == [("INPUT", "split.csv", written[0][2])]
