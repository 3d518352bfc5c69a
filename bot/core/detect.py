"""Detection: does a message demand reciprocation, and of which kind?

`reciprocal` offers or claims a follow in return ("I followed you, follow me back", "f4f");
`request` asks for a follow with nothing offered ("follow me"). Anything else is not a demand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from bot.config import Detection


class DemandKind(StrEnum):
    RECIPROCAL = "reciprocal"
    REQUEST = "request"


@dataclass(frozen=True, slots=True)
class Classification:
    kind: DemandKind | None
    evidence: tuple[str, ...] = field(default=())

    @property
    def demand(self) -> bool:
        return self.kind is not None

    def as_dict(self) -> dict[str, object]:
        return {"demand": self.demand, "kind": self.kind and str(self.kind), "evidence": list(self.evidence)}


_RECIPROCAL = re.compile(r"\b(?:f4f|s4s|sub4sub|follow\s*(?:4|for)\s*follow|follow(?:ed)?\s+(?:me\s+)?back)\b", re.I)
_REQUEST = re.compile(r"\b(?:follow|sub(?:scribe)?(?:\s+to)?)\s+me\b", re.I)


class Detector:
    """Compiled once per configuration, so classifying a message is a few regex scans."""

    def __init__(self, config: Detection) -> None:
        self._triggers = _phrases(config.triggers)
        self._exceptions = _phrases(config.exceptions)

    def classify(self, text: str) -> Classification:
        if self._exceptions and (match := self._exceptions.search(text)):
            return Classification(None, (f"exception:{match.group(0)}",))
        for kind, pattern in ((DemandKind.RECIPROCAL, _RECIPROCAL), (DemandKind.REQUEST, _REQUEST)):
            if match := pattern.search(text):
                return Classification(kind, (match.group(0),))
        if self._triggers and (match := self._triggers.search(text)):
            return Classification(DemandKind.REQUEST, (f"trigger:{match.group(0)}",))
        return Classification(None)


def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(rf"\b{re.escape(phrase)}\b" for phrase in phrases), re.I)


@lru_cache(maxsize=16)
def detector_for(config: Detection) -> Detector:
    return Detector(config)


def classify(text: str, config: Detection | None = None) -> Classification:
    return detector_for(config or Detection()).classify(text)
