"""The statistics chart is a real PNG of the right size, for busy and for quiet servers."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.charts import stats_png
from bot.core.model import Outcome
from bot.core.stats import DemandRow, compute

TODAY = date(2026, 3, 10)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """Walk the PNG chunk by chunk, checking each CRC as a decoder would."""
    assert png.startswith(PNG_SIGNATURE)
    found, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind, data = png[offset + 4:offset + 8], png[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + data) == crc
        found.append((kind, data))
        offset += 12 + length
    return found


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
    stats = busy_stats()
    png = stats_png(stats)  # type: ignore[arg-type]
    parsed = chunks(png)
    assert parsed[0][0] == b"IHDR" and parsed[-1][0] == b"IEND"
    width, height = struct.unpack(">II", parsed[0][1][:8])
    assert (width, height) == (900, 400)
    pixels = zlib.decompress(b"".join(data for kind, data in parsed if kind == b"IDAT"))
    assert len(set(pixels)) > 10  # bars and text, not a blank image
    (tmp_path / "stats.png").write_bytes(png)


def test_a_quiet_server_still_gets_a_chart() -> None:
    png = stats_png(compute([], accepted=0, today=TODAY, days=30))
    assert chunks(png)[0][0] == b"IHDR"
