"""Reference implementations used only by the tests: the straightforward (slow, obvious) version of what the
package computes another way, to check it against. Not part of the package (issue 11: no test-only code in
src)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from attendance.cleaning.pseudonym import citizen_key
from attendance.demand.model import ArrivalModel, integrated_survival


def citizen_keys(identifiers: pd.Series, key: bytes) -> pd.Series:
    """citizen_key of every identifier, one by one (a missing identifier stays missing)."""
    return pd.Series(
        [None if pd.isna(v) else citizen_key(v, key) for v in identifiers],
        index=identifiers.index,
        name=identifiers.name,
        dtype=object,
    )


def instantaneous_mean(
    model: ArrivalModel, weekday: int, minutes: np.ndarray, scale: float = 1.0
) -> np.ndarray:
    """m(t) = Σ_j λ_j [G(t−a_j) − G(t−b_j)] at the given minutes of a weekday (the curve behind the slots)."""
    rates = model.rates[model.rates["weekday"] == weekday]
    a = rates["slot_minute"].to_numpy(dtype=float)[None, :]
    b = rates["slot_end_minute"].to_numpy(dtype=float)[None, :]
    lam = scale * rates["rate"].to_numpy(dtype=float)[None, :] / (b - a)
    t = np.asarray(minutes, dtype=float)[:, None]
    g = integrated_survival(model.survival, t - a) - integrated_survival(model.survival, t - b)
    return (lam * g).sum(axis=1)


def instantaneous_daily_peak(starts, ends) -> int:
    """Most visits present at one instant, a visit present on [start, end): counted at every start."""
    starts = pd.to_datetime(pd.Series(starts)).to_numpy("datetime64[ns]")
    ends = pd.to_datetime(pd.Series(ends)).to_numpy("datetime64[ns]")
    keep = ~(np.isnat(starts) | np.isnat(ends)) & (ends > starts)
    starts, ends = starts[keep], ends[keep]
    return max((int(((starts <= t) & (t < ends)).sum()) for t in starts), default=0)
