"""The report's charts: matplotlib figures rendered headless to inline SVG strings.

Only `matplotlib.figure.Figure` is used (no pyplot): no global backend or GUI state, so the
charts render the same on a server, in a worker or in a test. Text stays text in the SVG
(svg.fonttype none): the page is smaller and its numbers can be searched and selected.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

BLUE = "#3a6ea5"
RED = "#d1495b"
GREEN = "#2a9d8f"
GREY = "#9aa5b1"
ORANGE = "#edae49"

LICENSE_CLASS_COLORS = {
    "public_domain": "#1b7f6b",
    "permissive": "#2a9d8f",
    "copyleft": "#8ab17d",
    "noncommercial": "#e9c46a",
    "noderivatives": "#f4a261",
    "all_rights_reserved": "#e76f51",
    "unknown": "#b8c0c8",
}
FALLBACK_COLORS = ["#3a6ea5", "#edae49", "#66a182", "#d1495b", "#8d6a9f", "#00798c", "#a27e57"]

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "ccprov-report",  # stable element ids: same data, same bytes
    # Labels are page-supplied (host names, languages): "$...$" must be text, not mathtext
    # (www.a$\frac$.com crashed the report).
    "text.parse_math": False,
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def color_for(category: str, index: int) -> str:
    return LICENSE_CLASS_COLORS.get(category, FALLBACK_COLORS[index % len(FALLBACK_COLORS)])


def to_svg(fig: Figure, title: str) -> str:
    """The figure as an inline <svg> element with an accessible title."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and DOCTYPE: inline in HTML
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    escaped = title.replace("&", "&amp;").replace("<", "&lt;")
    svg = svg.replace(">", f' role="img" aria-label="{escaped}"><title>{escaped}</title>', 1)
    return svg


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _axes(fig: Figure):
    with matplotlib.rc_context(_RC):
        ax = fig.add_subplot()
    return ax


def funnel_chart(records_read: int, responses: int, stages: Sequence[dict]) -> str:
    """One bar per step: what remains (blue) and what the step removed (red)."""
    labels = ["WARC records (all types)", "responses"] + [s["stage"] for s in stages] + ["kept"]
    remaining = [records_read, responses] + [s["out"] for s in stages]
    removed = [0, 0] + [s["removed"] for s in stages]
    kept = stages[-1]["out"] if stages else responses
    remaining.append(kept)
    removed.append(0)
    colors = [GREY, BLUE] + [BLUE] * len(stages) + [GREEN]
    fig = _figure(9, 0.32 * len(labels) + 0.8)
    with matplotlib.rc_context(_RC):
        ax = _axes(fig)
        y = list(range(len(labels)))
        ax.barh(y, remaining, color=colors, height=0.7)
        ax.barh(y, removed, left=remaining, color=RED, height=0.7, label="removed by this step")
        peak = max(remaining + [1])
        for yi, (left, gone) in enumerate(zip(remaining, removed, strict=True)):
            text = f"{left:,}" + (f"  −{gone:,}" if gone else "")
            ax.text(left + gone + peak * 0.01, yi, text, va="center", fontsize=8)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, peak * 1.18)
        ax.set_xlabel("records")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower right", frameon=False)
    return to_svg(fig, "Funnel: records remaining after each step")


def hbar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    xlabel: str = "documents",
    colors: Sequence[str] | None = None,
    value_format: str = "{:,.0f}",
) -> str:
    """Horizontal bars, stacked when `series` has several entries (e.g. kept / not kept)."""
    fig = _figure(9, 0.3 * max(len(labels), 2) + 0.9)
    with matplotlib.rc_context(_RC):
        ax = _axes(fig)
        y = list(range(len(labels)))
        left = [0.0] * len(labels)
        for index, (name, values) in enumerate(series.items()):
            color = colors[index] if colors else FALLBACK_COLORS[index % len(FALLBACK_COLORS)]
            ax.barh(y, values, left=left, color=color, height=0.7, label=name)
            left = [a + b for a, b in zip(left, values, strict=True)]
        peak = max(left + [1e-9])
        for yi, total in enumerate(left):
            text = value_format.format(total)
            ax.text(total + peak * 0.01, yi, text, va="center", fontsize=8)
        ax.set_yticks(y, list(labels))
        ax.invert_yaxis()
        ax.set_xlim(0, peak * 1.15 if peak > 0 else 1)
        ax.set_xlabel(xlabel)
        if xlabel == "documents":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(series) > 1:
            ax.legend(loc="lower right", frameon=False)
    return to_svg(fig, title)


def histogram_chart(
    edges: Sequence[float],
    series: dict[str, Sequence[int]],
    title: str,
    xlabel: str,
    threshold: float | None = None,
    colors: Sequence[str] = (BLUE, ORANGE),
) -> str:
    """Stacked histogram over fixed bins; an optional vertical threshold line."""
    fig = _figure(9, 2.8)
    widths = [b - a for a, b in zip(edges[:-1], edges[1:], strict=True)]
    with matplotlib.rc_context(_RC):
        ax = _axes(fig)
        bottom = [0] * (len(edges) - 1)
        for index, (name, counts) in enumerate(series.items()):
            ax.bar(
                edges[:-1],
                counts,
                width=widths,
                bottom=bottom,
                align="edge",
                color=colors[index % len(colors)],
                edgecolor="white",
                linewidth=0.5,
                label=name,
            )
            bottom = [a + b for a, b in zip(bottom, counts, strict=True)]
        if threshold is not None:
            ax.axvline(threshold, color=RED, linestyle="--", linewidth=1)
            ax.text(threshold, max(bottom + [1]) * 0.95, f" threshold {threshold:g}", color=RED)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_xlabel(xlabel)
        ax.set_ylabel("documents")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(series) > 1:
            ax.legend(frameon=False)
    return to_svg(fig, title)


def count_bars_chart(
    categories: Sequence[str], counts: Sequence[int], title: str, xlabel: str, ylabel: str
) -> str:
    """Vertical bars over integer categories (cluster sizes); log scale when counts span
    more than two orders of magnitude."""
    fig = _figure(9, 2.6)
    with matplotlib.rc_context(_RC):
        ax = _axes(fig)
        x = list(range(len(categories)))
        ax.bar(x, counts, color=BLUE, width=0.7)
        ax.set_xticks(x, list(categories))
        positive = [c for c in counts if c > 0]
        if positive and max(positive) / min(positive) > 100:
            ax.set_yscale("log")
        for xi, count in zip(x, counts, strict=True):
            ax.text(xi, count, f"{count:,}", ha="center", va="bottom", fontsize=8)
        if ax.get_yscale() != "log":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(top=max(counts + [1]) * (3 if ax.get_yscale() == "log" else 1.15))
    return to_svg(fig, title)


def share_bar_html(parts: Sequence[tuple[str, int]], total: int) -> str:
    """A one-line stacked bar as plain HTML (for table cells), with a text legend in title."""
    if total <= 0:
        return ""
    cells = []
    for index, (name, count) in enumerate(parts):
        if count <= 0:
            continue
        width = 100.0 * count / total
        label = f"{name}: {count:,} ({width:.0f}%)"
        cells.append(
            f'<span style="width:{width:.2f}%;background:{color_for(name, index)}" '
            f'title="{html.escape(label)}"></span>'
        )
    return f'<span class="mix">{"".join(cells)}</span>'


def size_bucket(size: int) -> str:
    """Cluster-size bucket label: 2..10 one by one, then 11-16, 17-32, ... (powers of two)."""
    if size <= 10:
        return str(size)
    upper = 16
    while upper < size:
        upper *= 2
    return f"{upper // 2 + 1 if upper > 16 else 11}-{upper}"


def nice_percent(part: int, whole: int) -> str:
    if whole <= 0:
        return "–"
    value = 100.0 * part / whole
    if value and value < 0.1:
        return "<0.1%"
    return f"{value:.1f}%" if not math.isclose(value, round(value)) else f"{value:.0f}%"
