"""The runs panel in Chromium on the 1M-run store of ``million.py`` (``panel_load.py --million``).

JupyterLab is started on a copy of the cached store (SQLite, or PostgreSQL on a copy of its
data directory) and ``panel_load.mjs`` drives Chromium, each try in fresh pages:

1. open panel -> first rows painted: from the click on the panel's icon to the first run
   row painted (target <= 300 ms);
2. scroll: the table scrolled down a view at a time through :data:`SCROLL_ROWS` rows (each
   step once its rows are loaded), the tab's JS heap (CDP ``JSHeapUsedSize`` after a garbage
   collection) before and after;
3. End -> the oldest run painted: End pressed on a row, to the row of the last run of the
   default order (the oldest) painted (target <= 1 s); the heap after it;
4. broad filter: on a fresh page, :data:`BROAD_FILTER` typed and Enter pressed -> the first
   row of its answer painted (target <= 300 ms), and its count shown.

Results go to ``benchmarks/results/panel_load.json`` under ``million`` (one entry per
database), beside the 10k-run measures, with the machine's load before each try.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

import common
import million
import requests
from panel_load import (
    browse,
    browser_machine,
    code_state,
    extension_build,
    jupyter_lab,
    medians,
    wait_for_no_build,
)

TARGETS_MS = {"open_panel": 300, "filter": 300, "end": 1000}
BROAD_FILTER = "metrics.accuracy > 0.1"  # every run of the store matches it
SCROLL_ROWS = 5_000


def oldest_run(lab: str) -> str:
    """The id of the last run of the default order (the oldest), as the server reads it."""
    answer = requests.get(
        lab + "mlops-jlab/api/runs", params={"reverse": "true", "page_size": 1}, timeout=120
    )
    answer.raise_for_status()
    return answer.json()["runs"][0]["id"]


def check_server(lab: str, runs: int) -> None:
    """The server serves the store of ``runs`` training runs (and its pipelines' runs)."""
    answer = requests.get(lab + "mlops-jlab/api/runs/count", params={"exact": "true"}, timeout=120)
    assert answer.json()["total"] >= runs, answer.text


def heap(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The medians of the heap measures, and every try's."""
    keys = samples[0]["heap"].keys()
    return {
        "what": "the tab's JS heap in use after a garbage collection (CDP JSHeapUsedSize), MB: "
        f"after the first rows, after scrolling through {SCROLL_ROWS:,} rows, after End",
        **{key: statistics.median(sample["heap"][key] for sample in samples) for key in keys},
        "tries": [sample["heap"] for sample in samples],
    }


def measure(kind: str, tries: int, timeout_s: float, trace: bool) -> dict[str, Any]:
    """``tries`` tries of the 1M-run measures on the store of ``kind`` (the opening and the
    filter under a Chromium trace when ``trace``); their results."""
    samples: list[dict[str, Any]] = []
    loads: list[list[float]] = []
    waited = 0.0
    code, build = code_state(), extension_build()
    with tempfile.TemporaryDirectory() as tmp, million.store(kind, folder=Path(tmp)) as location:
        folder = Path(tmp)
        # A page of runs says the server is up: the store's status counts 1M runs.
        ready = "mlops-jlab/api/runs?page_size=1"
        with jupyter_lab(folder / "lab", location, ready) as (lab, lab_seconds):
            check_server(lab, million.RUNS)
            oldest = oldest_run(lab)
            print(f"  {kind}: the server answered after {lab_seconds} s; oldest run {oldest}")
            config = {
                "lab": lab,
                "oldestRunId": oldest,
                "tries": 1,
                "timeoutMs": int(timeout_s * 1000),
                "million": {"filter": BROAD_FILTER, "scrollRows": SCROLL_ROWS},
                "trace": trace,
            }
            for number in range(1, tries + 1):
                waited += wait_for_no_build()
                loads.append([round(value, 2) for value in os.getloadavg()])
                found = browse({**config, "number": number}, folder)
                served = {found_try["remote_entry"] for found_try in found["tries"]}
                if served != {build["remote_entry"]}:
                    raise RuntimeError(
                        f"the page ran {served}, not the build measured "
                        f"({build['remote_entry']}): put its labextension first on JUPYTER_PATH"
                    )
                samples.extend(found["tries"])
                browser = found["browser"]
    facts = million.facts()
    measures = {
        "open_panel": {
            "what": "click on the panel's icon -> the first run row visible and painted",
            **medians([s["open_panel"] for s in samples], TARGETS_MS["open_panel"]),
            "tries": [s["open_panel"] for s in samples],
        },
        "filter": {
            "what": f"type {BROAD_FILTER!r} and press Enter -> the first row of its answer "
            "painted (count_shown: its count shown)",
            **medians([s["filter"] for s in samples], TARGETS_MS["filter"]),
            "count_shown_median_ms": statistics.median(
                s["filter"]["count_shown_ms"] for s in samples
            ),
            "tries": [s["filter"] for s in samples],
        },
        "end": {
            "what": f"End pressed on a row after scrolling {SCROLL_ROWS:,} rows -> the row of "
            "the oldest run painted",
            **medians([s["end"] for s in samples], TARGETS_MS["end"]),
            "tries": [s["end"] for s in samples],
        },
        "scroll": {
            "what": f"scroll down a view at a time, once its rows are loaded, to row "
            f"{SCROLL_ROWS:,}",
            **medians([s["scroll"] for s in samples]),
        },
        "heap_mb": heap(samples),
    }
    for name, found in measures.items():
        if "median_ms" in found:
            target = f" (target <= {found['target_ms']} ms)" if "target_ms" in found else ""
            print(f"  {kind} {name:10} median {found['median_ms']:8.1f} ms{target}")
    sizes = {key: value for key, value in measures["heap_mb"].items() if key.endswith("_mb")}
    print(f"  {kind} heap MB: {sizes}")
    return {
        "machine": browser_machine(browser, loads, waited),
        "code": code,
        "extension_build": build,
        "store": {
            "kind": kind,
            "training_runs": million.RUNS,
            "runs": facts.get("runs"),
            "bytes_per_run": facts.get(f"{kind}_bytes_per_run"),
            "bytes": facts.get(f"{kind}_bytes"),
        },
        "server_start_seconds": lab_seconds,
        "tries": tries,
        "traced": trace,
        "measures": measures,
    }


def run(kinds: list[str], tries: int, timeout_s: float, trace: bool = False) -> Path:
    """Measure on each database of ``kinds``; the results file, its other measures kept."""
    path = common.RESULTS / "panel_load.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    found = results.get("million", {})
    for kind in kinds:
        print(f"JupyterLab on the 1M-run {kind} store, {tries} tries in Chromium")
        # A traced run is slower: it is kept apart from the untraced measures.
        found[f"{kind}_traced" if trace else kind] = measure(kind, tries, timeout_s, trace)
    results["million"] = found
    return common.write_results("panel_load", results)
