"""The statistics chart: demands per day for the window, stacked by outcome group, as PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display, ever: the bot and the CLI only write files and uploads

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.core.stats import GROUP_COLOURS as COLOURS
from bot.core.stats import Stats


def stats_png(stats: Stats, title: str = "Follow-back demands") -> bytes:
    """A stacked bar per day; a quiet period still draws its (empty) axis so the chart never fails."""
    # A Figure (not pyplot) keeps no global state: safe to call from concurrent commands.
    figure = Figure(figsize=(9, 4), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(stats.days)))
    bottom = [0] * len(positions)
    for group, counts in stats.per_day.items():
        axes.bar(positions, counts, bottom=bottom, color=COLOURS.get(group, "#666666"), label=group, width=0.8)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    step = max(1, len(positions) // 10)
    axes.set_xticks(positions[::step], [day.strftime("%m-%d") for day in stats.days[::step]])
    axes.set_ylabel("demands")
    axes.set_title(f"{title}, last {len(stats.days)} days: {stats.total} total, {stats.connections} connections")
    axes.set_ylim(0, max(max(bottom, default=0), 1) * 1.3)  # headroom for the legend
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # demands come whole
    axes.legend(loc="upper left", frameon=False, ncols=4)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
