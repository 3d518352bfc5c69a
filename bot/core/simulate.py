"""Policy dry-runs: what stored demands would have been answered under a changed policy. Pure.

Each demand is decided twice from the same replayed history, under the current and under the changed
policy, so the report shows what the change itself would do. Demands whose answer differs from the one
stored even under the current policy (the history grew since, e.g. by a backfill) are counted apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.model import Outcome, PairSummary, PastDemand, Preferences, Verdict
from bot.core.policy import decide
from bot.core.scoring import HistorySpan, PairHistory, span_for, summarize
from bot.core.settings import Policy
from bot.core.stats import OWN_BAR, members_own_choices

_NOUNS: dict[Outcome, tuple[str, str]] = {
    Outcome.CONNECT: ("connection", "connections"),
    Outcome.PROPOSE: ("proposal to the target", "proposals to the target"),
    Outcome.DECLINE: ("decline", "declines"),
    Outcome.ALREADY_FOLLOWING: ("already-following answer", "already-following answers"),
    Outcome.OPTED_OUT: ("opted-out answer", "opted-out answers"),
    Outcome.COOLDOWN: ("cooldown answer", "cooldown answers"),
    Outcome.SELF: ("self-demand answer", "self-demand answers"),
    Outcome.BOT: ("bot answer", "bot answers"),
    Outcome.CAPPED: ("answer held back by the daily cap", "answers held back by the daily cap"),
    Outcome.QUOTA: ("answer held back by a member's weekly quota", "answers held back by members' weekly quotas"),
}


@dataclass(frozen=True, slots=True)
class DemandToReplay:
    id: int
    requester_id: int
    target_id: int
    outcome: Outcome
    created_at: datetime


class ReplaySource(Protocol):
    """Where dry runs read stored demands and the pair histories they were answered from (storage)."""

    async def demands_since(self, guild_id: int, since: datetime, limit: int) -> list[DemandToReplay]: ...

    async def pair_history(self, guild_id: int, requester_id: int, target_id: int,
                           span: HistorySpan) -> PairHistory: ...


@dataclass(frozen=True, slots=True)
class Replay:
    """One stored demand with the history it was answered from, as replayed at its own time."""

    stored: Outcome
    summary_now: PairSummary  # under the current policy
    summary_new: PairSummary  # under the changed policy (window, weights, half-life may differ)
    preferences: Preferences
    earlier_demands: Sequence[PastDemand]  # the requester's demands before this one
    at: datetime
    target_is_bot: bool
    requester_id: int = 0  # whom a changed answer would affect


@dataclass(frozen=True, slots=True)
class Simulation:
    replayed: int
    transitions: Counter[tuple[Outcome, Outcome]]  # (under the current policy, under the new one) -> count
    drifted: int  # answered differently today under the current policy than when stored
    affected: frozenset[int] = frozenset()  # requesters at least one of whose answers would change
    own_bar: int = 0  # declines under the changed policy due to a target's own bar
    quota: int = 0  # answers under the changed policy due to a target's weekly quota

    @property
    def changed(self) -> int:
        return sum(count for (before, after), count in self.transitions.items() if before != after)


def outcome_under(replay: Replay, policy: Policy, *, changed: bool) -> Outcome:
    return verdict_under(replay, policy, changed=changed).outcome


def verdict_under(replay: Replay, policy: Policy, *, changed: bool) -> Verdict:
    summary = replay.summary_new if changed else replay.summary_now
    return decide(summary, policy, replay.preferences, replay.earlier_demands, replay.at,
                  target_is_bot=replay.target_is_bot)


def simulate(replays: Iterable[Replay], current: Policy, changed: Policy) -> Simulation:
    transitions: Counter[tuple[Outcome, Outcome]] = Counter()
    affected: set[int] = set()
    drifted = replayed = own_bar = quota = 0
    for replay in replays:
        before = outcome_under(replay, current, changed=False)
        verdict = verdict_under(replay, changed, changed=True)
        after = verdict.outcome
        own_bar += after is Outcome.DECLINE and OWN_BAR in verdict.reason_codes
        quota += after is Outcome.QUOTA
        transitions[before, after] += 1
        drifted += before != replay.stored
        replayed += 1
        if before != after:
            affected.add(replay.requester_id)
    return Simulation(replayed, transitions, drifted, frozenset(affected), own_bar, quota)


def describe(simulation: Simulation, key: str, value: str, days: int) -> str:
    """"12 declines would become connections": the changes first, largest first, then the rest."""
    head = f"Dry run of **{key} = {value}** over the {simulation.replayed} demands of the last {days} days"
    if simulation.replayed == 0:
        return head + ": there are no stored demands to replay, so nothing would change."
    lines = [head + ":"]
    lines += [f"- {line}" for line in transition_lines(simulation)] or ["- nothing would change."]
    if own_choices := members_own_choices(simulation.own_bar, simulation.quota, would=True):
        lines.append(f"Under it, {own_choices}")
    unchanged = simulation.replayed - simulation.changed
    lines.append(f"{_counted(unchanged, 'answer')} would stay the same. Nothing has been applied.")
    if simulation.drifted:
        drifted = _counted(simulation.drifted, "demand")
        lines.append(f"({drifted} would already be answered differently under the current policy than when first"
                     " answered: the history has grown since, e.g. by a backfill.)")
    return "\n".join(lines)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def transition_lines(simulation: Simulation) -> list[str]:
    """"12 declines would become connections", one per kind of change, the largest first."""
    changes = sorted(((count, before, after) for (before, after), count in simulation.transitions.items()
                      if before != after), key=lambda item: (-item[0], item[1].value, item[2].value))
    lines = []
    for count, before, after in changes:
        after_noun = _noun(after, count) if count != 1 else f"{_article(_noun(after, 1))} {_noun(after, 1)}"
        lines.append(f"{count} {_noun(before, count)} would become {after_noun}")
    return lines


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def _noun(outcome: Outcome, count: int) -> str:
    singular, plural = _NOUNS[outcome]
    return singular if count == 1 else plural


async def replays(source: ReplaySource, guild_id: int, since: datetime, *, limit: int, current: Policy,
                  changed: Policy, bot_id: int) -> list[Replay]:
    """Each demand made since `since`, with its history as it stood then, under each policy's own span.

    The live query path, read at the demand's own time: later interactions and later demands (and the
    demand itself) do not count. Follows and preferences are today's: they keep no history.
    """
    found = []
    for demand in await source.demands_since(guild_id, since, limit):
        requester, target, at = demand.requester_id, demand.target_id, demand.created_at
        now_history, new_history = [await source.pair_history(guild_id, requester, target, span_for(policy, at))
                                    for policy in (current, changed)]
        earlier = max((now_history.recent_demands, new_history.recent_demands), key=len)
        found.append(Replay(demand.outcome, summarize(now_history, current), summarize(new_history, changed),
                            now_history.target_preferences, earlier, at, target == bot_id, requester))
    return found
