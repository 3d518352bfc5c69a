"""Measure detection on a labelled TSV: `quidprono eval FILE` and `make eval`.

The file has a header line and the columns label, sure, platform, source, id, text (UTF-8, tab-separated,
no quoting; a file without the platform column is read as one platform, `unknown`). Only rows marked sure
count. A demand is a row labelled `reciprocal` or `request`; detection is scored as binary (precision, recall,
F1), and the kind on the true demands that were detected.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Detection
from bot.core.detect import Classification, detector_for

PRECISION_TARGET = 0.97
F1_TARGET = 0.95
KIND_TARGET = 0.90

LABELS = ("reciprocal", "request", "discuss", "other")
DEMAND_LABELS = frozenset({"reciprocal", "request"})
COLUMNS = ("label", "sure", "platform", "source", "id", "text")
_LEGACY_COLUMNS = ("label", "sure", "source", "id", "text")  # before the platform column
_HEADER = "\t".join(COLUMNS)


class EvalFileError(ValueError):
    """The labelled file cannot be read; the message names the line."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    label: str
    sure: bool
    platform: str
    source: str
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Miss:
    """A sure row the detector got wrong: a false alarm, a miss, or the wrong kind."""

    row: Row
    predicted: str  # "reciprocal", "request" or "none"


@dataclass(frozen=True, slots=True)
class EvalReport:
    path: str
    rows: int  # all rows in the file
    scored: int  # sure rows
    tp: int
    fp: int
    fn: int
    tn: int
    kind_right: int  # true demands detected with the right kind
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (label, predicted) -> count
    misses: tuple[Miss, ...] = ()

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def kind_accuracy(self) -> float:
        return self.kind_right / self.tp if self.tp else 0.0

    @property
    def meets_targets(self) -> bool:
        return (self.precision >= PRECISION_TARGET and self.f1 >= F1_TARGET
                and self.kind_accuracy >= KIND_TARGET)

    def format(self, *, show_misses: bool = False) -> str:
        """A table a person can read: the scores against their targets, then the confusion by label."""
        def verdict(value: float, target: float) -> str:
            return f"{value:6.3f}  (target >= {target:.2f}: {'met' if value >= target else 'NOT MET'})"

        lines = [
            f"detection on {self.path}: {self.scored} sure rows of {self.rows}",
            "",
            f"  precision      {verdict(self.precision, PRECISION_TARGET)}",
            f"  recall         {self.recall:6.3f}",
            f"  F1             {verdict(self.f1, F1_TARGET)}",
            f"  kind accuracy  {verdict(self.kind_accuracy, KIND_TARGET)}"
            f"  ({self.kind_right}/{self.tp} detected demands)",
            "",
            "  confusion      demand  not demand",
            f"  demand        {self.tp:7d}  {self.fn:10d}",
            f"  not demand    {self.fp:7d}  {self.tn:10d}",
            "",
            "  label \\ predicted   reciprocal  request  none",
        ]
        for label in LABELS:
            counts = [self.confusion.get((label, predicted), 0) for predicted in ("reciprocal", "request", "none")]
            lines.append(f"  {label:<19} {counts[0]:10d} {counts[1]:8d} {counts[2]:5d}")
        lines += ["", f"targets: {'met' if self.meets_targets else 'NOT MET'}"]
        if show_misses and self.misses:
            lines += ["", "wrong on:"]
            lines += [f"  line {m.row.line}: {m.row.label} -> {m.predicted}: {m.row.text[:150]}" for m in self.misses]
        return "\n".join(lines)


def read_rows(path: Path) -> Iterator[Row]:
    """The rows of a labelled TSV, checked; raises EvalFileError naming the first bad line."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = tuple(column.strip() for column in next(reader, ()))
            if header not in (COLUMNS, _LEGACY_COLUMNS):
                raise EvalFileError(f"{path}: line 1: expected the header {_HEADER!r}")
            for record in reader:
                if len(record) != len(header):
                    raise EvalFileError(f"{path}: line {reader.line_num}: expected {len(header)} tab-separated"
                                        f" columns, got {len(record)}")
                legacy = header == _LEGACY_COLUMNS
                yield _row(path, reader.line_num, [*record[:2], "unknown", *record[2:]] if legacy else record)
    except UnicodeDecodeError as error:
        raise EvalFileError(f"{path}: not UTF-8: {error.reason}") from None
    except OSError as error:
        raise EvalFileError(f"{path}: cannot read: {error.strerror}") from None


def _row(path: Path, line: int, record: list[str]) -> Row:
    label, sure, platform, source, row_id, text = record
    if label not in LABELS:
        raise EvalFileError(f"{path}: line {line}: unknown label {label!r}; expected one of {', '.join(LABELS)}")
    if sure not in ("0", "1"):
        raise EvalFileError(f"{path}: line {line}: sure must be 0 or 1, not {sure!r}")
    return Row(line, label, sure == "1", platform, source, row_id, text)


def evaluate_rows(rows: Iterable[Row], classify: Callable[[str], Classification], path: str = "") -> EvalReport:
    counts: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[Miss] = []
    total = 0
    for row in rows:
        total += 1
        if not row.sure:
            continue
        result = classify(row.text)
        predicted = str(result.kind) if result.kind else "none"
        confusion[row.label, predicted] += 1
        truth = row.label in DEMAND_LABELS
        counts[("t" if truth == result.demand else "f") + ("p" if result.demand else "n")] += 1
        if truth and result.demand and predicted == row.label:
            counts["kind"] += 1
        elif truth or result.demand:
            misses.append(Miss(row, predicted))
    return EvalReport(
        path=path, rows=total, scored=sum(confusion.values()), tp=counts["tp"], fp=counts["fp"], fn=counts["fn"],
        tn=counts["tn"], kind_right=counts["kind"], confusion=dict(confusion), misses=tuple(misses),
    )


def evaluate_file(path: Path, config: Detection | None = None) -> EvalReport:
    """Score the detector (with `config`'s extra phrases, if given) on the sure rows of a labelled TSV."""
    detector = detector_for(config if config is not None else Detection())
    return evaluate_rows(read_rows(path), detector.classify, str(path))
