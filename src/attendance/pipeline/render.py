"""nbconvert rendering: `ReportPreprocessor` (registered by the template's conf.json) builds the table of
contents, collects the banner/footer stamps for the print margins and keeps anything that would be loaded
from another host out of the report. It does not import nbconvert at module level (the runner's `--help`
should not pay for it)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from attendance.errors import InputError
from attendance.reporting.formats import escape_html
from attendance.reporting.sections import ANALYST_ONLY, banner, footer, load_dataset_info, version_info

# --------------------------------------------------------------------------------------------------------
# Rendering: table of contents, print stamps, offline guard (an nbconvert preprocessor)
# --------------------------------------------------------------------------------------------------------

_HEADING_LINE = re.compile(r"^(#{1,3})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML_HEADING = re.compile(r"<h([23])\b[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_URL_ATTR = re.compile(
    r"""\b(src|href|srcset|poster|data|action|formaction)\s*=\s*(["']?)([^"'\s>]+)\2""", re.I
)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?((?:[a-z][a-z0-9+.-]*:)?//[^)\s>]+)>?[^)]*\)", re.I)
_MD_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(\s*<?([a-z][a-z0-9+.-]*:[^)\s>]+|//[^)\s>]+)>?[^)]*\)", re.I)
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>", re.I)
_BARE_URL = re.compile(r"(?<![\w/\"'<=`])((?:https?|ftp)://|www\.)([^\s<>\"')]*[^\s<>\"').,;:!?])", re.I)
_SIBLING_REPORT = r"\d{2}_[a-z0-9_]+\.html(?:#[a-z0-9_-]*)?"  # another report of the set, same folder
_HTML_LINK = re.compile(
    r"<a\b[^>]*\bhref\s*=\s*([\"'])(?!#|mailto:|data:|"
    + _SIBLING_REPORT
    + r"[\"'])([^\"']*)\1[^>]*>(.*?)</a>",
    re.S | re.I,
)
_CSS_URL = re.compile(r"url\(\s*([\"']?)(?!data:|#)([^\"')]+)\1\s*\)", re.I)
_LOCAL_URL = re.compile(r"^(#|data:|mailto:|" + _SIBLING_REPORT + r"$)", re.I)


def slugify(text: str) -> str:
    """An ASCII anchor id from a Danish heading: "Fremmøde pr. tidsrum" -> "fremmoede-pr-tidsrum"."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug or "afsnit"


def external_urls(html_text: str) -> list[str]:
    """Every URL in `html_text` that a browser would load or follow to somewhere outside the file.

    Allowed: `#anchors`, `data:` URIs, `mailto:` and links to another report of the set by its file name
    (`20_beslutningsgrundlag.html`: nothing is loaded when the report opens; the link works where the reports
    lie together in one folder). Everything else in src/href/url() — other hosts, but
    also relative and file: paths, which break as soon as the report is forwarded by e-mail — is listed.
    """
    found = [m.group(3) for m in _URL_ATTR.finditer(html_text) if not _LOCAL_URL.match(m.group(3))]
    found += [m.group(2) for m in _CSS_URL.finditer(html_text)]
    found += re.findall(r"@import\s+[\"']([^\"']+)", html_text, re.I)
    return found


def _unlink_html(html_text: str) -> str:
    """Links to other hosts become text with the address in brackets: readable offline, nothing to click."""

    def replace(match: re.Match) -> str:
        url, text = match.group(2), match.group(3)
        plain = _TAG.sub("", text).strip()
        if plain == url or not url:
            return f'<span class="rp-url">{text}</span>'
        return f'{text} <span class="rp-url">({html.escape(url)})</span>'

    return _HTML_LINK.sub(replace, html_text)


def _offline_markdown(source: str, where: str) -> str:
    images = _MD_IMAGE.findall(source)
    if images:
        raise InputError(
            f"the report would load an image from another host: {images[0]}",
            file=where,
            fix="embed the figure with attendance.reporting.show_figure (or attach the image to the cell)",
        )
    source = _MD_LINK.sub(lambda m: f"{m.group(1)} (`{m.group(2)}`)", source)
    source = _MD_AUTOLINK.sub(lambda m: f"`{m.group(1)}`", source)
    source = _BARE_URL.sub(lambda m: f"`{m.group(0)}`", source)
    return _unlink_html(source)


def _markdown_headings(source: str, used: set[str], entries: list[dict[str, Any]]) -> tuple[str, str | None]:
    """Turn level-2/3 ATX headings into HTML headings with stable ASCII ids; return the new source and the
    first level-1 heading text (the report title)."""
    from nbconvert.filters.markdown import markdown2html_mistune

    lines, title, fenced = [], None, False
    for line in source.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        match = None if fenced else _HEADING_LINE.match(line)
        if not match:
            lines.append(line)
            continue
        level, text = len(match.group(1)), match.group(2)
        inline = markdown2html_mistune(text).strip()
        inline = re.sub(r"^<p>(.*)</p>$", r"\1", inline, flags=re.S)
        plain = html.unescape(_TAG.sub("", inline)).strip()
        if level == 1:
            title = title or plain
            lines.append(line)
            continue
        anchor = _unique(slugify(plain), used)
        entries.append({"level": level, "id": anchor, "text": plain})
        lines.extend(["", f'<h{level} id="{anchor}">{inline}</h{level}>', ""])
    return "\n".join(lines), title


def _unique(slug: str, used: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in used:
        candidate, n = f"{slug}-{n}", n + 1
    used.add(candidate)
    return candidate


def toc_html(entries: Sequence[Mapping[str, Any]]) -> str:
    """A nested list of links (works without JavaScript and prints as a contents list)."""
    items, open_sub = [], False
    for entry in entries:
        link = f'<a href="#{escape_html(entry["id"])}">{escape_html(entry["text"])}</a>'
        if entry["level"] >= 3:
            if not items:
                items.append("<li>")
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f"<li>{link}</li>")
        else:
            if open_sub:
                items.append("</ol>")
                open_sub = False
            if items:
                items.append("</li>")
            items.append(f"<li>{link}")
    if open_sub:
        items.append("</ol>")
    if items:
        items.append("</li>")
    return (
        '<nav class="rp-toc" aria-label="Indholdsfortegnelse"><p class="rp-toc-title">Indhold</p>'
        f"<ol>{''.join(items)}</ol></nav>"
    )


_DATA_ATTR = re.compile(r'data-report-([a-z-]+)="([^"]*)"')


class ReportPreprocessor:
    """nbconvert preprocessor (registered in the template's conf.json) that prepares a notebook for reviewers.

    1. removes the cells the runner removes (same TagRemovePreprocessor settings), so nothing below sees them;
    2. gives level-2/3 headings stable ASCII ids and inserts a table of contents before the first of them;
    3. turns links to other hosts into text and refuses images from other hosts (reports load nothing);
    4. reads the banner/footer stamps into `resources["report"]` for the print margins; appends a footer
       when the notebook has none, and inserts the synthetic-data banner under the title when the project's
       data are synthetic and the notebook shows no banner — every report carries both, whoever wrote it.
    """

    def __init__(self, enabled: bool = True, **_: Any) -> None:
        self.enabled = enabled

    def __call__(self, nb, resources):
        if not self.enabled:
            return nb, resources
        return self.preprocess(nb, resources)

    def preprocess(self, nb, resources):
        import nbformat

        nb, resources = tag_remover().preprocess(nb, resources)
        where = str(resources.get("metadata", {}).get("name", "notebook"))
        used: set[str] = set()
        stamps: dict[str, str] = {}
        heading = ""
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heading = _last_markdown_heading(_join(cell.source)) or heading
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    heading = _last_markdown_heading(_join(data["text/markdown"])) or heading
                if "image/png" in data:
                    _ensure_alt(output, heading)
                if "text/html" in data:
                    text = _wrap_tables(_unlink_html(_join(data["text/html"])))
                    bad = external_urls(text)
                    if bad:
                        raise InputError(
                            f"the report would load {bad[0]} from outside the file",
                            file=where,
                            fix="embed images as data URIs (attendance.reporting.show_figure) and inline styles",
                        )
                    data["text/html"] = text
                    used.update(m.group(2) for m in _HTML_HEADING.finditer(text))
                    stamps.update(_DATA_ATTR.findall(text))

        entries: list[dict[str, Any]] = []
        first_heading_cell: int | None = None
        title, title_cell = None, None
        for index, cell in enumerate(nb.cells):
            before = len(entries)
            if cell.cell_type == "markdown":
                source = _offline_markdown(_join(cell.source), where)
                cell.source, cell_title = _markdown_headings(source, used, entries)
                if cell_title and title is None:
                    title, title_cell = cell_title, index
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/markdown" in data:
                    text = _offline_markdown(_join(data["text/markdown"]), where)
                    data["text/markdown"], _ = _markdown_headings(text, used, entries)
                if "text/html" in data:
                    entries.extend(
                        {
                            "level": int(m.group(1)),
                            "id": m.group(2),
                            "text": html.unescape(_TAG.sub("", m.group(3))).strip(),
                        }
                        for m in _HTML_HEADING.finditer(_join(data["text/html"]))
                    )
            if first_heading_cell is None and len(entries) > before:
                first_heading_cell = index

        if "commit" not in stamps:
            info = version_info()
            footer_html = footer(info).data
            stamps.update(_DATA_ATTR.findall(footer_html))
            nb.cells.append(_html_cell(nbformat, footer_html, "report-footer"))
        if entries:
            position = first_heading_cell if first_heading_cell is not None else len(nb.cells)
            nb.cells.insert(position, _html_cell(nbformat, toc_html(entries), "report-toc"))
        if "synthetic" not in stamps:
            dataset = _project_dataset_info()
            if dataset and dataset.get("synthetic"):
                banner_html = banner(dataset).data
                stamps.update(_DATA_ATTR.findall(banner_html))
                position = title_cell + 1 if title_cell is not None else 0
                nb.cells.insert(position, _html_cell(nbformat, banner_html, "report-banner"))
        _keep_headings_with_next(nb)
        if title and not nb.metadata.get("title"):
            nb.metadata["title"] = title
        resources["report"] = {
            "toc": entries,
            "title": title,
            "synthetic": stamps.get("synthetic") == "true",
            "confidential": stamps.get("confidential") == "true",
            "confidential_text": ANALYST_ONLY,
            "stamp": _print_stamp(stamps),
        }
        return nb, resources


_MARKDOWN_HEADING = re.compile(r"^#{1,4}\s+(.+?)\s*#*\s*$", re.M)
_TABLE_BLOCK = re.compile(r"(<div class=\"rp-table-scroll\">\s*)?(<table\b.*?</table>)", re.S | re.I)


def _last_markdown_heading(source: str) -> str | None:
    found = _MARKDOWN_HEADING.findall(source)
    return _TAG.sub("", found[-1]).strip() if found else None


def _ensure_alt(output, heading: str) -> None:
    """Every figure image gets an alt text that says what it shows (nbconvert's own fallback reads "No
    description has been provided for this image"): the one the kernel put in the output's metadata
    (`reporting.plotting.enable_alt_text`, from the figure's titles and axis labels), else one naming the section."""
    metadata = output.setdefault("metadata", {})
    image = dict(metadata.get("image/png") or {})
    if str(image.get("alt", "")).strip():
        return
    image["alt"] = f"Figur i afsnittet «{heading}»" if heading else "Figur fra analysen"
    metadata["image/png"] = image  # (a NotebookNode copies a dict on assignment: set it when complete)


def _wrap_tables(text: str) -> str:
    """Put a table that is not already in a scroll box (a plain pandas table, a Styler table) into one, so a
    wide table scrolls inside its own box and never widens or cuts the page on a narrow screen."""
    if "<table" not in text.lower():
        return text
    return _TABLE_BLOCK.sub(
        lambda m: m.group(0) if m.group(1) else f'<div class="rp-table-scroll">{m.group(2)}</div>', text
    )


_TRAILING_HEADING = re.compile(r"\n*(<h([234]) id=\"[^\"]+\">.*?</h\2>)\s*$", re.S)


def _keep_headings_with_next(nb) -> None:
    """A heading that ends a markdown cell moves into the figure or table of the next cell, in one block that
    print keeps together: CSS `break-after: avoid` across cells is not reliable in Chromium, and a heading
    alone at the foot of a printed page looks careless."""
    for cell, following in zip(nb.cells, nb.cells[1:], strict=False):
        if cell.cell_type != "markdown" or following.cell_type != "code" or not following.get("outputs"):
            continue
        match = _TRAILING_HEADING.search(_join(cell.source))
        shown = [
            o
            for o in following.outputs
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        data = shown[0].get("data", {}) if shown else {}
        if not match or not _join(data.get("text/html", "")).lstrip().startswith("<figure"):
            continue
        data["text/html"] = f'<div class="rp-keep">{match.group(1)}{_join(data["text/html"])}</div>'
        cell.source = _join(cell.source)[: match.start()]


def _project_dataset_info() -> dict[str, Any] | None:
    """The project's dataset block, or None outside a project or before the clean stage has run."""
    try:
        return load_dataset_info()
    except InputError:
        return None


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _html_cell(nbformat, text: str, tag: str):
    output = nbformat.v4.new_output("display_data", data={"text/html": text})
    cell = nbformat.v4.new_code_cell(source="", outputs=[output])
    cell.metadata["tags"] = [tag]
    cell.id = tag  # a fixed id (nbformat draws a random one): the same notebook renders to the same bytes
    return cell


def _print_stamp(stamps: Mapping[str, str]) -> str:
    """The one-line stamp in the printed pages' bottom margin, safe inside a CSS string."""
    parts = []
    if stamps.get("commit"):
        parts.append(f"Programkode: {stamps['commit']}")
    if stamps.get("data-hash"):
        parts.append(f"Datagrundlag: {stamps['data-hash']}")
    if stamps.get("run-date"):
        parts.append(f"Kørt: {stamps['run-date']}")
    text = html.unescape(" · ".join(parts))
    return re.sub(r"[^\w .,:()·–-]", "", text)


def tag_remover():
    from nbconvert.preprocessors import TagRemovePreprocessor

    remover = TagRemovePreprocessor()
    remover.remove_cell_tags = {"remove-cell", "parameters", "injected-parameters"}
    remover.remove_all_outputs_tags = {"remove-output"}
    remover.remove_input_tags = {"remove-input"}
    return remover
