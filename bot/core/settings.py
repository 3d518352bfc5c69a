"""The settings models the core reads: policy, detection, replies, scope and the rest, validated by pydantic.

Loading them from files and the environment, and combining a server's overrides, is `bot.config`'s job;
these are only their shape and limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from bot.core.model import InteractionKind, Outcome
from bot.core.texts import (
    DEFAULT_TERMS_QUOTE,
    HOW_TO_EARN_FIELDS,
    NAME_FIELDS,
    PRIVATE_FIELDS,
    PUBLIC_FIELDS,
    REASON_FIELDS,
    TERMS_FIELDS,
    Templates,
    unknown_fields,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Weights(_Section):
    """How much one interaction of each kind is worth. Follows are deliberately absent: not engagement."""

    reply: float = Field(3.0, ge=0, le=100)
    conversation: float = Field(2.0, ge=0, le=100)
    mention: float = Field(1.0, ge=0, le=100)
    reaction: float = Field(0.5, ge=0, le=100)

    def of(self, kind: InteractionKind) -> float:
        return float(getattr(self, kind.value))


class Policy(_Section):
    window_days: int = Field(90, ge=1, le=3650)
    half_life_days: float = Field(21.0, gt=0, le=3650)
    weights: Weights = Weights()
    mutual_min_score: float = Field(4.0, ge=0)
    target_engaged_min_score: float = Field(6.0, ge=0)
    propose_min_score: float = Field(3.0, ge=0)
    min_member_days: float = Field(3.0, ge=0)
    min_activity: int = Field(5, ge=0)
    cooldown_minutes: int = Field(60, ge=0, le=7 * 24 * 60)
    daily_demand_cap: int = Field(10, ge=1, le=1000)
    # The kindest bar a member may choose for demands aimed at them ("balanced": none below the server's).
    lowest_member_bar: Literal["liberal", "balanced", "stingy"] = "liberal"


class Detection(_Section):
    # Lists in YAML; tuples here so a configuration can key a cache of compiled detectors.
    triggers: tuple[str, ...] = Field((), strict=False)
    exceptions: tuple[str, ...] = Field((), strict=False)
    # Confidence at or above `answer_threshold`: answered as a demand; from `ask_threshold` up to it: ask first.
    answer_threshold: float = Field(0.7, ge=0, le=1)
    ask_threshold: float = Field(0.5, ge=0, le=1)
    ask_timeout_seconds: float = Field(180.0, gt=0, le=900)  # no answer to "shall I look?": nothing happens

    @model_validator(mode="after")
    def _ask_below_answer(self) -> Detection:
        if self.ask_threshold > self.answer_threshold:
            raise ValueError("detection.ask_threshold must not be above detection.answer_threshold")
        return self


class Ingest(_Section):
    batch_size: int = Field(500, ge=1, le=50_000)
    flush_interval_seconds: float = Field(2.0, gt=0, le=300)
    retention_days: int = Field(365, ge=1, le=3650)
    conversation_gap_minutes: float = Field(5.0, gt=0, le=240)
    member_leave: Literal["keep", "purge"] = "keep"
    max_pending: int = Field(200_000, ge=1_000, le=10_000_000)
    max_parked: int = Field(10_000, ge=1, le=1_000_000)  # demands and withdrawals held while the database is away
    retry_max_seconds: float = Field(30.0, gt=0, le=600)  # longest wait between retries during an outage


def _template_errors(section: str, templates: Mapping[str, str], allowed: Mapping[str, frozenset[str]]) -> None:
    for key, template in templates.items():
        if key not in allowed:
            raise ValueError(f"{section}.{key}: unknown key; expected one of {', '.join(sorted(allowed))}")
        try:
            unknown = unknown_fields(template, allowed[key])
        except ValueError as error:
            raise ValueError(f"{section}.{key}: malformed template: {error}") from None
        if unknown:
            raise ValueError(
                f"{section}.{key}: template names unknown field(s) {', '.join('{' + f + '}' for f in sorted(unknown))};"
                f" allowed: {', '.join('{' + f + '}' for f in sorted(allowed[key])) or 'none'}"
            )


_DEFAULT_PUBLIC = {
    "connect": "{requester}, you and {target} already engage with each other: that's a real connection.",
    "propose": "{requester}, I've asked {target} whether they'd like to connect. It's their call.",
    "decline": "{requester}, not yet: connections here grow from conversations, not follow-for-follow."
               " Tap **Why?** for what would change that.",
    "already_following": "{requester}, good news: {target} already follows you.",
    "opted_out": "{requester}, {target} isn't taking follow requests right now.",
    "cooldown": "{requester}, my answer about {target} hasn't changed since you last asked.",
    "self": "{requester}, you can't follow yourself back, but I admire the confidence.",
    "bot": "{requester}, I don't follow anyone: I'm here to help people connect, not to be followed.",
    "capped": "{requester}, that's all the demands I'll answer for you today. Let's talk again tomorrow.",
    "quota": "{requester}, {target} isn't taking new connections this week. No hard feelings.",
}
_DEFAULT_PRIVATE = {
    "connect": "You and {target} have engaged with each other over the last {window_days} days:",
    "propose": "You have engaged with {target}; they have not engaged back yet, so they decide:",
    "decline": "Here is what I found between you and {target} over the last {window_days} days:",
    "already_following": "{target} already follows you:",
    "opted_out": "{target} chose who may send them follow requests:",
    "cooldown": "You asked about {target} a moment ago; the answer stands:",
    "self": "That demand was aimed at yourself:",
    "bot": "That demand was aimed at me:",
    "capped": "You reached today's limit of demands:",
    "quota": "{target} isn't taking new connections this week:",
}
_DEFAULT_REASONS = {
    "self_demand": "you mentioned yourself as the one to follow back.",
    "bot_follows_nobody": "I follow nobody; a follow from a bot would mean nothing.",
    "target_takes_no_requests": "{target} takes no follow requests at the moment.",
    "target_takes_requests_from_engaged_only": "{target} takes requests only from people they have engaged with.",
    "asked_recently": "asked again within {cooldown_minutes} minutes; ask again in {minutes_left} minutes.",
    "target_already_follows": "{target} follows you already.",
    "mutual_engagement": "your engagement scores {score_out} and theirs {score_in}; the policy asks {needed} each.",
    "target_engaged": "{target}'s engagement with you scores {score_in}; the policy asks {needed}.",
    "one_sided_engagement": "your engagement scores {score_out}, theirs {score_in}; mutual asks {needed} each.",
    "not_enough_engagement": "your engagement with {target} scores {score_out} ({interactions_out} interactions"
                             " in {window_days} days); the policy asks at least {needed}.",
    "new_member": "you were first seen here {days_known} days ago; the policy asks {needed} days.",
    "low_activity": "you made {activity} interactions in {window_days} days; the policy asks {needed}.",
    "follow_is_not_engagement": "following {target} is not engaging with them: it does not count.",
    "daily_cap_reached": "you made {demands_today} demands today; the limit is {cap}.",
    "target_own_bar": "{target} asks for more back-and-forth than this server's default before connecting.",
    "target_quota_reached": "{target} has taken all the new connections they want this week; you may ask again"
                            " next week.",
}


class Replies(_Section):
    public: dict[str, str] = Field(default_factory=lambda: dict(_DEFAULT_PUBLIC))
    private: dict[str, str] = Field(default_factory=lambda: dict(_DEFAULT_PRIVATE))
    reasons: dict[str, str] = Field(default_factory=lambda: dict(_DEFAULT_REASONS))
    how_to_earn: str = "A way to get there: reply to {target}'s posts in {channel} and join the conversation."
    how_to_earn_anywhere: str = "A way to get there: reply to {target}'s posts and join their conversations."
    suggestions: str = "You already have real conversations with {members}: a connection there would be genuine."
    terms: str = DEFAULT_TERMS_QUOTE

    @model_validator(mode="after")
    def _check_templates(self) -> Self:
        outcomes = [outcome.value for outcome in Outcome]
        _template_errors("public", self.public, dict.fromkeys(outcomes, PUBLIC_FIELDS))
        _template_errors("private", self.private, dict.fromkeys(outcomes, PRIVATE_FIELDS))
        _template_errors("reasons", self.reasons, {c: f | NAME_FIELDS for c, f in REASON_FIELDS.items()})
        _template_errors("how_to_earn", {"": self.how_to_earn}, {"": HOW_TO_EARN_FIELDS})
        _template_errors("how_to_earn_anywhere", {"": self.how_to_earn_anywhere}, {"": NAME_FIELDS})
        _template_errors("suggestions", {"": self.suggestions}, {"": frozenset({"members"})})
        _template_errors("terms", {"": self.terms}, {"": TERMS_FIELDS})
        return self

    @field_validator("public", "private", "reasons", mode="before")
    @classmethod
    def _overlay_defaults(cls, value: object, info: Any) -> object:
        """A file may restyle some texts and keep the rest: its entries overlay the defaults."""
        defaults = {"public": _DEFAULT_PUBLIC, "private": _DEFAULT_PRIVATE, "reasons": _DEFAULT_REASONS}
        return {**defaults[info.field_name], **value} if isinstance(value, dict) else value

    def templates(self) -> Templates:
        return Templates(self.public, self.private, self.reasons, self.how_to_earn, self.how_to_earn_anywhere,
                         self.suggestions, self.terms)


class Listen(_Section):
    member_mentions: bool = False


class Scope(_Section):
    """Where the bot listens and replies, and how it replies."""

    allow_channels: tuple[int, ...] = Field((), strict=False)  # empty: everywhere not denied
    deny_channels: tuple[int, ...] = Field((), strict=False)
    allow_categories: tuple[int, ...] = Field((), strict=False)
    deny_categories: tuple[int, ...] = Field((), strict=False)
    reply_mode: Literal["channel", "thread", "dm"] = "channel"


class Audit(_Section):
    channel_id: int | None = None  # the moderators' channel for verdicts and alerts; None: no audit posts
    digest_threshold: int = Field(5, ge=1, le=1000)  # more entries than this per window become one digest
    digest_window_seconds: float = Field(60.0, ge=1, le=3600)
    dry_run_days: int = Field(30, ge=1, le=365)  # /quidpro policy simulate replays this many days by default
    dry_run_max_demands: int = Field(2000, ge=1, le=100_000)  # ...at most this many (the latest), to answer quickly


class Connections(_Section):
    expire_days: float = Field(7.0, gt=0, le=90)  # an unanswered request expires quietly after this
    max_suggestions: int = Field(3, ge=0, le=10)


class Privacy(_Section):
    member_grace_days: float = Field(7.0, ge=0, le=365)  # a member who left is purged after this
    guild_grace_days: float = Field(30.0, ge=0, le=365)  # a guild that removed the bot is purged after this


class Backfill(_Section):
    default_days: int = Field(30, ge=1, le=365)
    max_days: int = Field(90, ge=1, le=365)
    reactions: bool = True  # also read who reacted: one extra request per emoji on messages that have reactions
    progress_seconds: float = Field(2.0, ge=0.2, le=60)  # how often the progress message is edited
    resume_on_start: bool = True  # a backfill interrupted by a restart carries on by itself


class CatchUp(_Section):
    """After a gap the gateway cannot replay (a new session, a restart, kill -9): read what was said meanwhile."""

    enabled: bool = True
    window_hours: float = Field(24.0, gt=0, le=14 * 24)  # only channels with a message this recent; no older history
    answer_within_minutes: float = Field(10.0, ge=0, le=24 * 60)  # younger demands are answered, older ones recorded
    max_requests: int = Field(200, ge=1, le=10_000)  # REST requests (history pages, reaction lists) per new session


class Health(_Section):
    heartbeat_file: str = "data/heartbeat.json"
    max_age_seconds: int = Field(120, ge=30, le=3600)


class DiscordSettings(_Section):
    sync_guild_id: int | None = None
    non_demand_mention: Literal["help", "silent"] = "help"
    max_targets: int = Field(3, ge=1, le=10)
    guild_ready_timeout: float = Field(2.0, gt=0, le=60)
    shutdown_drain_seconds: float = Field(2.0, ge=0, le=30)
    identify_spacing_seconds: float = Field(5.0, ge=0, le=60)  # Discord's; tests shorten it
    reply_retry_seconds: float = Field(120.0, ge=0, le=3600)  # how long a reply refused with 5xx is retried


class LoggingSettings(_Section):
    format: Literal["keyvalue", "json"] = "keyvalue"
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class WebSettings(_Section):
    """The moderators' dashboard inside `quidprono run` (it also runs alone: `quidprono web`)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)


class MetricsSettings(_Section):
    """Prometheus `/metrics` of each bot process: off by default, and only on this machine unless set."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(9108, ge=0, le=65535)


class Settings(_Section):
    policy: Policy = Policy()
    detection: Detection = Detection()
    replies: Replies = Replies()
    ingest: Ingest = Ingest()
    listen: Listen = Listen()
    scope: Scope = Scope()
    audit: Audit = Audit()
    connections: Connections = Connections()
    privacy: Privacy = Privacy()
    backfill: Backfill = Backfill()
    catchup: CatchUp = CatchUp()
    discord: DiscordSettings = DiscordSettings()
    logging: LoggingSettings = LoggingSettings()
    health: Health = Health()
    web: WebSettings = WebSettings()
    metrics: MetricsSettings = MetricsSettings()
