"""Detection: the public interface, the two kinds, and per-server trigger and exception phrases."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core._detect_confidence import TRIGGER_CONFIDENCE, model
from bot.core.detect import Classification, Context, Decision, DemandKind, Detector, classify, detector_for
from bot.core.settings import Detection, Settings

RECIPROCAL = DemandKind.RECIPROCAL
REQUEST = DemandKind.REQUEST


def test_a_demand_reports_its_kind_and_the_words_that_show_it() -> None:
    result = classify("hey, follow me back pls")

    assert result.kind is RECIPROCAL
    assert result.demand
    assert result.evidence == ("follow me back",)


def test_as_dict_is_the_json_shape_of_quidprono_check() -> None:
    assert classify("please subscribe to my channel").as_dict() == {
        "demand": True, "kind": "request", "evidence": ["subscribe to my channel"], "confidence": 0.99, "ask": False,
    }
    assert classify("nice weather today").as_dict() == {
        "demand": False, "kind": None, "evidence": [], "confidence": 0.0, "ask": False,
    }


def test_a_finding_below_the_answer_threshold_is_asked_about() -> None:
    weak = classify("sub me")  # "sub" is also a subtweet: the model is less sure of it than of "follow me back"
    sure = classify("follow me back").confidence
    assert weak.kind is not None and weak.confidence < sure
    between = Detection(answer_threshold=(weak.confidence + sure) / 2, ask_threshold=0.5)
    assert weak.as_dict(between) | {"evidence": []} == {
        "demand": False, "kind": "request", "evidence": [], "confidence": weak.confidence, "ask": True,
    }
    assert weak.as_dict()["demand"] is True  # the default answers it


def test_follow_instructions_and_questions_about_a_follow_are_not_demands() -> None:
    assert not classify("optidude: Follow the instructions @ http://www.ubuntu.com/download").demand
    assert not classify("bray90820, follow this how to https://help.ubuntu.com/community/MacBookPro").demand
    assert not classify("But why did this bitch just follow me...").demand
    assert not classify("I think I need a sub machine gun").demand
    assert classify("follow @kai_draws on twitch!").demand
    # In a help channel "follow me" is "follow what I say" when the steps of a task come next.
    assert not classify("ok follow me: run sudo apt update, then reboot").demand
    assert not classify("follow me please - have you tried rebooting?").demand
    for request in ("follow me please - do you have insta?", "follow me - open my channel and sub",
                    "follow me :) open dms", "follow me now, open for collabs", "follow me pls update: hit 1k today",
                    "follow me, try it"):
        assert classify(request).demand, request  # no step of a task, or one on the writer's account


def test_a_message_without_any_follow_word_is_not_a_demand() -> None:
    assert classify("anyone up for a game tonight?") == Classification(None)


@pytest.mark.parametrize(("text", "kind"), [
    ("follow me back", RECIPROCAL),  # asking back implies the writer already followed
    ("f4f?", RECIPROCAL),
    ("sub 4 sub anyone", RECIPROCAL),
    ("subscribe to me and I'll subscribe back", RECIPROCAL),
    ("follow me and I'll follow you", RECIPROCAL),  # an offer to you, with an ask
    ("lets follow each other!", RECIPROCAL),
    ("follow me on twitter @someone for follow back", RECIPROCAL),
    ("can I get a follow back?", RECIPROCAL),
    ("follow me on insta", REQUEST),
    ("please subscribe", REQUEST),
    ("can you sub to my channel?", REQUEST),
    ("it would mean a lot if you could subscribe", REQUEST),
    ("check out my channel and subscribe", REQUEST),
    ("help me reach 100 subscribers!", REQUEST),
    ("drop a follow if you like my art", REQUEST),
    ("add me on steam", REQUEST),
    ("go follow @artist, she's amazing", REQUEST),  # another account is still a request
])
def test_the_kind_tells_an_exchange_from_a_plain_ask(text: str, kind: DemandKind) -> None:
    assert classify(text).kind is kind


@pytest.mark.parametrize("text", [
    "check out my channel",  # promotion without a follow ask is not a demand (the data's definition)
    "ok I'll follow back",  # an offer answering somebody, with nothing asked or plugged
    "I'll subscribe",
    "follow the rules in #rules",
    "please follow the instructions in the pinned message",
    "follow me around the map and I'll show you the way",
    "add me to the group chat",
    "subscribe to that theory",
])
def test_follow_words_in_other_senses_are_not_demands(text: str) -> None:
    assert not classify(text).demand


def test_detector_for_compiles_once_per_configuration() -> None:
    config = Detection(triggers=("drop your handle",))

    assert detector_for(config) is detector_for(Detection(triggers=("drop your handle",)))
    assert detector_for(config) is not detector_for(Detection())


def test_the_default_configuration_is_the_one_settings_carry() -> None:
    assert classify("follow me back", Settings().detection) == classify("follow me back")


class TestServerPhrases:
    """`detection.triggers` and `detection.exceptions` from config.yaml (and later per guild)."""

    def test_a_trigger_makes_an_otherwise_innocent_message_a_request(self) -> None:
        config = Detection(triggers=("drop your @",))

        assert not classify("drop your @ below!").demand
        result = classify("drop your @ below!", config)
        assert result.kind is REQUEST
        assert result.evidence == ("trigger:drop your",)

    def test_a_trigger_matches_through_disguise_like_built_in_words(self) -> None:
        config = Detection(triggers=("link in bio",))

        assert classify("LINK   IN   BIO 💕", config).kind is REQUEST
        assert classify("l1nk in bi0", config).kind is REQUEST
        assert classify("liiiink in biooo", config).kind is REQUEST

    def test_a_trigger_said_in_the_negative_does_not_count(self) -> None:
        config = Detection(triggers=("link in bio",))

        assert not classify("I would never write link in bio", config).demand

    def test_a_trigger_keeps_the_built_in_kind_when_both_match(self) -> None:
        config = Detection(triggers=("gain train",))

        result = classify("gain train! follow me back", config)
        assert result.kind is RECIPROCAL
        assert result.evidence == ("follow me back", "trigger:gain train")

    def test_a_trigger_in_another_script_still_matches(self) -> None:
        config = Detection(triggers=("подпишись",))

        assert classify("подпишись на канал", config).kind is REQUEST
        assert not classify("привет", config).demand

    def test_an_exception_phrase_never_counts_but_the_rest_of_the_message_can(self) -> None:
        config = Detection(exceptions=("follow friday",))

        quiet = classify("happy follow friday everyone!", config)
        assert not quiet.demand
        assert quiet.evidence == ("exception:follow friday",)
        loud = classify("it's follow friday! follow me back", config)
        assert loud.kind is RECIPROCAL
        assert loud.evidence == ("follow me back", "exception:follow friday")

    def test_an_exception_can_silence_a_built_in_phrase(self) -> None:
        config = Detection(exceptions=("sub 4 sub",))

        assert classify("sub 4 sub").kind is RECIPROCAL
        assert not classify("sub 4 sub", config).demand

    def test_phrases_that_normalise_to_nothing_are_ignored(self) -> None:
        detector = Detector(Detection(triggers=("!!!", "   "), exceptions=("...",)))

        assert detector.classify("follow me").kind is REQUEST
        assert not detector.classify("hello there").demand

    def test_phrases_come_from_the_settings_file(self, tmp_path: Path) -> None:
        path = tmp_path / "config.yaml"
        path.write_text("detection:\n  triggers: [drop your handle]\n  exceptions: [follow friday]\n", encoding="utf-8")
        config = load_settings(path).detection

        assert classify("drop your handle below", config).kind is REQUEST
        assert not classify("follow friday!", config).demand


@pytest.mark.parametrize("text", [
    "a." * 50_000 + " x.com",  # a bare domain that never ends
    "s" * 100_000,  # one letter, repeated: stems must not backtrack
    "<a " * 30_000,
    "@a " * 30_000,
    "f o l l o w " * 10_000,
])
def test_huge_or_hostile_input_is_answered_quickly(text: str) -> None:
    start = time.perf_counter()
    classify(text)

    assert time.perf_counter() - start < 0.5


def test_only_the_first_4000_characters_are_read() -> None:
    assert classify("follow me back " + "x" * 5_000).demand
    assert not classify("x" * 5_000 + " follow me back").demand


def test_discords_context_stands_in_for_the_mentions_the_text_shows() -> None:
    result = classify("subscribe to me")
    assert "mention" not in result.signals
    addressed = result.weighed_signals(Context(addressed=True, mention_first=True))
    assert {"mention", "mention:first"} <= set(addressed)
    assert "mention" not in classify("@sam subscribe to me").weighed_signals(Context(addressed=False))
    weights = model().weights  # the model learnt that a demand is addressed to someone
    assert weights["mention"] > 0 and result.confidence_in(Context(addressed=True)) >= result.confidence
    assert classify("hello").decision(Detection(ask_threshold=0.0, answer_threshold=0.0)) is Decision.IGNORE


def test_a_finding_made_only_by_a_server_trigger_has_a_fixed_confidence() -> None:
    config = Detection(triggers=("drop a star",))
    assert Detector(config).classify("drop a star on my repo").confidence == TRIGGER_CONFIDENCE


@pytest.mark.parametrize("text", [
    "QUICKMESSAGE_FOLLOW_ME",  # a game's quick message, not anybody's voice
    "I follow all of these accounts because they post memes",
    "i guess you follow me for the numbers in hopes I follow back",
    "I tell her followback. She says followback. Then doesn't followback.",
    "I've always wanted a famous artist to follow me.",
    "9 out of 10 of yall's exes follow me.",
    "now try to follow me with this one",
])
def test_talk_about_following_is_not_a_demand(text: str) -> None:
    assert classify(text).kind is None


@pytest.mark.parametrize("text", [
    "I jus wanted to know if I can get a follow back please",
    "follow my brother on twitch, he's so good",
    "shoutout to @kai go follow",
    "follow @kai_draws",
    "watch my videos and subscribe",
])
def test_asks_in_other_words_are_demands(text: str) -> None:
    assert classify(text).kind is not None


@pytest.mark.parametrize("text", [
    "HOW CAN YOU BE A 24 MO SUB AND STILL BE A SWERF",  # Twitch: a subscription counted in months
    "Im a broke college student, could i get a gifted sub",
    "gift me a sub pls",
    "prime sub pls",
])
def test_a_paid_subscription_bought_or_gifted_is_not_a_follow_demand(text: str) -> None:
    assert classify(text).kind is None


# The kinds of error issue 11 reported from unseen platforms (its examples, reworded there).
@pytest.mark.parametrize("text", [
    "@Mia I'll follow you anyway, love your art",  # an offer, not a trade
    "follow-back policies just fill your feed with noise",
    "when did f4f become a social rule?",
    "why did a spam account just follow me",
    "this sub needs more memes",
    "stop subbing me",
    "go follow your dreams",
    "I wish someone would follow me",
])
def test_the_reported_kinds_of_false_alarm_are_not_demands(text: str) -> None:
    assert classify(text).kind is None


@pytest.mark.parametrize(("text", "kind"), [
    ("go follow Kai, she's so talented!!", REQUEST),
    ("ty in advance for the follow back", RECIPROCAL),
    ("following everyone who follows, pls fb", RECIPROCAL),
    ("somebody sub to my channel", REQUEST),
    ("follow + RT to enter", REQUEST),
])
def test_the_reported_kinds_of_miss_are_demands(text: str, kind: DemandKind) -> None:
    assert classify(text).kind is kind
