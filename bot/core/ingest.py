"""From what happened in a channel to the interactions worth recording. Pure: no discord, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cachetools import LRUCache

from bot.core.model import Interaction, InteractionKind, PostRef


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """The ids a message carries; never its text."""

    guild_id: int
    channel_id: int
    message_id: int
    author_id: int
    created_at: datetime
    reply_to_author_id: int | None = None
    mentioned_ids: tuple[int, ...] = field(default=())


def interactions_from_message(facts: MessageFacts) -> list[Interaction]:
    """A reply counts once towards the replied-to author; each other mentioned member once as a mention."""

    def to(target: int, kind: InteractionKind) -> Interaction:
        return Interaction(facts.guild_id, facts.author_id, target, kind, facts.channel_id, facts.message_id,
                           facts.created_at)

    found = []
    if facts.reply_to_author_id is not None and facts.reply_to_author_id != facts.author_id:
        found.append(to(facts.reply_to_author_id, InteractionKind.REPLY))
    for member in dict.fromkeys(facts.mentioned_ids):  # ordered, deduplicated
        if member not in (facts.author_id, facts.reply_to_author_id):
            found.append(to(member, InteractionKind.MENTION))
    return found


def records_of(facts: MessageFacts, conversations: ConversationTracker) -> list[Interaction | PostRef]:
    """Everything ingestion records for one message: its post, its interactions, a conversation turn."""
    found: list[Interaction | PostRef] = [
        PostRef(facts.guild_id, facts.channel_id, facts.message_id, facts.author_id, facts.created_at)]
    found.extend(interactions_from_message(facts))
    turn = conversations.observe(facts)
    if turn is not None:
        found.append(turn)
    return found


def not_erased(records: Iterable[Interaction | PostRef],
               erasures: Mapping[tuple[int, int], datetime]) -> list[Interaction | PostRef]:
    """What may be recorded: nothing about a member (either side) from before they erased their data in that
    guild. `erasures` maps (guild_id, user_id) to the time of the erasure."""

    def erased(guild_id: int, user_id: int, at: datetime) -> bool:
        when = erasures.get((guild_id, user_id))
        return when is not None and at <= when

    def kept(record: Interaction | PostRef) -> bool:
        if isinstance(record, PostRef):
            return not erased(record.guild_id, record.author_id, record.created_at)
        return not (erased(record.guild_id, record.actor_id, record.occurred_at)
                    or erased(record.guild_id, record.target_id, record.occurred_at))

    return [record for record in records if kept(record)] if erasures else list(records)


def from_messages(guild_id: int, message_ids: Collection[int]) -> Callable[[Interaction | PostRef], bool]:
    """What deleting these messages takes back: their posts and the interactions they made."""
    ids = set(message_ids)

    def matches(record: Interaction | PostRef) -> bool:
        source = record.message_id if isinstance(record, PostRef) else record.source_id
        return record.guild_id == guild_id and source in ids

    return matches


def reaction_of(guild_id: int, message_id: int, user_id: int) -> Callable[[Interaction | PostRef], bool]:
    """What removing a reaction takes back: that member's reaction interaction on that message."""

    def matches(record: Interaction | PostRef) -> bool:
        return (isinstance(record, Interaction) and record.kind is InteractionKind.REACTION
                and (record.guild_id, record.source_id, record.actor_id) == (guild_id, message_id, user_id))

    return matches


@dataclass(slots=True)
class _Turn:
    author_id: int
    at: datetime


class ConversationTracker:
    """Counts a conversation turn when A writes within `gap` after B in the same channel.

    Farming-proof by construction: a run of messages by one author counts nothing (the last
    speaker is then themselves), and an ordered pair earns at most one turn per channel per `gap`,
    so two accounts trading messages quickly gain no more than two people talking normally.
    Memory is bounded: only the most recent `max_channels` channels and `max_pairs` pairs are kept.
    """

    def __init__(self, gap: timedelta, max_channels: int = 10_000, max_pairs: int = 100_000) -> None:
        self._gap = gap
        self._last: LRUCache[int, _Turn] = LRUCache(maxsize=max_channels)
        self._credited: LRUCache[tuple[int, int, int], datetime] = LRUCache(maxsize=max_pairs)

    def observe(self, facts: MessageFacts) -> Interaction | None:
        previous = self._last.get(facts.channel_id)
        self._last[facts.channel_id] = _Turn(facts.author_id, facts.created_at)
        if previous is None or previous.author_id == facts.author_id:
            return None
        if not timedelta(0) <= facts.created_at - previous.at <= self._gap:
            return None
        pair = (facts.channel_id, facts.author_id, previous.author_id)
        credited = self._credited.get(pair)
        if credited is not None and facts.created_at - credited < self._gap:
            return None
        self._credited[pair] = facts.created_at
        return Interaction(facts.guild_id, facts.author_id, previous.author_id, InteractionKind.CONVERSATION,
                           facts.channel_id, facts.message_id, facts.created_at)

    def adopt(self, other: ConversationTracker, channel_id: int) -> None:
        """Carry on a channel from where `other` left it (catch-up read what this tracker never saw)."""
        last = other._last.get(channel_id)
        if last is not None:
            self._last[channel_id] = last
        for pair, at in list(other._credited.items()):
            if pair[0] == channel_id:
                self._credited[pair] = at

    def forget_member(self, user_id: int) -> None:
        """Drop a member from memory (they left, or asked to be forgotten)."""
        for channel, turn in list(self._last.items()):
            if turn.author_id == user_id:
                del self._last[channel]
        for pair in [p for p in self._credited if user_id in p[1:]]:
            del self._credited[pair]
