"""A believable small community with weeks of history, written into the stand-in before the bot arrives.

Everything is history only (``add_message`` and stored reactions): the bot learns it the way it would on a real
server it just joined, by backfilling. The history is shaped so that the guided tour tells a true story:
Sam has engaged with Maya for weeks while Maya never engaged back (a request Maya decides on), Priya and Leo
talk all the time (a genuine connection), and Nico joined today (a kind "not yet").
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from ..models import Channel, Emoji, Guild, Member, Message, Reaction
from ..server import StandIn

#: (handle, display name); the moderator and the newcomer are apart.
MEMBERS = [
    ("maya", "Maya"), ("sam", "Sam"), ("priya", "Priya"), ("leo", "Leo"), ("jonah", "Jonah"), ("ava", "Ava"),
    ("kenji", "Kenji"), ("zoe", "Zoe"), ("omar", "Omar"), ("lina", "Lina"), ("theo", "Theo"),
]
MODERATOR = ("rosa", "Rosa")
NEWCOMER = ("nico", "Nico")

CHANNELS = {
    "general": "Say hi, share news, hang out",
    "art-share": "Post your work; feedback welcome",
    "music": "What are you listening to while you draw?",
    "feedback": "Ask for critique, give it kindly",
}

OPENERS = {
    "general": ["morning all ☕", "anyone doing the inktober prompts this year?", "finally fixed my tablet driver",
                "who's around for the sketch stream tonight?", "small win: sold my first print today!",
                "what's everyone working on this weekend?", "the new brush pack is out, worth it?",
                "reminder that drinking water is part of the process"],
    "art-share": ["new piece: lighthouse at dusk 🌊", "a quick study of hands, 20 minutes",
                  "finished the dragon commission", "trying gouache for the first time", "character sheet for my comic",
                  "a cozy kitchen, isometric",
                  "portrait practice, day 12", "fanart of the moth queen"],
    "music": ["lofi again, I'm predictable", "this synthwave album is carrying my lineart", "film scores only today",
              "rain sounds + piano, trust me", "anyone else draw to podcasts instead?"],
    "feedback": ["does the perspective in this street look off?", "colours feel muddy, any tips?",
                 "which thumbnail reads better, A or B?", "is the pose too stiff?"],
}
REPLIES = ["this is lovely", "the lighting!!", "ooh how long did that take?", "saving this for reference",
           "the colours are so good", "haha same", "I'd love a process video", "yes! count me in",
           "try a warmer shadow there", "B reads better to me", "that's a great idea", "congrats!! 🎉",
           "I had the same problem, reinstalling fixed it", "the line weight is really nice", "so cozy",
           "what brush is that?", "agree with the others, looks great", "thanks, that helps a lot",
           "good point", "I'll try that tonight"]
SAM_TO_MAYA = ["Maya this is incredible, how do you do your skies?", "your style keeps getting better",
               "saving this one, the composition is perfect", "I tried your colour trick, it worked!",
               "would love a tutorial on this", "your lighthouse inspired my next piece"]
PAIR_TALK = ["did you finish the background?", "almost! stuck on the clouds", "send it when you can",
             "here's the wip", "oh that's working now", "thanks for the push yesterday", "same time tomorrow?",
             "deal", "your palette idea saved this", "we should collab on the zine"]
HOUSE_RULES = {
    "type": "rich", "title": "House rules", "color": 0x5865F2,
    "description": "Share your work, cheer others on, critique kindly.",
    "fields": [
        {"name": "Follows", "value": "Nobody owes you a follow. Talk to people: that's how it starts.",
         "inline": False},
        {"name": "Quid Pro No", "value": "Mention the bot with a follow-back demand and it will tell you, kindly, "
                                         "what the history says. Only you see the numbers.", "inline": False},
    ],
    "footer": {"text": "The moderators"},
}
EMOJIS = ["👍", "❤️", "🔥", "😂", "🎉", "✨"]

DAYS = 28


@dataclass
class Community:
    standin: StandIn
    guild: Guild
    channels: dict[str, Channel]
    members: dict[str, Member]
    moderator: Member
    newcomer: Member
    history: list[Message] = field(default_factory=list)

    @property
    def everyone(self) -> list[Member]:
        """Members as the page lists them: the regulars, the moderator, the newcomer."""
        return [*self.members.values(), self.moderator, self.newcomer]

    def member(self, handle: str) -> Member:
        for member in self.everyone:
            if member.user.username == handle:
                return member
        raise KeyError(handle)


def seed_community(standin: StandIn, *, now: dt.datetime | None = None, seed: int = 14) -> Community:
    """Build the server and four weeks of history (before the bot connects: history, not live events)."""
    now = now or dt.datetime.now(dt.UTC)
    rng = random.Random(seed)
    start = now - dt.timedelta(days=DAYS)
    owner = standin.add_user(MODERATOR[0], global_name=MODERATOR[1])
    guild = standin.add_guild("Pixel & Paint", owner=owner)
    moderator = guild.member(owner)
    assert moderator is not None
    channels = {name: standin.add_channel(guild, name, topic=topic) for name, topic in CHANNELS.items()}
    members = {}
    for handle, display in MEMBERS:
        user = standin.add_user(handle, global_name=display)
        members[handle] = standin.add_member(guild, user, joined_at=start - dt.timedelta(days=rng.randint(30, 300)))
    newcomer = standin.add_member(guild, standin.add_user(NEWCOMER[0], global_name=NEWCOMER[1]), joined_at=now)
    community = Community(standin, guild, channels, members, moderator, newcomer)
    _History(community, rng, start, now).write()
    return community


class _History:
    """Days of threads: someone opens, others reply minutes to hours later, people react."""

    def __init__(self, community: Community, rng: random.Random, start: dt.datetime, now: dt.datetime) -> None:
        self.community = community
        self.rng = rng
        self.start = start
        self.end = now - dt.timedelta(hours=3)
        self.posts: list[tuple[dt.datetime, Channel, Member, str, int | None]] = []

    def write(self) -> None:
        self._welcome()
        self._threads()
        self._sam_admires_maya()
        self._priya_and_leo()
        self._store()

    def _at(self, day: float) -> dt.datetime:
        return min(self.start + dt.timedelta(days=day), self.end)

    def _welcome(self) -> None:
        general = self.community.channels["general"]
        message = self.community.standin.add_message(
            general, self.community.moderator, "Welcome to Pixel & Paint! The house rules, in short 👇",
            timestamp=self._at(0.05), embeds=[HOUSE_RULES])
        self.community.history.append(message)

    def _threads(self) -> None:
        regulars = [m for handle, m in self.community.members.items() if handle not in ("sam",)]
        for day in range(DAYS):
            for _ in range(self.rng.randint(2, 4)):
                name = self.rng.choice(list(OPENERS))
                channel = self.community.channels[name]
                opener = self.rng.choice([*regulars, self.community.moderator])
                when = day + self.rng.uniform(0.3, 0.9)
                self._post(when, channel, opener, self.rng.choice(OPENERS[name]), None)
                repliers = self.rng.sample(regulars, self.rng.randint(1, 3))
                for replier in repliers:
                    if replier is opener:
                        continue
                    when += self.rng.uniform(0.01, 0.12)
                    self._post(when, channel, replier, self.rng.choice(REPLIES), len(self.posts) - 1)

    def _sam_admires_maya(self) -> None:
        """Sam answers Maya's art posts for weeks; Maya never answers Sam (she is busy, not unkind)."""
        maya, sam = self.community.members["maya"], self.community.members["sam"]
        art = self.community.channels["art-share"]
        for index, text in enumerate(SAM_TO_MAYA):
            day = 2 + index * 4
            self._post(day + 0.4, art, maya, self.rng.choice(OPENERS["art-share"]), None)
            self._post(day + 0.6, art, sam, text, len(self.posts) - 1)
        self._post(9.5, self.community.channels["music"], sam, "anyone have a good focus playlist?", None)
        self._post(9.55, self.community.channels["music"], self.community.members["omar"], REPLIES[2],
                   len(self.posts) - 1)

    def _priya_and_leo(self) -> None:
        priya, leo = self.community.members["priya"], self.community.members["leo"]
        general = self.community.channels["general"]
        for day in range(3, DAYS, 3):
            previous = None
            for turn in range(4):
                author = priya if turn % 2 == 0 else leo
                self._post(day + 0.7 + turn * 0.002, general, author, self.rng.choice(PAIR_TALK), previous)
                previous = len(self.posts) - 1

    def _post(self, day: float, channel: Channel, author: Member, text: str, reply_to: int | None) -> None:
        self.posts.append((self._at(day), channel, author, text, reply_to))

    def _store(self) -> None:
        standin = self.community.standin
        stored: dict[int, Message] = {}
        order = sorted(range(len(self.posts)), key=lambda i: self.posts[i][0])
        for index in order:
            when, channel, author, text, reply_to = self.posts[index]
            parent = stored.get(reply_to) if reply_to is not None else None
            if parent is not None and parent.channel is not channel:
                parent = None
            message = standin.add_message(channel, author, text, reply_to=parent, timestamp=when)
            stored[index] = message
            self.community.history.append(message)
            self._react(message)

    def _react(self, message: Message) -> None:
        """A few reactions from regulars; Maya never reacts to Sam, so his engagement stays one-sided."""
        members = list(self.community.members.values())
        for user in self.rng.sample(members, self.rng.randint(0, 3)):
            if user.user is message.author or (user.user.username == "maya" and message.author.username == "sam"):
                continue
            emoji = self.rng.choice(EMOJIS)
            reaction = message.reaction(emoji)
            if reaction is None:
                reaction = Reaction(emoji=Emoji(name=emoji))
                message.reactions.append(reaction)
            reaction.users.append(user.user)
        if message.author.username == "maya" and message.channel.name == "art-share":
            sam = self.community.members["sam"].user
            heart = message.reaction("❤️") or Reaction(emoji=Emoji(name="❤️"))
            if heart not in message.reactions:
                message.reactions.append(heart)
            if sam not in heart.users:
                heart.users.append(sam)
