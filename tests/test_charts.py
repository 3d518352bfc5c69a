"""The statistics chart is a real PNG of the right size, for busy and for quiet servers."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.charts import stats_png
from bot.core.model import Outcome
from bot.core.stats import DemandRow, compute

TODAY = date(2026, 3, 10)


def decoded(png: bytes) -> Image.Image:
    """The image a viewer would show, once Pillow has checked the PNG's signature and every chunk's CRC."""
    Image.open(io.BytesIO(png), formats=["PNG"]).verify()
    image = Image.open(io.BytesIO(png), formats=["PNG"])
    image.load()
    return image


def busy_stats() -> object:
    rows = []
    for days_ago in range(30):
        day = TODAY - timedelta(days=days_ago)
        at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        for n in range(days_ago % 7):
            outcome = [Outcome.DECLINE, Outcome.CONNECT, Outcome.PROPOSE, Outcome.COOLDOWN][n % 4]
            rows.append(DemandRow(at, n, outcome))
    return compute(rows, accepted=3, today=TODAY, days=30)


def test_the_chart_is_a_valid_png(tmp_path: Path) -> None:
    png = stats_png(busy_stats())  # type: ignore[arg-type]
    image = decoded(png)
    assert image.size == (900, 400)
    assert len(image.getcolors(maxcolors=100_000) or []) > 10  # bars and text, not a blank image
    (tmp_path / "stats.png").write_bytes(png)


def test_a_quiet_server_still_gets_a_chart() -> None:
    assert decoded(stats_png(compute([], accepted=0, today=TODAY, days=30))).size == (900, 400)
