"""The policy engine: a pure function from a pair's history to an explained verdict.

The creed in code: a follow is never counted as engagement; replies, conversations, mentions and
reactions are, weighted by the policy and decayed with time so recent attention counts most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.model import (
    Bar,
    Number,
    Outcome,
    PairSummary,
    PastDemand,
    Preferences,
    Reason,
    RequestsFrom,
    Verdict,
)
from bot.core.settings import Policy

Evidence = dict[str, Number | str | None]

# A member's own bar scales the server's engagement thresholds; the server's other rules stay as they are.
BAR_FACTORS: dict[Bar, float] = {Bar.LIBERAL: 0.5, Bar.BALANCED: 1.0, Bar.STINGY: 2.0}
# How kind an engagement outcome is, for "never kinder than the server allows".
KINDNESS: dict[Outcome, int] = {Outcome.DECLINE: 0, Outcome.PROPOSE: 1, Outcome.CONNECT: 2}


@dataclass(frozen=True, slots=True)
class _Case:
    summary: PairSummary
    policy: Policy
    preferences: Preferences
    recent_demands: Sequence[PastDemand]
    now: datetime
    target_is_bot: bool
    evidence: Evidence

    def verdict(self, outcome: Outcome, *reasons: Reason) -> Verdict:
        return Verdict(outcome=outcome, reasons=reasons, evidence=self.evidence)


def decide(
    summary: PairSummary,
    policy: Policy,
    preferences: Preferences,
    recent_demands: Sequence[PastDemand],
    now: datetime,
    *,
    target_is_bot: bool = False,
) -> Verdict:
    """Decide how to answer `summary.requester_id` demanding that `summary.target_id` follow back.

    The checks run from the most to the least fundamental: nagging stops at the daily cap (whoever
    the demand names, the bot included), nobody follows themselves, the bot follows nobody, a
    target's own choice beats any score, a
    repeated demand gets the earlier answer, a target's weekly quota holds, and only then does
    engagement decide, against the target's own bar within the server's bounds.
    `recent_demands` are the requester's demands of the last day (the cap) and cooldown.
    """
    case = _Case(summary, policy, preferences, recent_demands, now, target_is_bot, _evidence(summary, policy))
    for rule in _RULES:
        verdict = rule(case)
        if verdict is not None:
            return verdict
    return _engagement(case)


def _evidence(summary: PairSummary, policy: Policy) -> Evidence:
    evidence: Evidence = {
        "window_days": policy.window_days,
        "score_out": round(summary.outgoing.score, 2),
        "score_in": round(summary.incoming.score, 2),
        "interactions_out": summary.outgoing.total,
        "interactions_in": summary.incoming.total,
        "requester_activity": summary.requester_activity,
        "requester_days_known": round(summary.requester_days_known, 1),
        "target_top_channel_id": summary.target_top_channel_id,
    }
    for prefix, direction in (("out", summary.outgoing), ("in", summary.incoming)):
        for kind, count in sorted(direction.counts.items()):
            evidence[f"{prefix}_{kind}"] = count
    return evidence


def _self(case: _Case) -> Verdict | None:
    if case.summary.requester_id != case.summary.target_id:
        return None
    return _cooldown(case) or case.verdict(Outcome.SELF, Reason("self_demand"))


def _bot(case: _Case) -> Verdict | None:
    """Demands aimed at the bot spend the same budget: capped first, then the pair cooldown."""
    if not case.target_is_bot:
        return None
    return _cooldown(case) or case.verdict(Outcome.BOT, Reason("bot_follows_nobody"))


def _capped(case: _Case) -> Verdict | None:
    """Nagging stops at the daily cap: the demands of the last 24 hours count."""
    since = case.now - timedelta(days=1)
    today = sum(1 for demand in case.recent_demands if since <= demand.at <= case.now)
    if today < case.policy.daily_demand_cap:
        return None
    case.evidence["demands_today"] = today
    return case.verdict(Outcome.CAPPED, Reason("daily_cap_reached", {
        "demands_today": today, "cap": case.policy.daily_demand_cap}))


def _opted_out(case: _Case) -> Verdict | None:
    requests_from = case.preferences.requests_from
    if requests_from is RequestsFrom.NOBODY:
        return case.verdict(Outcome.OPTED_OUT, Reason("target_takes_no_requests"))
    if requests_from is RequestsFrom.ENGAGED and case.summary.incoming.total == 0:
        return case.verdict(Outcome.OPTED_OUT, Reason("target_takes_requests_from_engaged_only"))
    return None


def _cooldown(case: _Case) -> Verdict | None:
    """A repeated demand gets the earlier answer again, briefly, not a new lecture."""
    cooldown = timedelta(minutes=case.policy.cooldown_minutes)
    earlier = [
        demand for demand in case.recent_demands
        if demand.target_id == case.summary.target_id and case.now - cooldown <= demand.at <= case.now
    ]
    if not earlier:
        return None
    latest = max(earlier, key=lambda demand: demand.at)
    minutes_left = (latest.at + cooldown - case.now).total_seconds() / 60
    case.evidence["previous_outcome"] = str(latest.outcome)
    return case.verdict(Outcome.COOLDOWN, Reason("asked_recently", {
        "cooldown_minutes": case.policy.cooldown_minutes, "minutes_left": max(1, round(minutes_left)),
    }))


def _already_following(case: _Case) -> Verdict | None:
    if not case.summary.target_follows_requester:
        return None
    return case.verdict(Outcome.ALREADY_FOLLOWING, Reason("target_already_follows"))


def _quota(case: _Case) -> Verdict | None:
    """Past their weekly quota a target takes no new connections; the requester may ask next week."""
    quota = case.preferences.weekly_quota
    if quota is None or case.summary.target_new_connections < quota:
        return None
    return case.verdict(Outcome.QUOTA, Reason("target_quota_reached"))


_RULES: tuple[Callable[[_Case], Verdict | None], ...] = (
    _capped, _self, _bot, _opted_out, _cooldown, _already_following, _quota,
)


def own_bar(preferences: Preferences, policy: Policy) -> Bar:
    """The member's bar, raised to the lowest one the server allows."""
    lowest = Bar(policy.lowest_member_bar)
    return max(preferences.bar, lowest, key=BAR_FACTORS.__getitem__)


def with_bar(policy: Policy, bar: Bar) -> Policy:
    factor = BAR_FACTORS[bar]
    if factor == 1.0:
        return policy
    return policy.model_copy(update={
        "mutual_min_score": policy.mutual_min_score * factor,
        "target_engaged_min_score": policy.target_engaged_min_score * factor,
        "propose_min_score": policy.propose_min_score * factor,
    })


def _engagement(case: _Case) -> Verdict:
    """Engagement against the target's own bar; when that bar is what held the answer back, it says so."""
    bar = own_bar(case.preferences, case.policy)
    server = _engagement_under(case, case.policy)
    if bar is Bar.BALANCED:
        return server
    own = _engagement_under(case, with_bar(case.policy, bar))
    if KINDNESS[own.outcome] < KINDNESS[server.outcome]:
        return case.verdict(own.outcome, Reason("target_own_bar"), *own.reasons)
    return own


def _engagement_under(case: _Case, p: Policy) -> Verdict:
    s = case.summary
    out_score, in_score = round(s.outgoing.score, 2), round(s.incoming.score, 2)
    if out_score >= p.mutual_min_score and in_score >= p.mutual_min_score:
        return case.verdict(Outcome.CONNECT, Reason("mutual_engagement", {
            "score_out": out_score, "score_in": in_score, "needed": p.mutual_min_score,
        }))
    if in_score >= p.target_engaged_min_score:
        return case.verdict(Outcome.CONNECT, Reason("target_engaged", {
            "score_in": in_score, "needed": p.target_engaged_min_score,
        }))
    shortfalls = _standing_shortfalls(s, p)
    if out_score >= p.propose_min_score and not shortfalls:
        return case.verdict(Outcome.PROPOSE, Reason("one_sided_engagement", {
            "score_out": out_score, "score_in": in_score, "needed": p.mutual_min_score,
        }))
    reasons = shortfalls if out_score >= p.propose_min_score else [
        Reason("not_enough_engagement", {
            "score_out": out_score, "interactions_out": s.outgoing.total,
            "needed": p.propose_min_score, "window_days": p.window_days,
        }),
        *shortfalls,
    ]
    if s.requester_follows_target:
        reasons.append(Reason("follow_is_not_engagement"))
    return case.verdict(Outcome.DECLINE, *reasons)


def _standing_shortfalls(s: PairSummary, p: Policy) -> list[Reason]:
    """A brand-new or silent account may not ask strangers to connect, however it scores."""
    shortfalls = []
    if s.requester_days_known < p.min_member_days:
        shortfalls.append(Reason("new_member", {
            "days_known": round(s.requester_days_known, 1), "needed": p.min_member_days,
        }))
    if s.requester_activity < p.min_activity:
        shortfalls.append(Reason("low_activity", {
            "activity": s.requester_activity, "needed": p.min_activity, "window_days": p.window_days,
        }))
    return shortfalls
