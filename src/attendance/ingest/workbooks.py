"""Excel (.xlsx/.xlsm) and OpenDocument (.ods) workbooks → one grid per sheet, and whether the sheet is hidden.

Before openpyxl opens a workbook it is checked for what openpyxl would report badly or not at all: an empty
file, a password-protected (encrypted) workbook or an old .xls renamed, and formula cells without a saved value.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa

from attendance.errors import InputError

from .grids import _empty_grid, _grid_from_rows

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # OLE directory entry of an encrypted workbook


def _check_workbook_container(path: Path, rel: str) -> None:
    """An empty file or an OLE2 file (password-protected workbook, or an old .xls renamed) is not a zip:
    say which, because "save it again" does not help while the password is still set."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if not head:
        raise InputError(
            "the workbook is empty (0 bytes)", file=rel, fix="copy the file again from where it is kept"
        )
    if not head.startswith(OLE2_MAGIC):
        return
    if _ENCRYPTED_PACKAGE in head or _ENCRYPTED_PACKAGE in path.read_bytes():
        raise InputError(
            "the workbook is password-protected (encrypted), so it cannot be read",
            file=rel,
            fix="open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
            "clear it) and save it as .xlsx",
        )
    raise InputError(
        "the file is an old Excel (.xls) workbook with an .xlsx name",
        file=rel,
        fix="open it in Excel and save it as .xlsx (Excel Workbook)",
    )


# cell XML as Excel, LibreOffice and openpyxl write it, or with a namespace prefix (`<x:c>`, .NET OpenXML SDK)
_FORMULA_CELL = re.compile(rb"<(?:\w+:)?f[ >/]")
_XML_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_XML_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_XML_TYPE = re.compile(rb'\bt="(\w+)"')
_XML_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _worksheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding its cells (from xl/workbook.xml and its relationships)."""
    import xml.etree.ElementTree as ET

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    book = ET.fromstring(archive.read("xl/workbook.xml"))
    return {
        sheet.get("name"): targets.get(sheet.get(f"{rel_ns}id"), "") for sheet in book.iter(f"{main}sheet")
    }


def _check_formula_values(path: Path, rel: str) -> None:
    """A formula cell without a saved result (a file written by a program and never opened in Excel) would read
    as empty: stop instead of guessing. Read from the sheet XML: a `<f>` with no (or an empty) `<v>`, unless
    the cell is a text result (`t="str"`: Excel's saved empty string)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            parts = _worksheet_parts(archive)
            for sheet, member in parts.items():
                if member not in names:
                    continue
                data = archive.read(member)
                if not _FORMULA_CELL.search(data):
                    continue
                for match in _XML_CELL.finditer(data):
                    inner = match[3] or b""
                    if not _FORMULA_CELL.search(inner) or _XML_VALUE.search(inner):
                        continue
                    kind = _XML_TYPE.search(match[2])
                    if kind and kind[1] in (b"str", b"inlineStr"):
                        continue
                    ref = _XML_REF.search(match[2])
                    raise InputError(
                        "a formula cell has no saved value (the file was written by a program and never "
                        "calculated), so its value is unknown",
                        file=rel,
                        sheet=sheet,
                        row=int(ref[2]) if ref else None,
                        column=ref[1].decode() if ref else None,
                        fix="open the file in Excel (or LibreOffice) and save it, so the formula results are "
                        "stored; or type the values instead of formulas",
                    )
    except (zipfile.BadZipFile, KeyError, SyntaxError):
        return  # openpyxl's own error (below) names the file; this check only looks for formulas


def _xlsx_grids(path: Path, rel: str) -> list[tuple[str, pa.Table, bool]]:
    """(sheet name, grid, hidden?) for every sheet, in workbook order."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_workbook_container(path, rel)
    _check_formula_values(path, rel)
    try:
        workbook = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise InputError(
            f"cannot read the workbook ({exc.__class__.__name__})",
            file=rel,
            fix="open it in Excel and save it again as .xlsx (or export the sheet as CSV)",
        ) from exc
    grids = []
    try:
        for sheet in workbook.worksheets:
            hidden = sheet.sheet_state != "visible"
            if sheet.max_row < 1 or sheet.max_column < 1:
                grids.append((sheet.title, _empty_grid(), hidden))
                continue
            rows = list(
                sheet.iter_rows(
                    min_row=1, min_col=1, max_row=sheet.max_row, max_col=sheet.max_column, values_only=True
                )
            )
            grids.append((sheet.title, _grid_from_rows(rows), hidden))
    finally:
        workbook.close()
    return grids


def _ods_hidden_tables(path: Path) -> set[str]:
    """Names of the tables of an .ods file whose style says `table:display="false"` (hidden sheets)."""
    from odf.namespaces import TABLENS
    from odf.opendocument import load

    document = load(str(path))
    hidden_styles = set()
    for style in document.automaticstyles.childNodes:
        for child in getattr(style, "childNodes", []):
            if child.attributes.get((TABLENS, "display")) == "false":
                hidden_styles.add(
                    style.attributes.get(("urn:oasis:names:tc:opendocument:xmlns:style:1.0", "name"))
                )
    names = set()
    for table in document.spreadsheet.childNodes:
        if table.attributes.get((TABLENS, "style-name")) in hidden_styles:
            names.add(table.attributes.get((TABLENS, "name")))
    return names


def _ods_grids(path: Path, rel: str) -> list[tuple[str, pa.Table, bool]]:
    """An OpenDocument spreadsheet (LibreOffice): every sheet's stored cell values, via pandas and odfpy."""
    try:
        import odf  # noqa: F401
    except ImportError as exc:  # pragma: no cover - odfpy is a dependency
        raise InputError(
            "cannot read .ods files: the odfpy package is not installed",
            file=rel,
            fix="run `make setup` (installs odfpy), or save the file as .xlsx",
        ) from exc
    if path.stat().st_size == 0:
        raise InputError(
            "the workbook is empty (0 bytes)", file=rel, fix="copy the file again from where it is kept"
        )
    try:
        frames = pd.read_excel(path, engine="odf", sheet_name=None, header=None, dtype=object)
        hidden = _ods_hidden_tables(path)
    except Exception as exc:  # odfpy raises many kinds of errors on a broken file
        raise InputError(
            f"cannot read the OpenDocument spreadsheet ({exc.__class__.__name__})",
            file=rel,
            fix="open it in LibreOffice or Excel and save it again (as .ods or .xlsx)",
        ) from exc
    grids = []
    for name, frame in frames.items():
        rows = [tuple(r) for r in frame.itertuples(index=False, name=None)]
        grids.append((str(name), _grid_from_rows(rows) if rows else _empty_grid(), str(name) in hidden))
    return grids
