"""Answering follow-back demands: detect, decide, reply kindly in public, explain in private."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.adapter._messages import addresses_bot, channel_and_category, context_of, ids_fit, replied_to_author
from bot.adapter.errors import GuardedItem
from bot.adapter.events import ModeratorAlert, VerdictGiven
from bot.adapter.exts._ask import ask
from bot.adapter.outbox import Outbox, ReplyLines
from bot.adapter.replies import WHY_CUSTOM_ID, Answers, reply_nonce
from bot.core.budget import Allowance
from bot.core.catchup import is_fresh
from bot.core.detect import Classification, Decision, detector_for
from bot.core.model import ExplainVia, Outcome, PastDemand, Verdict
from bot.core.policy import decide
from bot.core.scope import in_scope
from bot.core.scoring import span_for, summarize
from bot.core.settings import Settings
from bot.core.terms import shown_terms
from bot.core.texts import Names, render_private, render_public
from bot.storage import StoredDemand

if TYPE_CHECKING:
    from bot.adapter.app import QuidProNo

log = logging.getLogger(__name__)

HELP = ("Hi! I answer \"follow me back\" demands with an honest look at how you two actually interact. "
        "Mention me with a demand (\"@me follow me back\", or reply to someone's message) to try it, "
        "or use /about to learn what I do and what I store.")
HELP_EVERY = timedelta(hours=1)
NOT_YOURS = ("This explanation belongs to the person who asked. "
             "Mention me with your own demand if you'd like one of your own.")


class Demands(commands.Cog):
    def __init__(self, bot: QuidProNo) -> None:
        self.bot = bot
        self._locks: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = weakref.WeakValueDictionary()
        self._help = Allowance(HELP_EVERY)  # a plain mention gets help once an hour, not a reply each time
        self._replies = ReplyLines()
        self._sending: set[int] = set()  # demands whose reply is queued or going out in this process

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.guild is None or not message.mentions or message.author.bot:
            return
        if not self.bot.handover.live(message.guild.id, message.channel.id, message.id):
            return  # said during a gap and already caught up from the channel's history
        ids = {"guild_id": message.guild.id, "channel_id": message.channel.id, "message_id": message.id}
        # While the database is away the message waits its turn, and is handled as of when it was written.
        await self.bot.batcher.unless_outage("message", ids, lambda: self._received(message, me),
                                             lambda: self._after_outage(message))

    async def _received(self, message: discord.Message, me: discord.abc.User) -> None:
        assert message.guild is not None
        # The member's turn is taken before the first await (unless_outage awaits nothing before this), so
        # their demands are decided in the order they were sent: one overtaking another would be judged under
        # the cap while the earlier one is capped.
        async with self._turn_then_reply(message) as outbox:
            settings = await self.bot.settings_for(message.guild.id)
            if addresses_bot(message, me, settings.listen.member_mentions) and ids_fit(message):
                await self._handle(message, me, settings, outbox)

    @contextlib.asynccontextmanager
    async def _turn_then_reply(self, message: discord.Message) -> AsyncIterator[Outbox]:
        """The member's turn, then the replies it decided on, in their line. When the turn fails midway (an
        outage at the second target), the replies already decided still go out: the demand's retry finds
        those targets answered and stays silent about them."""
        outbox, sending = Outbox(), None
        try:
            async with self._turn(message):
                try:
                    yield outbox
                finally:
                    sending = self._replies.after_turn(_reply_line(message), outbox)
        finally:
            if sending is not None:
                await sending

    def _turn(self, message: discord.Message) -> asyncio.Lock:
        """One demand at a time per member (FIFO), so quick demands cannot both slip past the cooldown or cap;
        other members' demands go on meanwhile, so one member's spam queues behind itself only. The turn
        ends once the verdicts are stored: the replies (retried for minutes when Discord fails) go out
        after it, from the `Outbox`, so they never hold back the member's next demand."""
        return self._locks.setdefault(_member(message), asyncio.Lock())

    async def _after_outage(self, message: discord.Message) -> None:
        fresh = is_fresh(message.created_at, self.bot.now(), self.bot.settings.catchup.answer_within_minutes)
        await self.catch_up(message, fresh=fresh)

    async def catch_up(self, message: discord.Message, *, fresh: bool) -> tuple[int, int]:
        """A message read from history after a gap: (demands answered, demands recorded silently). Fresh, it is
        handled as if just received; older, a demand's verdict is recorded without a reply, and no question
        or help is sent that late. Either way it is decided as of when it was written."""
        me = self.bot.user
        if me is None or message.guild is None or not message.mentions:
            return 0, 0
        async with self._turn_then_reply(message) as outbox:
            return await self._catch_up(message, me, outbox, fresh=fresh)

    async def _catch_up(self, message: discord.Message, me: discord.abc.User, outbox: Outbox, *,
                        fresh: bool) -> tuple[int, int]:
        assert message.guild is not None
        settings = await self.bot.settings_for(message.guild.id)
        if not addresses_bot(message, me, settings.listen.member_mentions) or not ids_fit(message):
            return 0, 0
        people = {message.author.id, *(member.id for member in message.mentions)}
        if await self.bot.store.privacy.erased_since(message.guild.id, people, message.created_at):
            return 0, 0  # said before someone in it erased their data: reading it again must not undo that
        if fresh:
            return await self._handle(message, me, settings, outbox, at=message.created_at), 0
        classification = detector_for(settings.detection).classify(message.content)
        if classification.decision(settings.detection, context_of(message)) is not Decision.ANSWER:
            return 0, 0
        return 0, await self._answer_all(message, classification, settings, outbox, at=message.created_at,
                                         silent=True)

    async def _handle(self, message: discord.Message, me: discord.abc.User, settings: Settings, outbox: Outbox,
                      at: datetime | None = None) -> int:
        """Answer a message that addresses the bot (the replies into `outbox`): the number of demands answered."""
        assert message.guild is not None
        if not in_scope(settings.scope, *channel_and_category(message.channel)):
            return 0
        classification = detector_for(settings.detection).classify(message.content)
        decision = classification.decision(settings.detection, context_of(message))
        if decision is Decision.ANSWER:
            return await self._answer_all(message, classification, settings, outbox, at=at)
        if decision is Decision.ASK:
            targets = self._targets(message, me)[: settings.discord.max_targets]
            log.info("event=demand_ask guild_id=%s channel_id=%s", message.guild.id, message.channel.id)
            outbox.add(lambda: ask(message, targets, lambda: self._answer_in_turn(message, classification, settings),
                                   settings.detection.ask_timeout_seconds, reply_nonce(message.id, "ask")))
        elif self._mentions_me(message, me) and settings.discord.non_demand_mention == "help":
            self._help_once(message, settings, outbox)
        return 0

    def _help_once(self, message: discord.Message, settings: Settings, outbox: Outbox) -> None:
        assert message.guild is not None
        if self._help.take((message.guild.id, message.author.id), self.bot.now()):
            outbox.add(lambda: _answers(message, settings).send(HELP, None, "help"))
            return
        log.info("event=reply_withheld reason=help_budget guild_id=%s channel_id=%s message_id=%s",
                 message.guild.id, message.channel.id, message.id)
        self.bot.dispatch("reply_withheld", message.id)

    async def _answer_in_turn(self, message: discord.Message, classification: Classification,
                              settings: Settings) -> None:
        """An answer confirmed later (Yes to the question): it waits for the member's turn like a new demand."""
        async with self._turn_then_reply(message) as outbox:
            await self._answer_all(message, classification, settings, outbox)

    async def _answer_all(self, message: discord.Message, classification: Classification, settings: Settings,
                          outbox: Outbox, *, at: datetime | None = None, silent: bool = False) -> int:
        """Every target's verdict (decided as of `at`, default now), in the member's turn: the number of
        demands newly recorded."""
        assert message.guild is not None and self.bot.user is not None
        answers = _answers(message, settings)
        recorded = 0
        for slot, target in enumerate(self._targets(message, self.bot.user)[: settings.discord.max_targets]):
            def say(text: str, why: WhyButton, slot: int = slot) -> None:
                self._sending.add(why.demand_id)
                outbox.add(lambda: self._deliver(answers, text, why, slot))
            recorded += await self._answer(message, target, classification, settings, say, at=at, silent=silent)
        return recorded

    async def _deliver(self, answers: Answers, text: str, why: WhyButton, slot: int) -> None:
        """Send a verdict's reply; delivered or given up, it is no longer due (a kill before this leaves it due,
        for the next session's catch-up: `resend`)."""
        try:
            await answers.send(text, why, slot)
        except Exception as error:  # not Discord's refusal (a dropped connection): due, for the next session
            log.warning("event=reply_failed demand_id=%s error=%s action=left_due", why.demand_id,
                        type(error).__name__)
            return
        finally:
            self._sending.discard(why.demand_id)
        self.bot.batcher.settle_reply(why.demand_id)

    async def resend(self, message: discord.Message, due: dict[int, StoredDemand]) -> int:
        """After a restart: the replies to this message recorded as due (by target) but not known to be sent,
        at their first places, so their nonces match the first try's. The number sent or given up."""
        me = self.bot.user
        assert message.guild is not None and me is not None
        settings = await self.bot.settings_for(message.guild.id)
        answers, resent = _answers(message, settings), 0
        for slot, target in enumerate(self._targets(message, me)[: settings.discord.max_targets]):
            demand = due.get(target.id)
            if demand is None or demand.id in self._sending:  # not due, or this process is sending it now
                continue
            self._sending.add(demand.id)
            text = render_public(demand.verdict(), settings.replies.templates(),
                                 Names(requester=message.author.mention, target=target.mention))
            await self._deliver(answers, text, WhyButton(demand.id), slot)
            resent += 1
        return resent

    @staticmethod
    def _mentions_me(message: discord.Message, me: discord.abc.User) -> bool:
        return any(user.id == me.id for user in message.mentions)

    @staticmethod
    def _targets(message: discord.Message, me: discord.abc.User) -> list[discord.abc.User]:
        """Mentioned members, then the replied-to author; the bot itself when it is the only one named."""
        candidates: list[discord.abc.User] = [user for user in message.mentions if user.id != me.id]
        replied = replied_to_author(message)
        if replied is not None and replied.id != me.id:
            candidates.append(replied)
        unique = list({user.id: user for user in candidates}.values())
        return unique or [me]

    async def _answer(self, message: discord.Message, target: discord.abc.User, classification: Classification,
                      settings: Settings, say: Callable[[str, WhyButton], None], *, at: datetime | None,
                      silent: bool) -> bool:
        assert message.guild is not None and self.bot.user is not None
        guild_id, requester = message.guild.id, message.author
        policy = settings.policy
        await self.bot.batcher.flush_guild(guild_id)  # decide on the guild's freshest history
        # The cap and cooldown hold across processes: the requester's turn is theirs alone, in the database.
        async with self.bot.store.requester_turn(guild_id, requester.id) as turn:
            now = at or self.bot.now()  # after every demand of theirs this turn can see
            history = await turn.pair_history(target.id, span_for(policy, now))
            verdict = decide(summarize(history, policy), policy, history.target_preferences, history.recent_demands,
                             now, target_is_bot=target.id == self.bot.user.id)
            quiet = silent or _capped_again(verdict, history.recent_demands, now)
            demand_id = await turn.record_demand(target.id, kind=str(classification.kind), verdict=verdict, now=now,
                                                 channel_id=message.channel.id, message_id=message.id,
                                                 reply_due=not quiet)
        if demand_id is None:  # a replayed dispatch, or another process got here first: it answers
            log.info("event=demand_already_answered guild_id=%s channel_id=%s message_id=%s target_id=%s",
                     guild_id, message.channel.id, message.id, target.id)
            self.bot.dispatch("demand_already_answered", message.id, target.id)
            return False
        if silent:  # too old to answer after a gap: stored for the record (stats, audit), nobody is pinged
            log.info("event=demand_recorded_silently guild_id=%s demand_id=%s outcome=%s", guild_id, demand_id,
                     verdict.outcome)
            self.bot.dispatch("demand_recorded_silently", message.id)
            return True
        log.info("event=demand_answered guild_id=%s demand_id=%s outcome=%s", guild_id, demand_id, verdict.outcome)
        self.bot.dispatch("verdict", VerdictGiven(guild_id, demand_id, requester.id, target.id, verdict.outcome.value,
                                                  verdict.reason_codes, message.channel.id, message.jump_url))
        if quiet:
            return True  # capped, and said once today already: silence now
        if verdict.outcome is Outcome.CAPPED:
            self.bot.dispatch("moderator_alert", ModeratorAlert(
                guild_id, f"<@{requester.id}> reached the limit of {policy.daily_demand_cap} demands a day "
                          f"and will get no more answers for now. {message.jump_url}"))
        text = render_public(verdict, settings.replies.templates(),
                             Names(requester=requester.mention, target=target.mention))
        say(text, WhyButton(demand_id))
        return True


def _member(message: discord.Message) -> tuple[int, int]:
    assert message.guild is not None
    return message.guild.id, message.author.id


def _reply_line(message: discord.Message) -> tuple[int, int, int]:
    return (*_member(message), message.channel.id)


def _answers(message: discord.Message, settings: Settings) -> Answers:
    return Answers(message, settings.scope.reply_mode, retry_for=settings.discord.reply_retry_seconds)


def _capped_again(verdict: Verdict, recent: Sequence[PastDemand], now: datetime) -> bool:
    """Capped, and told so once in the last day already."""
    return verdict.outcome is Outcome.CAPPED and any(
        demand.outcome is Outcome.CAPPED and demand.at > now - timedelta(days=1) for demand in recent)


class WhyButton(GuardedItem, discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
                template=WHY_CUSTOM_ID):
    """"Why?" under a public reply: the private explanation, for the requester only. Survives restarts
    because the demand id travels in the custom id and the explanation is rebuilt from storage."""

    def __init__(self, demand_id: int) -> None:
        super().__init__(discord.ui.Button(label="Why?", style=discord.ButtonStyle.secondary,
                                           custom_id=f"qpn:why:{demand_id}"))
        self.demand_id = demand_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> WhyButton:
        return cls(int(match["demand_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("QuidProNo", interaction.client)
        demand = await bot.store.demand(self.demand_id)
        # In a DM (reply_mode: dm) there is no guild; the requester check below still applies.
        if demand is None or (interaction.guild_id is not None and demand.guild_id != interaction.guild_id):
            await interaction.response.send_message("That answer is no longer stored.", ephemeral=True)
        elif demand.requester_id != interaction.user.id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
        else:
            await self._explain(bot, interaction, demand)

    @staticmethod
    async def _explain(bot: QuidProNo, interaction: discord.Interaction[Any], demand: StoredDemand) -> None:
        """Only to the requester: ephemerally, or by DM when that is their preference."""
        settings = await bot.settings_for(demand.guild_id)
        channel = _channel_they_can_see(bot, demand.evidence.get("target_top_channel_id"), interaction.user)
        terms = shown_terms(await bot.store.preferences.terms(demand.guild_id, demand.target_id))
        text = explanation(settings, demand, await suggestions(bot, settings, demand), channel, terms)
        preferences = await bot.store.preferences.preferences(demand.guild_id, demand.requester_id)
        if preferences.explain_via is ExplainVia.DM:
            try:
                await interaction.user.send(text, allowed_mentions=discord.AllowedMentions.none())
                await interaction.response.send_message("I sent you the details by DM.", ephemeral=True)
                return
            except discord.HTTPException:
                pass  # DMs closed: fall back to the ephemeral answer
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())


async def suggestions(bot: QuidProNo, settings: Settings, demand: StoredDemand) -> list[str]:
    """For a decline: members the requester already talks with both ways, who take requests."""
    if demand.outcome is not Outcome.DECLINE or settings.connections.max_suggestions == 0:
        return []
    follows = bot.store.follows
    exclude = {demand.target_id, demand.requester_id, bot.user.id if bot.user else 0}
    exclude |= set(await follows.following(demand.guild_id, demand.requester_id))
    since = bot.now() - timedelta(days=settings.policy.window_days)
    partners = await follows.mutual_partners(demand.guild_id, demand.requester_id, since, min_each_way=2,
                                             exclude=exclude, limit=settings.connections.max_suggestions)
    return [f"<@{partner}>" for partner in partners]


def _channel_they_can_see(bot: QuidProNo, channel_id: object, user: discord.abc.User) -> int | None:
    """Where the target is active, only if the requester may read it: never point into a private channel."""
    channel = bot.get_channel(channel_id) if isinstance(channel_id, int) else None
    if not isinstance(channel, discord.abc.GuildChannel):
        return None
    member = user if isinstance(user, discord.Member) else channel.guild.get_member(user.id)
    viewer: discord.Member | discord.Role = member if member is not None else channel.guild.default_role
    return channel.id if channel.permissions_for(viewer).view_channel else None


def explanation(settings: Settings, demand: StoredDemand, suggested: list[str], channel: int | None,
                terms: str | None = None) -> str:
    names = Names(requester=f"<@{demand.requester_id}>", target=f"<@{demand.target_id}>",
                  channel=f"<#{channel}>" if channel else None, terms=terms)
    return render_private(demand.verdict(), settings.replies.templates(), names, suggested)


async def setup(bot: QuidProNo) -> None:
    bot.add_dynamic_items(WhyButton)
    await bot.add_cog(Demands(bot))
