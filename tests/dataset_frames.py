"""Frames and descriptions shared by the profiling and drift tests."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def stored(result: dict) -> dict:
    """What a store gives back: strict JSON (no NaN, no infinity, no NumPy scalars)."""
    return json.loads(json.dumps(result, allow_nan=False))


def every_kind() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "amount": [1.5, np.nan, 3.0, np.inf, 2.0, 2.0],
            "count": pd.array([1, None, 3, 4, 4, 4], dtype="Int64"),
            "paid": [True, False, True, True, False, True],
            "maybe": pd.array([True, None, False, True, None, True], dtype="boolean"),
            "city": pd.Categorical(
                ["Oslo", "Rome", "Oslo", None, "Oslo", "Rome"], categories=["Oslo", "Rome", "Nuuk"]
            ),
            "name": ["ann", "bob", None, "cy", "dee", "ann"],
            "mixed": ["a", 1, None, 2.5, [1, 2], {"k": 1}],
            "seen": pd.to_datetime(
                [
                    "2024-03-01 10:00",
                    "2024-03-02 00:00",
                    None,
                    "2024-03-05 00:00",
                    "2024-03-05 00:00",
                    "2024-04-01 00:00",
                ]
            ).tz_localize("Europe/Oslo"),
            "waited": pd.to_timedelta([1, 2, None, 4, 5, 90], unit="min"),
        }
    )
