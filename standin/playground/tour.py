"""The guided tour: a short scripted story a visitor steps through, one button per step.

Each step acts as a member would (posts a message, clicks a button, runs a slash command) through the stand-in's
own drivers, then waits for the bot's real answer before it returns, so the page shows what the bot sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..interactions import InteractionHandle
from ..models import Member, Message
from .community import Community

#: How long a step waits for the bot's answer (backed by a positive signal; this is only the give-up time).
ANSWER_TIMEOUT = 15.0


@dataclass(frozen=True)
class TourStep:
    key: str
    title: str
    #: Whose eyes the page should show the step through, and where.
    viewer: str
    channel: str
    narration: str


STEPS = [
    TourStep("newcomer", "A newcomer demands a follow-back", "nico", "general",
             "Nico joined today and asks the bot to make Maya follow him back. The bot says no, kindly, in public, "
             "with no numbers and no shaming."),
    TourStep("why", "Nico taps Why?", "nico", "general",
             "The explanation is private: only Nico sees it, with the real numbers from the history and a way to earn "
             "the connection. Switch \"You are\" to anyone else: it is not there."),
    TourStep("engaged", "An engaged member asks", "sam", "general",
             "Sam has answered Maya's art for weeks; Maya has not answered back yet. So the bot does not decide for "
             "her: it asks Maya, and only Maya can answer."),
    TourStep("accept", "Maya accepts", "maya", "general",
             "Maya presses Connect. A connection needs consent: nobody else's click would count. Sam hears of "
             "it in his direct messages with the bot."),
    TourStep("cap", "The daily cap", "nico", "general",
             "Nico keeps demanding. Past this server's daily limit the bot says one kind word, then stays quiet."),
    TourStep("simulate", "A moderator tries a policy change", "rosa", "general",
             "Rosa, a moderator, previews what a higher daily cap would have changed, replaying today's demands "
             "without applying anything. Only she sees the report."),
    TourStep("stats", "The moderator's numbers", "rosa", "general",
             "/quidpro stats: demands per day, outcomes and connections, with a chart. Now play anyone you like."),
]


class Tour:
    """Where the visitor is in the story, and what the earlier steps left (the replies to click on)."""

    def __init__(self, community: Community, *, daily_cap: int) -> None:
        self.community = community
        self.daily_cap = daily_cap
        self.position = 0
        self._decline: Message | None = None
        self._ask: Message | None = None
        self._actions: dict[str, Callable[[], Awaitable[None]]] = {
            "newcomer": self._newcomer, "why": self._why, "engaged": self._engaged, "accept": self._accept,
            "cap": self._cap, "simulate": self._simulate, "stats": self._stats,
        }

    @property
    def next_step(self) -> TourStep | None:
        return STEPS[self.position] if self.position < len(STEPS) else None

    async def advance(self) -> TourStep:
        """Play the next step and wait for the bot's answer to it."""
        step = self.next_step
        if step is None:
            raise LookupError("the tour is over: reset to play it again")
        await self._actions[step.key]()
        self.position += 1
        return step

    # ---- the steps -------------------------------------------------------------------------------------

    async def _newcomer(self) -> None:
        maya = self.community.members["maya"]
        self._decline = await self._demand(self.community.newcomer, f"{self._bot} {maya.mention} follow me back! "
                                                                     "I followed you yesterday 🙏")

    async def _why(self) -> None:
        assert self._decline is not None
        await self._click(self._decline, "Why?", self.community.newcomer)

    async def _engaged(self) -> None:
        maya = self.community.members["maya"]
        sam = self.community.members["sam"]
        general = self.community.channels["general"]
        await self._demand(sam, f"{self._bot} {maya.mention} f4f? I've loved your art for weeks")
        self._ask = await self.community.standin.wait_for_bot_message(
            general, lambda m: _has_button(m, "Connect"), timeout=ANSWER_TIMEOUT)

    async def _accept(self) -> None:
        assert self._ask is not None
        await self._click(self._ask, "Connect", self.community.members["maya"])
        # The bot tells Sam by DM once it has answered the click: the step ends when he has heard.
        standin = self.community.standin
        await standin.wait_for_bot_message(standin.dm_channel(self.community.members["sam"]), timeout=ANSWER_TIMEOUT)

    async def _cap(self) -> None:
        """Demands at members Nico never asked, until the one past the cap (answered once, kindly). What he
        asked the bot before counts, the tour's demands and any the visitor typed as him."""
        others = [m for h, m in self.community.members.items() if h not in ("maya", "sam")]
        left = max(self.daily_cap - self._asked_today(self.community.newcomer), 0) + 1
        for target in others[:left]:
            await self._demand(self.community.newcomer, f"{self._bot} {target.mention} sub4sub?")

    def _asked_today(self, member: Member) -> int:
        since = datetime.now(UTC) - timedelta(days=1)
        return sum(1 for message in self.community.standin.state.messages.values()
                   if message.author is member.user and self.community.standin.bot in message.mentions
                   and message.timestamp > since and not message.deleted)

    async def _simulate(self) -> None:
        handle = await self._command(["quidpro", "policy", "simulate"],
                                     {"key": "policy.daily_demand_cap", "value": str(self.daily_cap * 3)})
        await handle.wait_followup(timeout=ANSWER_TIMEOUT)

    async def _stats(self) -> None:
        handle = await self._command(["quidpro", "stats"], {})
        await handle.wait_followup(timeout=ANSWER_TIMEOUT)

    # ---- acting as members -----------------------------------------------------------------------------

    @property
    def _bot(self) -> str:
        return self.community.standin.bot.mention

    async def _demand(self, author: Member, text: str) -> Message:
        """Post in #general and wait for the bot's reply to it."""
        standin, general = self.community.standin, self.community.channels["general"]
        demand = await standin.send_message(general, author, text)
        return await standin.wait_for_bot_message(
            general, lambda m: m.referenced is not None and m.referenced.id == demand.id, timeout=ANSWER_TIMEOUT)

    async def _click(self, message: Message, label: str, user: Member) -> None:
        button = next((b for b in message.buttons if b.get("label") == label), None)
        if button is None:
            return  # the visitor already answered it by hand
        handle = await self.community.standin.click_button(message, button["custom_id"], user)
        await handle.wait_response(timeout=ANSWER_TIMEOUT)

    async def _command(self, path: list[str], options: dict[str, object]) -> InteractionHandle:
        standin = self.community.standin
        handle = await standin.slash_command(self.community.channels["general"], self.community.moderator, path,
                                             options)
        await handle.wait_response(timeout=ANSWER_TIMEOUT)
        return handle


def _has_button(message: Message, label: str) -> bool:
    return any(b.get("label") == label for b in message.buttons)
