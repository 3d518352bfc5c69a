"""Normalisation and the prefilter: what the rules read, and the fast path never hiding a demand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core._normalize import normalize
from bot.core.detect import DemandKind, Detector, classify
from bot.core.settings import Detection

DEV_SET = Path(__file__).parents[1] / "data" / "demands-dev.tsv"


@pytest.mark.parametrize(("text", "words"), [
    ("Hey, FOLLOW me!! Thanks.", "hey | follow me | thanks"),
    ("follow 🙏 me", "follow ~ me"),  # an emoji is a soft break
    ("#followme #f4f", "follow me ~ f4f"),
    ("I'll sub back... maybe", "ill sub back maybe"),  # an ellipsis trails off, no break
    ("ok so follow me", "ok | so follow me"),  # a connective starts a clause
    ("x\ny", "x | y"),
    ("1.000 subs", "1000 subs"),
    ("100subs", "100 subs"),
    ("<@123> see <#9> <@&5>", "@user see @chan @role"),
    ("visit https://example.com/a?b=c now", "visit @url now"),
    ("sigueme y te sigo", "follow me and ill follow you"),
    ("don't forget to subscribe", "remember to subscribe"),
    ('she said "follow me" lol', "she said | lol"),
])
def test_normalize(text: str, words: str) -> None:
    assert normalize(text) == words


def test_normalize_is_stable_on_its_own_output() -> None:
    for text in ("follow me back", "f0ll0w 4 f0ll0w", "síganme porfa", "I'll follow back"):
        once = normalize(text)
        assert normalize(once.replace(" | ", ". ").replace(" ~ ", " 🙂 ")) == once


def _dev_texts() -> list[str]:
    with DEV_SET.open(encoding="utf-8", newline="") as handle:
        return [row[-1] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]


def test_the_prefilter_lets_through_every_dev_demand_the_rules_see() -> None:
    detector = Detector(Detection())
    texts = _dev_texts()
    seen = [text for text in texts if detector.classify_normalized(normalize(text)).demand]

    assert len(seen) > 100
    assert all(detector.could_be_demand(text) for text in seen)
    assert all(detector.classify(text) == detector.classify_normalized(normalize(text)) for text in texts)


def test_the_prefilter_drops_ordinary_chat() -> None:
    detector = Detector(Detection())

    assert not detector.could_be_demand("anyone up for a game tonight? I'll bring snacks")


# Demands in plain words, and disguises the normaliser promises to see through.
DEMANDS = [
    ("follow me back", DemandKind.RECIPROCAL),
    ("sub 4 sub", DemandKind.RECIPROCAL),
    ("subscribe to me and I will subscribe back", DemandKind.RECIPROCAL),
    ("follow me on twitter", DemandKind.REQUEST),
    ("please subscribe to my channel", DemandKind.REQUEST),
    ("add me on steam", DemandKind.REQUEST),
]
LEET = {"o": "0", "e": "3", "s": "5", "t": "7"}
HOMOGLYPHS = {"o": "\u043e", "e": "\u0435", "a": "\u0430", "c": "\u0441", "p": "\u0440"}
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def _fullwidth(c: str) -> str:
    return chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c


HOW = ["keep", "keep", "upper", "leet", "glyph", "stretch", "zero", "wide"]


def _disguise(c: str, how: str, draw: st.DrawFn) -> str:
    if how == "upper":
        return c.upper()
    if how == "leet":
        return LEET.get(c, c)
    if how == "glyph":
        return HOMOGLYPHS.get(c, c)
    if how == "stretch" and c in "aeou":  # people stretch vowels: pleeease, suuub, baaack
        return c * draw(st.integers(3, 6))
    if how == "zero":
        return c + draw(st.sampled_from(ZERO_WIDTH))
    return _fullwidth(c) if how == "wide" else c


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, DemandKind]:
    text, kind = draw(st.sampled_from(DEMANDS))
    out = [_disguise(c, draw(st.sampled_from(HOW)), draw) for c in text]
    before = draw(st.sampled_from(["", "hey! ", "<@1234> ", "lol 😂 ", "ok so "]))
    after = draw(st.sampled_from(["", " pls", " 🙏", "!!!", " <:pray:42>"]))
    return before + "".join(out) + after, kind


@settings(max_examples=300, deadline=None)
@given(disguised())
def test_disguised_demands_keep_their_kind(case: tuple[str, DemandKind]) -> None:
    text, kind = case

    assert classify(text).kind is kind


# Pieces of demands, disguises and noise, so that random messages often come close to being demands.
PIECES = [
    "follow", "f0ll0w", "fo11ow", "f o l l o w", "sub", "5ub", "$ub", "subscribe", "subscr1be", "s.u.b", "add", "4dd",
    "me", "m3", "back", "b4ck", "4", "for", "f4f", "f.4.f", "s4s", "please", "pls", "my", "channel", "you", "i'll",
    "never", "thanks", "the", "sígueme", "segue", "de volta", "folg", "mir", "zurück", "follback", "suis-moi", "te",
    "sigo", "abo", "gegen", "1", "0", "@", "#", "|", "!", "?", ",", "...", "🙏", "\u200b", "\uff46", "\u043e",
    "<@1>", "`", "> ", "\n", "||", '"', "'", "http://x.com/follow",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12), st.lists(st.sampled_from(["", " ", "  "]), min_size=12))
def test_the_prefilter_never_hides_a_demand(pieces: list[str], gaps: list[str]) -> None:
    text = "".join(piece + gap for piece, gap in zip(pieces, gaps, strict=False))
    detector = Detector(Detection())

    assert detector.classify(text) == detector.classify_normalized(normalize(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_classifies_the_same_with_or_without_the_prefilter(text: str) -> None:
    detector = Detector(Detection())

    assert detector.classify(text) == detector.classify_normalized(normalize(text))
