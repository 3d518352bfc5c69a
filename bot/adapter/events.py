"""Events the features tell each other about (dispatched as custom discord.py events)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VerdictGiven:
    """`on_verdict`: a demand was answered."""

    guild_id: int
    demand_id: int
    requester_id: int
    target_id: int
    outcome: str
    reason_codes: tuple[str, ...]
    channel_id: int
    jump_url: str


@dataclass(frozen=True, slots=True)
class ModeratorAlert:
    """`on_moderator_alert`: something moderators should know (nagging over the cap, a setting changed)."""

    guild_id: int
    text: str
