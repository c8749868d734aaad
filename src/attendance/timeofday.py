"""Times of day as the offer file writes them ("HH:MM") and as the slot tables store them (minutes).

One conversion for every module: KPIs, the demand model, staffing and the reports all read opening hours
from offers.json and label slots by their start.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError


def hhmm_to_minutes(text: str) -> int:
    """'09:30' → 570; the opening hours in offers.json are "HH:MM" strings."""
    try:
        hours, minutes = str(text).split(":")[:2]
        return int(hours) * 60 + int(minutes)
    except ValueError as exc:
        raise InputError(
            f"opening hour {text!r} is not HH:MM", file="offers.json", fix="write e.g. 09:30"
        ) from exc


def minutes_to_hhmm(minute: int | np.ndarray | pd.Series) -> Any:
    """Minutes after midnight → "HH:MM" (vectorised for Series and arrays)."""
    if isinstance(minute, pd.Series | np.ndarray):
        values = pd.Series(np.asarray(minute, dtype=np.int64))
        return (values // 60).map("{:02d}".format) + ":" + (values % 60).map("{:02d}".format)
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"
