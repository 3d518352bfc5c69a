"""`make train`: fit the detector's confidence model on the labelled messages, and show whether it earns its place.

The rules find the demands; the model (`bot.core._detect_confidence`) says how sure each finding is, which
decides between answering, asking the author first and ignoring. It is trained on every sure labelled row the
rules call a demand (the others get no confidence: the rules found nothing to weigh). Before it is written,
it is measured the way detection is: leave one platform out (train on five platforms, predict the sixth),
against the hand-set confidences it replaces, on calibration (Brier score, log-loss) and on the decisions
both make at the default thresholds and at a stricter answer threshold.

Deterministic: no randomness, a fixed number of Newton steps, weights rounded to 4 places, keys sorted; so
`python -m bot.training` twice writes the same bytes, and `--check` says whether the file in the repository is
the one the data and rules give now.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.core._detect_confidence import MENTION, MENTION_FIRST, MODEL_FILE, Model
from bot.core.detect import Detector
from bot.core.settings import Detection
from bot.evaluation import DEMAND_LABELS, Row, read_rows

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
FILES = (DATA / "demands-dev.tsv", DATA / "demands-corpus.tsv")
L2 = 1.0  # ridge penalty on every weight but the bias: few rows, nearly separable, so it must be there
STEPS = 25  # Newton steps; converged long before (the change in the last steps is below 1e-9)
MIN_COUNT = 2  # a signal seen in fewer training rows gets no weight of its own
THRESHOLDS = ((0.7, 0.5), (0.9, 0.5))  # (answer, ask): the defaults, and a stricter server


@dataclass(frozen=True, slots=True)
class Example:
    """A sure labelled row the rules call a demand: its signals, its truth, and the hand-set confidences."""

    platform: str
    signals: tuple[str, ...]
    truth: bool
    handset: float  # as `quidprono check --json` gave it before the model (no Discord context)
    handset_in_context: float  # as the bot gave it: the mentions the text shows as Discord's context


def examples(rows: Sequence[Row], detector: Detector) -> list[Example]:
    found = []
    for row in rows:
        result = detector.classify(row.text)
        if row.sure and result.kind is not None and result.signals:
            handset = handset_confidence(result.evidence)
            found.append(Example(row.platform, result.signals, row.label in DEMAND_LABELS, handset,
                                 handset_in_context(handset, result.signals)))
    return found


# --- the hand-set confidences the model replaces (issue 11, first version) ------------------------------

_STRONG = re.compile(r"\b(?:me|my|us|our|back|you|each other|4|for|need|give|gimme|hit|help|be|become|please)\b"
                     r"|^(?:f4f|s4s|subs4subs|fol4fol|add4add)$")


def handset_confidence(evidence: Sequence[str]) -> float:
    """0.95 for evidence naming the writer or an exchange ("follow me", "f4f"), 0.7 for a bare one."""
    return 0.95 if any(_STRONG.search(phrase) for phrase in evidence) else 0.7


def handset_in_context(confidence: float, signals: Sequence[str]) -> float:
    """-0.15 when nobody is mentioned, +0.03 when a mention starts the message."""
    if MENTION not in signals:
        confidence -= 0.15
    elif MENTION_FIRST in signals:
        confidence += 0.03
    return round(min(max(confidence, 0.0), 0.99), 2)


# --- fitting -----------------------------------------------------------------------------------------

def fit(train: Sequence[Example]) -> Model:
    """L2-regularised logistic regression by Newton's method over the signals seen at least MIN_COUNT times."""
    counts = Counter(name for example in train for name in example.signals)
    names = sorted(name for name, count in counts.items() if count >= MIN_COUNT)
    column = {name: at + 1 for at, name in enumerate(names)}  # column 0 is the bias
    rows = [([0, *sorted(column[n] for n in example.signals if n in column)], example.truth) for example in train]
    weights = [0.0] * (len(names) + 1)
    for _ in range(STEPS):
        weights = _newton_step(rows, weights)
    return Model(weights[0], dict(zip(names, weights[1:], strict=True)))


def _newton_step(rows: list[tuple[list[int], bool]], weights: list[float]) -> list[float]:
    size = len(weights)
    gradient = [L2 * w if at else 0.0 for at, w in enumerate(weights)]
    hessian = [[(L2 if at else 1e-6) if at == other else 0.0 for other in range(size)] for at in range(size)]
    for active, truth in rows:
        p = 1 / (1 + math.exp(-max(-30.0, min(30.0, sum(weights[at] for at in active)))))
        for at in active:
            gradient[at] += p - truth
            for other in active:
                hessian[at][other] += p * (1 - p)
    step = _solve(hessian, gradient)
    return [w - s for w, s in zip(weights, step, strict=True)]


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    size = len(vector)
    a = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, size):
            factor = a[r][col] / a[col][col]
            if factor:
                a[r] = [x - factor * y for x, y in zip(a[r], a[col], strict=True)]
    out = [0.0] * size
    for r in range(size - 1, -1, -1):
        out[r] = (a[r][size] - sum(a[r][c] * out[c] for c in range(r + 1, size))) / a[r][r]
    return out


def held_out(found: Sequence[Example]) -> list[float]:
    """Leave one platform out: each row's probability from a model trained on the other platforms."""
    predicted = [0.0] * len(found)
    for platform in sorted({example.platform for example in found}):
        model = fit([example for example in found if example.platform != platform])
        for at, example in enumerate(found):
            if example.platform == platform:
                predicted[at] = round(min(model.probability(example.signals), 0.99), 2)
    return predicted


# --- measuring ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Calibration:
    name: str
    brier: float
    log_loss: float
    decisions: tuple[Counter[tuple[str, bool]], ...]  # per THRESHOLDS: answered/asked/ignored x demand/false alarm

    def row(self) -> str:
        cells = [f"{self.name:<34} {self.brier:6.4f} {self.log_loss:8.4f}"]
        for counts in self.decisions:
            cells.append(f"{counts['answer', True]:4d}/{counts['answer', False]:<3d} {counts['ask', True]:3d}/"
                         f"{counts['ask', False]:<3d} {counts['ignore', True]:3d}/{counts['ignore', False]:<3d}")
        return "  ".join(cells)


def calibration(name: str, found: Sequence[Example], confidences: Sequence[float]) -> Calibration:
    """Brier score and log-loss (confidences clipped to [0.01, 0.99]), and what each threshold pair decides."""
    pairs = list(zip(confidences, (example.truth for example in found), strict=True))
    brier = sum((c - t) ** 2 for c, t in pairs) / len(pairs)
    clipped = [(min(max(c, 0.01), 0.99), t) for c, t in pairs]
    loss = -sum(math.log(c if t else 1 - c) for c, t in clipped) / len(pairs)
    decisions = tuple(Counter((_decide(c, answer, ask), t) for c, t in pairs) for answer, ask in THRESHOLDS)
    return Calibration(name, brier, loss, decisions)


def _decide(confidence: float, answer: float, ask: float) -> str:
    return "answer" if confidence >= answer else "ask" if confidence >= ask else "ignore"


def compare(found: Sequence[Example]) -> tuple[list[Calibration], bool]:
    """The hand-set confidences and the model's held-out ones; whether the model wins.

    It wins when it is better calibrated than both hand-set variants (lower Brier score and log-loss) and answers
    no more false alarms at the default thresholds. At a stricter answer threshold the table shows the trade-off
    as it is: the hand-set confidence with context asks about nearly everything there, false alarms included."""
    handset = calibration("hand-set (check --json)", found, [e.handset for e in found])
    in_context = calibration("hand-set with context (the bot)", found, [e.handset_in_context for e in found])
    model = calibration("model, platform left out", found, held_out(found))
    wins = all(model.brier < other.brier and model.log_loss < other.log_loss
               and model.decisions[0]["answer", False] <= other.decisions[0]["answer", False]
               for other in (handset, in_context))
    return [handset, in_context, model], wins


def format_comparison(found: Sequence[Example], results: list[Calibration], wins: bool) -> str:
    demands = sum(example.truth for example in found)
    header = "  ".join(f"answer {a}/ask {k}: answered, asked, ignored (demands/false alarms)" for a, k in THRESHOLDS)
    lines = [f"confidence on the {len(found)} sure rows the rules call a demand ({demands} demands,"
             f" {len(found) - demands} false alarms), each platform predicted by a model trained on the others",
             "", f"{'':<34} {'Brier':>6} {'log-loss':>8}  {header}"]
    lines += [result.row() for result in results]
    verdict = "the model wins" if wins else "the model does NOT win: keep the hand-set confidences"
    return "\n".join([*lines, "", f"verdict: {verdict} (lower Brier and log-loss than both, no more false alarms"
                                  f" answered at the defaults, answer {THRESHOLDS[0][0]} / ask {THRESHOLDS[0][1]})"])


def train(files: Sequence[Path] = FILES) -> tuple[str, str, bool]:
    """The model file's text (trained on every platform), the comparison, and whether the model wins."""
    rows = [row for path in files for row in read_rows(path)]
    found = examples(rows, Detector(Detection()))
    results, wins = compare(found)
    about = {"trained_on": [path.name for path in files], "rows": len(found),
             "demands": sum(example.truth for example in found), "l2": L2, "steps": STEPS, "min_count": MIN_COUNT,
             "rebuild": "make train"}
    return fit(found).dumps(about), format_comparison(found, results, wins), wins


def main(argv: Sequence[str] | None = None, write: Callable[[str], object] = MODEL_FILE.write_text) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.training", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the model file is up to date")
    args = parser.parse_args(argv)
    text, comparison, _wins = train()
    print(comparison)
    current = MODEL_FILE.read_text(encoding="utf-8") if MODEL_FILE.exists() else ""
    if args.check:
        print(f"{MODEL_FILE.name}: {'up to date' if current == text else 'OUT OF DATE: run make train'}")
        return 0 if current == text else 1
    write(text)
    print(f"{MODEL_FILE.name}: {'unchanged' if current == text else 'written'} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
