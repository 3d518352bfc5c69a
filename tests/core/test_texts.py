"""Reply texts: public replies carry no numbers, private ones carry them and a way forward."""

from __future__ import annotations

import re

from bot.core.model import Outcome, Reason, Verdict
from bot.core.settings import Settings
from bot.core.texts import REASON_FIELDS, Names, render_private, render_public, template_fields

TEMPLATES = Settings().replies.templates()
NAMES = Names(requester="<@3>", target="<@1>", channel="<#50>")
DECLINE = Verdict(
    Outcome.DECLINE,
    (Reason("not_enough_engagement", {"score_out": 1.5, "interactions_out": 2, "needed": 3.0, "window_days": 90}),
     Reason("new_member", {"days_known": 0.4, "needed": 3.0})),
    {"window_days": 90, "score_out": 1.5},
)


def test_public_decline_is_kind_and_has_no_numbers() -> None:
    text = render_public(DECLINE, TEMPLATES, NAMES)
    assert text.startswith("<@3>")
    assert not re.search(r"\d", text.replace("<@3>", "").replace("<@1>", ""))


def test_private_decline_has_the_numbers_and_a_concrete_way_to_earn() -> None:
    text = render_private(DECLINE, TEMPLATES, NAMES)
    assert "1.5" in text and "3.0" in text and "2 interactions" in text and "0.4 days" in text
    assert "reply to <@1>'s posts in <#50>" in text


def test_private_without_a_known_channel_still_suggests_a_way() -> None:
    text = render_private(DECLINE, TEMPLATES, Names("<@3>", "<@1>"))
    assert "reply to <@1>'s posts and join" in text


def test_every_outcome_and_reason_has_a_default_text() -> None:
    assert set(TEMPLATES.public) == set(TEMPLATES.private) == {o.value for o in Outcome}
    assert set(TEMPLATES.reasons) == set(REASON_FIELDS)
    for code, template in TEMPLATES.reasons.items():
        assert template_fields(template) <= REASON_FIELDS[code] | {"requester", "target"}


def test_connect_private_explanation_does_not_ask_to_earn_more() -> None:
    verdict = Verdict(Outcome.CONNECT, (Reason("mutual_engagement", {"score_out": 9, "score_in": 6, "needed": 4}),),
                      {"window_days": 90})
    text = render_private(verdict, TEMPLATES, NAMES)
    assert "scores 9 and theirs 6" in text and "A way to get there" not in text
