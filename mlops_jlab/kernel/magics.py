"""IPython magics: ``%%track`` makes a cell's execution a run; ``%track_config``, ``%runs``,
``%lineage`` and ``%compare`` work with the recorded runs.

A tracked cell must behave exactly like the same cell untracked, so ``%%track`` does not run
the cell itself. An input transformer blanks the ``%%track`` line (keeping line numbers),
IPython runs the rest as it runs any cell (display, ``await``, other magics, tracebacks), and
the ``pre_run_cell`` / ``post_run_cell`` events start and end the run around it.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.utils.text import DollarFormatter

from mlops_jlab import tracking
from mlops_jlab.config import JOB_ID_ENV, JOB_PARAMETERS_ENV, NOTEBOOK_AS_ENV, NOTEBOOK_ENV
from mlops_jlab.datasets.roles import ROLES
from mlops_jlab.errors import MlopsError
from mlops_jlab.kernel.capture import CellCapture, Options
from mlops_jlab.kernel.lineage_text import lineage_node, node_text, tree_lines
from mlops_jlab.kernel.tracebacks import CellSource, user_traceback
from mlops_jlab.tracking.writer import on_write_failure, remove_write_failure_listener

# How many %%track option lines a session keeps parsed: a notebook repeats a few of them.
_PARSED_LINES = 64
_TRACK_LINE = re.compile(r"%%track(?:[ \t]+(?P<args>[^\n]*))?[ \t]*$")


def _words(line: str) -> shlex.shlex:
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return lexer


def parse_line(magic: Any, line: str) -> argparse.Namespace:
    """A magic's options split as a shell splits them: ``--name 'a b'`` is ``a b``, quotes
    and all (IPython's own splitting keeps the quotes)."""
    try:
        words = list(_words(line))
    except ValueError as exc:  # "No closing quotation"
        raise UsageError(f"{exc} in {line!r}: close the quote") from None
    return magic.parser.parse_args(words)


def parse_options_then_text(magic: Any, line: str) -> tuple[argparse.Namespace, str]:
    """The options at the start of ``line``, split as a shell splits them, and the rest as
    it was typed: a filter's quotes are its own (``params.model = 'rf'``)."""
    parser = magic.parser
    lexer = _words(line)
    words: list[str] = []
    rest = ""
    takes_value = False
    try:
        while True:
            read = lexer.instream.tell()
            start = read + len(line[read:]) - len(line[read:].lstrip())
            word = lexer.get_token()
            if word is None:
                break
            if not takes_value and not (word.startswith("-") and len(word) > 1):
                rest = line[start:].strip()
                break
            words.append(word)
            action = parser._option_string_actions.get(word) if not takes_value else None
            takes_value = action is not None and action.nargs != 0
    except ValueError as exc:
        raise UsageError(f"{exc} in {line!r}: close the quote") from None
    return parser.parse_args(words), rest


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def _datasets(text: str | None, roles: dict[str, str]) -> list[str]:
    """Names from ``--inputs``/``--outputs``; ``name:role`` also gives the dataset's role."""
    names = []
    for item in _names(text):
        name, colon, role = item.rpartition(":")
        if colon and role.strip().lower() in ROLES:
            roles[name.strip()] = role.strip().lower()
            item = name.strip()
        names.append(item)
    return names


def _tags(text: str | None) -> dict[str, str]:
    tags = {}
    for pair in _names(text):
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise UsageError(f"--tags takes key=value pairs separated by commas, not {pair!r}")
        tags[key.strip()] = value.strip()
    return tags


def _job_parameters() -> dict[str, Any]:
    """In a job's kernel, the parameters the job was given: every tracked cell of the job
    records them as params (a sweep's runs differ by them in Compare)."""
    import json

    given = os.environ.get(JOB_PARAMETERS_ENV)
    if not given or not os.environ.get(JOB_ID_ENV):
        return {}
    try:
        parameters = json.loads(given)
    except ValueError:
        return {}
    return parameters if isinstance(parameters, dict) else {}


def _warn(message: str) -> None:
    print(f"mlops-jlab: {message}", file=sys.stderr)


def _first_line(cell: str) -> tuple[str, str]:
    """``(first line, rest)`` of a cell, after leading blank lines."""
    stripped = cell.lstrip("\n")
    line, _newline, rest = stripped.partition("\n")
    return line, rest


# A default run name shows this much of the cell's first line of code.
NAME_CODE_CHARS = 60


def default_run_name(notebook: Path | None, code: str, execution_count: int | None) -> str:
    """``notebook: first line of code``, which tells runs apart in a table where notebook
    and execution count ("Untitled [2]") do not; the count when the cell has no code."""
    where = notebook.stem if notebook else "cell"
    for line in code.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "%", "!")):
            shown = line if len(line) <= NAME_CODE_CHARS else line[: NAME_CODE_CHARS - 1] + "…"
            return f"{where}: {shown}"
    return f"{where} [{execution_count or '-'}]"


def track_arguments(cell: str) -> str | None:
    """The arguments of the ``%%track`` line that starts ``cell``, or None."""
    match = _TRACK_LINE.match(_first_line(cell)[0])
    return None if match is None else (match.group("args") or "")


def notebook_cell_id(notebook: Path, cell: str) -> str | None:
    """The id of the cell of ``notebook`` whose source is ``cell``: papermill and nbclient
    do not send cell ids, so a tracked cell is found in its notebook by its text."""
    try:
        stat = notebook.stat()
    except OSError:
        return None
    return _cell_ids(str(notebook), stat.st_mtime_ns, stat.st_size).get(cell.strip())


@functools.lru_cache(maxsize=4)
def _cell_ids(notebook: str, _mtime_ns: int, _size: int) -> dict[str, str]:
    """Code cells' ids by their stripped source, first cell first; read once per version
    of the file, not once per tracked cell (a notebook with its outputs may be megabytes)."""
    import nbformat

    try:
        document = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return {}
    ids: dict[str, str] = {}
    for candidate in document.cells:
        if candidate.cell_type == "code" and candidate.get("id"):
            ids.setdefault(candidate.source.strip(), candidate.id)
    return ids


@magics_class
class TrackMagics(Magics):
    """``%%track`` and its companions; the session's defaults live here."""

    def __init__(self, shell: Any):
        super().__init__(shell)
        self.defaults = Options()
        self.notebook: str | None = None
        self._checked: tuple[str | None, Options] = (None, self.defaults)
        self._run: tracking.ActiveRun | None = None
        self._capture: CellCapture | None = None
        self._register: str | None = None
        self._register_as: str | None = None
        self._warnings: list[str] = []
        self._parsed: dict[str, argparse.Namespace] = {}  # %%track options, as parsed
        self.cell_source = CellSource(shell.compile)

    # -- %%track -----------------------------------------------------------------------

    @magic_arguments()
    @argument("--name", help="the run's name (default: notebook name and first line of code)")
    @argument("--experiment", help="the run's experiment (default: the notebook's name)")
    @argument("--params", help="record these variables as params instead of literal assignments")
    @argument("--metrics", help="record these numeric variables as metrics after the cell")
    @argument(
        "--inputs",
        help="DataFrames or file paths the cell reads, comma-separated; name:train (or dev, "
        "test, realtime) gives the dataset's role",
    )
    @argument("--outputs", help="DataFrames or file paths the cell writes, like --inputs")
    @argument("--model", help="variables holding models to store (pickled) after the cell")
    @argument(
        "--register",
        help="register the --model as the next version of this registered model when the "
        "cell succeeds",
    )
    @argument("--tags", help="tags as key=value pairs, comma-separated")
    @argument(
        "--no-auto",
        action="store_true",
        help="record only what the options name: no literal params, no DataFrames, files or "
        "figures found by watching the cell",
    )
    @cell_magic
    def track(self, line: str, cell: str) -> None:
        """Run the cell and record its execution as a run.

        The cell behaves exactly as without ``%%track``. The run records the code, the
        notebook and cell, timing and status (``failed`` with the error, ``interrupted`` on
        Ctrl-C), literal assignments such as ``lr = 0.01`` as params, ``log_metric`` calls and
        ``--metrics`` as metrics, files and DataFrames the cell read and wrote as dataset
        versions (pandas readers and writers, ``open()``, frames it used and made),
        matplotlib figures it drew, and the ``--model`` objects. Session defaults:
        ``%track_config``. Example::

            %%track --name baseline --metrics acc --model clf
            C = 1.0
            clf = LogisticRegression(C=C).fit(X, y)
            acc = clf.score(X_test, y_test)
        """
        # Cells reach this only when the transformer did not take them, e.g. through
        # run_cell_magic: run the body as a cell of its own, tracked by the same events.
        self._options(line)
        self.shell.run_cell(f"%%track {line}\n{cell}", store_history=False)

    def _options(self, line: str) -> Options:
        expanded = self._expanded(line)
        args = self._parsed.get(expanded)
        if args is None:  # argparse costs more than the rest of a short cell's recording
            args = parse_line(self.track, expanded)
            if len(self._parsed) >= _PARSED_LINES:
                self._parsed.clear()
            self._parsed[expanded] = args
        defaults = self.defaults
        params = _names(args.params) if args.params is not None else defaults.params
        roles: dict[str, str] = {}
        models = _names(args.model)
        if args.register is not None and len(models) != 1:
            raise UsageError(
                "--register registers one model: name it with --model, e.g. "
                "%%track --model clf --register churn"
            )
        return Options(
            name=args.name,
            experiment=args.experiment or defaults.experiment,
            params=params,
            metrics=_names(args.metrics) or defaults.metrics,
            inputs=_datasets(args.inputs, roles),
            outputs=_datasets(args.outputs, roles),
            models=models,
            register=args.register,
            roles=roles,
            tags={**defaults.tags, **_tags(args.tags)},
            auto=defaults.auto and not args.no_auto,
            job_params=_job_parameters(),
        )

    def _expanded(self, line: str) -> str:
        """``{name}`` and ``$name`` in the options replaced by the notebook's variables, as
        IPython does for every other magic (``--name rf-{depth}``, the parameters of a
        papermill job); left as written where they name nothing."""
        if "{" not in line and "$" not in line:
            return line
        try:
            return DollarFormatter().vformat(line, args=[], kwargs=self.shell.user_ns)
        except Exception:  # IPython's own expansion also keeps the line as it was
            return line

    # -- the cell's events -------------------------------------------------------------

    def transform(self, lines: list[str]) -> list[str]:
        """Blank a valid ``%%track`` line (line numbers stay the cell's own); leave a
        ``%%track`` line with bad options, so IPython calls the magic, which says what is
        wrong. A cell magic on the next line must stay first, so that line goes instead."""
        if not lines or track_arguments(lines[0]) is None:
            return lines
        try:
            line = track_arguments(lines[0]) or ""
            self._checked = (line, self._options(line))
        except (UsageError, SystemExit, ValueError):
            return lines
        if len(lines) > 1 and lines[1].startswith("%%"):
            return lines[1:]
        return ["\n", *lines[1:]]

    def pre_run_cell(self, info: Any) -> None:
        line = track_arguments(info.raw_cell or "")
        if line is None or self._run is not None:
            return
        try:
            self._start(info, line)
        except UsageError:  # bad options: the magic itself says what is wrong
            self._forget()
        except Exception as exc:  # recording must never stop the user's cell
            self._forget()
            _warn(f"this cell runs untracked: {_reason(exc)}")

    def _start(self, info: Any, line: str) -> None:
        # The transformer parsed these options moments ago, unless the cell came another way
        checked_line, options = self._checked
        if checked_line != line:
            options = self._options(line)
        _first, code = _first_line(info.raw_cell)
        notebook = self._notebook()
        execution_count = self.shell.execution_count - 1 if info.store_history else None
        cell_id = info.cell_id
        if cell_id is None and notebook is not None and notebook.suffix == ".ipynb":
            cell_id = notebook_cell_id(notebook, info.raw_cell)
        tracker = tracking.get_tracker()
        name = options.name or default_run_name(notebook, code, execution_count)
        where = tracker.project_path(notebook) if notebook else None
        job_id = os.environ.get(JOB_ID_ENV) or None
        if job_id is not None:
            where = os.environ.get(NOTEBOOK_AS_ENV) or where
        run = tracking.start_run(
            name,
            options.experiment or (notebook.stem if notebook else None),
            nested=True,
            tags=options.tags,
            kind="cell" if job_id is None else "job",
            notebook_path=where,
            cell_id=cell_id,
            execution_count=execution_count,
            code=code,
            job_id=job_id,
            buffered=True,
        )
        self._run = run
        self._register = options.register and f"runs:/{run.id}/{options.models[0]}.pkl"
        self._register_as = options.register
        self._warnings = []
        # IPython 8.22+ hands over the cell it transformed; older ones make us do it again
        python_code = getattr(info, "transformed_cell", None) or self.shell.transform_cell(code)
        self.cell_source.expect(info.raw_cell, python_code)
        self._capture = CellCapture(
            run, python_code, self.shell.user_ns, options, self._note, where
        )
        self._capture.start()

    def _note(self, message: str) -> None:
        self._warnings.append(message)

    def post_run_cell(self, result: Any) -> None:
        run, capture = self._run, self._capture
        if run is None:
            return
        self._forget()
        try:
            if capture is not None:
                capture.finish()
            error = result.error_before_exec or result.error_in_exec
            if error is None:
                run.end("finished", wait=False)
                self._register_model()
            elif isinstance(error, KeyboardInterrupt):
                run.end("interrupted", "KeyboardInterrupt", wait=False)
            else:
                run.end("failed", user_traceback(error, self.shell.compile), wait=False)
        except Exception as exc:
            self._warnings.append(f"this cell's run was not recorded: {_reason(exc)}")
        for message in self._warnings:
            _warn(message)

    def _forget(self) -> None:
        self._run = None
        self._capture = None

    def _register_model(self) -> None:
        """``--register``: the cell's model as the next version of the registered model."""
        source, name = self._register, self._register_as
        self._register = self._register_as = None
        if not source or not name:
            return
        from mlops_jlab.registry import register_model

        try:
            version = register_model(source, name)
        except MlopsError as exc:
            self._warnings.append(f"the cell's model was not registered: {exc}")
        else:
            print(f"registered {version.model} v{version.version} ({version.ref})")

    def _notebook(self) -> Path | None:
        """This kernel's notebook: ``%track_config --notebook``, ``$MLOPS_JLAB_NOTEBOOK``
        (papermill jobs) or the one jupyter-server names in ``$JPY_SESSION_NAME``."""
        for candidate in (self.notebook, os.environ.get(NOTEBOOK_ENV)):
            if candidate:
                return Path(candidate).expanduser().resolve()
        session = os.environ.get("JPY_SESSION_NAME")
        if session and session.endswith(".ipynb"):
            return Path(session).expanduser().resolve()
        return None

    # -- companions --------------------------------------------------------------------

    @magic_arguments()
    @argument("--experiment", help="experiment of the session's tracked cells")
    @argument("--notebook", help="this notebook's path (for papermill and plain kernels)")
    @argument("--params", help="variables to record as params in every tracked cell")
    @argument("--metrics", help="variables to record as metrics in every tracked cell")
    @argument("--tags", help="tags for every tracked cell, key=value pairs")
    @argument("--no-auto", action="store_true", help="record only what options name")
    @argument("--auto", action="store_true", help="watch cells again (the default)")
    @line_magic
    def track_config(self, line: str) -> None:
        """Set defaults for this session's ``%%track`` cells; without options, show them."""
        args = parse_line(self.track_config, line)
        defaults = self.defaults
        if args.experiment is not None:
            defaults.experiment = args.experiment
        if args.notebook is not None:
            self.notebook = args.notebook
        if args.params is not None:
            defaults.params = _names(args.params)
        if args.metrics is not None:
            defaults.metrics = _names(args.metrics)
        if args.tags is not None:
            defaults.tags = _tags(args.tags)
        if args.no_auto or args.auto:
            defaults.auto = args.auto
        self._checked = (None, defaults)
        notebook = self._notebook()
        params = ", ".join(defaults.params) if defaults.params else "(literal assignments)"
        print(
            f"experiment: {defaults.experiment or '(the notebook name)'}\n"
            f"notebook: {notebook or '(unknown)'}\n"
            f"params: {params}\n"
            f"metrics: {', '.join(defaults.metrics) or '(log_metric calls)'}\n"
            f"tags: {defaults.tags or '(none)'}\n"
            f"auto: {defaults.auto}\n"
            f"store: {tracking.get_tracker().store!r}"
        )

    @magic_arguments()
    @argument("name", nargs="?", help="the pipeline's name (default: the notebook's name)")
    @line_magic
    def promote(self, line: str) -> Any:
        """Promote this notebook to a pipeline (its saved file: save it first):
        ``%promote`` or ``%promote churn-training``. Says which cell holds the parameters."""
        from mlops_jlab.pipelines.api import promote

        args = parse_line(self.promote, line)
        notebook = self._notebook()
        if notebook is None:
            raise UsageError(
                "this kernel does not know its notebook: run it from JupyterLab, or name it "
                "with %track_config --notebook path/to/notebook.ipynb"
            )
        try:
            pipeline = promote(notebook, args.name)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        print(pipeline)
        return None

    @magic_arguments()
    @argument("-n", type=int, default=20, help="how many runs (default 20)")
    @argument("--experiment", help="only runs of this experiment")
    @argument("--order-by", default=None, help="e.g. 'metrics.acc DESC'")
    @argument("filter", nargs="*", help="a filter, e.g. metrics.acc > 0.9")
    @line_magic
    def runs(self, line: str) -> Any:
        """The most recent runs as a DataFrame, optionally filtered:
        ``%runs -n 5 metrics.acc > 0.9``."""
        args, text = parse_options_then_text(self.runs, line)
        try:
            return tracking.runs(text or None, args.order_by, args.n, args.experiment)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None

    @magic_arguments()
    @argument("run_ids", nargs="+", help="two to fifty run ids (or unique prefixes)")
    @line_magic
    def compare(self, line: str) -> Any:
        """Compare runs side by side: params (differences first), metrics, charts, code."""
        from mlops_jlab.kernel.compare_view import compare_view

        args = parse_line(self.compare, line)
        try:
            return compare_view(args.run_ids)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None

    @magic_arguments()
    @argument("--run", required=True, help="the run (id or unique prefix) that logged the model")
    @argument("--artifact", help="the run's model artifact, when it logged several")
    @argument("--description", help="the version's description")
    @argument("name", help="the registered model's name")
    @line_magic
    def register(self, line: str) -> Any:
        """Register a run's model as the next version of a model:
        ``%register churn --run 3f2a9c``."""
        from mlops_jlab.registry import register_model

        args = parse_line(self.register, self._expanded(line))
        source = f"runs:/{args.run}/{args.artifact}" if args.artifact else args.run
        try:
            return register_model(source, args.name, args.description)
        except MlopsError as exc:
            raise UsageError(str(exc)) from None

    @magic_arguments()
    @argument("--up", action="store_true", help="only what it came from")
    @argument("--down", action="store_true", help="only what came of it")
    @argument("--depth", type=int, default=None, help="at most this many steps away")
    @argument("target", help="a run id (or unique prefix), a dataset name, or name@vN")
    @line_magic
    def lineage(self, line: str) -> None:
        """What a run or a dataset version came from and what came of it, as a tree:
        ``%lineage 3f2a9c`` (a run), ``%lineage data/train.csv`` (its latest version),
        ``%lineage data/train.csv@v1 --down``."""
        from mlops_jlab import lineage

        args = parse_line(self.lineage, line)
        directions = ["upstream"] if args.up and not args.down else ["downstream"]
        if not args.up and not args.down:
            directions = ["upstream", "downstream"]
        tracker = tracking.get_tracker()
        try:
            kind, key = lineage_node(tracker, args.target)
            with tracker.read() as conn:
                graphs = [lineage.graph(conn, kind, key, d, args.depth) for d in directions]
        except MlopsError as exc:
            raise UsageError(str(exc)) from None
        root = graphs[0]["nodes"][0]
        lines = [node_text(root)]
        for direction, graph in zip(directions, graphs, strict=True):
            title = "came from" if direction == "upstream" else "led to"
            tree = tree_lines(graph, upstream=direction == "upstream")
            lines += [f"  {title}:", *(tree or ["    (nothing recorded)"])]
        print("\n".join(lines))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _report_unwritten(run: tracking.ActiveRun, error: BaseException) -> None:
    """Called by the background writer as soon as a cell's run cannot be written: the line
    goes under the cell that just ran (the kernel's latest output)."""
    _warn(
        f"run {run.name!r} is not recorded yet: {_reason(error)}. It is kept in this kernel and "
        "written once the store takes it (ml.flush() tries at once)"
    )


_magics: TrackMagics | None = None


def load(shell: Any) -> None:
    """Register the magics, the transformer and the events once per shell."""
    global _magics
    if _magics is not None and _magics.shell is shell:
        return
    _magics = TrackMagics(shell)
    shell.register_magics(_magics)
    # After leading blank lines are dropped, so the blank left for %%track stays.
    shell.input_transformers_cleanup.insert(1, _magics.transform)
    shell.ast_transformers.append(_magics.cell_source)
    shell.events.register("pre_run_cell", _magics.pre_run_cell)
    shell.events.register("post_run_cell", _magics.post_run_cell)
    on_write_failure(_report_unwritten)


def unload(shell: Any) -> None:
    global _magics
    if _magics is None:
        return
    if _magics.transform in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.remove(_magics.transform)
    if _magics.cell_source in shell.ast_transformers:
        shell.ast_transformers.remove(_magics.cell_source)
    shell.events.unregister("pre_run_cell", _magics.pre_run_cell)
    shell.events.unregister("post_run_cell", _magics.post_run_cell)
    remove_write_failure_listener(_report_unwritten)
    _magics = None
