"""Measure detection on a labelled TSV: `quidprono eval FILE` and `make eval`.

The file has a header line and the columns label, sure, platform, source, id, text (UTF-8, tab-separated,
no quoting; a file without the platform column is read as one platform, `unknown`). Only rows marked sure
count. A demand is a row labelled `reciprocal` or `request`; detection is scored as binary (precision, recall,
F1), and the kind on the true demands that were detected.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.detect import Classification, detector_for
from bot.core.settings import Detection

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


# --- by platform: the generalisation table -------------------------------------------------------------

LOPO_PRECISION_TARGET = 0.95
LOPO_F1_TARGET = 0.90
HARD_NEGATIVE_TARGET = 0.02
# The keyword baseline: the plain scan a first detector would be (also the speed baseline in bench/).
KEYWORDS = re.compile(r"\b(?:follow|sub|subscribe|f4f|s4s|sub4sub|add me|follow back)\b", re.IGNORECASE)
# A hard negative: a message that is no demand but holds a follow word, in the social sense or another.
_FOLLOW_WORD = re.compile(r"follow|\bsub|subscri|f4f|s4s|add me|friend me", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else None

    def add(self, truth: bool, predicted: bool) -> Score:
        return Score(self.tp + (truth and predicted), self.fp + (predicted and not truth),
                     self.fn + (truth and not predicted))


def score_by_platform(rows: Iterable[Row], predict: Callable[[str], bool]) -> dict[str, Score]:
    """Each platform scored alone (the rules are fitted to none of them), plus `all`."""
    scores: dict[str, Score] = {}
    for row in rows:
        if row.sure:
            truth, predicted = row.label in DEMAND_LABELS, predict(row.text)
            for key in (row.platform, "all"):
                scores[key] = scores.get(key, Score()).add(truth, predicted)
    return scores


def hard_negatives(rows: Iterable[Row], predict: Callable[[str], bool]) -> tuple[int, int, int]:
    """(suite size, of which `discuss` rows, false alarms) over the sure non-demands holding a follow word."""
    suite = [row for row in rows if row.sure and row.label not in DEMAND_LABELS and _FOLLOW_WORD.search(row.text)]
    return len(suite), sum(row.label == "discuss" for row in suite), sum(predict(row.text) for row in suite)


def format_platforms(rows: list[Row], predict: Callable[[str], bool]) -> tuple[str, bool]:
    """The per-platform table beside the keyword baseline, and the hard-negative rate; and whether targets hold."""
    ours, base = score_by_platform(rows, predict), score_by_platform(rows, lambda text: bool(KEYWORDS.search(text)))
    lines = ["by platform (each platform scored as unseen; precision / recall / F1, false alarms)", "",
             f"  {'platform':<10} {'detector':>28}   {'keyword baseline':>28}"]
    met = True
    for platform in sorted(ours, key=lambda p: (p == "all", p)):
        mine = ours[platform]
        target = LOPO_F1_TARGET if platform == "all" else None
        met &= (mine.precision or 0) >= LOPO_PRECISION_TARGET if mine.tp + mine.fp else True
        met &= target is None or (mine.f1 or 0) >= target
        lines.append(f"  {platform:<10} {_cells(mine)}   {_cells(base[platform])}")
    size, discuss, alarms = hard_negatives(rows, predict)
    rate = alarms / size if size else 0.0
    met &= rate <= HARD_NEGATIVE_TARGET
    lines += ["", f"hard negatives: {size} sure non-demands holding a follow word ({discuss} discuss following),"
              f" {alarms} false alarms = {rate:.1%} (target <= {HARD_NEGATIVE_TARGET:.0%})",
              f"targets (precision >= {LOPO_PRECISION_TARGET} on every platform, F1 >= {LOPO_F1_TARGET} overall,"
              f" hard negatives <= {HARD_NEGATIVE_TARGET:.0%}): {'met' if met else 'NOT MET'}"]
    return "\n".join(lines), met


def _cells(score: Score) -> str:
    def cell(value: float | None) -> str:
        return "  -  " if value is None else f"{value:.3f}"
    return f"{cell(score.precision)} {cell(score.recall)} {cell(score.f1)} {score.fp:4d}"
