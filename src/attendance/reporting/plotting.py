"""Figures for reports: the palette, Danish axis formatters, matplotlib defaults and `show_figure`, which
embeds a figure as a PNG data URI with its caption and alt text (reports load nothing from other hosts)."""

from __future__ import annotations

import base64
import io
from typing import Any

from .formats import escape_html, fmt_tick

# --------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------

PALETTE = ("#1f4e79", "#e07b39", "#5b9a68", "#8c6bb1", "#c44e52", "#6f6f6f")


def danish_formatter(decimals: int | None = None, percent: bool = False, suffix: str = ""):
    """A matplotlib FuncFormatter with Danish decimal commas and thousands points.

    matplotlib's `axes.formatter.use_locale` needs a Danish locale installed on the machine, which municipal
    and CI machines rarely have; formatting ourselves works everywhere. `percent=True` reads values as shares.
    """
    from matplotlib.ticker import FuncFormatter

    def format_tick(value: float, _position: Any = None) -> str:
        if percent:
            return f"{fmt_tick(value * 100, decimals)} %"
        return f"{fmt_tick(value, decimals)}{suffix}"

    return FuncFormatter(format_tick)


def use_danish_axes(ax, x: bool = True, y: bool = True, decimals: int | None = None, percent: bool = False):
    """Danish number formats on the numeric axes of `ax` (categorical axes are left alone)."""
    from matplotlib.ticker import ScalarFormatter

    for wanted, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if wanted and isinstance(axis.get_major_formatter(), ScalarFormatter):
            axis.set_major_formatter(danish_formatter(decimals, percent=percent))
    return ax


def setup_matplotlib() -> None:
    """One look for every report figure: system fonts, light grid, no top/right spines, the report palette."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (8.0, 4.2),
            "figure.dpi": 100,
            "figure.facecolor": "white",
            "savefig.facecolor": "white",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#6f6f6f",
            "axes.grid": True,
            "axes.axisbelow": True,
            "grid.color": "#dddddd",
            "grid.linewidth": 0.6,
            "axes.prop_cycle": mpl.cycler(color=list(PALETTE)),
            "legend.frameon": False,
            "axes.unicode_minus": True,
            "axes.formatter.use_locale": False,
        }
    )
    # seaborn draws with this colour cycle too; it is imported only by the figures that use it (a heatmap):
    # importing it here cost every report 0.6 s (with scipy.stats; ~0.1 s where a report loads that anyway)
    enable_alt_text()  # a figure displayed without show_figure still gets an alt text


def _figure_of(fig: Any):
    """Accept a Figure, an Axes or a seaborn grid."""
    for attribute in ("savefig",):
        if hasattr(fig, attribute):
            return fig
    for attribute in ("figure", "fig"):
        candidate = getattr(fig, attribute, None)
        if candidate is not None and hasattr(candidate, "savefig"):
            return candidate
    raise TypeError(f"not a matplotlib figure: {type(fig).__name__}")


def show_figure(fig: Any, caption: str, alt: str, *, dpi: int = 144, source: str | None = None):
    """Embed a figure as a base64 PNG with a numbered caption; the figure is closed (no second copy).

    144 dpi is 1.5 × screen resolution: sharp on screen and on paper, and a typical figure stays ~100 kB,
    so a report with a dozen figures is far below the 5 MB limit for e-mail.
    """
    from IPython.display import HTML

    if not str(alt).strip():
        raise ValueError("show_figure needs an alt text that says what the figure shows")
    figure = _figure_of(fig)

    danish_numbers(figure)  # "0,8" on every numeric axis, whoever drew the figure
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"optimize": True})
    import matplotlib.pyplot as plt

    plt.close(figure)
    png = buffer.getvalue()
    width, height = _png_size(png)
    css_width, css_height = round(width * 96 / dpi), round(height * 96 / dpi)
    data = base64.b64encode(png).decode("ascii")
    parts = [
        '<figure class="rp-figure">',
        f'<img src="data:image/png;base64,{data}" alt="{escape_html(alt)}" width="{css_width}" height="{css_height}">',
        f"<figcaption>{escape_html(caption)}",
    ]
    if source:
        parts.append(f' <span class="rp-source">Kilde: {escape_html(source)}</span>')
    parts.append("</figcaption></figure>")
    return HTML("".join(parts))


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _chart_kind(ax) -> str:
    from matplotlib.collections import PathCollection, PolyCollection, QuadMesh
    from matplotlib.image import AxesImage
    from matplotlib.patches import Rectangle

    if any(isinstance(c, QuadMesh) for c in ax.collections) or any(
        isinstance(i, AxesImage) for i in ax.images
    ):
        return "varmekort"
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() and p.get_width()]
    if len(bars) >= 2:
        return "søjlediagram"
    if any(isinstance(c, PathCollection) for c in ax.collections) and not ax.lines:
        return "punktdiagram"
    if ax.lines or any(isinstance(c, PolyCollection) for c in ax.collections):
        return "kurve"
    return "diagram"


def describe_figure(fig: Any) -> str:
    """A Danish alt text that says what a matplotlib figure shows, from its own titles, axis labels and
    legend entries: "Varmekort: Gennemsnitligt samtidigt fremmøde …. Delfigurer: <tilbud> (vandret: Tidsrum; lodret: Ugedag);
    …". Used when a notebook displays a figure directly; report figures pass their own alt to show_figure."""
    figure = fig if hasattr(fig, "axes") and hasattr(fig, "savefig") else getattr(fig, "figure", fig)
    axes = [ax for ax in figure.axes if ax.get_visible() and ax.get_label() != "<colorbar>" and ax.has_data()]
    kinds = list(dict.fromkeys(_chart_kind(ax) for ax in axes)) or ["diagram"]
    title = figure._suptitle.get_text().strip() if getattr(figure, "_suptitle", None) else ""
    parts = []
    for ax in axes[:6]:
        bits = []
        if ax.get_xlabel():
            bits.append(f"vandret: {ax.get_xlabel()}")
        if ax.get_ylabel():
            bits.append(f"lodret: {ax.get_ylabel()}")
        legend = ax.get_legend()
        if legend is not None:
            entries = [t.get_text() for t in legend.get_texts() if t.get_text()]
            if entries:
                bits.append("serier: " + ", ".join(entries[:6]))
        name = ax.get_title().strip()
        if name or bits:
            parts.append(
                f"{name}{' (' if name and bits else ''}{'; '.join(bits)}{')' if name and bits else ''}"
            )
    kind = " og ".join(kinds)
    text = kind[:1].upper() + kind[1:]
    if title:
        text += f": {title}"
    if parts:
        text += (". Delfigurer: " if len(parts) > 1 else ". ") + " · ".join(parts)
    return text.strip() + ("" if text.endswith(".") else ".")


def danish_numbers(fig: Any) -> Any:
    """Danish decimal commas and thousands points on every numeric axis of a figure, colour bars included
    ("0,8" and "1.200", never "0.8" or "1,200"): each axis that still has matplotlib's default
    ScalarFormatter gets `report.danish_formatter()`. Axes with their own formatter (dates, times, percent,
    categories) are left alone. `report.show_figure` and the notebook display hook call it on every figure."""
    from matplotlib.ticker import ScalarFormatter

    figure = fig if hasattr(fig, "axes") and hasattr(fig, "savefig") else getattr(fig, "figure", fig)
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(danish_formatter())
    return fig


def enable_alt_text() -> bool:
    """Give every matplotlib figure the notebook displays (plt.show, a figure as a cell's last value) an alt
    text from `describe_figure`, carried in the output's metadata (`image/png` → `alt`), which the report
    template writes into the <img>, and Danish numbers on its axes (`danish_numbers`). Returns False outside
    IPython (nothing to do).

    The inline backend registers its own PNG formatter when it is loaded (usually at the first figure, after
    this call) and again on `%matplotlib inline`; so the backend is loaded first, and the wrapper is put back
    before every cell runs if something replaced it."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import matplotlib.pyplot as plt

    try:
        plt._get_backend_mod()  # load the backend now, so its formatter is the one we wrap
    except AttributeError:  # pragma: no cover - older/newer matplotlib
        plt.switch_backend(plt.get_backend())
    _wrap_png_formatter(shell)
    if not getattr(shell, "_attendance_alt_hook", False):
        shell.events.register("pre_execute", lambda: _wrap_png_formatter(shell))
        shell._attendance_alt_hook = True
    return True


def _wrap_png_formatter(shell) -> None:
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters["image/png"]
    try:
        previous = formatter.lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import print_figure

        def previous(figure):
            return print_figure(figure, "png", base64=True)

    if getattr(previous, "_attendance_alt", False):
        return

    def with_alt(figure):
        danish_numbers(figure)
        data = previous(figure)
        if data is None:
            return None
        if isinstance(data, tuple):
            data, metadata = data
            metadata = dict(metadata or {})
        else:
            metadata = {}
        metadata.setdefault("alt", describe_figure(figure))
        return data, metadata

    with_alt._attendance_alt = True
    formatter.for_type(Figure, with_alt)
