"""Detection: does a message demand reciprocation, and of which kind?

`reciprocal` offers or claims a follow in return ("I followed you, follow me back", "f4f", "sub to me and
I'll sub back"); `request` asks for a follow with nothing offered ("follow me", "please subscribe to my
channel"). Talking about following ("I never follow back", "f4f is pointless", "thanks for the follow",
"I followed you because I love your art") is not a demand, and neither is anything the author quotes.

Rules over normalised text (`_normalize`, then `_detect_rules`), chosen over trained models by measurement;
how sure a finding is comes from a small trained model over the rules' evidence and the mentions
(`_detect_confidence`, rebuilt by `make train`): see `bench/README.md` for the figures of both. A message
whose skeleton holds no follow-word stem is answered after one regex scan (the prefilter), which is what
keeps ordinary chat fast.

A server's `detection.triggers` are extra phrases that make a message a request (unless said in the
negative); its `detection.exceptions` are phrases that never count, while the rest of the message still
can. Both are matched on normalised text, so they see through the same disguises as the built-in words.
A trigger outside ASCII (another script) turns the prefilter off for that configuration. Only a message's
first 4,000 characters (Discord's longest message) are read, which also bounds the time any input takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from bot.core._detect_confidence import MENTION, MENTION_FIRST, TRIGGER_CONFIDENCE, model, signals
from bot.core._detect_lexicon import CUE_WORDS, PHRASES, PREFILTER_STEMS
from bot.core._detect_rules import analyse
from bot.core._normalize import finish, normalize, phrase_pattern, prepare, skeleton
from bot.core.settings import Detection


class DemandKind(StrEnum):
    RECIPROCAL = "reciprocal"
    REQUEST = "request"


@dataclass(frozen=True, slots=True)
class Classification:
    kind: DemandKind | None
    evidence: tuple[str, ...] = field(default=())
    signals: tuple[str, ...] = field(default=(), compare=False)  # what the confidence model weighs

    @property
    def demand(self) -> bool:
        return self.kind is not None

    @property
    def confidence(self) -> float:
        """How likely the finding is a demand (0 when none was found), from the text alone."""
        return self.confidence_in(None)

    def confidence_in(self, context: Context | None) -> float:
        """The trained model's probability over the signals, Discord's context standing in for the mentions
        the text shows (a reply addresses someone too). A finding made only by a server's own trigger phrase
        has a fixed confidence: the corpus the model learnt from knows no such phrase."""
        if self.kind is None:
            return 0.0
        if all(phrase.startswith(("trigger:", "exception:")) for phrase in self.evidence):
            return TRIGGER_CONFIDENCE
        return round(min(model().probability(self.weighed_signals(context)), 0.99), 2)

    def weighed_signals(self, context: Context | None = None) -> tuple[str, ...]:
        if context is None:
            return self.signals
        told = (MENTION,) * context.addressed + (MENTION_FIRST,) * context.mention_first
        return tuple(name for name in self.signals if name not in (MENTION, MENTION_FIRST)) + told

    def decision(self, thresholds: Detection, context: Context | None = None) -> Decision:
        confidence = self.confidence_in(context)
        if confidence >= thresholds.answer_threshold and confidence > 0:
            return Decision.ANSWER
        return Decision.ASK if confidence >= thresholds.ask_threshold and confidence > 0 else Decision.IGNORE

    def as_dict(self, thresholds: Detection | None = None, context: Context | None = None) -> dict[str, object]:
        """`demand` only when the bot would answer without asking; `ask` when it would ask the author first."""
        decision = self.decision(thresholds or _DEFAULT, context)
        return {"demand": decision is Decision.ANSWER, "kind": self.kind and str(self.kind),
                "evidence": list(self.evidence), "confidence": self.confidence_in(context),
                "ask": decision is Decision.ASK}


class Decision(StrEnum):
    ANSWER = "answer"  # confident: give the verdict
    ASK = "ask"  # unsure: ask the author first, privately
    IGNORE = "ignore"


@dataclass(frozen=True, slots=True)
class Context:
    """What Discord says about a message beyond its text."""

    addressed: bool  # it mentions a member or the bot, or replies to someone
    mention_first: bool = False  # it starts with a mention


_NOT_A_DEMAND = Classification(None)


class Detector:
    """Compiled once per configuration, so classifying a message is a few regex scans."""

    def __init__(self, config: Detection) -> None:
        triggers = _normalized(config.triggers)
        exceptions = _normalized(config.exceptions)
        # Triggers match with every doubled letter squeezed, so "liiink in biooo" is still "link in bio".
        self._trigger_names = {_squeeze(phrase): phrase for phrase in triggers}
        self._triggers = phrase_pattern(self._trigger_names) if triggers else None
        self._exceptions = phrase_pattern(exceptions) if exceptions else None
        self._prefilter = _prefilter(triggers)

    def classify(self, text: str) -> Classification:
        prepared = prepare(text)
        if self._prefilter is not None and not self._prefilter.search(skeleton(prepared)):
            return _NOT_A_DEMAND  # no follow word, however disguised: the common case, answered fast
        return self.classify_normalized(finish(prepared))

    def could_be_demand(self, text: str) -> bool:
        """The prefilter alone: False means no rule could call the text a demand."""
        return self._prefilter is None or bool(self._prefilter.search(skeleton(prepare(text))))

    def classify_normalized(self, text: str) -> Classification:
        """Classify text already passed through `normalize` (the prefilter is skipped)."""
        notes: tuple[str, ...] = ()
        if self._exceptions is not None:
            # An exception phrase never counts; the rest of the message still can.
            notes = tuple(f"exception:{match.group()}" for match in self._exceptions.finditer(text))
            text = self._exceptions.sub(" | ", text)
        kind, evidence = analyse(text)
        found = DemandKind(kind) if kind else None
        if self._triggers is not None:
            squeezed = _squeeze(text)
            for match in self._triggers.finditer(squeezed):
                if not _negated_at(squeezed, match.start()):
                    evidence += (f"trigger:{self._trigger_names[match.group()]}",)
                    found = found or DemandKind.REQUEST
        if found is None and not notes:
            return _NOT_A_DEMAND
        evidence += notes
        return Classification(found, evidence, signals(text, found, evidence) if found else ())


def _prefilter(triggers: list[str]) -> re.Pattern[bytes] | None:
    """Stems of every built-in cue, phrase and configured trigger; None if a trigger has no ASCII stem."""
    stems = [*PREFILTER_STEMS, *_PHRASE_STEMS]
    for phrase in triggers:
        if not phrase.isascii():
            return None  # the skeleton keeps ASCII only: such a trigger could never be seen in it
        stems.append(_stem(skeleton(phrase).decode(), stretch=True))
    return re.compile(_by_first_letter(stems).encode())


def _by_first_letter(stems: list[str]) -> str:
    """One alternation per first letter: the regex engine then tries a handful of stems at each position
    instead of all of them (about four times faster than a flat alternation of ~90 stems)."""
    groups: dict[str, list[str]] = {}
    for stem in stems:
        head = _FIRST.match(stem)
        if head is None:
            groups.setdefault("", []).append(stem)
            continue
        letters, repeated, rest = head.group(1) or head.group(2), head.group(3), stem[head.end():]
        for letter in letters:
            groups.setdefault(letter, []).append((f"{letter}*+" if repeated else "") + rest)
    parts = [f"{re.escape(letter)}(?:{'|'.join(sorted(set(rests)))})" for letter, rests in groups.items() if letter]
    return "|".join(parts + groups.get("", []))


_FIRST = re.compile(r"(?:\[([a-z]+)\]|([a-z]))(\+\+)?")  # a stem's first letter (or class), and a repeat


def _stem(letters: str, *, stretch: bool = False) -> str:
    """A skeleton as a pattern: i and l alike (a typed 1 may be either); if `stretch`, each letter may be
    typed any number of times (runs of one letter become one possessive repeat, so the scan stays linear)."""
    parts = ["[il]" if c in "il" else re.escape(c) for c in letters]
    if stretch:
        parts = [part + "++" for at, part in enumerate(parts) if at == 0 or part != parts[at - 1]]
    return "".join(parts)


# A phrase of the lexicon ("sigueme", "segue de volta") is found by the start of its skeleton.
_PHRASE_STEMS = sorted({
    _stem(skeleton(phrase).decode()[:5]) for phrase, meaning in PHRASES.items() if CUE_WORDS & set(meaning.split())
})


_NEGATION_BEFORE = re.compile(
    r"\b(?:not|never|dont|doesnt|didnt|wont|cant|no|stop|hate|without)(?: [^ |]+){0,3} ?$")


def _negated_at(text: str, start: int) -> bool:
    """A configured phrase said in the negative ('I would never say drop a follow') does not count."""
    return bool(_NEGATION_BEFORE.search(text, max(0, text.rfind("|", 0, start) + 1), start))


_DOUBLED = re.compile(r"(\w)\1+")


def _squeeze(text: str) -> str:
    return _DOUBLED.sub(r"\1", text)


def _normalized(phrases: tuple[str, ...]) -> list[str]:
    return [norm for norm in (normalize(phrase).replace(" | ", " ") for phrase in phrases) if norm]


@lru_cache(maxsize=16)
def detector_for(config: Detection) -> Detector:
    return Detector(config)


_DEFAULT = Detection()


def classify(text: str, config: Detection | None = None) -> Classification:
    return detector_for(config if config is not None else _DEFAULT).classify(text)
