"""How hard the property tests search. `make test` (and CI) run every example; `make test-fast`, the inner
loop, sets ATTENDANCE_TEST_LOOP=fast and runs a quarter of them (at least 5), so it stays near a minute."""

from __future__ import annotations

import os


def examples(full: int) -> int:
    if os.environ.get("ATTENDANCE_TEST_LOOP") == "fast":
        return max(5, full // 4)
    return full
