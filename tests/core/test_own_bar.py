"""A member's own bar and weekly quota: bounded by the server, never kinder than it allows, monotone."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from bot.core.model import Bar, DirectionSummary, InteractionKind, Outcome, PairSummary, Preferences, RequestsFrom
from bot.core.policy import KINDNESS, decide, own_bar
from bot.core.settings import Policy, Settings
from bot.core.texts import Names, render_private, render_public
from tests.factories import GUILD, NOW

CAROL, ALICE = 3, 1
BARS = st.sampled_from(list(Bar))
LOWEST = st.sampled_from(["liberal", "balanced", "stingy"])
scores = st.floats(0, 40, allow_nan=False)


def pair(out: float, into: float, *, days_known: float = 30.0, activity: int = 50,
         new_connections: int = 0) -> PairSummary:
    def direction(score: float) -> DirectionSummary:
        return DirectionSummary({InteractionKind.REPLY: max(1, round(score / 3))} if score else {}, score)

    return PairSummary(GUILD, CAROL, ALICE, 90, direction(out), direction(into), requester_activity=activity,
                       requester_days_known=days_known, target_new_connections=new_connections)


pairs = st.builds(pair, scores, scores, days_known=st.floats(0, 60), activity=st.integers(0, 100),
                  new_connections=st.integers(0, 5))
preferences = st.builds(Preferences, requests_from=st.sampled_from(list(RequestsFrom)), auto_accept=st.booleans(),
                        bar=BARS, weekly_quota=st.one_of(st.none(), st.integers(0, 5)))


def kindness(outcome: Outcome) -> int:
    """Engagement outcomes ranked; any other answer (quota, opted out...) is no connection at all."""
    return KINDNESS.get(outcome, -1)


def outcome(summary: PairSummary, prefs: Preferences, policy: Policy) -> Outcome:
    return decide(summary, policy, prefs, [], NOW).outcome


@given(pairs, preferences, LOWEST)
def test_own_bar_is_never_kinder_than_the_server_allows(summary: PairSummary, prefs: Preferences,
                                                        lowest: str) -> None:
    policy = Policy(lowest_member_bar=lowest)  # type: ignore[arg-type]
    at_the_bound = replace(prefs, bar=Bar(lowest))
    assert kindness(outcome(summary, prefs, policy)) <= kindness(outcome(summary, at_the_bound, policy))
    if lowest != "liberal":  # no bar below the server's: never kinder than the server's own default
        assert kindness(outcome(summary, prefs, policy)) <= kindness(outcome(summary, replace(prefs, bar=Bar.BALANCED),
                                                                            policy))


@given(pairs, preferences, LOWEST, scores, scores)
def test_more_engagement_never_turns_connect_into_decline_under_any_bar(
        summary: PairSummary, prefs: Preferences, lowest: str, more_out: float, more_in: float) -> None:
    policy = Policy(lowest_member_bar=lowest)  # type: ignore[arg-type]
    richer = replace(summary, outgoing=DirectionSummary(summary.outgoing.counts, summary.outgoing.score + more_out),
                     incoming=DirectionSummary(summary.incoming.counts, summary.incoming.score + more_in))
    before, after = outcome(summary, prefs, policy), outcome(richer, prefs, policy)
    assert kindness(after) >= kindness(before)
    if before is Outcome.CONNECT:
        assert after is Outcome.CONNECT


def test_a_stingy_target_declines_what_the_server_default_connects_and_says_why() -> None:
    summary = pair(out=5.0, into=5.0)
    assert outcome(summary, Preferences(), Policy()) is Outcome.CONNECT
    verdict = decide(summary, Policy(), Preferences(bar=Bar.STINGY), [], NOW)
    assert verdict.outcome is Outcome.DECLINE
    assert verdict.reason_codes[0] == "target_own_bar"
    text = render_private(verdict, Settings().replies.templates(), Names("@Carol", "@Alice"))
    assert "@Alice asks for more back-and-forth than this server's default" in text
    assert "stingy" not in text


def test_a_liberal_bar_connects_sooner_unless_the_server_forbids_it() -> None:
    summary = pair(out=2.5, into=2.5)
    liberal = Preferences(bar=Bar.LIBERAL)
    assert outcome(summary, Preferences(), Policy()) is Outcome.DECLINE
    assert outcome(summary, liberal, Policy()) is Outcome.CONNECT
    assert outcome(summary, liberal, Policy(lowest_member_bar="balanced")) is Outcome.DECLINE
    assert own_bar(liberal, Policy(lowest_member_bar="stingy")) is Bar.STINGY


def test_past_the_weekly_quota_the_answer_is_kind_and_carries_no_numbers() -> None:
    summary = pair(out=50, into=50, new_connections=2)
    assert outcome(summary, Preferences(weekly_quota=3), Policy()) is Outcome.CONNECT
    verdict = decide(summary, Policy(), Preferences(weekly_quota=2), [], NOW)
    assert verdict.outcome is Outcome.QUOTA
    assert all(not reason.numbers for reason in verdict.reasons)
    templates = Settings().replies.templates()
    public = render_public(verdict, templates, Names("@Carol", "@Alice"))
    assert public == "@Carol, @Alice isn't taking new connections this week. No hard feelings."
    assert not any(ch.isdigit() for ch in public)
    assert outcome(pair(out=50, into=50), Preferences(weekly_quota=0), Policy()) is Outcome.QUOTA


def test_terms_are_quoted_in_a_decline_only() -> None:
    templates = Settings().replies.templates()
    names = Names("@Carol", "@Alice", terms="I follow people who comment on my art")
    declined = decide(pair(0, 0), Policy(), Preferences(), [], NOW)
    connected = decide(pair(50, 50), Policy(), Preferences(), [], NOW)
    assert "In @Alice's words: “I follow people who comment on my art”" in render_private(declined, templates, names)
    assert "comment on my art" not in render_private(connected, templates, names)
