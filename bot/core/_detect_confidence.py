"""How sure a detection is: a logistic regression over what the rules found and whom the message addresses.

The rules decide what can be a demand; this model says how likely such a finding is one, which decides
between answering, asking the author first and ignoring. Its inputs are named signals a person can read:
the kind found, the words of the evidence phrases ("ev:me", "ev:back", "ev:@handle"), whether a member is
mentioned and whether a mention starts the message (from the text, or from Discord's context: a reply
counts as addressed), and the message's length. Its weights are trained by `make train` (`bot.training`)
on the labelled corpus and kept, named, in `detect_model.json` beside this file; the figures that chose it
over the hand-set confidences it replaced are in bench/README.md ("Confidence").
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("detect_model.json")
TRIGGER_CONFIDENCE = 0.85  # a server's own phrase: the corpus knows none, so the model cannot weigh it
MENTION = "mention"
MENTION_FIRST = "mention:first"
_NOT_MEMBERS = frozenset({"@url", "@chan", "@time"})  # tokens of links, channels and timestamps


def signals(text: str, kind: str, evidence: Iterable[str]) -> tuple[str, ...]:
    """The named inputs of the model for a finding of `kind` in normalised `text`, sorted and unique."""
    found = {f"kind:{kind}"}
    phrases = [phrase for phrase in evidence if ":" not in phrase]  # not "trigger:...", "exception:..."
    found.update(f"ev:{_word(word)}" for phrase in phrases for word in phrase.split())
    if len(phrases) > 1:
        found.add("phrases:2+")
    words = [word for word in text.split() if word not in ("|", "~")]
    mentions = [at for at, word in enumerate(words) if word[0] == "@" and word not in _NOT_MEMBERS]
    if mentions:
        found.add(MENTION)
        if mentions[0] == 0:
            found.add(MENTION_FIRST)
    if len(words) <= 3:
        found.add("len:short")
    elif len(words) > 25:
        found.add("len:long")
    return tuple(sorted(found))


def _word(word: str) -> str:
    if word[0] == "@" and word != "@url":
        return "@handle"
    return "#" if word.isdigit() else word


@dataclass(frozen=True, slots=True)
class Model:
    bias: float
    weights: Mapping[str, float]

    def probability(self, names: Iterable[str]) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) for name in names)
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def weighed(self, names: Iterable[str]) -> list[tuple[str, float]]:
        """The signals the model knows, with their weights, strongest first: why it is as sure as it is."""
        known = [(name, self.weights[name]) for name in names if name in self.weights]
        return sorted(known, key=lambda item: (-abs(item[1]), item[0]))

    def dumps(self, about: Mapping[str, object]) -> str:
        """The model file's text: the same model always gives the same bytes."""
        weights = {name: round(weight, 4) for name, weight in sorted(self.weights.items())}
        return json.dumps({"about": about, "bias": round(self.bias, 4), "weights": weights},
                          indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def loads(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(float(data["bias"]), {str(name): float(w) for name, w in data["weights"].items()})


@lru_cache(maxsize=1)
def model() -> Model:
    """The trained model shipped beside this file (read once; no network)."""
    return Model.loads(MODEL_FILE.read_text(encoding="utf-8"))
