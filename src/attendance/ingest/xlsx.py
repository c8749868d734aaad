"""Workbooks written with fixed document and zip times, so that the same content gives the same bytes: the
staff templates (`template`) and the analyst's review workbook (`cleaning.review`) share it."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)


def save_workbook(workbook: Any, path: Path) -> None:
    """Save with fixed document and zip times: the same content gives the same bytes."""
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            dest.writestr(info, data)
    Path(path).write_bytes(out.getvalue())
