"""Value types shared by the core: interaction kinds, pair summaries, preferences and verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum


class InteractionKind(StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    REACTION = "reaction"
    CONVERSATION = "conversation"


class Outcome(StrEnum):
    CONNECT = "connect"
    PROPOSE = "propose"
    DECLINE = "decline"
    ALREADY_FOLLOWING = "already_following"
    OPTED_OUT = "opted_out"
    COOLDOWN = "cooldown"
    SELF = "self"
    BOT = "bot"
    CAPPED = "capped"  # over the daily demand cap: said once, then silence until tomorrow
    QUOTA = "quota"  # the target took all the new connections they want this week


class RequestsFrom(StrEnum):
    """Whom a member takes follow requests from."""

    EVERYONE = "everyone"
    ENGAGED = "engaged"
    NOBODY = "nobody"


class Bar(StrEnum):
    """How much engagement a member asks for before connecting, against the server's default."""

    LIBERAL = "liberal"
    BALANCED = "balanced"
    STINGY = "stingy"


class RequestStatus(StrEnum):
    """Where a connection request stands: waiting for the target, then answered or expired."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class AuditAction(StrEnum):
    """What a moderator (or the terminal) did, as the audit log records it."""

    POLICY_SET = "policy_set"
    POLICY_RESET = "policy_reset"
    BACKFILL_STARTED = "backfill_started"  # its entry also remembers the job's window, for resuming
    BACKFILL_RESUMED = "backfill_resumed"
    TERMS_CLEARED = "terms_cleared"  # a moderator cleared someone's terms


class SpecialActor(IntEnum):
    """Audit-log actors that are not a member: values no Discord id takes (ids are positive)."""

    FORGOTTEN = 0  # a member who asked to be forgotten: their entries stay, without who made them
    TERMINAL = -1  # work started from a terminal (`quidprono backfill`), by whoever runs the bot


_ACTOR_LABELS: dict[int, str] = {SpecialActor.FORGOTTEN: "a forgotten member", SpecialActor.TERMINAL: "the terminal"}


def actor_label(actor_id: int) -> str | None:
    """How the audit log names an actor that is not a member; None for a member."""
    return _ACTOR_LABELS.get(actor_id)


class ExplainVia(StrEnum):
    EPHEMERAL = "ephemeral"
    DM = "dm"


@dataclass(frozen=True, slots=True)
class DirectionSummary:
    """What one member did towards another inside the window."""

    counts: Mapping[InteractionKind, int] = field(default_factory=dict)
    score: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, kind: InteractionKind) -> int:
        return self.counts.get(kind, 0)


@dataclass(frozen=True, slots=True)
class PairSummary:
    """A requester/target pair's history in one guild, as the policy sees it."""

    guild_id: int
    requester_id: int
    target_id: int
    window_days: int
    outgoing: DirectionSummary  # requester -> target
    incoming: DirectionSummary  # target -> requester
    first_interaction: datetime | None = None
    last_interaction: datetime | None = None
    requester_activity: int = 0  # interactions the requester made with anyone in the window
    requester_days_known: float = 0.0  # days since the requester was first seen in the guild
    requester_follows_target: bool = False
    target_follows_requester: bool = False
    target_top_channel_id: int | None = None  # where the target is most active: a place to engage
    target_new_connections: int = 0  # connections the target made in the last 7 days (their quota)

    def as_dict(self) -> dict[str, object]:
        def direction(summary: DirectionSummary) -> dict[str, object]:
            counts = {kind.value: summary.count(kind) for kind in InteractionKind}
            return {"counts": counts, "total": summary.total, "score": round(summary.score, 3)}

        return {
            "window_days": self.window_days,
            "outgoing": direction(self.outgoing),
            "incoming": direction(self.incoming),
            "first_interaction": self.first_interaction.isoformat() if self.first_interaction else None,
            "last_interaction": self.last_interaction.isoformat() if self.last_interaction else None,
            "requester_activity": self.requester_activity,
            "requester_days_known": round(self.requester_days_known, 2),
            "requester_follows_target": self.requester_follows_target,
            "target_follows_requester": self.target_follows_requester,
        }


@dataclass(frozen=True, slots=True)
class Preferences:
    requests_from: RequestsFrom = RequestsFrom.EVERYONE
    auto_accept: bool = False
    explain_via: ExplainVia = ExplainVia.EPHEMERAL
    bar: Bar = Bar.BALANCED  # the member's own bar, within the bounds the server sets
    weekly_quota: int | None = None  # new connections a week; None: no limit, 0: none this week


@dataclass(frozen=True, slots=True)
class PastDemand:
    """An earlier demand by the same requester, for cooldowns."""

    target_id: int
    outcome: Outcome
    at: datetime


Number = int | float


@dataclass(frozen=True, slots=True)
class Reason:
    """One stable reason code with the numbers that justify it."""

    code: str
    numbers: Mapping[str, Number] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, **self.numbers}

    @classmethod
    def from_dict(cls, stored: Mapping[str, object]) -> Reason:
        numbers = {k: v for k, v in stored.items() if k != "code" and isinstance(v, int | float)}
        return cls(str(stored["code"]), numbers)


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    evidence: Mapping[str, Number | str | None]

    @property
    def reason_codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One recorded interaction: who engaged with whom, how, where and when. Never any text."""

    guild_id: int
    actor_id: int
    target_id: int
    kind: InteractionKind
    channel_id: int
    source_id: int  # the message that carried it, so a replay or a deletion can find it
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class PostRef:
    """A member posted a message: ids only, so a follower's feed can link to it."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TimedInteraction:
    """The part of an interaction that scoring needs."""

    actor_id: int
    kind: InteractionKind
    occurred_at: datetime
