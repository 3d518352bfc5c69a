"""A demand as stored: the row the write path inserts, and what readers get back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.model import Outcome, Reason, Verdict
from bot.storage.models import Demand


@dataclass(frozen=True, slots=True)
class StoredDemand:
    id: int
    guild_id: int
    requester_id: int
    target_id: int
    channel_id: int | None
    message_id: int | None
    kind: str
    outcome: Outcome
    reasons: list[dict[str, Any]]
    evidence: dict[str, Any]
    created_at: datetime

    def verdict(self) -> Verdict:
        return Verdict(self.outcome, tuple(Reason.from_dict(reason) for reason in self.reasons), self.evidence)


DEMAND_COLUMNS = ("guild_id", "requester_id", "target_id", "channel_id", "message_id", "kind", "outcome", "reasons",
                  "evidence", "created_at", "reply_due")


def demand_row(guild_id: int, requester_id: int, target_id: int, *, kind: str, verdict: Verdict, now: datetime,
               channel_id: int | None, message_id: int | None, reply_due: bool) -> dict[str, Any]:
    """A demand and its verdict, as `Store.demand_insert` takes them."""
    return {"guild_id": guild_id, "requester_id": requester_id, "target_id": target_id, "channel_id": channel_id,
            "message_id": message_id, "kind": kind, "outcome": verdict.outcome.value,
            "reasons": [reason.as_dict() for reason in verdict.reasons], "evidence": dict(verdict.evidence),
            "created_at": now, "reply_due": reply_due}


def stored(row: Demand) -> StoredDemand:
    return StoredDemand(
        id=row.id, guild_id=row.guild_id, requester_id=row.requester_id, target_id=row.target_id,
        channel_id=row.channel_id, message_id=row.message_id, kind=row.kind, outcome=Outcome(row.outcome),
        reasons=list(row.reasons), evidence=dict(row.evidence), created_at=row.created_at,
    )

