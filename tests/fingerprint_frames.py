"""Frames and helpers shared by the fingerprint tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_jlab.datasets.fingerprint import fingerprint


def uncached(obj) -> str:
    return fingerprint(obj, cache=False)


def mixed_frame(n: int = 1000) -> pd.DataFrame:
    """One column of each kind a user meets, over ``n`` rows."""
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "f": rng.random(n),
            "i": rng.integers(0, 1000, n),
            "b": rng.random(n) > 0.5,
            "s": pd.array([f"s{i % 97}" for i in range(n)], dtype="str"),
            "o": np.array([i if i % 3 else f"x{i}" for i in range(n)], dtype=object),
            "c": pd.Categorical([["lo", "mid", "hi"][i % 3] for i in range(n)]),
            "t": pd.date_range("2024-01-01", periods=n, freq="min"),
            "tz": pd.date_range("2024-01-01", periods=n, freq="h", tz="Europe/Berlin"),
            "n": pd.array([None if i % 7 == 0 else i for i in range(n)], dtype="Int64"),
            "nb": pd.array([None if i % 5 == 0 else i % 2 == 0 for i in range(n)], "boolean"),
        }
    )
