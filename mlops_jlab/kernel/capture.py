"""What a tracked cell touched: literal params, DataFrames it used and made, pandas I/O,
files opened through ``open()``, and the matplotlib figures it drew.

Everything here is active only while a tracked cell runs: pandas' readers and writers are
wrapped when the cell starts and restored when it ends, and the audit hook (which Python
cannot remove once added) does nothing unless a capture is running. Recording must never
break the user's cell, so each failure becomes a one-line warning instead of an error.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import xxhash

from mlops_jlab.datasets.names import variable_dataset
from mlops_jlab.tracking import ActiveRun

if TYPE_CHECKING:  # the cache loads pandas, which a cell without frames never needs
    from mlops_jlab.datasets.fingerprint.cache import Guard

# pandas readers and DataFrame writers whose first argument is where the data is.
READERS = (
    "read_csv",
    "read_table",
    "read_parquet",
    "read_json",
    "read_excel",
    "read_feather",
    "read_pickle",
    "read_sql",
    "read_sql_query",
    "read_sql_table",
)
WRITERS = ("to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "to_sql")
# The keyword each of them takes the location by, when it is not passed first.
_TARGET_KEYWORDS = ("filepath_or_buffer", "path", "io", "path_or_buf", "excel_writer", "sql")
_TABLE_KEYWORDS = ("table_name", "name")
_WRITE_MODES = frozenset("wax+")
_CODE_SUFFIXES = (".py", ".pyc", ".so", ".pth")
# A literal assignment this long is data, not a parameter.
MAX_PARAM_LENGTH = 250


def _parse(code: str) -> ast.Module | None:
    """The cell's syntax tree (top-level ``await`` allowed, as IPython runs it), or None."""
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        return compile(code, "<cell>", "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        return None


def literal_params(tree: ast.Module | None) -> dict[str, Any]:
    """Top-level assignments of literals (``lr = 0.01``, ``layers = [64, 32]``) in a cell.

    Only plain names bound to a constant expression count, so ``x = f(1)`` or
    ``self.lr = 1`` are not parameters.
    """
    if tree is None:
        return {}
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        try:
            literal = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if len(repr(literal)) > MAX_PARAM_LENGTH:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = literal
    return found


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _statement_names(statement: ast.stmt) -> tuple[set[str], set[str]]:
    """``(loaded, stored)`` names of one statement, at the cell's level: names inside
    function and class bodies are theirs (only decorators run with the cell)."""
    loaded: set[str] = set()
    stored: set[str] = set()
    stack: list[ast.AST] = [statement]
    while stack:  # a flat walk: a cell runs this for every statement, every time
        node = stack.pop()
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update(alias.asname or alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, _SCOPES):
            stack.extend(getattr(node, "decorator_list", ()))
        else:
            stack.extend(ast.iter_child_nodes(node))
    return loaded, stored


def cell_names(tree: ast.Module | None) -> tuple[set[str], set[str]]:
    """``(read, bound)``: the names a cell reads before binding them itself (the values it
    was given) and the names it binds, statement by statement (``df = df.dropna()`` reads
    ``df`` first; ``df = load(); df.plot()`` does not read the ``df`` it was given)."""
    read: set[str] = set()
    bound: set[str] = set()
    for statement in tree.body if tree is not None else []:
        loaded, stored = _statement_names(statement)
        read |= loaded - bound
        bound |= stored
    return read, bound


@dataclass(frozen=True)
class CellCode:
    """What a cell's code says of it: the names it reads and binds (:func:`cell_names`)
    and its literal params (:func:`literal_params`)."""

    read: frozenset[str]
    bound: frozenset[str]
    params: Mapping[str, Any]


@functools.lru_cache(maxsize=128)
def analyse(code: str) -> CellCode:
    """:class:`CellCode` of ``code``, worked out once per text: a cell is run again and
    again, and parsing it costs a short cell's recording a good part of its time."""
    tree = _parse(code)
    read, bound = cell_names(tree)
    return CellCode(frozenset(read), frozenset(bound), MappingProxyType(literal_params(tree)))


def _is_frame(obj: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, (pandas.DataFrame, pandas.Series))


def _local_file(target: Any) -> Path | None:
    """The local file a pandas reader or writer was given, if it was given one."""
    if isinstance(target, os.PathLike):
        target = os.fspath(target)
    if not isinstance(target, str) or "://" in target or "\n" in target:
        return None
    return Path(os.path.realpath(os.path.expanduser(target)))  # as Path.resolve(), faster


def _target(args: tuple, kwargs: dict[str, Any]) -> Any:
    """Where a pandas reader or writer reads or writes: its first argument."""
    if args:
        return args[0]
    for keyword in (*_TARGET_KEYWORDS, *_TABLE_KEYWORDS):
        if keyword in kwargs:
            return kwargs[keyword]
    return None


@functools.lru_cache(maxsize=8)
def _ignored_folders(store_folders: tuple[str, ...], path: tuple[str, ...]) -> tuple[str, ...]:
    """Folders whose files are the system's, not the user's data: Python's own, installed
    packages (found on ``path``, i.e. ``sys.path``), the system's configuration (a figure
    saved as PNG reads ``/etc/mime.types``) and the store itself."""
    folders = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        "/proc",
        "/sys",
        "/dev",
        "/usr",
        "/etc",
    }
    folders.add(str(Path(__file__).parent))
    folders.update(p for p in path if p.endswith(("site-packages", "dist-packages")))
    folders.update(store_folders)
    return tuple(os.path.realpath(f) + os.sep for f in folders if f)


@dataclass
class Options:
    """What one tracked cell records, from ``%%track`` and ``%track_config``."""

    name: str | None = None
    experiment: str | None = None
    params: list[str] | None = None
    metrics: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    register: str | None = None  # the registered model the cell's --model becomes a version of
    roles: dict[str, str] = field(default_factory=dict)  # dataset -> train/dev/test/realtime
    tags: dict[str, str] = field(default_factory=dict)
    auto: bool = True
    # In a job's kernel: the parameters the job was given, recorded as params of its runs
    job_params: dict[str, Any] = field(default_factory=dict)


class _Running:
    """The capture of the tracked cell running now, which the process's one audit hook and
    the pandas wrappers report to."""

    hooked = False
    capture: CellCapture | None = None

    @classmethod
    def start(cls, capture: CellCapture) -> None:
        if not cls.hooked:
            sys.addaudithook(cls.audit)
            cls.hooked = True
        cls.capture = capture

    @staticmethod
    def audit(event: str, args: tuple) -> None:
        # Called for every audited event of the process: stay cheap when there is nothing to do.
        if event != "open" or _Running.capture is None:
            return
        _Running.capture.opened(args)


@functools.lru_cache(maxsize=64)
def _recording(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (a pandas reader or DataFrame writer) reporting what it read or wrote to
    the running capture; made once per function, put in place only while a cell runs."""
    writes = name.startswith("to_")

    @functools.wraps(original)
    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        capture = _Running.capture
        if capture is not None:
            frame, rest = (args[0], args[1:]) if writes else (result, args)
            target = _target(rest, kwargs)
            capture._record(
                f"{name} {'output' if writes else 'input'}",
                lambda: capture._pandas_io(name, target, frame),
            )
        return result

    return recording


class _FileFrames:
    """DataFrames pandas read from a file or wrote to one, while they are unchanged: such
    a frame is that file's version, so a cell that uses it reads the file's version, and
    binding it to a name makes no dataset of its own (the split written to ``train.csv``
    is one dataset, not the file and a variable holding the same rows)."""

    _frames: dict[int, tuple[weakref.ref, Guard, str, str]] = {}

    @classmethod
    def add(cls, frame: Any, name: str, fp: str) -> None:
        from mlops_jlab.datasets.fingerprint.cache import guard

        proof = guard(frame)
        if proof is not None:
            key = id(frame)
            ref = weakref.ref(frame, lambda _ref, key=key: cls._frames.pop(key, None))
            cls._frames[key] = (ref, proof, name, fp)

    @classmethod
    def version_of(cls, frame: Any) -> tuple[str, str] | None:
        """``(dataset name, fingerprint)`` of the file ``frame`` was read from, if unchanged."""
        found = cls._frames.get(id(frame))
        if found is None or found[0]() is not frame or not found[1].unchanged(frame):
            return None
        return found[2], found[3]


class CellCapture:
    """Captures what one tracked cell touches and records it in ``run``.

    ``start`` before the cell runs, ``finish`` after it, whatever happened in between.
    """

    def __init__(
        self,
        run: ActiveRun,
        code: str,
        namespace: dict[str, Any],
        options: Options,
        warn: Callable[[str], None],
        where: str | None = None,
    ):
        self.run = run
        self.where = where  # the notebook or script, as the store names it
        self.code = analyse(code)
        self.namespace = namespace
        self.options = options
        self.warn = warn
        self._inputs: dict[str, str] = {}  # frame variable -> fingerprint when the cell began
        self._io_files: set[Path] = set()  # files pandas read or wrote (recorded with content)
        self._io_paths: set[str] = set()  # ... as their open() saw them, before links
        self._opened: dict[str, bool] = {}  # file -> was it opened for writing
        self._figures: set[int] = set()
        self._patched: list[tuple[Any, str, Any]] = []
        self._thread = threading.get_ident()
        self._ignored: tuple[str, ...] = ()

    def _record(self, what: str, action: Callable[[], Any]) -> Any:
        """Run a recording step; a failure warns once and never reaches the user's code."""
        try:
            return action()
        except Exception as exc:
            self.warn(f"could not record {what}: {exc}")
            return None

    # -- before the cell -------------------------------------------------------------

    def start(self) -> None:
        options = self.options
        for name in options.inputs:
            self._record(f"input {name!r}", functools.partial(self._explicit, name, "input"))
        if not options.auto:
            return
        loaded = self.code.read
        for name in sorted(loaded - set(options.inputs)):
            value = self.namespace.get(name)
            if not _is_frame(value):
                continue
            from_file = _FileFrames.version_of(value)
            if from_file is not None:
                self._inputs[name] = None  # any change in the cell makes a version of its own
                self._record(
                    f"input DataFrame {name!r}",
                    functools.partial(self.run.use_dataset_version, *from_file),
                )
            else:
                self._inputs[name] = self._record(
                    f"input DataFrame {name!r}",
                    functools.partial(
                        self.run.log_dataset,
                        value,
                        variable_dataset(self.where, name),
                        content=value,
                    ),
                )
        self._record("pandas reads and writes", self._patch_pandas)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            self._figures = set(pyplot.get_fignums())
        self._ignored = _ignored_folders(tuple(self.run.tracker.local_folders()), tuple(sys.path))
        _Running.start(self)

    def _explicit(self, name: str, direction: str) -> None:
        """A dataset named in ``--inputs``/``--outputs``: a variable, else a file path."""
        role = self.options.roles.get(name)
        if name in self.namespace:
            value = self.namespace[name]
            self.run.log_dataset(value, name, direction=direction, role=role, content=value)
        elif Path(name).expanduser().is_file():
            self.run.log_dataset(name, direction=direction, role=role)
        else:
            raise LookupError(f"{name!r} is neither a variable of this notebook nor a file")

    # -- while the cell runs ---------------------------------------------------------

    def opened(self, args: tuple) -> None:
        """An ``open()`` in this process: remember the user's files the cell read or wrote."""
        target, mode = args[0], args[1]
        if isinstance(target, bytes):
            target = os.fsdecode(target)
        if not isinstance(target, str) or threading.get_ident() != self._thread:
            return
        text = os.path.abspath(target)
        # System files, hidden tool caches, and modules an import or a traceback reads
        if text.startswith(self._ignored) or "/." in text or text.endswith(_CODE_SUFFIXES):
            return
        writes = isinstance(mode, str) and not _WRITE_MODES.isdisjoint(mode)
        self._opened[text] = self._opened.get(text, False) or writes

    def _patch_pandas(self) -> None:
        pandas = sys.modules.get("pandas")
        if pandas is None:  # a cell that imports pandas itself is caught by open()
            return
        for owner, names in ((pandas, READERS), (pandas.DataFrame, WRITERS)):
            for name in names:
                original = getattr(owner, name, None)
                if original is not None:
                    # None: inherited (DataFrame.to_csv is NDFrame's): restoring deletes it
                    self._patched.append((owner, name, owner.__dict__.get(name)))
                    setattr(owner, name, _recording(name, original))

    def _pandas_io(self, function: str, target: Any, frame: Any) -> None:
        direction = "output" if function.startswith("to_") else "input"
        if not _is_frame(frame):  # e.g. read_csv(chunksize=...) returns an iterator
            return
        if "sql" in function:
            if function in ("read_sql_table", "to_sql") and isinstance(target, str):
                label = f"sql:{target}"
            else:  # a query: named by its text, so the same query is the same dataset
                label = f"sql:query-{xxhash.xxh3_64_hexdigest(str(target).encode())}"
            self.run.log_dataset(frame, label, direction=direction, content=frame)
            return
        path = _local_file(target)
        if path is not None and path.is_file():
            self._io_files.add(path)
            self._io_paths.add(os.path.abspath(os.path.expanduser(os.fspath(target))))
            name = self.run.tracker.project_path(path)
            role = self._file_roles.get(path)  # `--outputs path:train`: the first record has it
            fp = self.run.log_resolved_file(
                path, name, direction=direction, role=role, content=frame
            )
            _FileFrames.add(frame, name, fp)
        elif isinstance(target, str):  # a URL: its content is the frame we got
            self.run.log_dataset(frame, target, direction=direction, content=frame)

    @functools.cached_property
    def _file_roles(self) -> dict[Path, str]:
        """The roles ``--inputs``/``--outputs`` give files, by their resolved paths."""
        return {
            Path(name).expanduser().resolve(): role for name, role in self.options.roles.items()
        }

    # -- after the cell --------------------------------------------------------------

    def finish(self) -> None:
        """Stop capturing and record what the cell produced."""
        if _Running.capture is self:
            _Running.capture = None
        for owner, name, original in reversed(self._patched):
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
        self._patched.clear()
        options = self.options
        if options.auto:
            self._record("files the cell opened", self._opened_files)
            self._record("DataFrames the cell made", self._frame_outputs)
            self._record("figures", self._new_figures)
        for name in options.outputs:
            self._record(f"output {name!r}", functools.partial(self._explicit, name, "output"))
        for name in options.models:
            self._record(f"model {name!r}", functools.partial(self._model, name))
        self._record("params", self._params)
        self._record("metrics", self._metrics)

    def _opened_files(self) -> None:
        for opened, writes in self._opened.items():
            if opened in self._io_paths:  # recorded with its content already
                continue
            path = Path(opened).resolve()
            if path in self._io_files or not path.is_file():
                continue
            if str(path).startswith(self._ignored):  # reached through a link
                continue
            self.run.log_dataset(path, direction="output" if writes else "input")

    def _frame_outputs(self) -> None:
        """Frames the cell bound to a name, or changed in place, are new dataset versions."""
        stored = self.code.bound
        explicit = set(self.options.inputs) | set(self.options.outputs)
        for name in sorted((stored | set(self._inputs)) - explicit):
            value = self.namespace.get(name)
            if not _is_frame(value) or _FileFrames.version_of(value) is not None:
                continue  # not a frame, or a file's content: the file is the dataset
            from mlops_jlab.datasets.fingerprint import fingerprint

            if fingerprint(value) != self._inputs.get(name):
                dataset = variable_dataset(self.where, name)
                self.run.log_dataset(value, dataset, direction="output", content=value)

    def _new_figures(self) -> None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            if number not in self._figures:
                figure = pyplot.figure(number)
                self.run.log_artifact(figure, name=f"figure-{number}.png", kind="figure")

    def _model(self, name: str) -> None:
        if name not in self.namespace:
            raise LookupError(f"no variable {name!r} after the cell; pass --model the variable")
        self.run.log_model(self.namespace[name], name)

    def _params(self) -> None:
        if self.options.params is not None:
            names: Iterable[str] = self.options.params
            missing = [n for n in names if n not in self.namespace]
            if missing:
                self.warn(f"--params names no variable {', '.join(missing)}")
            values = {n: self.namespace[n] for n in names if n in self.namespace}
        elif self.options.auto:
            options = self.options
            named = {*options.metrics, *options.models, *options.inputs, *options.outputs}
            values = {k: v for k, v in self.code.params.items() if k not in named}
        else:
            values = {}
        # A job's parameters, unless the cell set its own value: what it used
        values = {**self.options.job_params, **values}
        if values:
            self.run.log_params(values)

    def _metrics(self) -> None:
        values = {}
        for name in self.options.metrics:
            if name not in self.namespace:
                self.warn(f"--metrics names no variable {name!r} after the cell")
                continue
            values[name] = self.namespace[name]
        if values:
            self.run.log_metrics(values)
