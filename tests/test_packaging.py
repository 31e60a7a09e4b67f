"""The installed package: a prebuilt labextension and an auto-enabled server extension."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
JUPYTER = [sys.executable, "-m", "jupyter"]
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _output(*args: str) -> str:
    """What a `jupyter` subcommand prints, without the colour codes it adds on some terminals."""
    done = subprocess.run([*JUPYTER, *args], capture_output=True, text=True, check=True)
    return ANSI_COLOUR.sub("", done.stdout + done.stderr)


def test_server_extension_is_enabled_and_loads():
    listing = _output("server", "extension", "list")
    assert re.search(r"^\s*mlops_jlab enabled$", listing, re.MULTILINE)
    assert re.search(r"^\s*mlops_jlab \S+ OK$", listing, re.MULTILINE)


def test_labextension_is_installed_and_ok():
    assert re.search(r"mlops-jlab v\S+ enabled.*OK", _output("labextension", "list"))


def test_wheel_ships_the_prebuilt_labextension_and_server_config(tmp_path):
    # Given the built frontend, when a wheel is built (what `pip install .` installs)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("mlops_jlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    # Then it carries the labextension and the config that enables the server extension
    data = next(n.split("/")[0] for n in names if ".data/" in n)
    assert f"{data}/data/share/jupyter/labextensions/mlops-jlab/package.json" in names
    assert f"{data}/data/share/jupyter/labextensions/mlops-jlab/install.json" in names
    assert any(
        n.startswith(f"{data}/data/share/jupyter/labextensions/mlops-jlab/static/") for n in names
    )
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/mlops_jlab.json" in names
