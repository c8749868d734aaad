"""Writing workbooks and CSV files byte-reproducibly, and the demo's pseudonymisation key.

Why a module of its own: the same seed must give byte-identical files (data/raw/demo is committed and
checked), so document properties and zip member timestamps are pinned instead of taken from the clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

_FIXED_ZIP_TIME = (2026, 6, 1, 0, 0, 0)
_FIXED_DOC_TIME = dt.datetime(2026, 6, 1, 0, 0, 0)


def _save_workbook(wb: Workbook, path: Path) -> None:
    """Save with fixed document and zip timestamps, so the same seed gives byte-identical files."""
    wb.properties.created = _FIXED_DOC_TIME
    wb.properties.modified = _FIXED_DOC_TIME
    wb.properties.creator = "attendance synth"
    buffer = io.BytesIO()
    archive = _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()
    path.write_bytes(buffer.getvalue())


class _FixedTimeZip(zipfile.ZipFile):
    """openpyxl writes members with the current time; this pins them (and sets modified after openpyxl)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=_FIXED_ZIP_TIME)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """Worksheets arrive as temporary files, whose mtime would end up in the archive."""
        self.writestr(
            arcname or Path(filename).name, Path(filename).read_bytes(), compress_type, compresslevel
        )


def _write_xlsx(path: Path, sheets: list[tuple[str, list[list[Any]]]]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "dd-mm-yyyy"
                elif isinstance(cell.value, dt.time):
                    cell.number_format = "hh:mm"
        ws.column_dimensions["B"].width = 24
    _save_workbook(wb, path)


def _write_csv(path: Path, rows: list[list[Any]], encoding: str = "cp1252", delimiter: str = ";") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))


def demo_key(seed: int) -> str:
    """The demo's own pseudonymisation key, derived from the seed (real data use a secret key)."""
    return hashlib.sha256(f"attendance synthetic demo key, seed {seed}".encode()).hexdigest()
