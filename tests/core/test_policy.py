"""The policy engine: every outcome with its reasons, and properties that must always hold."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.core.model import (
    DirectionSummary,
    InteractionKind,
    Outcome,
    PairSummary,
    PastDemand,
    Preferences,
    RequestsFrom,
    Verdict,
)
from bot.core.policy import decide
from bot.core.settings import Policy
from tests.factories import GUILD, NOW

POLICY = Policy()
CAROL, ALICE = 3, 1
DEFAULT_PREFS = Preferences()


def summary(out: float = 0.0, into: float = 0.0, *, requester: int = CAROL, target: int = ALICE,
            days_known: float = 30.0, activity: int = 50, requester_follows_target: bool = False,
            target_follows_requester: bool = False) -> PairSummary:
    def direction(score: float) -> DirectionSummary:
        replies = round(score / POLICY.weights.reply)
        return DirectionSummary({InteractionKind.REPLY: replies} if replies else {}, score)

    return PairSummary(GUILD, requester, target, POLICY.window_days, direction(out), direction(into),
                       requester_activity=activity, requester_days_known=days_known,
                       requester_follows_target=requester_follows_target,
                       target_follows_requester=target_follows_requester)


def verdict_for(pair: PairSummary, prefs: Preferences = DEFAULT_PREFS, demands: list[PastDemand] | None = None,
                *, bot: bool = False) -> Verdict:
    return decide(pair, POLICY, prefs, demands or [], NOW, target_is_bot=bot)


def test_mutual_engagement_connects() -> None:
    verdict = verdict_for(summary(out=9.0, into=6.0))
    assert verdict.outcome is Outcome.CONNECT
    assert verdict.reasons[0].code == "mutual_engagement"
    assert verdict.reasons[0].numbers == {"score_out": 9.0, "score_in": 6.0, "needed": POLICY.mutual_min_score}


def test_target_who_already_engaged_connects_even_a_quiet_requester() -> None:
    verdict = verdict_for(summary(out=0.0, into=7.5, days_known=0.5, activity=0))
    assert verdict.outcome is Outcome.CONNECT
    assert verdict.reason_codes == ("target_engaged",)


def test_one_sided_engagement_proposes() -> None:
    verdict = verdict_for(summary(out=4.5, into=1.0))
    assert verdict.outcome is Outcome.PROPOSE
    assert verdict.reasons[0].numbers["score_out"] == 4.5


def test_newcomer_with_no_history_is_declined_with_the_numbers() -> None:
    verdict = verdict_for(summary(out=0.0, into=0.0, days_known=0.2, activity=1, requester_follows_target=True))
    assert verdict.outcome is Outcome.DECLINE
    assert verdict.reason_codes == ("not_enough_engagement", "new_member", "low_activity", "follow_is_not_engagement")
    not_enough = verdict.reasons[0].numbers
    assert not_enough == {"score_out": 0.0, "interactions_out": 0, "needed": POLICY.propose_min_score,
                          "window_days": POLICY.window_days}
    assert verdict.evidence["requester_days_known"] == 0.2


def test_engaged_but_brand_new_requester_is_declined_for_standing_only() -> None:
    verdict = verdict_for(summary(out=4.0, into=0.0, days_known=1.0))
    assert verdict.outcome is Outcome.DECLINE
    assert verdict.reason_codes == ("new_member",)


def test_target_already_following() -> None:
    verdict = verdict_for(summary(target_follows_requester=True))
    assert verdict.outcome is Outcome.ALREADY_FOLLOWING


def test_target_takes_no_requests_beats_any_score() -> None:
    verdict = verdict_for(summary(out=50, into=50), Preferences(requests_from=RequestsFrom.NOBODY))
    assert verdict.outcome is Outcome.OPTED_OUT
    assert verdict.reason_codes == ("target_takes_no_requests",)


def test_engaged_only_target_refuses_strangers_but_not_acquaintances() -> None:
    engaged_only = Preferences(requests_from=RequestsFrom.ENGAGED)
    assert verdict_for(summary(out=5.0), engaged_only).outcome is Outcome.OPTED_OUT
    assert verdict_for(summary(out=5.0, into=4.5), engaged_only).outcome is Outcome.CONNECT


def test_asking_again_too_soon_gets_the_same_answer_briefly() -> None:
    earlier = PastDemand(ALICE, Outcome.DECLINE, NOW - timedelta(minutes=20))
    verdict = verdict_for(summary(), demands=[earlier])
    assert verdict.outcome is Outcome.COOLDOWN
    assert verdict.reasons[0].numbers == {"cooldown_minutes": 60, "minutes_left": 40}
    assert verdict.evidence["previous_outcome"] == "decline"


def test_cooldown_is_per_target_and_expires() -> None:
    other_target = PastDemand(99, Outcome.DECLINE, NOW - timedelta(minutes=5))
    long_ago = PastDemand(ALICE, Outcome.DECLINE, NOW - timedelta(minutes=61))
    assert verdict_for(summary(), demands=[other_target, long_ago]).outcome is Outcome.DECLINE


def test_self_and_bot() -> None:
    assert verdict_for(summary(requester=ALICE, target=ALICE)).outcome is Outcome.SELF
    assert verdict_for(summary(), bot=True).outcome is Outcome.BOT


scores = st.floats(min_value=0, max_value=100, allow_nan=False)
pairs = st.builds(
    summary, out=scores, into=scores, days_known=st.floats(0, 400), activity=st.integers(0, 1000),
    requester_follows_target=st.booleans(), target_follows_requester=st.booleans(),
)


@given(pairs, st.sampled_from(list(RequestsFrom)))
def test_decide_is_deterministic(pair: PairSummary, requests_from: RequestsFrom) -> None:
    prefs = Preferences(requests_from=requests_from)
    assert verdict_for(pair, prefs) == verdict_for(pair, prefs)


@given(pairs, scores, scores)
def test_more_mutual_engagement_never_turns_connect_into_decline(pair: PairSummary, more_out: float,
                                                                 more_in: float) -> None:
    richer = summary(out=pair.outgoing.score + more_out, into=pair.incoming.score + more_in,
                     days_known=pair.requester_days_known, activity=pair.requester_activity,
                     requester_follows_target=pair.requester_follows_target,
                     target_follows_requester=pair.target_follows_requester)
    if verdict_for(pair).outcome is Outcome.CONNECT:
        assert verdict_for(richer).outcome is Outcome.CONNECT


@given(pairs)
def test_a_follow_alone_never_earns_anything(pair: PairSummary) -> None:
    """Following someone is not engaging with them: the requester's follow cannot change the outcome."""
    with_follow = summary(out=pair.outgoing.score, into=pair.incoming.score, days_known=pair.requester_days_known,
                          activity=pair.requester_activity, requester_follows_target=True,
                          target_follows_requester=pair.target_follows_requester)
    without = summary(out=pair.outgoing.score, into=pair.incoming.score, days_known=pair.requester_days_known,
                      activity=pair.requester_activity, requester_follows_target=False,
                      target_follows_requester=pair.target_follows_requester)
    assert verdict_for(with_follow).outcome == verdict_for(without).outcome


def test_the_daily_cap_stops_nagging_with_the_numbers() -> None:
    today = [PastDemand(100 + i, Outcome.DECLINE, NOW - timedelta(hours=i + 2)) for i in range(POLICY.daily_demand_cap)]
    verdict = verdict_for(summary(out=50, into=50), demands=today)
    assert verdict.outcome is Outcome.CAPPED
    assert verdict.reasons[0].numbers == {"demands_today": POLICY.daily_demand_cap, "cap": POLICY.daily_demand_cap}
    yesterday = [PastDemand(d.target_id, d.outcome, d.at - timedelta(days=1)) for d in today]
    assert verdict_for(summary(out=50, into=50), demands=yesterday).outcome is Outcome.CONNECT


def test_demands_aimed_at_the_bot_spend_the_same_cap_and_cooldown() -> None:
    """Issue 9: 60 "@bot follow me back" got 60 answers; the cap and the cooldown now cover them."""
    bot_id = 99
    at_cap = [PastDemand(100 + i, Outcome.DECLINE, NOW - timedelta(hours=1)) for i in range(POLICY.daily_demand_cap)]
    assert verdict_for(summary(target=bot_id), demands=at_cap, bot=True).outcome is Outcome.CAPPED
    just_now = [PastDemand(bot_id, Outcome.BOT, NOW - timedelta(minutes=1))]
    assert verdict_for(summary(target=bot_id), demands=just_now, bot=True).outcome is Outcome.COOLDOWN
    assert verdict_for(summary(target=bot_id), bot=True).outcome is Outcome.BOT
    assert verdict_for(summary(requester=ALICE, target=ALICE), demands=at_cap).outcome is Outcome.CAPPED
